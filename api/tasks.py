"""Celery tasks of the webhook outbox. Each takes ids and is idempotent."""

from celery import shared_task

from api.idempotency import idempotency_records_purge
from api.webhooks import deliveries_due, delivery_send


@shared_task
def webhook_deliver_task(delivery_id: int) -> str:
    return delivery_send(delivery_id=delivery_id)


@shared_task
def webhooks_sweep_task() -> int:
    """Run every minute: send the deliveries whose next attempt is due."""
    due = deliveries_due()
    for delivery_id in due:
        webhook_deliver_task.delay(delivery_id)
    return len(due)


@shared_task
def idempotency_records_purge_task() -> int:
    """Run every hour: delete idempotency records past their retention."""
    return idempotency_records_purge()
