"""The one idempotent step every way in converges on: fetch an order's document
from VTEX and upsert it.

VTEX delivers notifications at least once and out of order, so the stored order
only moves forward: a document whose `lastChange` is older than the stored one is
ignored, and an identical document changes nothing.

Documents are stored in batches with a constant number of statements per batch:
the hook stores a batch of one, the backfill batches of `STORE_BATCH`.
"""

import enum
import hashlib
import json
import logging
from dataclasses import fields

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
    QuarantinedDocument,
)
from orders.services.locations import LocationIndex
from orders.services.quarantine import quarantine_put
from orders.signals import orders_stored
from orders.templatetags.orders_display import VTEX_STATUS_LABELS
from orders.vtex.client import VtexClient, VtexNotFound
from orders.vtex.parser import (
    DocumentError,
    ParsedOrder,
    document_loads,
    parse_order_document,
)

logger = logging.getLogger(__name__)

ORDER_FIELDS = [
    field.name
    for field in Order._meta.concrete_fields
    if field.name not in {"id", "created_at", "updated_at"}
]
CHILD_MODELS = (OrderItem, OrderTotal, OrderPayment, OrderPackage)
# Orders stored per transaction by the backfill; each batch costs about ten
# statements whatever its size, and holds its row locks until it commits.
STORE_BATCH = 50
# A batch that collides with a concurrent insert of the same order is retried.
STORE_ATTEMPTS = 3


class Outcome(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    STALE = "stale"
    QUARANTINED = "quarantined"
    NOT_FOUND = "not_found"


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
    outcomes = orders_store_documents(
        documents=[(vtex_order_id, text)], source=source, locations=locations
    )
    return outcomes[vtex_order_id]


def orders_store_documents(
    *,
    documents: list[tuple[str, str]],
    source: str,
    locations: LocationIndex | None = None,
) -> dict[str, Outcome]:
    """Parse and store (order id, body) pairs; return each order's outcome.

    A body that cannot be parsed is quarantined with the reason and the others
    are stored. When the same order appears twice, the later body wins.
    """
    outcomes: dict[str, Outcome] = {}
    parsed_by_id: dict[str, ParsedOrder] = {}
    for vtex_order_id, text in documents:
        try:
            parsed = _parse(vtex_order_id, text)
        except DocumentError as error:
            with transaction.atomic():
                quarantine_put(
                    vtex_order_id=vtex_order_id,
                    text=text,
                    reason=str(error),
                    source=source,
                )
            parsed_by_id.pop(vtex_order_id, None)
            outcomes[vtex_order_id] = Outcome.QUARANTINED
            continue
        parsed_by_id[vtex_order_id] = parsed
        outcomes.pop(vtex_order_id, None)

    if parsed_by_id:
        locations = locations or LocationIndex.load()
        outcomes.update(
            _upsert_with_retry(list(parsed_by_id.values()), source, locations)
        )
    return outcomes


def _parse(vtex_order_id: str, text: str) -> ParsedOrder:
    parsed = parse_order_document(document_loads(text))
    if parsed.vtex_order_id != vtex_order_id:
        raise DocumentError(
            f"orderId: the document is for {parsed.vtex_order_id!r}, "
            f"expected {vtex_order_id!r}"
        )
    if parsed.status and parsed.status not in VTEX_STATUS_LABELS:
        # Stored as it is, because VTEX adds statuses now and then and
        # quarantining the order would stop its routing and finance. Routing
        # takes only the statuses listed in ROUTABLE_STATUSES.
        logger.warning(
            "VTEX order %s has status %r, which Ponte does not know",
            vtex_order_id,
            parsed.status,
        )
    # The body's own bytes identify a repeat: VTEX serves an unchanged order
    # with the same body, and a reordered body costs only a needless update.
    parsed.raw_sha256 = hashlib.sha256(text.encode()).hexdigest()
    # Stored with plain JSON numbers; the parsed columns keep exact decimals.
    parsed.raw = json.loads(text)
    return parsed


def _upsert_with_retry(
    batch: list[ParsedOrder], source: str, locations: LocationIndex
) -> dict[str, Outcome]:
    for attempt in range(1, STORE_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                return _orders_upsert(batch, source, locations)
        except IntegrityError:
            # Another worker inserted one of these orders between our locking
            # read and our insert. The next attempt finds and locks its row.
            if attempt == STORE_ATTEMPTS:
                raise
            logger.info(
                "Order batch of %d collided with a concurrent insert, retrying",
                len(batch),
            )
    raise AssertionError("unreachable")


def _orders_upsert(
    batch: list[ParsedOrder], source: str, locations: LocationIndex
) -> dict[str, Outcome]:
    ids = sorted(parsed.vtex_order_id for parsed in batch)
    # Rows are locked in VTEX id order, so two batches that share orders wait
    # for each other instead of deadlocking.
    existing = {
        order.vtex_order_id: order
        for order in Order.objects.select_for_update()
        .filter(vtex_order_id__in=ids)
        .order_by("vtex_order_id")
    }
    outcomes: dict[str, Outcome] = {}
    created, updated, status_changes = [], [], []

    for parsed in batch:
        order = existing.get(parsed.vtex_order_id)
        if order is None:
            created.append((Order(**_order_values(parsed)), parsed))
            outcomes[parsed.vtex_order_id] = Outcome.CREATED
            continue
        outcome = _order_apply(order, parsed)
        outcomes[parsed.vtex_order_id] = outcome
        if outcome is Outcome.UPDATED:
            updated.append((order, parsed))

    Order.objects.bulk_create([order for order, _ in created])
    if updated:
        Order.objects.bulk_update([order for order, _ in updated], ORDER_FIELDS)
        _children_delete([order.pk for order, _ in updated])

    written = created + updated
    _children_write(written, locations)
    for order, parsed in written:
        previous = getattr(order, "_previous_status", "")
        if order.status != previous:
            status_changes.append(
                OrderStatusChange(
                    order=order,
                    from_status=previous,
                    to_status=order.status,
                    changed_at=parsed.last_change,
                    source=source,
                )
            )
    OrderStatusChange.objects.bulk_create(status_changes)
    if written:
        stored_ids = [order.pk for order, _ in written]
        transaction.on_commit(
            lambda: orders_stored.send(
                sender=Order, order_ids=stored_ids, source=source
            )
        )
        QuarantinedDocument.objects.filter(
            vtex_order_id__in=[order.vtex_order_id for order, _ in written]
        ).delete()
    return outcomes


def _order_apply(order: Order, parsed: ParsedOrder) -> Outcome:
    """Copy a newer document onto a stored order; return what happened."""
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

    order._previous_status = order.status
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
    return Outcome.UPDATED


def _order_values(parsed: ParsedOrder) -> dict:
    return {name: getattr(parsed, name) for name in ORDER_FIELDS}


def _children_delete(order_ids: list[int]) -> None:
    for model in CHILD_MODELS:
        model.objects.filter(order_id__in=order_ids).delete()
    OrderLocation.objects.filter(
        order_id__in=order_ids,
        reason__in=OrderLocation.DOCUMENT_REASONS,
    ).delete()


def _children_write(written: list[tuple[Order, ParsedOrder]], locations) -> None:
    items, totals, payments, packages, links = [], [], [], [], []
    for order, parsed in written:
        items += [OrderItem(order=order, **_values(item)) for item in parsed.items]
        totals += [OrderTotal(order=order, **_values(total)) for total in parsed.totals]
        payments += [
            OrderPayment(order=order, **_values(payment)) for payment in parsed.payments
        ]
        packages += [
            OrderPackage(order=order, **_values(package)) for package in parsed.packages
        ]
        links += [
            OrderLocation(order=order, location_id=pk, reason=reason)
            for pk, reason in sorted(locations.links_for(parsed))
        ]
    for model, rows in (
        (OrderItem, items),
        (OrderTotal, totals),
        (OrderPayment, payments),
        (OrderPackage, packages),
        (OrderLocation, links),
    ):
        model.objects.bulk_create(rows)


def _values(parsed_row) -> dict:
    """Return a parsed dataclass as keyword arguments, without asdict's deep copy."""
    return {field.name: getattr(parsed_row, field.name) for field in fields(parsed_row)}
