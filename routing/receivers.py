from django.db import transaction
from django.dispatch import receiver

from orders.signals import orders_stored

# Orders routed per task. A task decides and stores its orders in one
# transaction that keeps them locked until the commit, and docs/benchmarks.md
# records how long a batch of this size takes.
ROUTE_BATCH = 200


@receiver(orders_stored)
def route_stored_orders(sender, order_ids, source, **kwargs):
    from routing.tasks import orders_route_task

    for start in range(0, len(order_ids), ROUTE_BATCH):
        batch = order_ids[start : start + ROUTE_BATCH]
        transaction.on_commit(
            lambda batch=batch: orders_route_task.delay(batch, source)
        )
