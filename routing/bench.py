"""Benchmark stored routing decisions on the configured database.

`routing_bench` builds a network of benchmark-only locations (codes
`bench-0001` on) with stock and stores generated delivery orders of one to
five SKUs. It then routes the orders twice through `orders_route_batch`, the
service the routing task runs, in batches of `ROUTE_BATCH` orders, as routing
tasks take a backlog of waiting orders. Each batch reads the candidates, runs
the policy for every order and stores the decisions, cases, offers, lines,
events, order links and stock reservations with bulk statements in one
transaction:

- once with the engine and a benchmark-only policy (`bench-routing`, the
  steps of `routing.engine.bench.BENCH_POLICY`);
- once with the naive first-fit router `route_naive` in place of the engine,
  after the first pass's decisions, offers and reservations are removed.

Per stored decision, an order's time is the time spent deciding it plus an
equal share of the rest of its batch's time (see `_routing_pass`). The router
inside it (engine only) is timed on its own, and the first pass also times
`route_naive` on the very inputs the engine received.

Before the measured passes, `WARM_UP` orders are routed and undone so both
passes start with warm caches. Afterwards the benchmark deletes its orders
with their decisions, routing cases and offers, and its locations with their
stock and snapshots, so live orders in the same database are never offered
to a bench location. It keeps the bench legal entity and the bench policy,
which matches only orders of the `bench` sales channel.
"""

import logging
import os
import platform
import random
import statistics
import time
from collections.abc import Callable, Sequence
from copy import copy
from dataclasses import dataclass, field, replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from unittest import mock

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from franchises.cnpj import FIRST_WEIGHTS, SECOND_WEIGHTS, cnpj_check_digit
from franchises.models import LegalEntity, Location
from orders.models import Order, OrderItem, OrderLocation
from routing.engine import Candidate, Decision, OrderInput
from routing.engine.baseline import route_naive
from routing.engine.bench import BENCH_POLICY, build_network, build_orders
from routing.engine.engine import route
from routing.models import (
    Assignment,
    PolicyStep,
    RoutingCase,
    RoutingDecision,
    RoutingPolicy,
    StockLevel,
    StockSnapshot,
)
from routing.receivers import ROUTE_BATCH
from routing.services import routing as routing_service
from routing.services.policies import policy_activate
from routing.services.simulation import (
    PROMISE_KM_PER_DAY,
    gini,
    part_on_time,
    percentile,
)
from routing.services.stock import StockRow, stock_levels_set

logger = logging.getLogger(__name__)

LOCATION_PREFIX = "bench-"
POLICY_KEY = "bench-routing"
# Bench orders carry this account name and sales channel, so that only the
# bench policy matches them and cleanup finds them. `.invalid` is reserved
# by RFC 2606 for names that are invalid by construction.
HOSTNAME = "bench.ponte.invalid"
SALES_CHANNEL = "bench"
# The lowest priority number, so the bench policy comes first for bench
# orders whatever other policies are active.
POLICY_PRIORITY = -(2**31)
TRIGGER = "bench"
# Rows per INSERT when storing the generated orders and items.
INSERT_BATCH = 1000
# Orders routed and undone before the measured passes.
WARM_UP = 200
# Median and p99 targets per stored decision, in milliseconds.
TARGET_MEDIAN_MS = 5.0
TARGET_P99_MS = 25.0


@dataclass
class Pass:
    """Timings and decisions of one routing pass over the bench orders."""

    stored_ms: list[float] = field(default_factory=list)
    engine_ms: list[float] = field(default_factory=list)
    naive_same_inputs_ms: list[float] = field(default_factory=list)
    # Wall-clock time of each batch up to its commit, less the router's
    # measuring overhead.
    batch_ms: list[float] = field(default_factory=list)
    # Time the receivers of `assignments_moved` took after each batch's commit.
    after_commit_ms: list[float] = field(default_factory=list)
    # (order, decision, chosen candidates by location id) per routed call.
    decisions: list[tuple[OrderInput, Decision, dict[int, Candidate]]] = field(
        default_factory=list
    )


def routing_bench(*, orders: int = 10_000, locations: int = 500, seed: int = 1) -> dict:
    """Route `orders` generated orders over `locations` bench locations with
    the engine and with the naive router, and return times and quality."""
    rng = random.Random(seed)
    network = build_network(rng, locations)
    generated = build_orders(rng, orders)
    logger.info(
        "Routing benchmark started: %d orders, %d locations, seed %d",
        orders,
        locations,
        seed,
    )
    started = time.monotonic()
    load_at_start = _load_average()

    _orders_delete()
    location_ids = _network_store(network)
    _policy_store()
    order_ids = _orders_store(generated)
    _statistics_update()
    candidates_per_order = Location.objects.count()
    basis = set(
        Location.objects.filter(
            pk__in=location_ids, status=Location.Status.ACTIVE
        ).values_list("pk", flat=True)
    )
    try:
        _routing_pass(order_ids[:WARM_UP], _engine_router(compare_naive=False))
        _routing_undo(location_ids)
        engine_pass = _routing_pass(order_ids, _engine_router(compare_naive=True))
        _routing_undo(location_ids)
        naive_pass = _routing_pass(order_ids, _naive_router())
    finally:
        _orders_delete()
        _network_drop(location_ids)

    result = {
        "orders": orders,
        "locations": locations,
        "candidates_per_order": candidates_per_order,
        "seed": seed,
        "route_batch": ROUTE_BATCH,
        "database": connection.vendor,
        # With DEBUG on, Django keeps every query's SQL, which adds to the times.
        "debug": settings.DEBUG,
        "batch_ms": _summary(engine_pass.batch_ms),
        "after_commit_ms": _summary(engine_pass.after_commit_ms),
        "engine": {
            "stored": _summary(engine_pass.stored_ms),
            "engine_only": _summary(engine_pass.engine_ms),
            **_quality(engine_pass, basis, orders),
        },
        "naive": {
            "stored": _summary(naive_pass.stored_ms),
            "engine_only": _summary(naive_pass.engine_ms),
            "engine_only_on_engine_inputs": _summary(engine_pass.naive_same_inputs_ms),
            **_quality(naive_pass, basis, orders),
        },
        "seconds": round(time.monotonic() - started, 1),
        "load_average": [load_at_start, _load_average()],
    }
    result["better_than_naive"] = _better_than_naive(result["engine"], result["naive"])
    stored = result["engine"]["stored"]
    result["target_met"] = (
        stored["median_ms"] < TARGET_MEDIAN_MS and stored["p99_ms"] < TARGET_P99_MS
    )
    logger.info(
        "Routing benchmark done in %.1f s: median %.2f ms, p99 %.2f ms per "
        "stored decision",
        result["seconds"],
        stored["median_ms"],
        stored["p99_ms"],
    )
    return result


# The network, the policy and the orders


def _bench_cnpj() -> str:
    base = "BENCH0000001"
    first = cnpj_check_digit(base, FIRST_WEIGHTS)
    second = cnpj_check_digit(base + str(first), SECOND_WEIGHTS)
    return f"{base}{first}{second}"


def _network_store(network: Sequence[Candidate]) -> list[int]:
    """Create or update the bench locations and set their stock to the
    generated quantities. Returns their ids in `network` order."""
    entity, _created = LegalEntity.objects.get_or_create(
        cnpj=_bench_cnpj(),
        defaults={
            "legal_name": "Rede de benchmark Ltda",
            "kind": LegalEntity.Kind.FRANCHISEE,
        },
    )
    existing = {
        location.code: location
        for location in Location.objects.filter(code__startswith=LOCATION_PREFIX)
    }
    bench_locations = []
    for candidate in network:
        code = f"{LOCATION_PREFIX}{candidate.location_id:04d}"
        location = existing.pop(code, None) or Location(code=code)
        _location_fill(location, candidate, entity)
        bench_locations.append(location)

    with transaction.atomic():
        # Bench locations of an earlier, larger run; their orders are gone.
        Location.objects.filter(pk__in=[loc.pk for loc in existing.values()]).delete()
        Location.objects.bulk_create([loc for loc in bench_locations if loc.pk is None])
        Location.objects.bulk_update(
            [loc for loc in bench_locations if loc.pk is not None], LOCATION_FIELDS
        )
        location_ids = [location.pk for location in bench_locations]
        StockLevel.objects.filter(location_id__in=location_ids).delete()
        stock_levels_set(
            rows=[
                StockRow(location_id, sku, quantity, candidate.lead_time_hours)
                for location_id, candidate in zip(location_ids, network, strict=True)
                for sku, quantity in candidate.stock.items()
            ],
            source=StockLevel.Source.CSV,
        )
    return location_ids


LOCATION_FIELDS = [
    "name",
    "kind",
    "legal_entity",
    "status",
    "city",
    "state",
    "latitude",
    "longitude",
    "time_zone",
    "daily_capacity",
    "concurrent_capacity",
    "ships_from_store",
    "offers_pickup",
]


def _location_fill(location: Location, candidate: Candidate, entity) -> None:
    location.name = f"Benchmark {candidate.code}"
    location.kind = candidate.kind
    location.legal_entity = entity
    location.status = candidate.status
    location.city = candidate.city
    location.state = candidate.state
    location.latitude = Decimal(f"{candidate.latitude:.6f}")
    location.longitude = Decimal(f"{candidate.longitude:.6f}")
    location.time_zone = candidate.time_zone
    location.daily_capacity = candidate.daily_capacity
    location.concurrent_capacity = candidate.concurrent_capacity
    location.ships_from_store = candidate.ships_from_store
    location.offers_pickup = candidate.offers_pickup


def _policy_store() -> RoutingPolicy:
    """Create the bench policy, or reset an existing one to BENCH_POLICY."""
    fields = {
        "name": "Benchmark",
        "priority": POLICY_PRIORITY,
        "sales_channels": [SALES_CHANNEL],
        "allow_split": BENCH_POLICY.allow_split,
        "max_parts": BENCH_POLICY.max_parts,
        "min_part_value": BENCH_POLICY.min_part_value,
        "prefer_fewer_parts": BENCH_POLICY.prefer_fewer_parts,
    }
    with transaction.atomic():
        policy = (
            RoutingPolicy.objects.filter(key=POLICY_KEY).order_by("-version").first()
        )
        if policy is None:
            policy = RoutingPolicy.objects.create(key=POLICY_KEY, version=1, **fields)
        else:
            RoutingPolicy.objects.filter(pk=policy.pk).update(**fields)
        PolicyStep.objects.filter(policy=policy).delete()
        PolicyStep.objects.bulk_create(
            PolicyStep(
                policy=policy,
                position=position,
                kind=step.kind,
                name=step.name,
                params=dict(step.params),
                weight=Decimal(str(step.weight)),
            )
            for position, step in enumerate(BENCH_POLICY.steps, start=1)
        )
    policy.refresh_from_db()
    if policy.status != RoutingPolicy.Status.ACTIVE:
        policy = policy_activate(policy=policy)
    return policy


def _orders_store(generated: Sequence[OrderInput]) -> list[int]:
    """Insert the generated orders with their items, created an hour ago and
    promised the generated number of days after the benchmark starts."""
    now = timezone.now()
    created = now - timedelta(hours=1)
    orders = []
    items = []
    for number, order_input in enumerate(generated):
        order = Order(
            vtex_order_id=f"BENCH-{number:07d}-01",
            order_group=f"BENCH-{number:07d}",
            status="ready-for-handling",
            sales_channel=SALES_CHANNEL,
            hostname=HOSTNAME,
            is_completed=True,
            creation_date=created,
            last_change=created,
            value_cents=int(order_input.value * 100),
            total=order_input.value,
            items_total=order_input.value,
            city=order_input.city,
            state=order_input.state,
            country="BRA",
            latitude=Decimal(f"{order_input.latitude:.9f}"),
            longitude=Decimal(f"{order_input.longitude:.9f}"),
            raw={},
            raw_sha256="",
        )
        orders.append(order)
        promised = now + (order_input.promised_by - order_input.now)
        items.append(
            [
                OrderItem(
                    item_index=line.index,
                    sku_id=line.sku_id,
                    name=f"Benchmark SKU {line.sku_id}",
                    quantity=line.quantity,
                    price=line.unit_price,
                    selling_price=line.unit_price,
                    delivery_channel="delivery",
                    shipping_estimate_date=promised,
                )
                for line in order_input.lines
            ]
        )

    with transaction.atomic():
        Order.objects.bulk_create(orders, batch_size=INSERT_BATCH)
        for order, order_items in zip(orders, items, strict=True):
            for item in order_items:
                item.order = order
        OrderItem.objects.bulk_create(
            [item for order_items in items for item in order_items],
            batch_size=INSERT_BATCH,
        )
    # SQLite and PostgreSQL set primary keys on bulk_create; fetch them in
    # insertion order either way.
    return list(
        Order.objects.filter(hostname=HOSTNAME)
        .order_by("vtex_order_id")
        .values_list("pk", flat=True)
    )


# Routing passes

Router = Callable[..., Decision]


def _engine_router(*, compare_naive: bool) -> Callable[[Pass], Router]:
    def make(record: Pass) -> Router:
        def router(order, candidates, policy, excluded=frozenset()):
            started = time.perf_counter()
            decision = route(order, candidates, policy, excluded)
            record.engine_ms.append((time.perf_counter() - started) * 1000)
            if compare_naive:
                started = time.perf_counter()
                route_naive(order, candidates, excluded)
                record.naive_same_inputs_ms.append(
                    (time.perf_counter() - started) * 1000
                )
            _keep(record, order, decision, candidates)
            return decision

        return router

    return make


def _naive_router() -> Callable[[Pass], Router]:
    def make(record: Pass) -> Router:
        def router(order, candidates, policy, excluded=frozenset()):
            started = time.perf_counter()
            decision = route_naive(order, candidates, excluded)
            record.engine_ms.append((time.perf_counter() - started) * 1000)
            _keep(record, order, decision, candidates)
            return decision

        return router

    return make


def _keep(record: Pass, order, decision: Decision, candidates) -> None:
    """Keep what the quality figures need: the parts and the chosen locations.

    The candidate table is dropped, because keeping 500 rows for each of
    10,000 decisions made Python's full garbage collections walk millions of
    objects, which showed up as pauses of seconds inside single decisions.
    """
    chosen = {part.location_id for part in decision.parts}
    # The batch reuses its Candidate objects for the next order: keep copies.
    picked = {c.location_id: copy(c) for c in candidates if c.location_id in chosen}
    record.decisions.append((order, replace(decision, candidates=()), picked))


def _routing_pass(order_ids: list[int], make_router) -> Pass:
    """Route the orders through `orders_route_batch`, ROUTE_BATCH at a time as
    routing tasks take a backlog of waiting orders, with the given router in
    place of the engine.

    Each order's time is its own share of the batch. It is the time spent
    deciding it (its candidates built from the batch's stock and the router
    run), plus an equal share of the rest of the batch's time up to the
    commit. That rest covers locking the orders, loading the location facts,
    stock and sales, writing every row in bulk, and the commit. So the times of a
    batch's orders add up to the batch's wall-clock time up to its commit.
    The receivers of `assignments_moved`, which run after the commit, are
    timed per batch on their own (`after_commit_ms`).

    The router is swapped by patching `routing.services.routing.route` for the
    length of the pass, so nothing else in this process may route meanwhile.
    Work the router does besides routing (timing the naive router, keeping the
    decision) is measured and subtracted from the order's time.
    """
    record = Pass()
    router = make_router(record)
    overhead_ms: list[float] = []

    def timed_router(*args, **kwargs):
        started = time.perf_counter()
        decision = router(*args, **kwargs)
        elapsed = (time.perf_counter() - started) * 1000
        overhead_ms.append(elapsed - record.engine_ms[-1])
        return decision

    with mock.patch.object(routing_service, "route", timed_router):
        for start in range(0, len(order_ids), ROUTE_BATCH):
            batch = order_ids[start : start + ROUTE_BATCH]
            timings = routing_service.BatchTimings()
            overhead_ms.clear()
            routing_service.orders_route_batch(
                order_ids=batch, triggered_by=TRIGGER, timings=timings
            )
            # Orders are decided in primary-key order, one router call each.
            decided = sorted(timings.decide_ms)
            overhead = dict(zip(decided, overhead_ms, strict=True))
            own = {
                order_id: timings.decide_ms[order_id] - overhead[order_id]
                for order_id in decided
            }
            shared = timings.committed_ms - sum(timings.decide_ms.values())
            for order_id in decided:
                record.stored_ms.append(own[order_id] + shared / len(decided))
            record.batch_ms.append(timings.committed_ms - sum(overhead_ms))
            record.after_commit_ms.append(timings.total_ms - timings.committed_ms)
    return record


def _routing_undo(location_ids: list[int]) -> None:
    """Remove what a pass stored, so the next pass starts from the same stock."""
    orders = Order.objects.filter(hostname=HOSTNAME)
    with transaction.atomic():
        Assignment.objects.filter(order__in=orders).delete()
        RoutingDecision.objects.filter(order__in=orders).delete()
        RoutingCase.objects.filter(order__in=orders).delete()
        OrderLocation.objects.filter(
            order__in=orders, reason=OrderLocation.Reason.ASSIGNED
        ).delete()
        StockLevel.objects.filter(location_id__in=location_ids).update(reserved=0)


def _orders_delete() -> None:
    """Delete the bench orders with everything routing stored for them."""
    orders = Order.objects.filter(hostname=HOSTNAME)
    with transaction.atomic():
        Assignment.objects.filter(order__in=orders).delete()
        RoutingDecision.objects.filter(order__in=orders).delete()
        orders.delete()


def _network_drop(location_ids: list[int]) -> None:
    """Delete the bench locations with their stock levels and snapshots."""
    with transaction.atomic():
        StockSnapshot.objects.filter(location_id__in=location_ids).delete()
        StockLevel.objects.filter(location_id__in=location_ids).delete()
        Location.objects.filter(pk__in=location_ids).delete()


def _statistics_update() -> None:
    """Refresh PostgreSQL's planner statistics of the tables the bench just
    filled, as autovacuum would soon do on a live database."""
    if connection.vendor != "postgresql":
        return
    tables = [
        model._meta.db_table
        for model in (Location, StockLevel, StockSnapshot, Order, OrderItem)
    ]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f'ANALYZE "{table}"')


# Figures


def _summary(timings: list[float]) -> dict:
    if not timings:
        return {"median_ms": None, "p99_ms": None, "max_ms": None}
    ordered = sorted(timings)
    return {
        "median_ms": round(statistics.median(ordered), 3),
        "p99_ms": round(percentile(ordered, 0.99), 3),
        "max_ms": round(ordered[-1], 3),
    }


def _quality(record: Pass, basis: set[int], orders: int) -> dict:
    """Return parts per routed order, mean distance per part, the share of
    routed orders meeting their promise, and the Gini coefficient of parts
    per location over the active bench locations and any that got a part."""
    routed = [
        (order, decision, picked)
        for order, decision, picked in record.decisions
        if decision.parts
    ]
    parts_by_location: dict[int, int] = dict.fromkeys(basis, 0)
    distances = []
    met = 0
    for order, decision, picked in routed:
        for part in decision.parts:
            parts_by_location[part.location_id] = (
                parts_by_location.get(part.location_id, 0) + 1
            )
            if part.distance_km is not None:
                distances.append(part.distance_km)
        if order.promised_by is not None and _promise_met(order, decision, picked):
            met += 1
    parts = sum(len(decision.parts) for _order, decision, _picked in routed)
    # Orders left unroutable, by the step that removed their last candidates
    # (or "split_search" when finalists remained but no split fitted).
    unroutable: dict[str, int] = {}
    for _order, decision, _picked in record.decisions:
        if not decision.parts:
            step = decision.deciding_step or "none"
            unroutable[step] = unroutable.get(step, 0) + 1
    return {
        "unroutable_by_step": dict(sorted(unroutable.items())),
        "routed_share": round(len(routed) / orders, 4) if orders else None,
        "parts_per_order": round(parts / len(routed), 3) if routed else None,
        "mean_distance_km": round(statistics.fmean(distances), 1)
        if distances
        else None,
        "promise_met_share": round(met / len(routed), 4) if routed else None,
        "gini_orders_per_location": round(gini(list(parts_by_location.values())), 4),
    }


def _promise_met(order, decision: Decision, picked: dict) -> bool:
    """Return whether every part of a routed order is projected ready by its
    ship-by time, as the simulation report counts it."""
    ready_times: dict = {}
    return all(
        part_on_time(order, part, picked[part.location_id], ready_times)
        for part in decision.parts
    )


def _load_average() -> float | None:
    """Return the 1-minute load average, or None where the OS has none."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


# Quality measures by the direction in which they improve.
LOWER_IS_BETTER = ("parts_per_order", "mean_distance_km", "gini_orders_per_location")
HIGHER_IS_BETTER = ("routed_share", "promise_met_share")


def _better_than_naive(engine: dict, naive: dict) -> dict[str, bool]:
    """Return, per quality measure, whether the engine beat the naive router."""
    better = {}
    for name in LOWER_IS_BETTER + HIGHER_IS_BETTER:
        ours, theirs = engine[name], naive[name]
        if ours is None or theirs is None:
            better[name] = False
        elif name in LOWER_IS_BETTER:
            better[name] = ours < theirs
        else:
            better[name] = ours > theirs
    return better


# Report


def routing_bench_report(result: dict) -> str:
    """Return the result as a markdown section for docs/benchmarks.md."""
    engine, naive = result["engine"], result["naive"]
    stored = engine["stored"]
    verdict = "met" if result["target_met"] else "NOT met"
    lines = [
        f"### Routing, {timezone.now():%Y-%m-%d %H:%M} UTC",
        "",
        f"- Machine: {_machine()}",
        f"- Data: {result['orders']} delivery orders of 1–5 SKUs, "
        f"{result['locations']} bench locations ({result['candidates_per_order']} "
        f"candidates per order), seed {result['seed']}. Orders were routed and "
        f"stored in batches of {result['route_batch']} orders (median batch "
        f"{_ms(result['batch_ms']['median_ms'])} ms) with Django DEBUG "
        f"{'on' if result['debug'] else 'off'}. The 1-minute load average was "
        f"{result['load_average'][0]} at the start and "
        f"{result['load_average'][1]} at the end.",
        f"- Receivers of `assignments_moved` after each commit (not included): "
        f"median {_ms(result['after_commit_ms']['median_ms'])} ms per batch",
        "- Time per stored decision: the order's own decision time (candidates "
        "from the batch's stock, the router) plus an equal share of the rest of "
        "its batch (locks, location facts, stock and sales reads, bulk writes, "
        "commit)",
        "",
        "| router | stored median ms | stored p99 ms | router median ms "
        "| router p99 ms |",
        "| --- | ---: | ---: | ---: | ---: |",
        _time_row("Ponte engine", engine),
        _time_row("naive first fit", naive),
        "",
        "| router | routed | parts per order | mean km per part "
        "| promise met | Gini of orders per location |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        _quality_row("Ponte engine", engine),
        _quality_row("naive first fit", naive),
        "",
        f"The naive router on the engine's own inputs: median "
        f"{_ms(naive['engine_only_on_engine_inputs']['median_ms'])} ms, p99 "
        f"{_ms(naive['engine_only_on_engine_inputs']['p99_ms'])} ms. Promises are "
        f"checked as ready time plus distance at {PROMISE_KM_PER_DAY:g} km/day.",
        "",
        f"Orders left unroutable, by the step that removed the last "
        f"candidates: Ponte engine {_counts(engine['unroutable_by_step'])}; "
        f"naive first fit {_counts(naive['unroutable_by_step'])}.",
        "",
        f"Target per stored decision: median under {TARGET_MEDIAN_MS:g} ms and "
        f"p99 under {TARGET_P99_MS:g} ms; {verdict} "
        f"({_ms(stored['median_ms'])} ms and {_ms(stored['p99_ms'])} ms).",
        "",
        f"Better than the naive router on: {_names(result, True)}; not on: "
        f"{_names(result, False)}.",
        "",
    ]
    return "\n".join(lines)


def _names(result: dict, better: bool) -> str:
    names = [
        name.replace("_", " ")
        for name, won in result["better_than_naive"].items()
        if won is better
    ]
    return ", ".join(names) or "none"


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{step} {count}" for step, count in counts.items()) or "none"


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


def _time_row(name: str, figures: dict) -> str:
    stored, router = figures["stored"], figures["engine_only"]
    return (
        f"| {name} | {_ms(stored['median_ms'])} | {_ms(stored['p99_ms'])} "
        f"| {_ms(router['median_ms'])} | {_ms(router['p99_ms'])} |"
    )


def _quality_row(name: str, figures: dict) -> str:
    distance = figures["mean_distance_km"]
    parts = figures["parts_per_order"]
    return (
        f"| {name} | {_share(figures['routed_share'])} "
        f"| {'—' if parts is None else f'{parts:.2f}'} "
        f"| {'—' if distance is None else f'{distance:.0f}'} "
        f"| {_share(figures['promise_met_share'])} "
        f"| {figures['gini_orders_per_location']:.3f} |"
    )


def _machine() -> str:
    database = connection.vendor
    if database == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            database = f"PostgreSQL {cursor.fetchone()[0]}"
    return (
        f"{_cpu_model()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {database}"
    )


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"
