"""The store workflow: each transition is a compare-and-swap on the state.

offered → accepted | rejected | expired; accepted → picking;
picking → ready_for_pickup | shipped; ready_for_pickup | shipped → invoiced;
invoiced → delivered. Rejection and expiry release the stock and route the
part again; an out-of-stock rejection also zeroes the location's stock of the
SKUs the store names as missing.

When VTEX cancels an order, its open parts are canceled
(`routing.services.routing.order_cancel_release`). A part that already left
the shelf (ready for pickup, shipped, invoiced or delivered) keeps its state:
finance reverses its sale, the part gets a history entry that flags it, and
it can no longer be invoiced or marked delivered.
"""

import logging
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Value
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.models import OrderLocation
from orders.services.outbox import order_invoice_enqueue, order_start_handling_enqueue
from routing.models import Assignment, AssignmentEvent, StockLevel
from routing.services.nfe import (
    InvoiceError,
    invoice_number_check,
    invoice_value_check,
    nfe_key_check,
    nfe_key_issuer_cnpj,
)
from routing.services.routing import assignment_release_stock, order_reroute
from routing.services.stock import stock_zero
from routing.signals import assignment_moved_on_commit

logger = logging.getLogger(__name__)
State = Assignment.State

TRANSITIONS: dict[str, tuple[str, ...]] = {
    State.OFFERED: (State.ACCEPTED, State.REJECTED, State.EXPIRED, State.CANCELED),
    State.ACCEPTED: (State.PICKING, State.CANCELED),
    State.PICKING: (State.READY_FOR_PICKUP, State.SHIPPED, State.CANCELED),
    State.READY_FOR_PICKUP: (State.INVOICED,),
    State.SHIPPED: (State.INVOICED,),
    State.INVOICED: (State.DELIVERED,),
}
# `Order.status` of an order VTEX canceled.
ORDER_CANCELED = "canceled"
# Parts that keep their state when VTEX cancels the order, because the goods
# already left the shelf.
FULFILLED_STATES = (
    State.READY_FOR_PICKUP,
    State.SHIPPED,
    State.INVOICED,
    State.DELIVERED,
)
# Moves refused once VTEX canceled the order: VTEX takes no invoice for a
# canceled order, and the goods are to come back rather than reach the
# customer.
BLOCKED_BY_CANCEL = (State.INVOICED, State.DELIVERED)
# `AssignmentEvent.details["reason"]` of the entry that flags a fulfilled
# part of a canceled order. Open parts canceled with the order carry the
# same reason.
ORDER_CANCELED_REASON = "order canceled at VTEX"


class TransitionError(Exception):
    """An assignment cannot make the requested move; the message gives the reason."""


def _move(
    assignment: Assignment, to_state: str, *, user=None, details=None, **fields
) -> Assignment:
    from_state = assignment.state
    if to_state == from_state:
        raise TransitionError(
            _("Assignment %(id)s is already %(state)s.")
            % {
                "id": assignment.pk,
                # Lower case inside the sentence ("já está aceita").
                "state": str(Assignment.State(from_state).label).lower(),
            }
        )
    if to_state not in TRANSITIONS.get(from_state, ()):
        raise TransitionError(
            _("Assignment %(id)s is %(state)s and cannot become %(target)s.")
            % {
                "id": assignment.pk,
                "state": Assignment.State(from_state).label,
                "target": Assignment.State(to_state).label,
            }
        )
    now = timezone.now()
    swap = Assignment.objects.filter(pk=assignment.pk, state=from_state)
    if to_state in BLOCKED_BY_CANCEL:
        # Part of the compare-and-swap, so a cancellation stored meanwhile
        # also stops the move.
        swap = swap.exclude(order__status=ORDER_CANCELED)
    updated = swap.update(state=to_state, updated_at=now, **fields)
    if not updated:
        current = Assignment.objects.select_related("order").get(pk=assignment.pk)
        if current.state == from_state and current.order.status == ORDER_CANCELED:
            raise TransitionError(_canceled_order_error(current, to_state))
        raise TransitionError(
            _("Assignment %(id)s changed to %(state)s meanwhile; reload and retry.")
            % {"id": assignment.pk, "state": Assignment.State(current.state).label}
        )
    AssignmentEvent.objects.create(
        assignment=assignment,
        from_state=from_state,
        to_state=to_state,
        at=now,
        user=user if user is not None and user.is_authenticated else None,
        details=details or {},
    )
    assignment_moved_on_commit(assignment.pk, from_state, to_state)
    assignment.refresh_from_db()
    return assignment


def _canceled_order_error(assignment: Assignment, to_state: str) -> str:
    if to_state == State.DELIVERED:
        return _(
            "Order %(order)s was canceled at VTEX, so assignment %(id)s cannot be "
            "marked delivered. Do not hand over the goods; arrange their return "
            "with HQ."
        ) % {"order": assignment.order.vtex_order_id, "id": assignment.pk}
    return _(
        "Order %(order)s was canceled at VTEX, so assignment %(id)s cannot be "
        "invoiced. Do not issue an NF-e for it; arrange the return of the goods "
        "with HQ."
    ) % {"order": assignment.order.vtex_order_id, "id": assignment.pk}


def _raise_if_order_canceled(assignment: Assignment, to_state: str) -> None:
    """Raise TransitionError before any input check when VTEX canceled the
    order. `_move` checks it again inside the compare-and-swap."""
    canceled = Assignment.objects.filter(
        pk=assignment.pk, order__status=ORDER_CANCELED
    ).exists()
    if canceled:
        raise TransitionError(_canceled_order_error(assignment, to_state))


def assignment_order_canceled(assignment: Assignment) -> bool:
    """Return whether VTEX canceled the order after the part left the shelf,
    so that the part keeps its state but is flagged."""
    return (
        assignment.state in FULFILLED_STATES
        and assignment.order.status == ORDER_CANCELED
    )


def assignments_flag_canceled_orders(*, order_ids: Iterable[int]) -> int:
    """Flag the fulfilled parts of the canceled orders among `order_ids`.

    Each part gets one history entry, from its state to the same state, with
    ORDER_CANCELED_REASON. A part flagged before is skipped, so the call is
    idempotent. No `assignment_moved` is sent, because the state does not
    change. Returns how many parts were flagged.
    """
    flagged = AssignmentEvent.objects.filter(
        assignment_id=OuterRef("pk"),
        to_state=OuterRef("state"),
        details__reason=ORDER_CANCELED_REASON,
    )
    parts = list(
        Assignment.objects.filter(
            order_id__in=list(order_ids),
            order__status=ORDER_CANCELED,
            state__in=FULFILLED_STATES,
        )
        .exclude(Exists(flagged))
        .order_by("pk")
        .values_list("pk", "order_id", "state")
    )
    if not parts:
        return 0
    now = timezone.now()
    AssignmentEvent.objects.bulk_create(
        AssignmentEvent(
            assignment_id=pk,
            from_state=state,
            to_state=state,
            at=now,
            details={"reason": ORDER_CANCELED_REASON},
        )
        for pk, _order_id, state in parts
    )
    for pk, order_id, state in parts:
        logger.warning(
            "Assignment %s of order %s is %s, but VTEX canceled the order",
            pk,
            order_id,
            state,
        )
    return len(parts)


def assignment_accept(*, assignment: Assignment, user=None) -> Assignment:
    """Accept an offer and queue VTEX start-handling, once per order."""
    with transaction.atomic():
        assignment = _move(
            assignment, State.ACCEPTED, user=user, accepted_at=timezone.now()
        )
        order_start_handling_enqueue(order=assignment.order)
    return assignment


def assignment_reject(
    *,
    assignment: Assignment,
    reason: str,
    note: str = "",
    missing_sku_ids: Iterable[str] | None = None,
    user=None,
) -> Assignment:
    """Reject an offer and route the part again.

    For an out-of-stock rejection, `missing_sku_ids` names the SKUs the
    location lacks, and only those are set to zero there. They must be SKUs of
    the part. A caller that names none zeroes every SKU of the part.
    """
    if reason not in Assignment.RejectReason.values:
        raise TransitionError(
            _("Unknown rejection reason %(reason)r.") % {"reason": reason}
        )
    out_of_stock = reason == Assignment.RejectReason.OUT_OF_STOCK
    missing = _missing_skus(assignment, missing_sku_ids) if out_of_stock else []
    details = {"reason": reason, "note": note}
    if out_of_stock:
        details["missing_sku_ids"] = missing
    with transaction.atomic():
        assignment = _move(
            assignment,
            State.REJECTED,
            user=user,
            details=details,
            closed_at=timezone.now(),
            reject_reason=reason,
            reject_note=note[:300],
        )
        _close_and_reroute(assignment, zero_sku_ids=missing, user=user)
    return assignment


def _missing_skus(assignment: Assignment, named: Iterable[str] | None) -> list[str]:
    part_skus = sorted(set(assignment.lines.values_list("sku_id", flat=True)))
    if named is None:
        return part_skus
    named = sorted(set(named))
    if not named:
        raise TransitionError(
            _("Choose the SKUs that are out of stock among %(skus)s.")
            % {"skus": ", ".join(part_skus)}
        )
    unknown = [sku for sku in named if sku not in part_skus]
    if unknown:
        raise TransitionError(
            _("SKU %(unknown)s is not in assignment %(id)s; its SKUs are %(skus)s.")
            % {
                "unknown": ", ".join(unknown),
                "id": assignment.pk,
                "skus": ", ".join(part_skus),
            }
        )
    return named


def assignment_expire(*, assignment: Assignment, now: datetime | None = None) -> bool:
    """Expire an offer past its deadline; False when it moved on meanwhile."""
    now = now or timezone.now()
    with transaction.atomic():
        updated = Assignment.objects.filter(
            pk=assignment.pk, state=State.OFFERED, expires_at__lte=now
        ).update(state=State.EXPIRED, closed_at=now, updated_at=now)
        if not updated:
            return False
        AssignmentEvent.objects.create(
            assignment=assignment,
            from_state=State.OFFERED,
            to_state=State.EXPIRED,
            at=now,
        )
        assignment_moved_on_commit(assignment.pk, State.OFFERED, State.EXPIRED)
        assignment.refresh_from_db()
        _close_and_reroute(assignment, zero_sku_ids=[], user=None)
    return True


def assignments_expire_due(*, now: datetime | None = None, limit: int = 500) -> int:
    now = now or timezone.now()
    due = list(
        Assignment.objects.filter(state=State.OFFERED, expires_at__lte=now).order_by(
            "expires_at", "pk"
        )[:limit]
    )
    return sum(assignment_expire(assignment=a, now=now) for a in due)


def assignment_start_picking(*, assignment: Assignment, user=None) -> Assignment:
    with transaction.atomic():
        return _move(assignment, State.PICKING, user=user, picking_at=timezone.now())


def assignment_mark_ready(*, assignment: Assignment, user=None) -> Assignment:
    with transaction.atomic():
        assignment = _move(
            assignment, State.READY_FOR_PICKUP, user=user, ready_at=timezone.now()
        )
        _consume_stock(assignment)
    return assignment


def assignment_mark_shipped(
    *, assignment: Assignment, carrier: str, tracking_number: str, user=None
) -> Assignment:
    carrier, tracking_number = carrier.strip(), tracking_number.strip()
    if not carrier or not tracking_number:
        raise TransitionError(_("Carrier and tracking number are required to ship."))
    with transaction.atomic():
        assignment = _move(
            assignment,
            State.SHIPPED,
            user=user,
            details={"carrier": carrier, "tracking_number": tracking_number},
            shipped_at=timezone.now(),
            carrier=carrier[:100],
            tracking_number=tracking_number[:100],
        )
        _consume_stock(assignment)
    return assignment


def assignment_mark_invoiced(
    *,
    assignment: Assignment,
    invoice_number: str,
    invoice_key: str,
    invoice_value: Decimal,
    user=None,
) -> Assignment:
    """Record the part's NF-e and queue it for VTEX.

    The key must be a well-formed NF-e or NFC-e access key and the value must
    fit the part (`routing.services.nfe.invoice_range`). A key issued under
    another CNPJ than the location's legal entity is accepted and flagged on
    the assignment for finance.
    """
    _raise_if_order_canceled(assignment, State.INVOICED)
    try:
        invoice_number = invoice_number_check(invoice_number)
        invoice_key = nfe_key_check(invoice_key.strip())
        invoice_value_check(assignment=assignment, value=invoice_value)
    except InvoiceError as error:
        raise TransitionError(str(error)) from None

    issuer_cnpj = nfe_key_issuer_cnpj(invoice_key)
    location_cnpj = assignment.location.legal_entity.cnpj
    mismatch = issuer_cnpj != location_cnpj
    with transaction.atomic():
        assignment = _move(
            assignment,
            State.INVOICED,
            user=user,
            details={"invoice_number": invoice_number, "invoice_key": invoice_key},
            invoiced_at=timezone.now(),
            invoice_number=invoice_number,
            invoice_key=invoice_key,
            invoice_value=invoice_value,
            invoice_issuer_cnpj=issuer_cnpj,
            invoice_issuer_mismatch=mismatch,
        )
        order_invoice_enqueue(
            order=assignment.order,
            invoice_number=invoice_number,
            invoice_key=invoice_key,
            invoice_value_cents=int((invoice_value * 100).to_integral_value()),
            issued_at=assignment.invoiced_at,
            items=_invoice_items(assignment),
            courier=assignment.carrier,
            tracking_number=assignment.tracking_number,
        )
    if mismatch:
        logger.warning(
            "Assignment %s of order %s invoiced under CNPJ %s, not the CNPJ %s "
            "of location %s",
            assignment.pk,
            assignment.order_id,
            issuer_cnpj,
            location_cnpj,
            assignment.location_id,
        )
    return assignment


def assignment_mark_delivered(*, assignment: Assignment, user=None) -> Assignment:
    """Record the delivery; refused when VTEX canceled the order."""
    _raise_if_order_canceled(assignment, State.DELIVERED)
    with transaction.atomic():
        return _move(
            assignment, State.DELIVERED, user=user, delivered_at=timezone.now()
        )


def _close_and_reroute(
    assignment: Assignment, *, zero_sku_ids: list[str], user
) -> None:
    assignment_release_stock(assignment)
    lines = list(assignment.lines.values_list("item_index", "quantity"))
    if zero_sku_ids:
        stock_zero(
            location_id=assignment.location_id,
            sku_ids=zero_sku_ids,
            source=StockLevel.Source.REJECTION,
        )
    outcome = order_reroute(
        order_id=assignment.order_id,
        lines=[tuple(line) for line in lines],
        triggered_by=assignment.state,
        user=user
        if user is not None and getattr(user, "is_authenticated", False)
        else None,
    )
    _unlink_closed_location(assignment)
    logger.info(
        "Assignment %s %s at location %s; part re-routed: %s",
        assignment.pk,
        assignment.state,
        assignment.location_id,
        outcome,
    )


def _unlink_closed_location(assignment: Assignment) -> None:
    """Drop the location's "assigned" link to the order once it has no live
    part of it, so the store no longer sees the order, its customer or other
    stores' parts. The store keeps its own closed assignment, which is scoped
    by location, not by this link."""
    still_live = Assignment.objects.filter(
        order_id=assignment.order_id,
        location_id=assignment.location_id,
        state__in=Assignment.LIVE_STATES,
    ).exists()
    if not still_live:
        OrderLocation.objects.filter(
            order_id=assignment.order_id,
            location_id=assignment.location_id,
            reason=OrderLocation.Reason.ASSIGNED,
        ).delete()


def _consume_stock(assignment: Assignment) -> None:
    """Goods left the shelf: the reserved units leave the quantity too."""
    for line in assignment.lines.all():
        StockLevel.objects.filter(
            location_id=assignment.location_id, sku_id=line.sku_id
        ).update(
            quantity=Greatest(F("quantity") - line.quantity, Value(0)),
            reserved=Greatest(F("reserved") - line.quantity, Value(0)),
            updated_at=timezone.now(),
        )


def _invoice_items(assignment: Assignment) -> list[dict]:
    """VTEX's invoice item list: SKU, quantity and unit price in cents."""
    prices = dict(assignment.order.items.values_list("item_index", "selling_price"))
    return [
        {
            "id": line.sku_id,
            "quantity": line.quantity,
            "price": int((prices.get(line.item_index, 0) * 100).to_integral_value()),
        }
        for line in assignment.lines.all()
    ]
