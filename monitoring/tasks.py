"""Celery tasks of monitoring. Each is idempotent and calls a service."""

import logging

from celery import shared_task
from django.db import DatabaseError

from monitoring.services.delivery import (
    DeliveryFailed,
    deliveries_stale_fail,
    delivery_send,
)
from monitoring.services.evaluation import rules_evaluate
from monitoring.services.notifications import (
    deliveries_due,
    notification_plan,
    offers_expiring_notify,
)
from monitoring.services.sync_health import sync_check

logger = logging.getLogger(__name__)


@shared_task
def monitoring_tick_task() -> dict:
    """Run every minute: look at VTEX, evaluate every rule, notify offers about
    to expire and send the deliveries that are due (retries, quiet hours)."""
    result = {}
    try:
        check = sync_check()
        result["sync_check"] = check.pk if check else None
    except DatabaseError:
        logger.exception("Sync check failed")
    result["alerts"] = dict(rules_evaluate())
    result["offers_expiring"] = offers_expiring_notify()
    due = deliveries_due()
    for delivery_id in due:
        delivery_deliver_task.delay(delivery_id)
    result["deliveries_queued"] = len(due)
    return result


@shared_task
def rules_evaluate_task(kinds: list[str] | None = None) -> dict:
    return dict(rules_evaluate(kinds=kinds))


@shared_task
def notifications_deliver_task(notification_ids: list[int]) -> int:
    """Choose the recipients of each notification and queue its deliveries."""
    queued = 0
    for notification_id in notification_ids:
        for delivery_id in notification_plan(notification_id=notification_id):
            delivery_deliver_task.delay(delivery_id)
            queued += 1
    return queued


@shared_task(bind=True, max_retries=None)
def delivery_deliver_task(self, delivery_id: int) -> str:
    try:
        return delivery_send(delivery_id=delivery_id)
    except DeliveryFailed as failure:
        # The row is pending again with its next attempt time; the retry
        # finds it due then. The tick sends it too if this retry is lost.
        if self.request.is_eager:
            return "retry"
        raise self.retry(countdown=failure.retry_in.total_seconds()) from None


@shared_task
def deliveries_stale_fail_task() -> int:
    """Mark failed the deliveries whose worker died while sending them."""
    return deliveries_stale_fail()
