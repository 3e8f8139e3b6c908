"""Simulation: replay a past period's orders under a policy and a baseline.

Every completed order created in the period is routed twice, once per policy,
in creation order. Each policy runs in its own in-memory copy of the network.
An order is routed with the stock of the snapshots taken at or before its
creation, minus what earlier simulated orders of the same policy took since
those snapshots, and with the capacity counters of its simulated day.

Policy conditions apply as in live routing. Each side replays the active
policies of today with its own version in place of its key's active one, and
an order goes to the first of them whose conditions it meets. Orders that
another policy takes, or that no policy takes, are counted apart.

Nothing is written except the `SimulationRun` row, so decisions, assignments
and stock stay untouched. A running run refreshes `updated_at` at least every
HEARTBEAT_INTERVAL; `simulations_fail_stale` fails runs that stopped doing so.
"""

import logging
import math
import statistics
import time
import zoneinfo
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, F, Max, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from franchises.models import Location
from orders.models import Order
from routing.engine import (
    Candidate,
    Decision,
    OrderInput,
    Policy,
    route,
    validate_policy,
)
from routing.engine.engine import check_inputs
from routing.engine.filters import ready_time_checked
from routing.engine.messages import Message
from routing.engine.types import ROUTED, Part
from routing.models import (
    Assignment,
    RoutingPolicy,
    SimulationRun,
    StockSnapshot,
)
from routing.services.candidates import (
    MIN_ANSWERED_OFFERS,
    PERFORMANCE_WINDOW,
    order_input,
    ship_by_hours,
)
from routing.services.policies import (
    PolicyError,
    policies_active,
    policy_engine_form,
    policy_matches,
)
from routing.services.stock import lead_times_at, stock_at

logger = logging.getLogger(__name__)

MAX_PERIOD = timedelta(days=92)
# Orders read per query. A batch keeps its orders and their items in memory,
# plus the snapshots taken during its time span, and progress is saved once
# per batch: 500 orders of a few items each take a few megabytes and cost one
# UPDATE of the run, so progress moves every few seconds on a large network.
BATCH_SIZE = 500
# SKUs per `IN (...)` list when reading snapshots, well under the bound
# parameters that SQLite (32766) and PostgreSQL (65535) accept per statement.
SKU_CHUNK = 1000
# Transit speed behind a simulated part's ship-by time (the promised date less
# the straight-line distance at this speed), the default of the
# `meets_promise` filter. One speed for both policies keeps them comparable.
PROMISE_KM_PER_DAY = 500.0
# Capacity counters reset at midnight in this zone, as `LocationFacts` does.
CAPACITY_TIME_ZONE = zoneinfo.ZoneInfo("America/Sao_Paulo")
# Malformed orders logged one by one per run; the rest are only counted.
LOGGED_INVALID_ORDERS = 10
# A running run writes its progress at least this often, even inside a batch.
HEARTBEAT_INTERVAL = timedelta(seconds=30)
# A running run without progress for this long is taken for dead: its worker
# was killed, lost its machine, or hit the task's hard time limit. Twenty
# heartbeats leave room for a slow database.
STALE_AFTER = timedelta(minutes=10)


class SimulationError(Exception):
    """Raised when a simulation cannot start. The message gives the reason and
    what to change."""


class SimulationStopped(Exception):
    """Raised inside a run when its row is no longer running, because
    `simulations_fail_stale` failed it meanwhile."""


def simulation_start(
    *,
    policy: RoutingPolicy,
    period_start: datetime,
    period_end: datetime,
    user,
    baseline: RoutingPolicy | None = None,
) -> SimulationRun:
    """Validate a simulation, store it as queued and enqueue its run.

    `baseline` defaults to the active version of the policy's key. Raises
    SimulationError, having written nothing, when the period or a policy is
    invalid.
    """
    _period_check(period_start, period_end)
    if baseline is None:
        baseline = (
            RoutingPolicy.objects.filter(
                key=policy.key, status=RoutingPolicy.Status.ACTIVE
            )
            .order_by("pk")
            .first()
        )
        if baseline is None:
            raise SimulationError(
                _(
                    "Policy %(key)s has no active version to compare with. "
                    "Choose a baseline."
                )
                % {"key": policy.key}
            )
    if baseline.pk == policy.pk:
        raise SimulationError(
            _(
                "The policy and the baseline are the same version. "
                "Choose another baseline."
            )
        )
    for candidate in (policy, baseline):
        _policy_check(candidate)

    # Imported here because the task module imports this one.
    from routing.simulation_tasks import simulation_run_task

    with transaction.atomic():
        run = SimulationRun.objects.create(
            policy=policy,
            baseline=baseline,
            period_start=period_start,
            period_end=period_end,
            created_by=user if user is not None and user.is_authenticated else None,
        )
        transaction.on_commit(lambda: simulation_run_task.delay(run.pk))
    logger.info(
        "Simulation %s queued: policy %s v%d against %s v%d, %s to %s",
        run.pk,
        policy.key,
        policy.version,
        baseline.key,
        baseline.version,
        period_start.isoformat(),
        period_end.isoformat(),
    )
    return run


def _period_check(period_start: datetime, period_end: datetime) -> None:
    if period_end <= period_start:
        raise SimulationError(
            _("The period is empty because its end is not after its start.")
        )
    if period_end > timezone.now():
        raise SimulationError(
            _(
                "The period ends at %(end)s, which is in the future. Only past "
                "orders can be simulated."
            )
            % {"end": timezone.localtime(period_end).strftime("%d/%m/%Y %H:%M")}
        )
    if period_end - period_start > MAX_PERIOD:
        length = period_end - period_start
        raise SimulationError(
            _(
                "The period is %(days)s days long, but at most %(max)s days can "
                "be simulated at once."
            )
            % {"days": math.ceil(length / timedelta(days=1)), "max": MAX_PERIOD.days}
        )


def _policy_check(policy: RoutingPolicy) -> None:
    try:
        policy_engine_form(policy)
    except PolicyError as error:
        raise SimulationError(
            _("Policy %(policy)s v%(version)s is invalid: %(error)s")
            % {"policy": policy.name, "version": policy.version, "error": error}
        ) from None


def simulation_run(*, run_id: int) -> SimulationRun | None:
    """Replay a queued run and store its results. Return None when another
    worker has already claimed it. Any error marks the run failed."""
    claimed_at = timezone.now()
    claimed = SimulationRun.objects.filter(
        pk=run_id, status=SimulationRun.Status.QUEUED
    ).update(
        status=SimulationRun.Status.RUNNING,
        started_at=claimed_at,
        updated_at=claimed_at,
    )
    if not claimed:
        logger.info("Simulation %s skipped because it is not queued", run_id)
        return None

    # A worker killed from here on leaves the run "running" until
    # `simulations_fail_stale` finds that its heartbeat stopped.
    run = SimulationRun.objects.select_related("policy", "baseline").get(pk=run_id)

    started = time.monotonic()
    logger.info("Simulation %s started", run_id)
    try:
        results = _replay(run)
    except SimulationStopped:
        logger.warning(
            "Simulation %s stopped because it was failed as stale meanwhile", run_id
        )
    except Exception as error:
        # Any failure, including a policy edited into an invalid state since
        # the run was queued, ends the run with the error shown on its page.
        logger.exception("Simulation %s failed", run_id)
        _finish(run_id, status=SimulationRun.Status.FAILED, error=_error_text(error))
    else:
        results["elapsed_seconds"] = round(time.monotonic() - started, 1)
        _finish(run_id, status=SimulationRun.Status.DONE, results=results)
        logger.info(
            "Simulation %s done: %d orders (%d malformed) in %.1f s",
            run_id,
            results["orders"],
            results["invalid_orders"],
            results["elapsed_seconds"],
        )
    return SimulationRun.objects.get(pk=run_id)


def simulations_fail_stale(*, now: datetime | None = None) -> int:
    """Fail every running run whose progress has not moved for STALE_AFTER,
    with the reason on its page. Returns how many were failed."""
    now = now or timezone.now()
    cutoff = now - STALE_AFTER
    stale = list(
        SimulationRun.objects.filter(
            status=SimulationRun.Status.RUNNING, updated_at__lt=cutoff
        ).values_list("pk", "updated_at", "done", "total")
    )
    failed = 0
    for run_id, updated_at, done, total in stale:
        reason = _(
            "The worker stopped reporting progress at %(time)s, after %(done)s of "
            "%(total)s orders, and nothing moved for %(minutes)d minutes, so the "
            "run was marked failed. Its worker was probably stopped or restarted. "
            "Start the simulation again."
        ) % {
            "time": timezone.localtime(updated_at).strftime("%d/%m/%Y %H:%M"),
            "done": done,
            "total": total,
            "minutes": STALE_AFTER // timedelta(minutes=1),
        }
        # Compare-and-swap on the heartbeat: a run that moved since the read
        # above stays running.
        failed += SimulationRun.objects.filter(
            pk=run_id, status=SimulationRun.Status.RUNNING, updated_at=updated_at
        ).update(
            status=SimulationRun.Status.FAILED,
            error=reason,
            finished_at=now,
            updated_at=now,
        )
        logger.warning(
            "Simulation %s failed as stale: no progress since %s (%d of %d orders)",
            run_id,
            updated_at.isoformat(),
            done,
            total,
        )
    return failed


class Heartbeat:
    """Writes a run's progress and proves it alive. Raises SimulationStopped
    when the run is no longer running."""

    def __init__(self, run_id: int) -> None:
        self.run_id = run_id
        self.done = 0
        self.last = time.monotonic()

    def progress(self, done: int) -> None:
        self.done = done
        self._write()

    def beat(self) -> None:
        """Write the heartbeat when HEARTBEAT_INTERVAL has passed since the last."""
        if time.monotonic() - self.last >= HEARTBEAT_INTERVAL.total_seconds():
            self._write()

    def _write(self) -> None:
        updated = SimulationRun.objects.filter(
            pk=self.run_id, status=SimulationRun.Status.RUNNING
        ).update(done=self.done, updated_at=timezone.now())
        self.last = time.monotonic()
        if not updated:
            raise SimulationStopped(self.run_id)


def _error_text(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"


def _finish(run_id: int, *, status: str, **fields) -> None:
    now = timezone.now()
    SimulationRun.objects.filter(pk=run_id, status=SimulationRun.Status.RUNNING).update(
        status=status, finished_at=now, updated_at=now, **fields
    )


def _replay(run: SimulationRun) -> dict:
    if run.baseline is None:
        raise SimulationError(_("The baseline policy of this run was deleted."))
    active = policies_active()
    worlds = [
        World(role, policy, _policy_set(policy, active))
        for role, policy in (("policy", run.policy), ("baseline", run.baseline))
    ]

    orders = _period_orders(run)
    total = orders.count()
    SimulationRun.objects.filter(pk=run.pk).update(total=total, done=0)
    heartbeat = Heartbeat(run.pk)
    locations = list(Location.objects.order_by("code"))
    network = _network(locations, run.period_start)
    stock = StockReplay(run.period_start, worlds)
    invalid = 0
    done = 0
    for batch in _batches(orders):
        invalid += _replay_batch(run.pk, batch, network, stock, worlds, heartbeat)
        done += len(batch)
        heartbeat.progress(done)
        logger.info("Simulation %s: %d of %d orders", run.pk, done, total)

    basis = {loc.code for loc in locations if loc.status == Location.Status.ACTIVE}
    for world in worlds:
        basis |= {code for code, count in world.parts_by_code().items() if count}
    results = {
        "orders": done,
        "invalid_orders": invalid,
        "locations": len(basis),
        "batch_size": BATCH_SIZE,
        "promise_km_per_day": PROMISE_KM_PER_DAY,
    }
    for world in worlds:
        results[world.role] = world.summary(sorted(basis))
    return results


def _policy_set(
    policy: RoutingPolicy, active: list[RoutingPolicy]
) -> list[tuple[RoutingPolicy, Policy | None]]:
    """Return today's active policies with `policy` in place of its key's
    active version, in the order live routing tries them, each with its
    engine form. Another policy whose steps are invalid gets None, and the
    orders it takes count as unroutable, as live routing leaves them."""
    chosen = (policy, validate_policy(policy_engine_form(policy)))
    others = []
    for other in active:
        if other.key == policy.key:
            continue
        try:
            others.append((other, validate_policy(policy_engine_form(other))))
        except (PolicyError, ValueError) as error:
            logger.warning(
                "Simulation skips invalid active policy %s v%d: %s",
                other.key,
                other.version,
                error,
            )
            others.append((other, None))
    return sorted([chosen, *others], key=lambda pair: (pair[0].priority, pair[0].key))


def _period_orders(run: SimulationRun):
    """Completed orders created in the period that existed when the run began,
    so orders ingested during the run do not change its set."""
    orders = Order.objects.filter(
        creation_date__gte=run.period_start,
        creation_date__lt=run.period_end,
        is_completed=True,
    )
    last_pk = orders.aggregate(last=Max("pk"))["last"] or 0
    return orders.filter(pk__lte=last_pk)


def _batches(orders) -> Iterator[list[Order]]:
    """Yield the orders in creation order, BATCH_SIZE at a time, paging by
    (creation date, id) so each query starts where the last one ended."""
    query = orders.order_by("creation_date", "pk").prefetch_related("items")
    after: tuple[datetime, int] | None = None
    while True:
        page = query
        if after is not None:
            page = query.filter(
                Q(creation_date__gt=after[0])
                | Q(creation_date=after[0], pk__gt=after[1])
            )
        batch = list(page[:BATCH_SIZE])
        if not batch:
            return
        yield batch
        after = (batch[-1].creation_date, batch[-1].pk)


def _replay_batch(
    run_id: int,
    batch: list[Order],
    network: "Network",
    stock: "StockReplay",
    worlds,
    heartbeat: Heartbeat,
) -> int:
    """Route each order of the batch under every policy set; return how many
    orders were malformed, which count as unroutable under both."""
    engine_orders = [order_input(order, order.creation_date) for order in batch]
    sku_ids = {line.sku_id for order in engine_orders for line in order.lines}
    stock.load(sku_ids, until=batch[-1].creation_date)
    invalid = 0
    for order, engine_order in zip(batch, engine_orders, strict=True):
        heartbeat.beat()
        stock.advance(engine_order.now)
        try:
            check_inputs(engine_order, ())
        except ValueError as error:
            if invalid < LOGGED_INVALID_ORDERS:
                logger.warning("Simulation %s cannot route an order: %s", run_id, error)
            invalid += 1
            for world in worlds:
                world.tally.unroutable += 1
            continue

        order_lead_times = network.lead_times(engine_order, stock.lead_times)
        for world in worlds:
            engine_policy = world.policy_for(order, engine_order.delivery_channel)
            if engine_policy is None:
                world.tally.unroutable += 1
                continue
            candidates = network.candidates(
                world, engine_order, stock, order_lead_times
            )
            decision = route(engine_order, candidates, engine_policy)
            world.record(engine_order, decision, candidates)
    return invalid


class StockReplay:
    """Stock quantities and lead times as of a moving point in time, read
    from snapshots.

    Orders arrive in creation order. `load` reads the snapshots a batch needs
    and `advance` applies those taken up to an order's creation. A snapshot is
    an absolute count, so applying one clears what the simulated orders took
    from that location and SKU before it. A snapshot that came with a lead
    time sets it; lead times no snapshot recorded are the levels' current ones.
    """

    def __init__(self, start: datetime, worlds: Sequence["World"]) -> None:
        self.loaded_until = start
        self.worlds = worlds
        # Units per SKU and location id, as the snapshot in force counted them.
        self.quantity: dict[str, dict[int, int]] = {}
        # Lead hours per SKU and location id, as `Network.lead_times` reads them.
        self.lead_times: dict[str, dict[int, float]] = {}
        self.known_skus: set[str] = set()
        self.pending: deque[tuple[datetime, int, str, int, Decimal | None]] = deque()

    def load(self, sku_ids: set[str], *, until: datetime) -> None:
        new = sku_ids - self.known_skus
        if new:
            counted = stock_at(sku_ids=new, at=self.loaded_until)
            for (location_id, sku), quantity in counted.items():
                self.quantity.setdefault(sku, {})[location_id] = quantity
            hours = lead_times_at(sku_ids=new, at=self.loaded_until)
            for (location_id, sku), lead_time in hours.items():
                self.lead_times.setdefault(sku, {})[location_id] = lead_time
            self.known_skus |= new
        if until <= self.loaded_until:
            return
        rows = []
        known = sorted(self.known_skus)
        for start in range(0, len(known), SKU_CHUNK):
            rows.extend(
                StockSnapshot.objects.filter(
                    sku_id__in=known[start : start + SKU_CHUNK],
                    taken_at__gt=self.loaded_until,
                    taken_at__lte=until,
                ).values_list(
                    "taken_at",
                    "id",
                    "location_id",
                    "sku_id",
                    "quantity",
                    "lead_time_hours",
                )
            )
        rows.sort()
        self.pending.extend(
            (taken_at, location_id, sku, quantity, lead_time)
            for taken_at, _id, location_id, sku, quantity, lead_time in rows
        )
        self.loaded_until = until

    def advance(self, moment: datetime) -> None:
        while self.pending and self.pending[0][0] <= moment:
            _taken_at, location_id, sku, quantity, lead_time = self.pending.popleft()
            self.quantity.setdefault(sku, {})[location_id] = quantity
            if lead_time is not None:
                self.lead_times.setdefault(sku, {})[location_id] = float(lead_time)
            for world in self.worlds:
                world.taken.pop((location_id, sku), None)

    def available(
        self, world: "World", skus: Iterable[str]
    ) -> dict[int, dict[str, int]]:
        """Return the units of these SKUs that the policy's orders have not
        taken, per location id, leaving out locations with none."""
        available: dict[int, dict[str, int]] = {}
        taken = world.taken
        for sku in skus:
            for location_id, quantity in self.quantity.get(sku, {}).items():
                units = quantity - taken.get((location_id, sku), 0)
                if units > 0:
                    available.setdefault(location_id, {})[sku] = units
        return available


@dataclass
class Network:
    """The locations as keyword arguments of `Candidate`, without the fields
    that change per order and per policy."""

    templates: list[dict]

    def lead_times(
        self, order: OrderInput, lead_times: dict[str, dict[int, float]]
    ) -> dict[int, float]:
        """Return the maximum lead time of the order's SKUs per location id, as
        the live candidates take it. Locations without a level are left out."""
        longest: dict[int, float] = {}
        for sku in {line.sku_id for line in order.lines}:
            for location_id, hours in lead_times.get(sku, {}).items():
                if hours > longest.get(location_id, 0.0):
                    longest[location_id] = hours
        return longest

    def candidates(
        self,
        world: "World",
        order: OrderInput,
        stock: "StockReplay",
        lead_times: dict[int, float],
    ) -> list[Candidate]:
        """Build every location's candidate for the order under the world's
        policy, reusing the previous order's candidate when nothing changed."""
        available = stock.available(world, {line.sku_id for line in order.lines})
        reused = world.candidates
        candidates = []
        for template in self.templates:
            location_id = template["location_id"]
            units = available.get(location_id, {})
            lead_time = lead_times.get(location_id, 0.0)
            today = world.today.get(location_id, 0)
            period = world.period.get(location_id, 0)
            candidate = reused.get(location_id)
            if (
                candidate is None
                or candidate.stock != units
                or candidate.lead_time_hours != lead_time
                or candidate.accepted_today != today
                or candidate.orders_this_period != period
            ):
                candidate = Candidate(
                    **template,
                    stock=units,
                    lead_time_hours=lead_time,
                    accepted_today=today,
                    orders_this_period=period,
                )
                reused[location_id] = candidate
            candidates.append(candidate)
        return candidates


def _network(locations: list[Location], start: datetime) -> Network:
    on_time, rejection = _performance_before(start)
    templates = []
    for location in locations:
        templates.append(
            {
                "location_id": location.pk,
                "code": location.code,
                "kind": location.kind,
                "status": location.status,
                "latitude": _float(location.latitude),
                "longitude": _float(location.longitude),
                "postal_code": location.postal_code,
                "city": location.city,
                "state": location.state,
                "service_postal_ranges": tuple(
                    (str(start), str(end))
                    for start, end in location.service_postal_ranges
                ),
                "time_zone": location.time_zone,
                "opening_hours": tuple(
                    (int(day), str(opens), str(closes))
                    for day, opens, closes in location.opening_hours
                ),
                "ships_from_store": location.ships_from_store
                or location.kind == Location.Kind.DC,
                "offers_pickup": location.offers_pickup,
                "daily_capacity": location.daily_capacity,
                # NOTE: simulated offers are never accepted or closed, so the
                # concurrent capacity is not simulated and no offer counts open.
                "concurrent_capacity": location.concurrent_capacity,
                "open_assignments": 0,
                "on_time_rate": on_time.get(location.pk),
                "rejection_rate": rejection.get(location.pk),
                # TODO: pass the contract cost per order once finance stores it;
                # until then the cost figure of a simulation is empty.
                "cost_per_order": None,
            }
        )
    return Network(templates)


def _float(value) -> float | None:
    return float(value) if value is not None else None


def _performance_before(start: datetime) -> tuple[dict[int, float], dict[int, float]]:
    """Return the on-time and rejection rates per location as live routing
    would have computed them at `start`, so the replay does not see
    performance measured after the period began."""
    return _on_time_before(start), _rejection_before(start)


def _rejection_before(start: datetime) -> dict[int, float]:
    """Return each location's share of the offers made over the performance
    window before `start` that it rejected or let expire, among those
    accepted, rejected or expired by then, as `candidates.rejection_rates`
    computes it at that time."""
    answered_by_start = Q(accepted_at__lt=start) | Q(
        state__in=[Assignment.State.REJECTED, Assignment.State.EXPIRED],
        closed_at__lt=start,
    )
    rows = (
        Assignment.objects.filter(
            answered_by_start,
            offered_at__gte=start - PERFORMANCE_WINDOW,
            offered_at__lt=start,
        )
        .values("location_id")
        .annotate(
            answered=Count("id"),
            rejected=Count("id", filter=Q(accepted_at__isnull=True)),
        )
    )
    return {
        row["location_id"]: row["rejected"] / row["answered"]
        for row in rows
        if row["answered"] >= MIN_ANSWERED_OFFERS
    }


def _on_time_before(start: datetime) -> dict[int, float]:
    """Return each location's share of the parts accepted over the performance
    window before `start` that were shipped or ready for pickup by their
    ship-by time, counting only outcomes known at `start`.

    The ship-by time is the part's `ship_by`, or for parts without one the
    SLA rule's hours after acceptance, as in `candidates.on_time_rates`. A
    part counts once it was fulfilled before `start` or its ship-by time
    passed before `start`. Parts canceled with the order do not count.
    """
    # NOTE: this repeats the live definition with an end time, and must change
    # with `candidates.on_time_rates`.
    network_hours, per_location = ship_by_hours()
    accepted = Assignment.objects.filter(
        accepted_at__gte=start - PERFORMANCE_WINDOW, accepted_at__lt=start
    ).exclude(state=Assignment.State.CANCELED)
    groups: dict[float, list[int]] = {}
    for location_id, hours in per_location.items():
        groups.setdefault(hours, []).append(location_id)
    queries = [(network_hours, accepted.exclude(location_id__in=per_location))]
    for hours, location_ids in groups.items():
        queries.append((hours, accepted.filter(location_id__in=location_ids)))

    rates: dict[int, float] = {}
    for hours, query in queries:
        due = Coalesce("ship_by", F("accepted_at") + timedelta(hours=hours))
        rows = (
            query.annotate(fulfilled_at=Coalesce("ready_at", "shipped_at"), due=due)
            .filter(Q(fulfilled_at__lt=start) | Q(due__lt=start))
            .values("location_id")
            .annotate(
                measured=Count("id"),
                on_time=Count(
                    "id",
                    filter=Q(fulfilled_at__lt=start, fulfilled_at__lte=F("due")),
                ),
            )
        )
        for row in rows:
            if row["measured"] >= MIN_ANSWERED_OFFERS:
                rates[row["location_id"]] = row["on_time"] / row["measured"]
    return rates


@dataclass
class Tally:
    """Running figures of one policy over the replayed orders."""

    routed: int = 0
    unroutable: int = 0
    # Orders whose conditions chose the simulated version itself, another
    # active policy, or no policy at all.
    selected: int = 0
    other_policy: int = 0
    unmatched: int = 0
    parts: int = 0
    split_orders: int = 0
    distances: list[float] = field(default_factory=list)
    # Parts of orders with a promised date, and those projected ready by
    # their ship-by time.
    parts_with_promise: int = 0
    parts_on_time: int = 0
    capacity_breaches: int = 0
    cost: Decimal | None = None


@dataclass
class World:
    """One policy's copy of the network: what its orders took and counted."""

    role: str
    policy: RoutingPolicy
    # The policies tried in order, each with its engine form (None if invalid).
    policies: list[tuple[RoutingPolicy, Policy | None]]
    # Units taken per (location id, SKU) since the snapshot in force.
    taken: dict[tuple[int, str], int] = field(default_factory=dict)
    day: date | None = None
    # Parts per location id on the simulated day and since the period began.
    today: dict[int, int] = field(default_factory=dict)
    period: dict[int, int] = field(default_factory=dict)
    codes: dict[int, str] = field(default_factory=dict)
    tally: Tally = field(default_factory=Tally)
    # The last candidate built per location id, reused while it still fits.
    candidates: dict[int, Candidate] = field(default_factory=dict)

    def policy_for(self, order: Order, delivery_channel: str) -> Policy | None:
        """Return the engine form of the first policy whose conditions the
        order meets, counting which kind of policy it was. None when no
        policy matches, or the matching one is invalid."""
        for policy, engine_policy in self.policies:
            if policy_matches(policy, order, delivery_channel):
                if policy.pk == self.policy.pk:
                    self.tally.selected += 1
                else:
                    self.tally.other_policy += 1
                return engine_policy
        self.tally.unmatched += 1
        return None

    def record(
        self, order: OrderInput, decision: Decision, candidates: list[Candidate]
    ) -> None:
        """Count the decision and take its units and capacity."""
        day = timezone.localtime(order.now, CAPACITY_TIME_ZONE).date()
        if day != self.day:
            self.day = day
            self.today = {}
        tally = self.tally
        if decision.status != ROUTED:
            tally.unroutable += 1
            return

        by_id = {candidate.location_id: candidate for candidate in candidates}
        skus = {line.index: line.sku_id for line in order.lines}
        tally.routed += 1
        tally.parts += len(decision.parts)
        tally.split_orders += len(decision.parts) > 1
        ready_times: dict = {}
        for part in decision.parts:
            candidate = by_id[part.location_id]
            self._take(candidate, part.lines, skus)
            if part.distance_km is not None:
                tally.distances.append(part.distance_km)
            if candidate.cost_per_order is not None:
                tally.cost = (tally.cost or Decimal(0)) + candidate.cost_per_order
            if order.promised_by is not None:
                tally.parts_with_promise += 1
                tally.parts_on_time += part_on_time(order, part, candidate, ready_times)

    def _take(self, candidate: Candidate, lines, skus: dict[int, str]) -> None:
        location_id = candidate.location_id
        self.codes[location_id] = candidate.code
        for index, quantity in lines:
            key = (location_id, skus[index])
            self.taken[key] = self.taken.get(key, 0) + quantity
        count = self.today.get(location_id, 0)
        # A part beyond the daily capacity is a breach, as when the capacity
        # filter lets every location through at a peak (spill-over) or the
        # policy has no capacity filter.
        if candidate.daily_capacity and count >= candidate.daily_capacity:
            self.tally.capacity_breaches += 1
        self.today[location_id] = count + 1
        self.period[location_id] = self.period.get(location_id, 0) + 1

    def parts_by_code(self) -> dict[str, int]:
        return {self.codes[pk]: count for pk, count in self.period.items()}

    def summary(self, basis: list[str]) -> dict:
        """Return the policy's figures, with orders per location over the
        `basis` codes."""
        tally = self.tally
        by_code = self.parts_by_code()
        per_location = {code: by_code.get(code, 0) for code in basis}
        distances = sorted(tally.distances)
        return {
            "policy_id": self.policy.pk,
            "key": self.policy.key,
            "version": self.policy.version,
            "name": self.policy.name,
            "routed": tally.routed,
            "unroutable": tally.unroutable,
            "orders_selected": tally.selected,
            "orders_other_policy": tally.other_policy,
            "orders_unmatched": tally.unmatched,
            "split_orders": tally.split_orders,
            "parts_per_order": _ratio(tally.parts, tally.routed, 3),
            "mean_distance_km": round(statistics.fmean(distances), 1)
            if distances
            else None,
            "p95_distance_km": _round(percentile(distances, 0.95), 1),
            "parts_with_promise": tally.parts_with_promise,
            "parts_on_time_share": _ratio(
                tally.parts_on_time, tally.parts_with_promise, 4
            ),
            "capacity_breaches": tally.capacity_breaches,
            "orders_per_location": per_location,
            "gini": round(gini(list(per_location.values())), 4),
            "total_cost": str(tally.cost) if tally.cost is not None else None,
        }


def part_on_time(
    order: OrderInput, part: Part, candidate: Candidate, ready_times: dict
) -> bool:
    """Return whether a part of an order with a promised date is projected
    ready by its ship-by time.

    The projected ready time is the location's next opening plus its lead
    time. The ship-by time is the promised date less the transit time of the
    part's distance at PROMISE_KM_PER_DAY, which an unknown distance leaves
    at zero. A location that never opens, or whose hours are invalid, is
    late. `ready_times` caches ready times for the order's `now`.
    """
    timing = ready_time_checked(candidate, order.now, ready_times)
    if isinstance(timing, Message):
        return False
    transit = timedelta(days=(part.distance_km or 0.0) / PROMISE_KM_PER_DAY)
    ship_by = order.promised_by - transit
    return timing[1] <= ship_by


def _ratio(numerator: float, denominator: float, digits: int) -> float | None:
    return round(numerator / denominator, digits) if denominator else None


def _round(value: float | None, digits: int) -> float | None:
    return round(value, digits) if value is not None else None


def percentile(ordered: Sequence[float], share: float) -> float | None:
    """Return the nearest-rank percentile of ascending values: the smallest
    value with at least `share` of the values at or below it."""
    if not ordered:
        return None
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def gini(values: Sequence[int]) -> float:
    """Return the Gini coefficient of non-negative counts, from 0 (all equal)
    to (n - 1) / n (one value is the whole total).

    With the n values sorted ascending as x_1..x_n and mean mu,
    G = sum((2i - n - 1) * x_i) / (n^2 * mu), the sorted form of the relative
    mean difference given by Wolfram MathWorld, "Gini Coefficient"
    (mathworld.wolfram.com/GiniCoefficient.html). This is the population
    form, without the n / (n - 1) correction for samples. All zeros give 0.
    """
    ordered = sorted(values)
    count = len(ordered)
    total = sum(ordered)
    if count == 0 or total == 0:
        return 0.0
    weighted = sum(
        (2 * rank - count - 1) * value for rank, value in enumerate(ordered, 1)
    )
    # n^2 * mu is n * total.
    return weighted / (count * total)
