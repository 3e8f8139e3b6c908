"""The one idempotent step every way in converges on: fetch an order's document
from VTEX and upsert it.

VTEX delivers notifications at least once and out of order, so the stored order
only moves forward: a document whose `lastChange` is older than the stored one is
ignored, and an identical document changes nothing.
"""

import enum
import logging
from dataclasses import asdict

from django.db import IntegrityError, transaction

from orders.models import (
    TERMINAL_STATUSES,
    Order,
    OrderItem,
    OrderLocation,
    OrderPackage,
    OrderPayment,
    OrderStatusChange,
    OrderTotal,
)
from orders.services.locations import LocationIndex
from orders.services.quarantine import quarantine_clear, quarantine_put
from orders.vtex.client import VtexClient, VtexNotFound
from orders.vtex.parser import (
    DocumentError,
    ParsedOrder,
    document_jsonable,
    document_loads,
    parse_order_document,
)

logger = logging.getLogger(__name__)

ORDER_FIELDS = [
    field.name
    for field in Order._meta.concrete_fields
    if field.name not in {"id", "created_at", "updated_at"}
]


class Outcome(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    STALE = "stale"
    QUARANTINED = "quarantined"
    NOT_FOUND = "not_found"

    @property
    def stored(self) -> bool:
        """The order is in the database as VTEX last described it."""
        return self in (
            Outcome.CREATED,
            Outcome.UPDATED,
            Outcome.UNCHANGED,
            Outcome.STALE,
        )


def order_refresh(
    *,
    vtex_order_id: str,
    source: str,
    client: VtexClient | None = None,
    locations: LocationIndex | None = None,
) -> Outcome:
    """Fetch the order from VTEX and store it. Raises VtexError when VTEX fails
    after its retries, so the caller can retry later; every other problem with
    the document quarantines it and returns QUARANTINED."""
    client = client or VtexClient.from_settings()
    try:
        text = client.get_order_text(vtex_order_id)
    except VtexNotFound:
        logger.warning("VTEX order %s not found (source %s)", vtex_order_id, source)
        return Outcome.NOT_FOUND
    return order_store_document(
        vtex_order_id=vtex_order_id, text=text, source=source, locations=locations
    )


def order_store_document(
    *,
    vtex_order_id: str,
    text: str,
    source: str,
    locations: LocationIndex | None = None,
) -> Outcome:
    try:
        parsed = parse_order_document(document_loads(text))
        if parsed.vtex_order_id != vtex_order_id:
            raise DocumentError(
                f"orderId: the document is for {parsed.vtex_order_id!r}, "
                f"expected {vtex_order_id!r}"
            )
    except DocumentError as error:
        with transaction.atomic():
            quarantine_put(
                vtex_order_id=vtex_order_id, text=text, reason=str(error), source=source
            )
        return Outcome.QUARANTINED

    parsed.raw = document_jsonable(parsed.raw)
    with transaction.atomic():
        outcome = _order_upsert(parsed, source, locations or LocationIndex.load())
        if outcome in (Outcome.CREATED, Outcome.UPDATED):
            quarantine_clear(vtex_order_id=vtex_order_id)
    logger.debug("VTEX order %s %s from %s", vtex_order_id, outcome, source)
    return outcome


def _order_upsert(
    parsed: ParsedOrder, source: str, locations: LocationIndex
) -> Outcome:
    order = (
        Order.objects.select_for_update()
        .filter(vtex_order_id=parsed.vtex_order_id)
        .first()
    )
    if order is None:
        try:
            with transaction.atomic():
                order = Order.objects.create(**_order_values(parsed))
        except IntegrityError:
            # Another worker created it between our read and insert; take its
            # row lock and treat this document as an update.
            order = Order.objects.select_for_update().get(
                vtex_order_id=parsed.vtex_order_id
            )
        else:
            _children_write(order, parsed, locations)
            _status_record(order, "", parsed, source)
            return Outcome.CREATED

    if parsed.last_change < order.last_change:
        logger.info(
            "Ignored stale VTEX order %s: lastChange %s is older than stored %s",
            order.vtex_order_id,
            parsed.last_change.isoformat(),
            order.last_change.isoformat(),
        )
        return Outcome.STALE
    if parsed.raw_sha256 == order.raw_sha256:
        return Outcome.UNCHANGED

    previous_status = order.status
    values = _order_values(parsed)
    if order.is_terminal and parsed.status not in TERMINAL_STATUSES:
        # invoiced and canceled are final at VTEX; later changes to such an
        # order are financial adjustments, so the status stays where it is.
        logger.warning(
            "VTEX order %s: kept terminal status %s over %r",
            order.vtex_order_id,
            order.status,
            parsed.status,
        )
        values["status"] = order.status
    for name, value in values.items():
        setattr(order, name, value)
    order.save()
    _children_delete(order)
    _children_write(order, parsed, locations)
    _status_record(order, previous_status, parsed, source)
    return Outcome.UPDATED


def _order_values(parsed: ParsedOrder) -> dict:
    return {
        name: getattr(parsed, name) for name in ORDER_FIELDS if hasattr(parsed, name)
    }


def _status_record(order: Order, previous: str, parsed: ParsedOrder, source: str):
    if order.status == previous:
        return
    OrderStatusChange.objects.create(
        order=order,
        from_status=previous,
        to_status=order.status,
        changed_at=parsed.last_change,
        source=source,
    )


def _children_delete(order: Order) -> None:
    for model in (OrderItem, OrderTotal, OrderPayment, OrderPackage):
        model.objects.filter(order=order).delete()
    OrderLocation.objects.filter(
        order=order, reason__in=[choice.value for choice in OrderLocation.Reason]
    ).delete()


def _children_write(order: Order, parsed: ParsedOrder, locations: LocationIndex):
    OrderItem.objects.bulk_create(
        OrderItem(order=order, **asdict(item)) for item in parsed.items
    )
    OrderTotal.objects.bulk_create(
        OrderTotal(order=order, **asdict(total)) for total in parsed.totals
    )
    OrderPayment.objects.bulk_create(
        OrderPayment(order=order, **asdict(payment)) for payment in parsed.payments
    )
    OrderPackage.objects.bulk_create(
        OrderPackage(order=order, **asdict(package)) for package in parsed.packages
    )
    OrderLocation.objects.bulk_create(
        OrderLocation(order=order, location_id=pk, reason=reason)
        for pk, reason in sorted(locations.links_for(parsed))
    )
