"""The `route()` entry point: filters, scores and searches, then explains.

Filters run in policy order (with `excluded` first and the built-in `status`
and `stock` filters added when missing), criteria score the candidates left,
and `routing.engine.search` picks the location or combination. A
pickup-in-point order goes to its pickup location when that location passes
every filter and has every unit in stock. Otherwise the order is routed as a
delivery to the pickup location's address (a transfer).
"""

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from routing.engine import messages as m
from routing.engine.context import (
    DELIVERY_MODE,
    PICKUP_MODE,
    TRANSFER_MODE,
    RoutingContext,
)
from routing.engine.explain import (
    candidate_table,
    english,
    removal_summary,
    routed_decision,
    unroutable_decision,
    with_notes,
)
from routing.engine.filters import postal_code_number
from routing.engine.geo import Point, locate
from routing.engine.messages import Message, message
from routing.engine.pipeline import Evaluation, evaluate
from routing.engine.postal_codes import state_for_postal_code
from routing.engine.search import search
from routing.engine.steps import validate_policy
from routing.engine.types import (
    DELIVERY_CHANNELS,
    PICKUP_IN_POINT,
    PICKUP_LOCATION,
    ROUTED,
    UNROUTABLE,
    Candidate,
    CandidateResult,
    Decision,
    OrderInput,
    Part,
    Policy,
)


def _check_aware(order: OrderInput, name: str, moment: datetime | None) -> None:
    if moment is not None and moment.utcoffset() is None:
        raise ValueError(f"order {order.order_id}: '{name}' must be timezone-aware")


def check_inputs(order: OrderInput, candidates: Sequence[Candidate]) -> None:
    """Raise ValueError when the order or the candidate list is malformed."""
    if not order.lines:
        raise ValueError(f"order {order.order_id}: the order has no lines")
    seen_lines = set()
    for line in order.lines:
        if line.index in seen_lines:
            raise ValueError(
                f"order {order.order_id}: line index {line.index} appears twice"
            )
        seen_lines.add(line.index)
        if not isinstance(line.quantity, int) or line.quantity <= 0:
            raise ValueError(
                f"order {order.order_id}: line {line.index} quantity must be a "
                f"positive whole number, got {line.quantity!r}"
            )
        if line.unit_price < 0:
            raise ValueError(
                f"order {order.order_id}: line {line.index} unit price must not be "
                f"negative, got {line.unit_price}"
            )
    if order.delivery_channel not in DELIVERY_CHANNELS:
        raise ValueError(
            f"order {order.order_id}: delivery_channel must be 'delivery' or "
            f"'pickup-in-point', got {order.delivery_channel!r}"
        )
    _check_aware(order, "now", order.now)
    if order.now is None:
        raise ValueError(f"order {order.order_id}: 'now' is required")
    _check_aware(order, "promised_by", order.promised_by)

    location_ids = [candidate.location_id for candidate in candidates]
    if len(set(location_ids)) == len(location_ids):
        return
    seen_locations = set()
    for location_id in location_ids:
        if location_id in seen_locations:
            raise ValueError(
                f"location {location_id} appears twice among the candidates"
            )
        seen_locations.add(location_id)


def _demand(order: OrderInput) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """Return the ordered SKUs, in order of first appearance, and their units."""
    totals: dict[str, int] = {}
    for line in order.lines:
        totals[line.sku_id] = totals.get(line.sku_id, 0) + line.quantity
    return tuple(totals), tuple(totals.values())


def _context(
    order: OrderInput,
    policy: Policy,
    excluded: frozenset[int],
    *,
    mode: str,
    destination: Point | None,
    split: bool,
) -> RoutingContext:
    skus, demand = _demand(order)
    customer_state = order.state.strip().upper() or state_for_postal_code(
        order.postal_code
    )
    return RoutingContext(
        order=order,
        policy=policy,
        mode=mode,
        destination=destination,
        customer_postal_code=postal_code_number(order.postal_code),
        customer_state=customer_state or None,
        skus=skus,
        demand=demand,
        split=split,
        excluded=excluded,
    )


def _route_to(
    order: OrderInput,
    candidates: Sequence[Candidate],
    policy: Policy,
    excluded: frozenset[int],
    *,
    mode: str,
    destination: Point | None,
    notes: list[str],
    prefix: Message | None = None,
) -> Decision:
    split = policy.allow_split and policy.max_parts > 1
    context = _context(
        order, policy, excluded, mode=mode, destination=destination, split=split
    )
    evaluation = evaluate(candidates, context)
    result = search(evaluation.finalists, context) if evaluation.finalists else None
    if (result is None or result.best is None) and _may_spill_over(evaluation):
        # Spill-over: the order is unroutable and the capacity filter removed
        # someone, so route it again with the capacity filter letting everyone
        # through, and keep that outcome when it routes the order.
        spilled = _context(
            order, policy, excluded, mode=mode, destination=destination, split=split
        )
        spilled.spill_over = True
        spilled_evaluation = evaluate(candidates, spilled)
        if spilled_evaluation.finalists:
            spilled_result = search(spilled_evaluation.finalists, spilled)
            if spilled_result.best is not None:
                context, evaluation, result = (
                    spilled,
                    spilled_evaluation,
                    spilled_result,
                )
                context.notes.append(
                    message(m.SPILL_OVER, count=len(evaluation.finalists))
                )
    all_notes = notes + context.notes
    total_units = context.total_units
    if result is None or result.best is None:
        return unroutable_decision(
            evaluation, result, total_units=total_units, notes=all_notes, prefix=prefix
        )
    return routed_decision(
        evaluation,
        result,
        prefer_fewer_parts=policy.prefer_fewer_parts,
        split=split,
        total_units=total_units,
        quantities={line.index: line.quantity for line in order.lines},
        notes=all_notes,
        prefix=prefix,
    )


def _may_spill_over(evaluation: Evaluation) -> bool:
    if not evaluation.removed_by.get("capacity"):
        return False
    return any(
        planned.spec.name == "capacity" and planned.params.get("spill_over")
        for planned in evaluation.filters
    )


def _customer_point(order: OrderInput, notes: list) -> Point | None:
    point = locate(
        order.latitude,
        order.longitude,
        order.postal_code,
        order.city,
        order.state,
        "Customer",
    )
    if point is None:
        notes.append(message(m.CUSTOMER_UNPLACED))
    elif point.note:
        notes.append(point.note)
    return point


def _missing_pickup_location(
    order: OrderInput, candidates: Sequence[Candidate], policy: Policy
) -> Decision:
    reason = (
        message(m.PICKUP_MISSING, location_id=order.pickup_location_id)
        if order.pickup_location_id is not None
        else message(m.PICKUP_UNNAMED)
    )
    context = _context(
        order, policy, frozenset(), mode=PICKUP_MODE, destination=None, split=False
    )
    evaluation = evaluate(candidates, context, only=frozenset())
    rows = []
    for state in sorted(evaluation.states, key=lambda s: (s.code, s.location_id)):
        rows.append(
            CandidateResult(
                location_id=state.location_id,
                code=state.code,
                distance_km=None,
                coverage=round(state.covered_units / context.total_units, 6),
                capacity_left=None,
                scores={},
                total_score=0.0,
                rejected_by=PICKUP_LOCATION,
                rejected_message=message(m.NOT_PICKUP_LOCATION),
                finalist=False,
                chosen=False,
            )
        )
    return Decision(
        UNROUTABLE,
        (),
        tuple(rows),
        PICKUP_LOCATION,
        reason.english(),
        sentences=(reason,),
    )


def _route_pickup(
    order: OrderInput,
    candidates: Sequence[Candidate],
    policy: Policy,
    excluded: frozenset[int],
) -> Decision:
    pickup = next(
        (c for c in candidates if c.location_id == order.pickup_location_id), None
    )
    if pickup is None:
        return _missing_pickup_location(order, candidates, policy)

    notes: list = []
    point = locate(
        pickup.latitude,
        pickup.longitude,
        pickup.postal_code,
        pickup.city,
        pickup.state,
        f"Location {pickup.code}",
    )
    context = _context(
        order, policy, excluded, mode=PICKUP_MODE, destination=point, split=False
    )
    evaluation = evaluate(candidates, context, only=frozenset({pickup.location_id}))
    pickup_state = next(
        s for s in evaluation.states if s.location_id == pickup.location_id
    )

    if evaluation.finalists:
        return _pickup_decision(evaluation, pickup.code, context)

    transfer = message(
        m.PICKUP_TRANSFER,
        code=pickup.code,
        step=pickup_state.rejected_by,
        reason=pickup_state.rejected_reason,
    )
    notes.append(transfer)
    if point is None:
        notes.append(message(m.PICKUP_UNPLACED, code=pickup.code))
    return _route_to(
        order,
        candidates,
        policy,
        excluded,
        mode=TRANSFER_MODE,
        destination=point,
        notes=notes,
        prefix=transfer,
    )


def _pickup_decision(
    evaluation: Evaluation, pickup_code: str, context: RoutingContext
) -> Decision:
    pickup_state = evaluation.finalists[0]
    for state in evaluation.states:
        if state is not pickup_state:
            state.rejected_by = PICKUP_LOCATION
            state.rejected_reason = message(m.COLLECTED_ELSEWHERE, code=pickup_code)
    order = context.order
    part = Part(
        location_id=pickup_state.location_id,
        lines=tuple(sorted((line.index, line.quantity) for line in order.lines)),
        value=sum((line.value for line in order.lines), Decimal(0)),
        distance_km=0.0,
    )
    table = candidate_table(evaluation, {pickup_state.location_id}, context.total_units)
    notes = list(context.notes)
    sentences = with_notes(
        [
            message(m.PICKUP_COLLECTED, code=pickup_code),
            removal_summary(evaluation),
        ],
        notes,
    )
    return Decision(
        ROUTED,
        (part,),
        table,
        PICKUP_LOCATION,
        english(sentences),
        tuple(str(note) for note in notes),
        sentences,
    )


def route(
    order: OrderInput,
    candidates: Sequence[Candidate],
    policy: Policy,
    excluded: frozenset[int] = frozenset(),
) -> Decision:
    """Decide which location or locations fulfil the order.

    Raises StepError for an invalid policy and ValueError for a malformed order
    or duplicated candidates. Every candidate appears once in the result.
    """
    policy = validate_policy(policy)
    check_inputs(order, candidates)
    excluded = frozenset(excluded)
    if order.delivery_channel == PICKUP_IN_POINT:
        return _route_pickup(order, candidates, policy, excluded)

    notes: list[str] = []
    customer = _customer_point(order, notes)
    return _route_to(
        order,
        candidates,
        policy,
        excluded,
        mode=DELIVERY_MODE,
        destination=customer,
        notes=notes,
    )
