"""Celery tasks of the VTEX sync. Each takes ids, is idempotent, and calls a service."""

import logging
from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from orders.models import TERMINAL_STATUSES, Order, QuarantinedDocument
from orders.services.backfill import orders_backfill
from orders.services.feed import feed_drain
from orders.services.locations import LocationIndex
from orders.services.refresh import order_refresh
from orders.vtex.client import VtexClient, VtexError

logger = logging.getLogger(__name__)

# Open orders re-read per reconciliation run. Each costs one Get order call,
# so a full batch takes minutes (an estimate: VTEX's latency decides).
RECONCILE_BATCH = 20_000
# Quarantined documents re-fetched per run.
QUARANTINE_RETRY_BATCH = 500


@shared_task(
    bind=True,
    autoretry_for=(VtexError,),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=10,
)
def order_refresh_task(self, vtex_order_id: str, source: str = "hook") -> str:
    return str(order_refresh(vtex_order_id=vtex_order_id, source=source))


@shared_task
def feed_poll_task() -> dict:
    summary = feed_drain()
    return summary.__dict__


@shared_task
def reconcile_open_orders_task(lookback_hours: int = 26) -> dict:
    """Re-read every open order and list the last day again, to correct drift.

    The listing window reaches back further than a day because VTEX's list
    index lags a few minutes behind the orders themselves.
    """
    client = VtexClient.from_settings()
    locations = LocationIndex.load()
    open_ids = list(
        Order.objects.exclude(status__in=TERMINAL_STATUSES)
        .order_by("last_change")
        .values_list("vtex_order_id", flat=True)[:RECONCILE_BATCH]
    )
    corrected = failed = 0
    for order_id in open_ids:
        try:
            outcome = order_refresh(
                vtex_order_id=order_id,
                source="reconcile",
                client=client,
                locations=locations,
            )
        except VtexError as error:
            failed += 1
            logger.warning("Reconciliation could not refresh %s: %s", order_id, error)
            continue
        corrected += outcome == "updated"
    until = timezone.now()
    listing = orders_backfill(
        since=until - timedelta(hours=lookback_hours),
        until=until,
        client=client,
        source="reconcile",
        workers=1,
    )
    result = {
        "open_orders": len(open_ids),
        "corrected": corrected,
        "failed": failed,
        "listed": listing.listed,
        "missing_found": listing.created,
    }
    logger.info("Reconciliation finished: %s", result)
    return result


@shared_task
def quarantine_retry_task() -> dict:
    """Fetch quarantined orders again; a document VTEX has fixed is stored."""
    client = VtexClient.from_settings()
    ids = list(
        QuarantinedDocument.objects.order_by("updated_at").values_list(
            "vtex_order_id", flat=True
        )[:QUARANTINE_RETRY_BATCH]
    )
    outcomes: dict[str, int] = {}
    for order_id in ids:
        try:
            outcome = str(
                order_refresh(vtex_order_id=order_id, source="reconcile", client=client)
            )
        except VtexError as error:
            outcome = "failed"
            logger.warning("Quarantine retry of %s failed: %s", order_id, error)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    logger.info("Quarantine retry finished: %s", outcomes)
    return outcomes


@shared_task
def outbox_send_task(call_id: int) -> str:
    from orders.services.outbox import outbox_send

    return str(outbox_send(call_id=call_id))


@shared_task
def outbox_sweep_task() -> int:
    """Send every due call: retries after backoff and calls whose task was lost."""
    from orders.services.outbox import outbox_due_ids, outbox_send

    ids = outbox_due_ids()
    for call_id in ids:
        outbox_send(call_id=call_id)
    return len(ids)
