"""A naive router to compare the engine against in `engine_bench`.

It takes the first location, in the order given, with every unit in stock.
Failing that it walks the lines in order and gives each line to the first
location that still has all of its units, splitting a line over locations in
list order when none does. It ignores distance, promises, capacity and policy,
and only skips excluded and paused locations.
"""

from collections.abc import Sequence
from decimal import Decimal

from routing.engine.geo import haversine_km, locate
from routing.engine.types import (
    ROUTED,
    UNROUTABLE,
    Candidate,
    Decision,
    OrderInput,
    Part,
)

NAIVE = "naive"


def _first_full(order: OrderInput, usable: Sequence[Candidate]) -> Candidate | None:
    needed: dict[str, int] = {}
    for line in order.lines:
        needed[line.sku_id] = needed.get(line.sku_id, 0) + line.quantity
    for candidate in usable:
        if all(candidate.stock.get(sku, 0) >= qty for sku, qty in needed.items()):
            return candidate
    return None


def _greedy_per_line(
    order: OrderInput, usable: Sequence[Candidate]
) -> dict[int, list[tuple[int, int]]] | None:
    """Return {location id: [(line index, quantity)]}, or None if stock runs out."""
    skus = {line.sku_id for line in order.lines}
    left = {
        candidate.location_id: {
            sku: candidate.stock[sku] for sku in skus if sku in candidate.stock
        }
        for candidate in usable
    }
    plan: dict[int, list[tuple[int, int]]] = {}
    for line in order.lines:
        holder = next(
            (
                candidate.location_id
                for candidate in usable
                if left[candidate.location_id].get(line.sku_id, 0) >= line.quantity
            ),
            None,
        )
        if holder is not None:
            left[holder][line.sku_id] -= line.quantity
            plan.setdefault(holder, []).append((line.index, line.quantity))
            continue
        needed = line.quantity
        for candidate in usable:
            stock = left[candidate.location_id]
            take = min(needed, stock.get(line.sku_id, 0))
            if take > 0:
                stock[line.sku_id] -= take
                plan.setdefault(candidate.location_id, []).append((line.index, take))
                needed -= take
                if needed == 0:
                    break
        if needed:
            return None
    return plan


def route_naive(
    order: OrderInput,
    candidates: Sequence[Candidate],
    excluded: frozenset[int] = frozenset(),
) -> Decision:
    """Route by first fit. The decision has no candidate table."""
    usable = [
        candidate
        for candidate in candidates
        if candidate.location_id not in excluded and candidate.status != "paused"
    ]
    full = _first_full(order, usable)
    if full is not None:
        plan = {full.location_id: [(line.index, line.quantity) for line in order.lines]}
    else:
        plan = _greedy_per_line(order, usable)
    if plan is None:
        return Decision(UNROUTABLE, (), (), NAIVE, "No stock for every unit.")

    customer = locate(
        order.latitude,
        order.longitude,
        order.postal_code,
        order.city,
        order.state,
        "Customer",
    )
    by_id = {candidate.location_id: candidate for candidate in usable}
    prices = {line.index: line.unit_price for line in order.lines}
    parts = []
    for location_id, allocation in plan.items():
        candidate = by_id[location_id]
        point = locate(
            candidate.latitude,
            candidate.longitude,
            candidate.postal_code,
            candidate.city,
            candidate.state,
            f"Location {candidate.code}",
        )
        distance = None
        if customer is not None and point is not None:
            distance = haversine_km(
                customer.latitude, customer.longitude, point.latitude, point.longitude
            )
        parts.append(
            Part(
                location_id=location_id,
                lines=tuple(sorted(allocation)),
                value=sum((prices[i] * qty for i, qty in allocation), Decimal(0)),
                distance_km=distance,
            )
        )
    return Decision(ROUTED, tuple(parts), (), NAIVE, "First fit.")
