"""Route orders: run the matching policy, store the decision, offer the parts.

An order is routed once: its `RoutingCase` row is created in the same
transaction as its first decision, under the order's row lock. Rejected and
expired parts are routed again on their own, excluding every location that
already turned that order down.
"""

import logging
import time
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone

from orders.models import Order, OrderLocation
from routing.engine import Decision, route
from routing.models import (
    Assignment,
    AssignmentEvent,
    AssignmentLine,
    RoutingCase,
    RoutingDecision,
)
from routing.services.candidates import LocationFacts, candidates_build, order_input
from routing.services.policies import PolicyError, policy_engine_form, policy_for_order
from routing.services.stock import stock_release, stock_reserve
from routing.signals import assignment_moved

logger = logging.getLogger(__name__)

# VTEX statuses in which an order may be fulfilled: complete and paid.
ROUTABLE_STATUSES = (
    "payment-approved",
    "ready-for-handling",
    "start-handling",
    "handling",
)
DEFAULT_ACCEPTANCE_SLA = timedelta(minutes=30)


def order_is_routable(order: Order) -> bool:
    return order.is_completed and order.status in ROUTABLE_STATUSES


def orders_route(*, order_ids: list[int], triggered_by: str) -> dict[str, int]:
    """Route each routable order that has no routing case yet, and release the
    assignments of orders VTEX canceled. Safe to call any number of times."""
    counts = {"routed": 0, "exception": 0, "canceled": 0, "skipped": 0}
    facts = None
    for order_id in order_ids:
        order = Order.objects.filter(pk=order_id).only("status", "is_completed").first()
        if order is None:
            counts["skipped"] += 1
            continue
        if order.status == "canceled":
            counts["canceled"] += order_cancel_release(order_id=order_id)
            continue
        if not order_is_routable(order):
            counts["skipped"] += 1
            continue
        facts = facts or LocationFacts.load(timezone.now())
        outcome = order_route(order_id=order_id, triggered_by=triggered_by, facts=facts)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def order_route(
    *,
    order_id: int,
    triggered_by: str,
    facts: LocationFacts | None = None,
    user=None,
) -> str:
    """Route a whole order the first time; return routed, exception or skipped."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if RoutingCase.objects.filter(order=order).exists():
            return "skipped"
        # Items are read once here and reused by every step below.
        prefetch_related_objects([order], "items")
        if not order_is_routable(order):
            return "skipped"
        decision = _decide(order, None, frozenset(), triggered_by, facts, user)
        status = _case_status(decision)
        RoutingCase.objects.create(order=order, status=status, reason=decision.reason)
    return status


def order_reroute(
    *,
    order_id: int,
    lines: list[tuple[int, int]],
    triggered_by: str,
    user=None,
    extra_exclusions: frozenset[int] = frozenset(),
) -> str:
    """Route the given (item index, quantity) lines again, excluding every
    location that rejected this order or let an offer expire."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        excluded = (
            frozenset(
                Assignment.objects.filter(
                    order=order,
                    state__in=[Assignment.State.REJECTED, Assignment.State.EXPIRED],
                ).values_list("location_id", flat=True)
            )
            | extra_exclusions
        )
        decision = _decide(order, lines, excluded, triggered_by, None, user)
        status = _case_status(decision)
        RoutingCase.objects.update_or_create(
            order=order, defaults={"status": status, "reason": decision.reason}
        )
    return status


def order_assign_manually(
    *, order_id: int, location_id: int, lines: list[tuple[int, int]], user
) -> Assignment:
    """HQ sends lines to a location of its choice, bypassing the policy."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        record = RoutingDecision.objects.create(
            order=order,
            status="manual",
            deciding_step="manual",
            reason="Assigned by hand by HQ.",
            lines=[list(line) for line in lines],
            triggered_by="manual",
            user=user,
        )
        value = _lines_value(order, lines)
        assignment = _offer(order, record, location_id, lines, value, None, user)
        RoutingCase.objects.update_or_create(
            order=order, defaults={"status": RoutingCase.Status.ROUTED, "reason": ""}
        )
    return assignment


def order_cancel_release(*, order_id: int) -> int:
    """Cancel the open assignments of a canceled order and release their stock."""
    released = 0
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        for assignment in Assignment.objects.filter(
            order=order, state__in=Assignment.OPEN_STATES
        ).order_by("pk"):
            updated = Assignment.objects.filter(
                pk=assignment.pk, state=assignment.state
            ).update(
                state=Assignment.State.CANCELED,
                closed_at=timezone.now(),
                updated_at=timezone.now(),
            )
            if updated:
                assignment_release_stock(assignment)
                AssignmentEvent.objects.create(
                    assignment=assignment,
                    from_state=assignment.state,
                    to_state=Assignment.State.CANCELED,
                    at=timezone.now(),
                    details={"reason": "order canceled at VTEX"},
                )
                _moved_on_commit(
                    assignment.pk, assignment.state, Assignment.State.CANCELED
                )
                released += 1
        RoutingCase.objects.filter(order=order).update(
            status=RoutingCase.Status.CANCELED, updated_at=timezone.now()
        )
    if released:
        logger.info("Order %s canceled: %d assignments released", order_id, released)
    return 1 if released else 0


def assignment_release_stock(assignment: Assignment) -> None:
    quantities: dict[str, int] = {}
    for line in assignment.lines.all():
        quantities[line.sku_id] = quantities.get(line.sku_id, 0) + line.quantity
    stock_release(location_id=assignment.location_id, quantities=quantities)


def _decide(order, lines, excluded, triggered_by, facts, user) -> Decision:
    now = timezone.now()
    engine_order = order_input(order, now, lines)
    policy = policy_for_order(
        order=order,
        delivery_channel=engine_order.delivery_channel,
        policies=facts.policies() if facts else None,
    )
    started = time.perf_counter()
    if policy is None:
        decision = _unroutable(engine_order, "No active routing policy matches.")
    elif not engine_order.lines:
        decision = _unroutable(engine_order, "The order has no lines to route.")
    else:
        try:
            engine_policy = (
                facts.engine_policy(policy) if facts else policy_engine_form(policy)
            )
        except PolicyError as error:
            decision = _unroutable(engine_order, f"Policy error: {error}")
        else:
            facts = facts or LocationFacts.load(now)
            candidates = candidates_build(engine_order, facts)
            decision = route(engine_order, candidates, engine_policy, excluded)
    elapsed_ms = (time.perf_counter() - started) * 1000

    record = RoutingDecision.objects.create(
        order=order,
        policy=policy,
        status=decision.status,
        deciding_step=decision.deciding_step,
        reason=decision.reason,
        excluded_location_ids=sorted(excluded),
        lines=[[line.index, line.quantity] for line in engine_order.lines],
        candidates=[candidate_row(result) for result in decision.candidates],
        elapsed_ms=round(elapsed_ms, 2),
        triggered_by=triggered_by,
        user=user,
    )
    sla = (
        timedelta(minutes=policy.acceptance_sla_minutes)
        if policy
        else DEFAULT_ACCEPTANCE_SLA
    )
    for part in decision.parts:
        _offer(order, record, part.location_id, list(part.lines), part.value, sla, user)
        if facts is not None:
            facts.offer_counted(part.location_id)
    logger.info(
        "Order %s routed (%s) into %d part(s) in %.1f ms: %s",
        order.vtex_order_id,
        decision.status,
        len(decision.parts),
        elapsed_ms,
        decision.reason,
    )
    return decision


def _offer(order, record, location_id, lines, value, sla, user) -> Assignment:
    now = timezone.now()
    assignment = Assignment.objects.create(
        order=order,
        decision=record,
        location_id=location_id,
        value=value,
        offered_at=now,
        expires_at=now + (sla or DEFAULT_ACCEPTANCE_SLA),
    )
    items = {item.item_index: item for item in order.items.all()}
    AssignmentLine.objects.bulk_create(
        AssignmentLine(
            assignment=assignment,
            item_index=index,
            sku_id=items[index].sku_id,
            quantity=quantity,
        )
        for index, quantity in lines
    )
    quantities: dict[str, int] = {}
    for index, quantity in lines:
        sku = items[index].sku_id
        quantities[sku] = quantities.get(sku, 0) + quantity
    stock_reserve(location_id=location_id, quantities=quantities)
    AssignmentEvent.objects.create(
        assignment=assignment, from_state="", to_state="offered", at=now, user=user
    )
    _moved_on_commit(assignment.pk, "", Assignment.State.OFFERED)
    OrderLocation.objects.bulk_create(
        [
            OrderLocation(
                order=order,
                location_id=location_id,
                reason=OrderLocation.Reason.ASSIGNED,
            )
        ],
        ignore_conflicts=True,
    )
    return assignment


def _moved_on_commit(assignment_id: int, from_state: str, to_state: str) -> None:
    transaction.on_commit(
        lambda: assignment_moved.send(
            sender=Assignment,
            assignment_id=assignment_id,
            from_state=from_state,
            to_state=to_state,
        )
    )


def _lines_value(order: Order, lines) -> Decimal:
    prices = {item.item_index: item.selling_price for item in order.items.all()}
    return sum((prices[index] * quantity for index, quantity in lines), Decimal("0.00"))


def _unroutable(engine_order, reason: str) -> Decision:
    return Decision(
        status="unroutable", parts=(), candidates=(), deciding_step="", reason=reason
    )


def _case_status(decision: Decision) -> str:
    if decision.status == "routed":
        return RoutingCase.Status.ROUTED
    return RoutingCase.Status.EXCEPTION


def candidate_row(result) -> dict:
    """Return one candidate of a decision as stored, with scores rounded to 4
    places so that 500 candidates stay a small document."""
    return {
        "location_id": result.location_id,
        "code": result.code,
        "distance_km": result.distance_km,
        "coverage": round(result.coverage, 4),
        "capacity_left": result.capacity_left,
        "scores": {name: round(value, 4) for name, value in result.scores.items()},
        "total_score": round(result.total_score, 4),
        "rejected_by": result.rejected_by,
        "rejected_reason": result.rejected_reason,
        "finalist": result.finalist,
        "chosen": result.chosen,
    }
