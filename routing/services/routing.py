"""Route orders: run the matching policy, store the decision, offer the parts.

An order is routed once: its `RoutingCase` row is created in the same
transaction as its first decision, under the order's row lock. Rejected and
expired parts are routed again on their own, excluding every location that
already turned that order down.
"""

import gc
import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone

from franchises.models import Location
from orders.models import Order, OrderItem
from routing.candidate_rows import rows_pack
from routing.engine import Candidate, Decision, messages, route
from routing.engine.filters import latest_ship_time
from routing.engine.steps import STEP_TYPES
from routing.models import (
    Assignment,
    AssignmentEvent,
    RoutingCase,
    RoutingDecision,
    StockLevel,
)
from routing.services.candidates import (
    BatchStock,
    LocationFacts,
    candidate_fields,
    order_input,
)
from routing.services.decision_store import DecisionWriter
from routing.services.policies import PolicyError, policy_for_order
from routing.services.stock import stock_release
from routing.signals import assignment_moved_on_commit

logger = logging.getLogger(__name__)

# VTEX statuses in which an order may be fulfilled: complete and paid.
ROUTABLE_STATUSES = (
    "payment-approved",
    "ready-for-handling",
    "start-handling",
    "handling",
)
DEFAULT_ACCEPTANCE_SLA = timedelta(minutes=30)
MANUAL_REASON = messages.MESSAGES[messages.MANUAL]
# Transit speed for ship-by times when the policy has no meets_promise step.
KM_PER_DAY_DEFAULT = next(
    param.default
    for param in STEP_TYPES[("filter", "meets_promise")].params
    if param.name == "km_per_day"
)


def order_is_routable(order: Order) -> bool:
    return order.is_completed and order.status in ROUTABLE_STATUSES


def orders_route(
    *,
    order_ids: list[int],
    triggered_by: str,
    facts: LocationFacts | None = None,
    timings: "BatchTimings | None" = None,
    take_waiting: int = 0,
) -> dict[str, int]:
    """Route each routable order that has no routing case yet, and release the
    assignments of orders VTEX canceled. Safe to call any number of times.

    The routable orders are decided together and stored in one transaction
    with one bulk statement per table (see `orders_route_batch`), with up to
    `take_waiting` other orders still waiting to be routed.
    """
    counts = {"routed": 0, "exception": 0, "canceled": 0, "skipped": 0}
    states = dict(Order.objects.filter(pk__in=order_ids).values_list("pk", "status"))
    to_route = []
    for order_id in order_ids:
        status = states.get(order_id)
        if status is None:
            counts["skipped"] += 1
        elif status == "canceled":
            counts["canceled"] += order_cancel_release(order_id=order_id)
        else:
            to_route.append(order_id)
    if to_route or take_waiting > 0:
        outcomes = orders_route_batch(
            order_ids=to_route,
            triggered_by=triggered_by,
            facts=facts,
            timings=timings,
            take_waiting=take_waiting,
        )
        for outcome in outcomes.values():
            counts[outcome] = counts.get(outcome, 0) + 1
    return counts


@dataclass
class BatchTimings:
    """Time spent on each step of a batch, in milliseconds.

    `decide_ms` is per order: its candidates built in memory and the engine
    run. `engine_ms` is the engine run alone. `committed_ms` runs from the
    start to the commit of the batch's transaction, reads, locks and writes
    included. `total_ms` adds the receivers of the signals sent after the
    commit.
    """

    decide_ms: dict[int, float] = field(default_factory=dict)
    engine_ms: dict[int, float] = field(default_factory=dict)
    committed_ms: float = 0.0
    total_ms: float = 0.0


def orders_route_batch(
    *,
    order_ids: list[int],
    triggered_by: str,
    facts: LocationFacts | None = None,
    timings: BatchTimings | None = None,
    take_waiting: int = 0,
) -> dict[int, str]:
    """Route the orders that have no routing case yet, in one transaction.

    The orders are locked in primary-key order and checked for a routing case
    under the lock, so an order is routed once however many workers try.
    Offers made earlier in the batch count for each later decision: their
    stock is taken and they count against the locations' capacity. Returns routed,
    exception or skipped per order id.

    With `take_waiting`, the batch also routes up to that many other orders
    still waiting to be routed, oldest first (see `orders_waiting`).
    """
    started = time.perf_counter()
    now = timezone.now()
    outcomes: dict[int, str] = {}
    with _cyclic_gc_paused(), transaction.atomic():
        if timings is not None:
            # Commit hooks run in the order they were registered, so this one
            # runs first, right after the commit.
            transaction.on_commit(
                lambda: setattr(
                    timings,
                    "committed_ms",
                    (time.perf_counter() - started) * 1000,
                )
            )
        orders = list(
            Order.objects.select_for_update()
            .filter(pk__in=order_ids)
            .order_by("pk")
            .prefetch_related("items")
        )
        if take_waiting > 0:
            orders += orders_waiting(exclude=order_ids, limit=take_waiting)
        routed_before = set(
            RoutingCase.objects.filter(order__in=orders).values_list(
                "order_id", flat=True
            )
        )
        pending = []
        for order in orders:
            if order.pk in routed_before or not order_is_routable(order):
                outcomes[order.pk] = "skipped"
            else:
                pending.append(order)
        if pending:
            facts = facts or LocationFacts.load(now)
            engine_orders = [order_input(order, now) for order in pending]
            stock = BatchStock(
                {line.sku_id for o in engine_orders for line in o.lines}, now
            )
            writer = DecisionWriter(now)
            for order, engine_order in zip(pending, engine_orders, strict=True):
                decide_started = time.perf_counter()
                decision = _decide(
                    order,
                    engine_order,
                    frozenset(),
                    triggered_by,
                    None,
                    facts,
                    stock,
                    writer,
                    timings,
                )
                status = _case_status(decision)
                writer.case_create(order, status, decision.reason)
                outcomes[order.pk] = status
                if timings is not None:
                    timings.decide_ms[order.pk] = (
                        time.perf_counter() - decide_started
                    ) * 1000
            writer.flush()
    if timings is not None:
        timings.total_ms = (time.perf_counter() - started) * 1000
        if not timings.committed_ms:
            # Inside an outer transaction nothing was committed yet, and the
            # commit hooks wait for that transaction.
            timings.committed_ms = timings.total_ms
    logger.info(
        "Routed a batch of %d orders (%d skipped) in %.1f ms",
        len(outcomes),
        sum(1 for outcome in outcomes.values() if outcome == "skipped"),
        (time.perf_counter() - started) * 1000,
    )
    return outcomes


def orders_waiting(*, exclude: list[int], limit: int) -> list[Order]:
    """Lock and return up to `limit` routable orders with no routing case,
    oldest first, leaving out `exclude` and orders another transaction locked.

    Orders arrive one per VTEX hook and 50 per backfill transaction, and each
    arrival queues a routing task. A task that takes the orders still
    waiting routes a backlog in batches of up to ROUTE_BATCH, which spreads
    each batch's reads of locations and stock over more orders. SKIP LOCKED
    keeps two workers from waiting on each other's orders. A locked order is
    being routed or changed by the transaction that locked it, and the next
    task takes it if it is still waiting. Must run inside a transaction.
    """
    return list(
        Order.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(
            is_completed=True,
            status__in=ROUTABLE_STATUSES,
            routing_case__isnull=True,
        )
        .exclude(pk__in=exclude)
        .order_by("pk")
        .prefetch_related("items")[:limit]
    )


@contextmanager
def _cyclic_gc_paused():
    """Pause Python's cyclic garbage collector for the block.

    A batch keeps every decision's candidate table (some 500 rows per order)
    until its bulk writes, so the collector's full passes walked the growing
    heap several times per batch. In the routing benchmark, a batch of 200
    orders had 6 to 8 passes of 60 to 150 ms, which made up most of the
    slowest decisions. Memory is still freed by reference counting meanwhile, and the
    collector catches up once it runs again after the block.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def order_route(*, order_id: int, triggered_by: str, user=None) -> str:
    """Route a whole order the first time; return routed, exception or skipped."""
    outcomes = orders_route_batch(order_ids=[order_id], triggered_by=triggered_by)
    return outcomes.get(order_id, "skipped")


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
        prefetch_related_objects([order], "items")
        excluded = (
            frozenset(
                Assignment.objects.filter(
                    order=order,
                    state__in=[Assignment.State.REJECTED, Assignment.State.EXPIRED],
                ).values_list("location_id", flat=True)
            )
            | extra_exclusions
        )
        now = timezone.now()
        if not order_is_routable(order):
            return _reroute_to_exception_queue(
                order, lines, excluded, triggered_by, user, now
            )
        engine_order = order_input(order, now, lines)
        facts = LocationFacts.load(now)
        stock = BatchStock({line.sku_id for line in engine_order.lines}, now)
        writer = DecisionWriter(now)
        decision = _decide(
            order,
            engine_order,
            excluded,
            triggered_by,
            user,
            facts,
            stock,
            writer,
            None,
        )
        status = _case_status(decision)
        writer.case_set(order, status, decision.reason)
        writer.flush()
    return status


def _reroute_to_exception_queue(order, lines, excluded, triggered_by, user, now) -> str:
    """Record that a part left by a store is not routed again because VTEX
    no longer lets the order be fulfilled (invoiced, for instance), and put
    the order in HQ's exception queue. A canceled order is left to
    `order_cancel_release`."""
    if order.status == "canceled":
        return "skipped"
    reason = messages.Message(messages.NOT_ROUTABLE_NOW)
    writer = DecisionWriter(now)
    writer.decision(
        RoutingDecision(
            order=order,
            status="unroutable",
            reason=reason.english(),
            excluded_location_ids=sorted(excluded),
            lines=[list(line) for line in lines],
            triggered_by=triggered_by,
            user=user,
        )
    )
    writer.case_set(order, RoutingCase.Status.EXCEPTION, reason.english())
    writer.flush()
    logger.info(
        "Order %s is %s at VTEX: its part was not routed again",
        order.vtex_order_id,
        order.status,
    )
    return RoutingCase.Status.EXCEPTION


def order_assign_manually(
    *, order_id: int, location_id: int, lines: list[tuple[int, int]], user
) -> Assignment:
    """HQ sends lines to a location of its choice, bypassing the policy."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        prefetch_related_objects([order], "items")
        writer = DecisionWriter()
        record = writer.decision(
            RoutingDecision(
                order=order,
                status="manual",
                deciding_step="manual",
                reason=MANUAL_REASON,
                lines=[list(line) for line in lines],
                triggered_by="manual",
                user=user,
            )
        )
        writer.offer(
            order=order,
            record=record,
            location_id=location_id,
            lines=lines,
            value=_lines_value(order, lines),
            sla=DEFAULT_ACCEPTANCE_SLA,
            ship_by=_manual_ship_by(order, location_id, lines, writer.now),
            user=user,
        )
        writer.case_set(order, RoutingCase.Status.ROUTED, "")
        (assignment,) = writer.flush()
    return assignment


def manual_shortages(
    *, order_id: int, location_id: int, lines: list[tuple[int, int]]
) -> list[tuple[str, int, int]]:
    """Return (SKU, units available, units requested) for each SKU of `lines`
    that the location cannot cover from its available stock (quantity less
    reserved), before an assignment by hand reserves them."""
    skus = dict(
        OrderItem.objects.filter(order_id=order_id).values_list("item_index", "sku_id")
    )
    requested: dict[str, int] = {}
    for index, quantity in lines:
        requested[skus[index]] = requested.get(skus[index], 0) + quantity
    available = {
        sku: max(quantity - reserved, 0)
        for sku, quantity, reserved in StockLevel.objects.filter(
            location_id=location_id, sku_id__in=list(requested)
        ).values_list("sku_id", "quantity", "reserved")
    }
    return [
        (sku, available.get(sku, 0), units)
        for sku, units in sorted(requested.items())
        if available.get(sku, 0) < units
    ]


def order_cancel_release(*, order_id: int) -> int:
    """Cancel the open assignments of a canceled order and release their stock."""
    released = 0
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        for assignment in Assignment.objects.filter(
            order=order, state__in=Assignment.OPEN_STATES
        ).order_by("location_id", "pk"):
            # By location: the dashboards' daily figures triggers lock their
            # rows in that order too, which keeps deadlocks with a routing
            # batch rare. A routing batch that hits one is retried.
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
                assignment_moved_on_commit(
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


def _decide(
    order: Order,
    engine_order,
    excluded: frozenset[int],
    triggered_by: str,
    user,
    facts: LocationFacts,
    stock: BatchStock,
    writer: DecisionWriter,
    timings: "BatchTimings | None",
) -> Decision:
    """Run the order's policy and hand the decision and its offers to
    `writer`; offers count at once in `facts` and `stock`."""
    policy = policy_for_order(
        order=order,
        delivery_channel=engine_order.delivery_channel,
        policies=facts.policies(),
    )
    started = time.perf_counter()
    engine_ms = 0.0
    candidates: list = []
    engine_policy = None
    if policy is None:
        decision = _unroutable(messages.NO_POLICY)
    elif not engine_order.lines:
        decision = _unroutable(messages.NO_LINES)
    else:
        try:
            engine_policy = facts.engine_policy(policy)
        except PolicyError as error:
            decision = _unroutable(messages.POLICY_ERROR, error=str(error))
        else:
            candidates = stock.candidates(engine_order, facts)
            engine_started = time.perf_counter()
            decision = route(engine_order, candidates, engine_policy, excluded)
            engine_ms = (time.perf_counter() - engine_started) * 1000
    elapsed_ms = (time.perf_counter() - started) * 1000
    if timings is not None:
        timings.engine_ms[order.pk] = engine_ms

    record = writer.decision(
        RoutingDecision(
            order=order,
            policy=policy,
            status=decision.status,
            deciding_step=decision.deciding_step,
            reason=stored_reason(decision),
            excluded_location_ids=sorted(excluded),
            lines=[[line.index, line.quantity] for line in engine_order.lines],
            candidates=rows_pack(decision.candidates),
            elapsed_ms=round(elapsed_ms, 2),
            triggered_by=triggered_by,
            user=user,
        )
    )
    sla = (
        timedelta(minutes=policy.acceptance_sla_minutes)
        if policy
        else DEFAULT_ACCEPTANCE_SLA
    )
    skus = {line.index: line.sku_id for line in engine_order.lines}
    by_location = (
        {c.location_id: c for c in candidates if c.location_id in chosen}
        if (chosen := {part.location_id for part in decision.parts})
        else {}
    )
    for part in decision.parts:
        writer.offer(
            order=order,
            record=record,
            location_id=part.location_id,
            lines=list(part.lines),
            value=part.value,
            sla=sla,
            ship_by=latest_ship_time(
                by_location[part.location_id],
                part.distance_km,
                engine_order.promised_by,
                engine_order.now,
                _km_per_day(engine_policy),
            ),
            user=user,
        )
        quantities: dict[str, int] = {}
        for index, quantity in part.lines:
            quantities[skus[index]] = quantities.get(skus[index], 0) + quantity
        stock.reserve(part.location_id, quantities)
        facts.offer_counted(part.location_id)
    logger.debug(
        "Order %s routed (%s) into %d part(s) in %.1f ms: %s",
        order.vtex_order_id,
        decision.status,
        len(decision.parts),
        elapsed_ms,
        decision.reason,
    )
    return decision


def _manual_ship_by(order: Order, location_id: int, lines, now):
    """Ship-by time of a part HQ assigns by hand: the location's ready time
    (its hours and the largest lead time of the SKUs it holds), or the
    promised date when that is later. No transit time is counted, because
    no policy gives a transit speed."""
    engine_order = order_input(order, now, lines)
    location = Location.objects.get(pk=location_id)
    lead_times = StockLevel.objects.filter(
        location_id=location_id,
        sku_id__in={line.sku_id for line in engine_order.lines},
    ).values_list("lead_time_hours", flat=True)
    candidate = Candidate(
        **candidate_fields(location, LocationFacts(locations=[location])),
        lead_time_hours=max((float(hours) for hours in lead_times), default=0.0),
    )
    return latest_ship_time(
        candidate, None, engine_order.promised_by, now, KM_PER_DAY_DEFAULT
    )


def _km_per_day(engine_policy) -> float:
    """Return the policy's transit speed: its meets_promise step's, else that
    parameter's default."""
    for step in engine_policy.steps if engine_policy is not None else ():
        if step.name == "meets_promise" and "km_per_day" in step.params:
            return float(step.params["km_per_day"])
    return KM_PER_DAY_DEFAULT


def _lines_value(order: Order, lines) -> Decimal:
    prices = {item.item_index: item.selling_price for item in order.items.all()}
    return sum((prices[index] * quantity for index, quantity in lines), Decimal("0.00"))


def _unroutable(code: str, **params) -> Decision:
    message = messages.Message(code, params)
    return Decision(
        status="unroutable",
        parts=(),
        candidates=(),
        deciding_step="",
        reason=message.english(),
        sentences=(message,),
    )


def _case_status(decision: Decision) -> str:
    if decision.status == "routed":
        return RoutingCase.Status.ROUTED
    return RoutingCase.Status.EXCEPTION


def stored_reason(decision: Decision) -> str:
    """Return the decision's reason as stored: its English sentences joined by
    spaces, which `routing.engine.messages.translate_text` maps back to
    messages for translation."""
    return decision.reason
