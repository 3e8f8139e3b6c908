import logging

from django.db import transaction
from django.dispatch import receiver

from orders.signals import orders_stored

# Orders routed per task, counting the waiting orders a task takes on. A task
# decides and stores its orders in one transaction that keeps them locked
# until the commit, and docs/benchmarks.md records how long a batch of this
# size takes.
ROUTE_BATCH = 200

logger = logging.getLogger(__name__)


@receiver(orders_stored)
def route_stored_orders(sender, order_ids, source, **kwargs):
    from routing.tasks import orders_route_task

    for start in range(0, len(order_ids), ROUTE_BATCH):
        batch = order_ids[start : start + ROUTE_BATCH]
        transaction.on_commit(
            lambda batch=batch: orders_route_task.delay(batch, source)
        )


@receiver(orders_stored)
def flag_canceled_fulfilled_parts(sender, order_ids, source, **kwargs):
    """Flag the parts that had left the shelf when VTEX canceled their order.

    `orders_stored` arrives after the orders' transaction committed, so a
    failure here is logged and leaves the orders stored. The flag is one query
    for the whole batch when no order was canceled.
    """
    from routing.services.assignments import assignments_flag_canceled_orders

    try:
        with transaction.atomic():
            assignments_flag_canceled_orders(order_ids=order_ids)
    except Exception:
        logger.exception(
            "Flagging the fulfilled parts of canceled orders failed for %d "
            "orders from %s",
            len(order_ids),
            source,
        )
