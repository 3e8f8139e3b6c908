"""Drain VTEX's orders feed (v3).

Each event's handle is committed only after its order is stored, so a worker
killed mid-batch loses nothing: uncommitted events reappear at VTEX after the
feed's visibility timeout. Events Ponte has no use for are committed too, or
they would come back forever.
"""

import logging
import time
from dataclasses import dataclass

from orders.models import Order
from orders.services.locations import LocationIndex
from orders.services.refresh import Outcome, order_refresh
from orders.vtex.client import VtexClient, VtexError
from orders.vtex.parser import DocumentError, parse_vtex_datetime

logger = logging.getLogger(__name__)

# VTEX serves at most 10 events per read.
FEED_MAX_LOT = 10


@dataclass
class FeedSummary:
    events: int = 0
    refreshed: int = 0
    ignored: int = 0
    failed: int = 0
    committed: int = 0


def feed_drain(*, client: VtexClient | None = None, max_lots: int = 50) -> FeedSummary:
    """Read and process up to `max_lots` lots of 10 events.

    Stops early when the feed is empty or when an order cannot be fetched."""
    client = client or VtexClient.from_settings()
    locations = LocationIndex.load()
    summary = FeedSummary()
    started = time.monotonic()
    for _ in range(max_lots):
        events = client.feed_read(max_lot=FEED_MAX_LOT)
        if not events:
            break
        lot_failed = _lot_process(events, client, locations, summary)
        if lot_failed:
            break
    logger.info(
        "Feed drained: %d events, %d refreshed, %d ignored, %d failed, "
        "%d handles committed in %.0f ms",
        summary.events,
        summary.refreshed,
        summary.ignored,
        summary.failed,
        summary.committed,
        (time.monotonic() - started) * 1000,
    )
    return summary


def _lot_process(
    events: list[dict], client: VtexClient, locations: LocationIndex, summary
) -> bool:
    handles = []
    refreshed_in_lot: set[str] = set()
    failed = False
    for event in events:
        summary.events += 1
        handle = event.get("handle")
        if not handle:
            logger.warning("Feed event without a handle ignored: %r", event)
            continue
        order_id = event.get("orderId") or ""
        reason = _ignore_reason(event, order_id, refreshed_in_lot)
        if reason:
            logger.debug("Feed event %s ignored: %s", event.get("eventId"), reason)
            summary.ignored += 1
            handles.append(handle)
            continue
        try:
            outcome = order_refresh(
                vtex_order_id=order_id,
                source="feed",
                client=client,
                locations=locations,
            )
        except VtexError as error:
            # Not committed: VTEX shows the event again after its visibility timeout.
            logger.warning("Feed event for order %s not processed: %s", order_id, error)
            summary.failed += 1
            failed = True
            continue
        refreshed_in_lot.add(order_id)
        summary.refreshed += outcome is not Outcome.NOT_FOUND
        handles.append(handle)
    client.feed_commit(handles)
    summary.committed += len(handles)
    return failed


def _ignore_reason(event: dict, order_id: str, refreshed_in_lot: set[str]) -> str:
    if not order_id:
        return "no orderId"
    if order_id in refreshed_in_lot:
        return "order already refreshed in this lot"
    last_change = event.get("lastChange")
    if not isinstance(last_change, str):
        return ""
    try:
        event_change = parse_vtex_datetime(last_change, "lastChange")
    except DocumentError:
        return ""
    stored_change = (
        Order.objects.filter(vtex_order_id=order_id)
        .values_list("last_change", flat=True)
        .first()
    )
    if stored_change is not None and event_change < stored_change:
        return "older than the stored order"
    return ""
