"""The filter and scoring stages that turn candidates into scored finalists."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from math import asin, cos, radians, sin, sqrt
from typing import Any

from routing.engine.context import CandidateState, RoutingContext
from routing.engine.criteria import normalise
from routing.engine.geo import (
    EARTH_RADIUS_KM,
    MAX_LATITUDE,
    MAX_LONGITUDE,
    MIN_LATITUDE,
    MIN_LONGITUDE,
    locate,
)
from routing.engine.messages import (
    POSITIONS_ESTIMATED,
    POSITIONS_ESTIMATED_MORE,
    message,
)
from routing.engine.steps import STEP_TYPES, StepType
from routing.engine.types import CRITERION, FILTER, Candidate, Policy


@dataclass(frozen=True, slots=True)
class PlannedStep:
    spec: StepType
    params: Mapping[str, Any]
    weight: float


@dataclass(slots=True)
class Evaluation:
    """The result of the filters and criteria: every state, the finalists, and
    the number of candidates each filter removed (`removed_by`, in plan order)."""

    states: list[CandidateState]
    finalists: list[CandidateState]
    filters: list[PlannedStep]
    criteria: list[PlannedStep]
    removed_by: dict[str, int]
    emptied_by: str | None
    last_rejecting_step: str | None


def filter_plan(policy: Policy, split: bool) -> list[PlannedStep]:
    """Return the filters in the order they run, with the built-in ones added.

    `excluded` always runs first. `status` runs next with its defaults, and
    `stock` runs last, when the policy does not list them.
    """
    listed = [step for step in policy.steps if step.kind == FILTER]
    names = {step.name for step in listed}
    plan = [PlannedStep(STEP_TYPES[(FILTER, "excluded")], {}, 1.0)]
    if "status" not in names:
        plan.append(
            PlannedStep(
                STEP_TYPES[(FILTER, "status")],
                {"allowed": ("active", "probation")},
                1.0,
            )
        )
    for step in listed:
        if step.name != "excluded":
            plan.append(PlannedStep(STEP_TYPES[(FILTER, step.name)], step.params, 1.0))
    if "stock" not in names:
        mode = "any" if split else "all_items"
        plan.append(PlannedStep(STEP_TYPES[(FILTER, "stock")], {"mode": mode}, 1.0))
    return plan


def criteria_plan(policy: Policy) -> list[PlannedStep]:
    return [
        PlannedStep(STEP_TYPES[(CRITERION, step.name)], step.params, step.weight)
        for step in policy.steps
        if step.kind == CRITERION
    ]


def build_states(
    candidates: Sequence[Candidate], context: RoutingContext
) -> tuple[list[CandidateState], list[str]]:
    """Place each candidate, measure its distance and coverage.

    Returns the states and the codes of candidates placed without their own
    coordinates (swapped, or from postal code, city or state).
    """
    destination = context.destination
    sku_demand = tuple(zip(context.skus, context.demand, strict=True))
    estimated = []
    states = []
    # This loop runs once per candidate per order, so it avoids helper calls
    # for the common case of coordinates inside Brazil.
    if destination is not None:
        phi1 = radians(destination.latitude)
        cos_phi1 = cos(phi1)
        lambda1 = radians(destination.longitude)
    for candidate in candidates:
        latitude, longitude = candidate.latitude, candidate.longitude
        if (
            latitude is None
            or longitude is None
            or not (MIN_LATITUDE <= latitude <= MAX_LATITUDE)
            or not (MIN_LONGITUDE <= longitude <= MAX_LONGITUDE)
        ):
            point = locate(
                latitude,
                longitude,
                candidate.postal_code,
                candidate.city,
                candidate.state,
                f"Location {candidate.code}",
            )
            if point is not None:
                estimated.append(candidate.code)
                latitude, longitude = point.latitude, point.longitude
            else:
                latitude = longitude = None

        distance = None
        if latitude is not None and destination is not None:
            phi2 = radians(latitude)
            half_dphi = sin((phi2 - phi1) / 2)
            half_dlambda = sin((radians(longitude) - lambda1) / 2)
            a = (
                half_dphi * half_dphi
                + cos_phi1 * cos(phi2) * half_dlambda * half_dlambda
            )
            # Rounded to the metre so ties do not hinge on float noise.
            distance = round(2 * EARTH_RADIUS_KM * asin(min(1.0, sqrt(a))), 3)

        stock_get = candidate.stock.get
        cover = []
        covered = 0
        for sku, ordered in sku_demand:
            in_stock = stock_get(sku, 0)
            if in_stock >= ordered:
                in_stock = ordered
            elif in_stock < 0:
                in_stock = 0
            cover.append(in_stock)
            covered += in_stock
        states.append(CandidateState(candidate, distance, tuple(cover), covered))
    return states, estimated


def run_filters(
    states: list[CandidateState], plan: list[PlannedStep], context: RoutingContext
) -> tuple[list[CandidateState], dict[str, int], str | None, str | None]:
    """Apply the filters in order, so a candidate is rejected by the first one
    it fails.

    Returns the candidates left, the count each step removed, the step that
    removed the last candidates (if all went) and the last step that removed any.
    """
    remaining = states
    removed_by: dict[str, int] = {}
    emptied_by = None
    last_rejecting_step = None
    for planned in plan:
        if not remaining:
            break
        name = planned.spec.name
        rejections = planned.spec.function(remaining, context, planned.params)
        if not rejections:
            continue
        for state, reason in rejections:
            state.rejected_by = name
            state.rejected_reason = reason
        remaining = [state for state in remaining if state.rejected_by is None]
        removed_by[name] = len(rejections)
        last_rejecting_step = name
        if not remaining:
            emptied_by = name
    return remaining, removed_by, emptied_by, last_rejecting_step


def score(
    finalists: list[CandidateState], plan: list[PlannedStep], context: RoutingContext
) -> None:
    """Store each criterion's normalised score and the weighted total."""
    if not finalists:
        return
    total_weight = sum(planned.weight for planned in plan)
    for planned in plan:
        name = planned.spec.name
        raw = planned.spec.function(finalists, context, planned.params)
        for state, value in zip(
            finalists, normalise(raw, planned.spec.missing), strict=True
        ):
            state.scores[name] = value
    if total_weight <= 0:
        return
    weights = [(planned.spec.name, planned.weight) for planned in plan]
    for state in finalists:
        scores = state.scores
        total = 0.0
        for name, weight in weights:
            total += weight * scores[name]
        state.total_score = total / total_weight


def evaluate(
    candidates: Sequence[Candidate],
    context: RoutingContext,
    *,
    only: frozenset[int] | None = None,
) -> Evaluation:
    """Run the filters and criteria of the context's policy over the candidates.

    With `only`, the stages run on those location ids and every other state is
    returned untouched, for the caller to reject.
    """
    states, estimated = build_states(candidates, context)
    context.all_states = states
    if estimated:
        listed = ", ".join(estimated[:5])
        if len(estimated) > 5:
            note = message(
                POSITIONS_ESTIMATED_MORE, codes=listed, more=len(estimated) - 5
            )
        else:
            note = message(POSITIONS_ESTIMATED, codes=listed)
        context.notes.append(note)
    filters = filter_plan(context.policy, context.split)
    criteria = criteria_plan(context.policy)
    pool = states if only is None else [s for s in states if s.location_id in only]
    finalists, removed_by, emptied_by, last_step = run_filters(pool, filters, context)
    score(finalists, criteria, context)
    return Evaluation(
        states, finalists, filters, criteria, removed_by, emptied_by, last_step
    )
