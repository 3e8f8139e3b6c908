"""Filters: hard rules that remove candidates, each with a reason in numbers.

A filter takes the remaining candidates and returns the rejected ones, each
with a plain sentence that gives the numbers. The engine records the step name
on them.
"""

import functools
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from routing.engine import messages as m
from routing.engine.context import (
    PICKUP_MODE,
    TRANSFER_MODE,
    CandidateState,
    RoutingContext,
)
from routing.engine.hours import format_local, next_opening
from routing.engine.postal_codes import state_for_postal_code
from routing.engine.types import Candidate

Rejections = list[tuple[CandidateState, m.Message]]


def units(count: int) -> str:
    return f"{count} unit" if count == 1 else f"{count} units"


def format_postal_code(value: int) -> str:
    digits = f"{value:08d}"
    return f"{digits[:5]}-{digits[5:]}"


def postal_code_number(postal_code: str) -> int | None:
    """Return a CEP as an 8-digit integer, or None if it is not one.

    A 5-digit prefix counts as its first CEP (prefix followed by 000).
    """
    digits = "".join(char for char in postal_code if char.isdigit())
    if len(digits) == 8:
        return int(digits)
    if len(digits) == 5:
        return int(digits) * 1000
    return None


@functools.lru_cache(maxsize=2048)
def parse_postal_ranges(
    ranges: tuple[tuple[str, str], ...],
) -> tuple[tuple[int, int], ...]:
    """Return CEP ranges as inclusive 8-digit integer bounds.

    A shorter bound is a prefix, so "01000" starts at 01000-000 and "05999" as
    an end covers up to 05999-999.
    """
    parsed = []
    for start, end in ranges:
        low = "".join(char for char in start if char.isdigit())
        high = "".join(char for char in end if char.isdigit())
        if not low or not high or len(low) > 8 or len(high) > 8:
            raise ValueError(
                f"postal range {start!r} to {end!r} is not a valid CEP range"
            )
        parsed.append((int(low.ljust(8, "0")), int(high.ljust(8, "9"))))
    return tuple(parsed)


def filter_excluded(
    states: list[CandidateState], context: RoutingContext, params: Mapping[str, Any]
) -> Rejections:
    excluded = context.excluded
    if not excluded:
        return []
    reason = m.message(m.EXCLUDED)
    return [
        (state, reason) for state in states if state.candidate.location_id in excluded
    ]


def filter_status(
    states: list[CandidateState], context: RoutingContext, params: Mapping[str, Any]
) -> Rejections:
    allowed = params["allowed"]
    allowed_text = ", ".join(allowed)
    # Candidates with the same status share one message.
    reasons: dict[str, m.Message] = {}
    rejections = []
    for state in states:
        status = state.candidate.status
        if status not in allowed:
            reason = reasons.get(status)
            if reason is None:
                reason = reasons[status] = m.message(
                    m.STATUS_NOT_ALLOWED, status=status, allowed=allowed_text
                )
            rejections.append((state, reason))
    return rejections


def filter_delivery_capability(
    states: list[CandidateState], context: RoutingContext, params: Mapping[str, Any]
) -> Rejections:
    rejections = []
    no_pickup = m.message(m.NO_PICKUP)
    no_shipping = m.message(m.NO_SHIPPING)
    pickup_mode = context.mode == PICKUP_MODE
    transfer_to = context.pickup_location_id if context.mode == TRANSFER_MODE else None
    for state in states:
        candidate = state.candidate
        if pickup_mode or (
            transfer_to is not None and candidate.location_id == transfer_to
        ):
            if not candidate.offers_pickup:
                rejections.append((state, no_pickup))
        elif candidate.kind != "dc" and not candidate.ships_from_store:
            rejections.append((state, no_shipping))
    return rejections


def filter_stock(
    states: list[CandidateState], context: RoutingContext, params: Mapping[str, Any]
) -> Rejections:
    # Mode "any" only makes sense when the order may be split.
    all_items = params["mode"] == "all_items" or not context.split
    total = context.total_units
    nothing = (
        m.message(m.STOCK_NONE_ONE)
        if total == 1
        else m.message(m.STOCK_NONE, ordered=total)
    )
    # Candidates with the same coverage share one message.
    shortfalls: dict[tuple[int, ...], m.Message] = {}
    rejections = []
    for state in states:
        if all_items and state.covered_units < total:
            reason = shortfalls.get(state.cover)
            if reason is None:
                reason = shortfalls[state.cover] = _shortages(context, state.cover)
            rejections.append((state, reason))
        elif state.covered_units == 0:
            rejections.append((state, nothing))
    return rejections


def _shortages(context: RoutingContext, cover: tuple[int, ...]) -> m.Message:
    shortages = [
        m.message(m.STOCK_SHORT_ONE, in_stock=in_stock, sku=sku)
        if ordered == 1
        else m.message(m.STOCK_SHORT, in_stock=in_stock, ordered=ordered, sku=sku)
        for sku, ordered, in_stock in zip(
            context.skus, context.demand, cover, strict=True
        )
        if in_stock < ordered
    ]
    return m.message(m.STOCK_SHORTAGES, items=shortages)


def filter_max_distance(
    states: list[CandidateState], context: RoutingContext, params: Mapping[str, Any]
) -> Rejections:
    limit = params["km"]
    reject_unknown = params["unknown_distance"] == "reject"
    rejections = []
    for state in states:
        distance = state.distance_km
        if distance is None:
            if reject_unknown:
                rejections.append((state, m.message(m.DISTANCE_UNKNOWN)))
        elif distance > limit:
            rejections.append(
                (
                    state,
                    m.message(
                        m.DISTANCE_OVER, distance=f"{distance:.1f}", limit=f"{limit:g}"
                    ),
                )
            )
    return rejections


def ready_time(
    candidate: Candidate, now: datetime, cache: dict
) -> tuple[datetime, datetime] | str:
    """Return (opens at, ready to ship at) for a location, or an error string.

    `cache` must only be used with one `now`, and not shared with
    `ready_time_checked`.
    """
    result = ready_time_checked(candidate, now, cache)
    return result.english() if isinstance(result, m.Message) else result


def ready_time_checked(
    candidate: Candidate, now: datetime, cache: dict
) -> tuple[datetime, datetime] | m.Message:
    """Return (opens at, ready to ship at) for a location, or why it has none.

    Locations with the same time zone, hours and lead time share one entry in
    `cache`, which must only be used with one `now`.
    """
    key = (candidate.time_zone, candidate.opening_hours, candidate.lead_time_hours)
    cached = cache.get(key)
    if cached is not None:
        return cached
    try:
        opens_at = next_opening(now, candidate.time_zone, candidate.opening_hours)
    except ValueError as error:
        result: tuple[datetime, datetime] | m.Message = m.message(
            m.HOURS_INVALID, error=str(error)
        )
    else:
        if opens_at is None:
            result = m.message(m.NEVER_OPENS)
        else:
            ready_at = opens_at + timedelta(hours=candidate.lead_time_hours)
            result = (opens_at, ready_at)
    cache[key] = result
    return result


def latest_ship_time(
    candidate: Candidate,
    distance_km: float | None,
    promised_by: datetime | None,
    now: datetime,
    km_per_day: float,
) -> datetime | None:
    """The time by which a location must ship or have ready a part it was
    offered at `now`: the promised date less the transit time, but never
    before the location can be ready (next opening plus its lead time).

    Without a promised date it is the ready time. Returns None when the
    location never opens or its hours are invalid.
    """
    timing = ready_time_checked(candidate, now, {})
    if isinstance(timing, m.Message):
        return None
    ready_at = timing[1]
    if promised_by is None:
        return ready_at
    transit = timedelta(days=(distance_km or 0.0) / km_per_day)
    return max(ready_at, promised_by - transit)


def filter_meets_promise(
    states: list[CandidateState], context: RoutingContext, params: Mapping[str, Any]
) -> Rejections:
    promised_by = context.order.promised_by
    if promised_by is None:
        return []
    km_per_day = params["km_per_day"]
    rejections = []
    formatted: dict[tuple[datetime, str], str] = {}

    def local(moment: datetime, zone_name: str) -> str:
        text = formatted.get((moment, zone_name))
        if text is None:
            text = formatted[(moment, zone_name)] = format_local(moment, zone_name)
        return text

    # The next opening, the ready time and the days left before the promise
    # (or why the location cannot be ready), per opening hours, time zone and
    # lead time. The key uses the identity of the hours, which saves hashing
    # them for every candidate. The candidates keep their hours alive for the
    # whole call, so no id is reused meanwhile. `ready_time_checked` still
    # shares the result between equal hours that are other objects.
    timings: dict[tuple[int, str, float], tuple | m.Message] = {}
    now = context.now
    ready_times = context.ready_times
    for state in states:
        candidate = state.candidate
        key = (
            id(candidate.opening_hours),
            candidate.time_zone,
            candidate.lead_time_hours,
        )
        timing = timings.get(key)
        if timing is None:
            checked = ready_time_checked(candidate, now, ready_times)
            if isinstance(checked, m.Message):
                timing = checked
            else:
                opens, ready = checked
                slack = (promised_by - ready).total_seconds() / 86400
                timing = (opens, ready, slack)
            timings[key] = timing
        if isinstance(timing, m.Message):
            rejections.append((state, timing))
            continue
        opens_at, ready_at, slack = timing
        # NOTE: an unknown distance counts as no transit time at all.
        transit_days = (state.distance_km or 0.0) / km_per_day
        # A candidate whose transit is clearly shorter than the days left
        # needs no date arithmetic.
        if transit_days < slack - 1e-6:
            continue
        arrives_at = ready_at + timedelta(days=transit_days)
        if arrives_at > promised_by:
            zone_name = candidate.time_zone
            reason = m.message(
                m.PROMISE_LATE,
                # Each arrival is its own instant, so a cache would only cost.
                arrival=format_local(arrives_at, zone_name),
                promised=local(promised_by, zone_name),
                opens=local(opens_at, zone_name),
                lead_time=f"{candidate.lead_time_hours:g}",
                transit=f"{transit_days:.1f}",
            )
            rejections.append((state, reason))
    return rejections


def capacity_problem(state: CandidateState) -> m.Message | None:
    candidate = state.candidate
    daily, accepted = candidate.daily_capacity, candidate.accepted_today
    if daily > 0 and accepted >= daily:
        return m.message(m.DAILY_FULL, taken=accepted, daily=daily)
    concurrent, open_now = candidate.concurrent_capacity, candidate.open_assignments
    if concurrent > 0 and open_now >= concurrent:
        return m.message(m.CONCURRENT_FULL, open=open_now, concurrent=concurrent)
    return None


def filter_capacity(
    states: list[CandidateState], context: RoutingContext, params: Mapping[str, Any]
) -> Rejections:
    # With spill-over the engine routes the order again with this filter off
    # when it is unroutable and this filter removed someone (see
    # `routing.engine.engine`), so the order waits only when capacity is not
    # what stops it.
    if params["spill_over"] and context.spill_over:
        return []
    rejections = []
    for state in states:
        problem = capacity_problem(state)
        if problem is not None:
            rejections.append((state, problem))
    return rejections


def region_problem(state: CandidateState, context: RoutingContext) -> m.Message | None:
    """Return why the customer is outside the candidate's region, or None."""
    candidate = state.candidate
    customer_postal = context.customer_postal_code
    if candidate.service_postal_ranges:
        try:
            ranges = parse_postal_ranges(candidate.service_postal_ranges)
        except ValueError as error:
            return m.message(m.RANGES_INVALID, error=str(error))
        if customer_postal is None:
            return m.message(m.POSTAL_UNKNOWN)
        if any(low <= customer_postal <= high for low, high in ranges):
            return None
        return m.message(
            m.POSTAL_OUTSIDE, postal_code=format_postal_code(customer_postal)
        )

    location_state = candidate.state.strip().upper() or state_for_postal_code(
        candidate.postal_code
    )
    customer_state = context.customer_state
    if not location_state or not customer_state:
        return m.message(m.STATE_UNKNOWN)
    if location_state != customer_state:
        return m.message(
            m.STATE_DIFFERS, customer=customer_state, location=location_state
        )
    return None


def filter_same_region(
    states: list[CandidateState], context: RoutingContext, params: Mapping[str, Any]
) -> Rejections:
    rejections = []
    for state in states:
        problem = region_problem(state, context)
        if problem is not None:
            rejections.append((state, problem))
    return rejections
