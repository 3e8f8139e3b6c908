"""Criteria: soft rules that score the candidates left after the filters.

Each criterion returns one raw value per candidate, higher meaning better, or
None where the data is missing. `normalise` then maps the raw values to 0..1
by min-max over the remaining candidates.
"""

from collections.abc import Mapping
from typing import Any

from routing.engine.context import CandidateState, RoutingContext
from routing.engine.filters import region_problem

# Treatments of a missing raw value, set per criterion.
NEUTRAL = "neutral"  # scores 0.5
LAST = "last"  # scores below every known value

Raw = list[float | None]


def normalise(raw: Raw, missing: str) -> list[float]:
    """Map raw values to 0..1 by min-max, where equal known values all score 1.

    With `missing` = LAST, a missing value is placed one average gap below the
    worst known value, so it scores 0 and every known value scores above it.
    When every value is missing, all score 0.5.
    """
    known = [value for value in raw if value is not None]
    if not known:
        return [0.5] * len(raw)
    low, high = min(known), max(known)
    if missing == LAST and len(known) < len(raw):
        distinct = len(set(known))
        gap = (high - low) / (distinct - 1) if distinct > 1 else 1.0
        low -= gap
        raw = [low if value is None else value for value in raw]
    span = high - low
    # Built with comprehensions, because this runs once per criterion over
    # every finalist.
    if span <= 1e-12:
        return [0.5 if value is None else 1.0 for value in raw]
    return [0.5 if value is None else (value - low) / span for value in raw]


def criterion_distance(
    states: list[CandidateState], context: RoutingContext, params: Mapping[str, Any]
) -> Raw:
    return [
        None if state.distance_km is None else -state.distance_km for state in states
    ]


def criterion_performance(
    states: list[CandidateState], context: RoutingContext, params: Mapping[str, Any]
) -> Raw:
    on_time_weight = params["on_time_weight"]
    rejection_weight = params["rejection_weight"]
    total_weight = on_time_weight + rejection_weight
    raw: Raw = []
    for state in states:
        on_time = state.candidate.on_time_rate
        rejection = state.candidate.rejection_rate
        # A location without measurements scores a neutral 0.5 on that rate.
        on_time_value = 0.5 if on_time is None else _clamped(on_time)
        acceptance_value = 0.5 if rejection is None else 1.0 - _clamped(rejection)
        raw.append(
            (on_time_weight * on_time_value + rejection_weight * acceptance_value)
            / total_weight
        )
    return raw


def _clamped(rate: float) -> float:
    """Return the rate limited to 0..1."""
    if rate < 0.0:
        return 0.0
    if rate > 1.0:
        return 1.0
    return rate


def criterion_fairness(
    states: list[CandidateState], context: RoutingContext, params: Mapping[str, Any]
) -> Raw:
    # The share of orders this period is taken over the network the caller
    # passed in, or over the finalists only.
    basis = context.all_states if params["basis"] == "all_candidates" else states
    total_orders = sum(state.candidate.orders_this_period for state in basis)
    equal_share = 1.0 / len(basis) if basis else 0.0
    raw: Raw = []
    for state in states:
        candidate = state.candidate
        target = (
            equal_share if candidate.target_share is None else candidate.target_share
        )
        share = candidate.orders_this_period / total_orders if total_orders else 0.0
        raw.append(target - share)
    return raw


def criterion_stock_balance(
    states: list[CandidateState], context: RoutingContext, params: Mapping[str, Any]
) -> Raw:
    use_min = params["aggregate"] == "min"
    raw: Raw = []
    for state in states:
        cover = state.candidate.weeks_of_cover
        weeks = [
            float(cover.get(sku, 0.0))
            for sku, in_stock in zip(context.skus, state.cover, strict=True)
            if in_stock > 0
        ]
        if not weeks:
            raw.append(0.0)
        elif use_min:
            raw.append(min(weeks))
        else:
            raw.append(sum(weeks) / len(weeks))
    return raw


def criterion_cost(
    states: list[CandidateState], context: RoutingContext, params: Mapping[str, Any]
) -> Raw:
    return [
        None
        if state.candidate.cost_per_order is None
        else -float(state.candidate.cost_per_order)
        for state in states
    ]


def criterion_same_region(
    states: list[CandidateState], context: RoutingContext, params: Mapping[str, Any]
) -> Raw:
    return [0.0 if region_problem(state, context) else 1.0 for state in states]


def criterion_fixed_rank(
    states: list[CandidateState], context: RoutingContext, params: Mapping[str, Any]
) -> Raw:
    return [
        None
        if state.candidate.fixed_rank is None
        else -float(state.candidate.fixed_rank)
        for state in states
    ]
