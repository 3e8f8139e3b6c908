"""Time the engine against the naive baseline on a generated network.

`engine_bench` builds a random but reproducible network of stores and DCs
spread over Brazilian cities, routes delivery orders of one to five SKUs with
both routers, and reports per-decision times and quality figures. Each router
keeps its own copy of the network, whose stock and counters change after every
routed order so later orders see the effect of earlier choices. Only the calls
to `route()` and `route_naive()` are timed.
"""

import random
import statistics
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from routing.engine.baseline import route_naive
from routing.engine.engine import route
from routing.engine.filters import ready_time
from routing.engine.postal_codes import CAPITALS, LARGE_CITIES, Place
from routing.engine.types import (
    ROUTED,
    Candidate,
    Decision,
    Line,
    OrderInput,
    Policy,
    Step,
)

CATALOGUE_SIZE = 300
KM_PER_DAY = 500.0

BENCH_POLICY = Policy(
    steps=(
        Step("filter", "status", {"allowed": ["active", "probation"]}),
        Step("filter", "delivery_capability"),
        Step("filter", "stock", {"mode": "any"}),
        Step("filter", "capacity", {"spill_over": True}),
        Step("filter", "meets_promise", {"km_per_day": KM_PER_DAY}),
        Step("criterion", "distance", weight=3.0),
        Step("criterion", "performance", weight=1.0),
        Step("criterion", "fairness", weight=1.0),
        Step("criterion", "stock_balance", weight=0.5),
        Step("criterion", "cost", weight=0.5),
    ),
    max_parts=3,
    min_part_value=Decimal("20"),
    prefer_fewer_parts=True,
    allow_split=True,
)

# Rough relative weights of where stores and customers are.
_HEAVY_STATES = {"SP": 8, "RJ": 4, "MG": 3, "PR": 2, "RS": 2, "SC": 2, "BA": 2}
_TIME_ZONES = {
    "AM": "America/Manaus",
    "RR": "America/Boa_Vista",
    "RO": "America/Porto_Velho",
    "AC": "America/Rio_Branco",
    "MT": "America/Cuiaba",
    "MS": "America/Campo_Grande",
    "BA": "America/Bahia",
    "PE": "America/Recife",
    "CE": "America/Fortaleza",
}
_STORE_HOURS = tuple((weekday, "09:00", "21:00") for weekday in range(6)) + (
    (6, "14:00", "20:00"),
)


def _places() -> tuple[list[Place], list[float]]:
    places = [*CAPITALS.values(), *LARGE_CITIES]
    weights = [float(_HEAVY_STATES.get(place.state, 1)) for place in places]
    return places, weights


def _sku(number: int) -> str:
    return f"{1000 + number}"


def build_network(rng: random.Random, locations: int) -> list[Candidate]:
    """Return `locations` candidates with stock drawn from a skewed catalogue."""
    places, weights = _places()
    network = []
    for location_id in range(1, locations + 1):
        place = rng.choices(places, weights)[0]
        is_dc = rng.random() < 0.02
        stock = {}
        cover = {}
        for number in range(CATALOGUE_SIZE):
            # Popular SKUs (low numbers) are in stock at most locations.
            chance = (0.9 if is_dc else 0.75) / (1 + number / 40)
            if rng.random() < chance:
                stock[_sku(number)] = rng.randint(0, 6) if not is_dc else 50
                cover[_sku(number)] = round(rng.uniform(0.5, 12.0), 1)
        daily = 0 if is_dc else rng.randint(15, 120)
        network.append(
            Candidate(
                location_id=location_id,
                code=f"{'dc' if is_dc else 'loja'}-{location_id:04d}",
                kind="dc" if is_dc else "store",
                status=rng.choices(
                    ("active", "probation", "paused"), (0.9, 0.05, 0.05)
                )[0],
                latitude=place.latitude + rng.uniform(-0.12, 0.12),
                longitude=place.longitude + rng.uniform(-0.12, 0.12),
                city=place.city,
                state=place.state,
                time_zone=_TIME_ZONES.get(place.state, "America/Sao_Paulo"),
                opening_hours=() if is_dc else _STORE_HOURS,
                lead_time_hours=rng.choice((2.0, 4.0, 8.0, 24.0)),
                ships_from_store=is_dc or rng.random() < 0.85,
                offers_pickup=not is_dc,
                stock=stock,
                weeks_of_cover=cover,
                daily_capacity=daily,
                accepted_today=rng.randint(0, daily // 2) if daily else 0,
                # No concurrent limit: the benchmarks route a whole day's
                # orders and never fulfil one, so open offers only pile up and
                # a limit of a few dozen would measure that backlog, not the
                # routing. Daily capacity still applies.
                concurrent_capacity=0,
                open_assignments=0 if is_dc else rng.randint(0, 3),
                on_time_rate=None if rng.random() < 0.1 else rng.uniform(0.7, 1.0),
                rejection_rate=None if rng.random() < 0.1 else rng.uniform(0.0, 0.2),
                orders_this_period=rng.randint(0, 300),
                cost_per_order=(
                    None
                    if rng.random() < 0.2
                    else Decimal(rng.randint(500, 2500)) / 100
                ),
            )
        )
    return network


def build_orders(rng: random.Random, orders: int) -> list[OrderInput]:
    """Return delivery orders of one to five SKUs near weighted city centres."""
    places, weights = _places()
    start = datetime(2025, 3, 10, 11, 0, tzinfo=UTC)
    result = []
    for number in range(orders):
        place = rng.choices(places, weights)[0]
        sku_count = rng.randint(1, 5)
        skus = set()
        while len(skus) < sku_count:
            skus.add(_sku(min(int(rng.expovariate(1 / 30)), CATALOGUE_SIZE - 1)))
        lines = tuple(
            Line(
                index=index,
                sku_id=sku,
                quantity=rng.choices((1, 2, 3), (0.75, 0.18, 0.07))[0],
                unit_price=Decimal(rng.randint(990, 49990)) / 100,
            )
            for index, sku in enumerate(sorted(skus))
        )
        now = start + timedelta(minutes=number)
        result.append(
            OrderInput(
                order_id=f"{1_500_000_000_000 + number}-01",
                lines=lines,
                value=sum((line.value for line in lines), Decimal(0)),
                latitude=place.latitude + rng.uniform(-0.1, 0.1),
                longitude=place.longitude + rng.uniform(-0.1, 0.1),
                postal_code="",
                city=place.city,
                state=place.state,
                delivery_channel="delivery",
                pickup_location_id=None,
                promised_by=now + timedelta(days=rng.randint(1, 5)),
                now=now,
            )
        )
    return result


def _apply(network: dict[int, Candidate], order: OrderInput, decision: Decision):
    """Reserve stock and count the assignment at every chosen location."""
    skus = {line.index: line.sku_id for line in order.lines}
    for part in decision.parts:
        candidate = network[part.location_id]
        stock = dict(candidate.stock)
        for index, quantity in part.lines:
            stock[skus[index]] = stock.get(skus[index], 0) - quantity
        network[part.location_id] = replace(
            candidate,
            stock=stock,
            accepted_today=candidate.accepted_today + 1,
            open_assignments=candidate.open_assignments + 1,
            orders_this_period=candidate.orders_this_period + 1,
        )


def gini(values: list[int]) -> float:
    """Return the Gini coefficient of non-negative counts (0 = perfectly even)."""
    ordered = sorted(values)
    total = sum(ordered)
    if not ordered or total == 0:
        return 0.0
    count = len(ordered)
    weighted = sum((rank + 1) * value for rank, value in enumerate(ordered))
    return (2 * weighted) / (count * total) - (count + 1) / count


def _meets_promise(order: OrderInput, decision: Decision, network) -> bool:
    """Check every part with the same estimate as the `meets_promise` filter."""
    for part in decision.parts:
        timing = ready_time(network[part.location_id], order.now, {})
        if isinstance(timing, str):
            return False
        transit = timedelta(days=(part.distance_km or 0.0) / KM_PER_DAY)
        if timing[1] + transit > order.promised_by:
            return False
    return True


def _run(router, orders: list[OrderInput], network: list[Candidate]) -> dict:
    current = {candidate.location_id: candidate for candidate in network}
    location_ids = [candidate.location_id for candidate in network]
    timings = []
    parts_per_order = []
    distances = []
    promises_met = 0
    routed = 0
    parts_by_location = dict.fromkeys(location_ids, 0)
    for order in orders:
        candidates = [current[location_id] for location_id in location_ids]
        started = time.perf_counter()
        decision = router(order, candidates)
        timings.append((time.perf_counter() - started) * 1000)
        if decision.status != ROUTED:
            continue
        routed += 1
        parts_per_order.append(len(decision.parts))
        for part in decision.parts:
            parts_by_location[part.location_id] += 1
            if part.distance_km is not None:
                distances.append(part.distance_km)
        if _meets_promise(order, decision, current):
            promises_met += 1
        _apply(current, order, decision)

    timings.sort()
    return {
        "median_ms": round(statistics.median(timings), 3),
        "p99_ms": round(timings[min(len(timings) - 1, int(len(timings) * 0.99))], 3),
        "max_ms": round(timings[-1], 3),
        "routed_share": round(routed / len(orders), 4),
        "parts_per_order": round(statistics.mean(parts_per_order), 3)
        if parts_per_order
        else 0.0,
        "mean_distance_km": round(statistics.mean(distances), 1) if distances else None,
        "promise_met_share": round(promises_met / routed, 4) if routed else 0.0,
        "gini_orders_per_location": round(gini(list(parts_by_location.values())), 4),
    }


def engine_bench(orders: int = 1000, locations: int = 500, seed: int = 1) -> dict:
    """Route `orders` generated orders over `locations` locations with both routers.

    Times are wall-clock milliseconds per decision on the machine running it.
    Quality figures cover routed orders: parts per order, mean distance per
    part, the share of orders whose every part meets the promised date by the
    `meets_promise` estimate (500 km/day), and the Gini coefficient of parts
    per location.
    """
    rng = random.Random(seed)
    network = build_network(rng, locations)
    order_list = build_orders(rng, orders)

    engine = _run(
        lambda order, candidates: route(order, candidates, BENCH_POLICY),
        order_list,
        network,
    )
    baseline = _run(route_naive, order_list, network)
    return {
        "orders": orders,
        "locations": locations,
        "seed": seed,
        "policy": "status, delivery_capability, stock any, capacity spill-over, "
        "meets_promise; distance 3, performance 1, fairness 1, stock_balance 0.5, "
        "cost 0.5; up to 3 parts, minimum part value 20",
        "engine": engine,
        "baseline": baseline,
    }
