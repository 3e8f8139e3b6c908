"""Celery tasks of finance. Each takes ids and calls an idempotent service."""

import logging

from celery import shared_task

from finance.services.posting import order_cancel_settle, order_part_settle

logger = logging.getLogger(__name__)


@shared_task
def order_part_settle_task(assignment_id: int) -> int:
    outcome = order_part_settle(assignment_id=assignment_id)
    return outcome.posted


@shared_task
def orders_cancel_settle_task(order_ids: list[int]) -> int:
    """Reverse the posted parts of the canceled orders among `order_ids`.

    Orders never invoiced through finance cost one indexed query each.
    """
    from finance.models import OrderRoles
    from orders.models import Order

    canceled = (
        Order.objects.filter(pk__in=order_ids, status="canceled")
        .filter(pk__in=OrderRoles.objects.values("order_id"))
        .values_list("pk", flat=True)
    )
    posted = 0
    for order_id in canceled:
        posted += order_cancel_settle(order_id=order_id)
    if posted:
        logger.info("Posted %d cancellations for %d orders", posted, len(order_ids))
    return posted
