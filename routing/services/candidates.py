"""Build the engine's inputs from the database: the order and every location."""

import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType

from django.db import connection
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce

from franchises.models import Location
from orders.models import Order
from orders.services.locations import pickup_point_keys
from routing.engine import Candidate, Line, OrderInput
from routing.models import Assignment, AssignmentLine, StockLevel
from routing.services.policies import policies_active, policy_engine_form

# Assignment history that performance and fairness look back on.
PERFORMANCE_WINDOW = timedelta(days=30)
# Answered offers (accepted, rejected or expired), or fulfilments with a known
# outcome, a location needs before its rejection or on-time rate is used.
MIN_ANSWERED_OFFERS = 5
# Ship-by time after acceptance when HQ has no "not shipped or ready by the
# ship-by time" SLA rule.
DEFAULT_SHIP_BY_HOURS = 24.0
# Daily capacity counters reset at midnight in this zone.
CAPACITY_TIME_ZONE = zoneinfo.ZoneInfo("America/Sao_Paulo")
# Assignment states that count as an order the location took: open or
# fulfilled, not rejected, expired or canceled.
TAKEN_STATES = Assignment.LIVE_STATES


@dataclass
class LocationFacts:
    """Per-location figures that do not depend on the order, loaded once per batch.

    `accepted_today` counts the orders a location took today: offers made today
    that are still open or went on to be fulfilled, plus offers accepted today.
    `offer_counted` adds each offer the batch makes to it, to
    `open_assignments` and to `orders_this_period`, so later orders of the
    same batch see the earlier ones.
    """

    locations: list[Location]
    open_assignments: dict[int, int] = field(default_factory=dict)
    accepted_today: dict[int, int] = field(default_factory=dict)
    on_time_rate: dict[int, float] = field(default_factory=dict)
    rejection_rate: dict[int, float] = field(default_factory=dict)
    orders_this_period: dict[int, int] = field(default_factory=dict)
    lead_time_hours: dict[int, float] = field(default_factory=dict)
    _fields: dict[int, dict] | None = None
    _candidates: dict[int, Candidate] | None = None
    _policies: list | None = None
    _engine_policies: dict = field(default_factory=dict)
    # One tuple per distinct set of opening hours, shared by the locations
    # that have it: the engine's promise filter caches ready times by the
    # identity of the hours.
    _opening_hours: dict[tuple, tuple] = field(default_factory=dict)

    def opening_hours(self, hours: tuple) -> tuple:
        """Return the batch's shared tuple equal to `hours`."""
        return self._opening_hours.setdefault(hours, hours)

    def policies(self) -> list:
        """Active policies, read once per batch."""
        if self._policies is None:
            self._policies = policies_active()
        return self._policies

    def engine_policy(self, policy):
        """Return the engine form of a stored policy, converted once per batch."""
        if policy.pk not in self._engine_policies:
            self._engine_policies[policy.pk] = policy_engine_form(policy)
        return self._engine_policies[policy.pk]

    def candidate_fields(self) -> dict[int, dict]:
        """Order-independent Candidate fields per location id, built once."""
        if self._fields is None:
            self._fields = {
                location.pk: candidate_fields(location, self)
                for location in self.locations
            }
        return self._fields

    def candidates(self) -> dict[int, Candidate]:
        """Return one Candidate per location id, built once per batch.

        `BatchStock.candidates` sets each one's stock, cover and lead time
        for the order being routed. `offer_counted` keeps its counters
        current. So the objects serve every order of the batch.
        """
        if self._candidates is None:
            self._candidates = {
                location_id: Candidate(
                    **fields,
                    lead_time_hours=0.0,
                    stock=_NOTHING,
                    weeks_of_cover=_NOTHING,
                )
                for location_id, fields in self.candidate_fields().items()
            }
        return self._candidates

    @classmethod
    def load(cls, now: datetime) -> "LocationFacts":
        facts = cls(locations=list(Location.objects.order_by("code")))
        today = now.astimezone(CAPACITY_TIME_ZONE).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        open_counts = (
            Assignment.objects.filter(state__in=Assignment.OPEN_STATES)
            .values("location_id")
            .annotate(n=Count("id"))
        )
        facts.open_assignments = {row["location_id"]: row["n"] for row in open_counts}
        taken_today = (
            Assignment.objects.filter(
                Q(accepted_at__gte=today)
                | Q(offered_at__gte=today, state__in=TAKEN_STATES)
            )
            .values("location_id")
            .annotate(n=Count("id"))
        )
        facts.accepted_today = {row["location_id"]: row["n"] for row in taken_today}
        period = (
            Assignment.objects.filter(
                offered_at__gte=now - PERFORMANCE_WINDOW, state__in=TAKEN_STATES
            )
            .values("location_id")
            .annotate(n=Count("id"))
        )
        facts.orders_this_period = {row["location_id"]: row["n"] for row in period}
        facts.rejection_rate = rejection_rates(now)
        facts.on_time_rate = on_time_rates(now)
        return facts

    def offer_counted(self, location_id: int) -> None:
        """Count an offer just made, so later orders of the batch see it."""
        for counter in (
            self.open_assignments,
            self.accepted_today,
            self.orders_this_period,
        ):
            counter[location_id] = counter.get(location_id, 0) + 1
        if self._fields is not None and location_id in self._fields:
            fields = self._fields[location_id]
            fields["open_assignments"] = self.open_assignments[location_id]
            fields["accepted_today"] = self.accepted_today[location_id]
            fields["orders_this_period"] = self.orders_this_period[location_id]
        if self._candidates is not None and location_id in self._candidates:
            candidate = self._candidates[location_id]
            candidate.open_assignments = self.open_assignments[location_id]
            candidate.accepted_today = self.accepted_today[location_id]
            candidate.orders_this_period = self.orders_this_period[location_id]


def rejection_rates(now: datetime) -> dict[int, float]:
    """Return each location's share of answered offers that it rejected or let
    expire over the performance window. Open offers have no outcome yet, so they
    do not count. A location with fewer than MIN_ANSWERED_OFFERS answered offers
    is left out, and the engine scores its unknown rate as neutral."""
    rows = (
        Assignment.objects.filter(offered_at__gte=now - PERFORMANCE_WINDOW)
        .values("location_id")
        .annotate(
            rejected=Count(
                "id",
                filter=Q(
                    state__in=[Assignment.State.REJECTED, Assignment.State.EXPIRED]
                ),
            ),
            accepted=Count("id", filter=Q(accepted_at__isnull=False)),
        )
    )
    rates = {}
    for row in rows:
        answered = row["accepted"] + row["rejected"]
        if answered >= MIN_ANSWERED_OFFERS:
            rates[row["location_id"]] = row["rejected"] / answered
    return rates


def ship_by_hours() -> tuple[float, dict[int, float]]:
    """Hours after acceptance by which a location must ship or have the order
    ready for pickup: the enabled "not shipped or ready by the ship-by time"
    SLA rules without a sales channel, the network-wide one for every location
    and a location's own rule for that location. Without a rule,
    DEFAULT_SHIP_BY_HOURS."""
    from monitoring.models import SlaRule

    network = DEFAULT_SHIP_BY_HOURS
    per_location: dict[int, float] = {}
    rules = SlaRule.objects.filter(
        kind=SlaRule.Kind.NOT_FULFILLED, is_enabled=True, sales_channel=""
    ).values_list("location_id", "threshold")
    network_rules = [threshold for location_id, threshold in rules if not location_id]
    if network_rules:
        network = float(min(network_rules))
    for location_id, threshold in rules:
        if location_id:
            per_location[location_id] = min(
                float(threshold), per_location.get(location_id, float(threshold))
            )
    return network, per_location


def on_time_rates(now: datetime) -> dict[int, float]:
    """Return the share of each location's assignments accepted over the
    performance window that were shipped or ready for pickup by their ship-by
    time: the part's own `ship_by`, or, for parts without one, the SLA rule's
    hours after acceptance.

    An assignment counts once its outcome is known: fulfilled, or still
    unfulfilled after its ship-by time. Assignments canceled with the order do
    not count. A location with fewer than MIN_ANSWERED_OFFERS measured
    assignments is left out, because its rate is unknown.
    """
    network_hours, per_location = ship_by_hours()
    groups: dict[float, list[int]] = {}
    for location_id, hours in per_location.items():
        groups.setdefault(hours, []).append(location_id)
    accepted = Assignment.objects.filter(
        accepted_at__gte=now - PERFORMANCE_WINDOW, accepted_at__isnull=False
    ).exclude(state=Assignment.State.CANCELED)
    counts: dict[int, tuple[int, int]] = {}
    queries = [(network_hours, accepted.exclude(location_id__in=per_location))]
    for hours, location_ids in groups.items():
        queries.append((hours, accepted.filter(location_id__in=location_ids)))
    for hours, query in queries:
        for location_id, measured, on_time in _on_time_counts(query, hours, now):
            counts[location_id] = (measured, on_time)
    return {
        location_id: on_time / measured
        for location_id, (measured, on_time) in counts.items()
        if measured >= MIN_ANSWERED_OFFERS
    }


def _on_time_counts(query, hours: float, now: datetime):
    fulfilled_at = Coalesce("shipped_at", "ready_at")
    due = Coalesce("ship_by", F("accepted_at") + timedelta(hours=hours))
    rows = (
        query.annotate(fulfilled_at=fulfilled_at, due=due)
        .filter(Q(fulfilled_at__isnull=False) | Q(due__lt=now))
        .values("location_id")
        .annotate(
            measured=Count("id"),
            on_time=Count(
                "id",
                filter=Q(fulfilled_at__isnull=False, fulfilled_at__lte=F("due")),
            ),
        )
    )
    return [(row["location_id"], row["measured"], row["on_time"]) for row in rows]


def order_input(order: Order, now: datetime, lines=None) -> OrderInput:
    """Build the engine's input for the order, limited to `lines` (item index,
    quantity) when given."""
    items = list(order.items.all())
    wanted = dict(lines) if lines is not None else None
    engine_lines = []
    for item in items:
        quantity = item.quantity if wanted is None else wanted.get(item.item_index, 0)
        if quantity <= 0:
            continue
        engine_lines.append(
            Line(
                index=item.item_index,
                sku_id=item.sku_id,
                quantity=quantity,
                unit_price=item.selling_price,
            )
        )
    pickup_item = next(
        (i for i in items if i.delivery_channel == "pickup-in-point"), None
    )
    promises = [i.shipping_estimate_date for i in items if i.shipping_estimate_date]
    return OrderInput(
        order_id=order.vtex_order_id,
        lines=tuple(engine_lines),
        value=order.total,
        latitude=float(order.latitude) if order.latitude is not None else None,
        longitude=float(order.longitude) if order.longitude is not None else None,
        postal_code=order.postal_code,
        city=order.city,
        state=order.state,
        delivery_channel="pickup-in-point" if pickup_item else "delivery",
        pickup_location_id=_pickup_location_id(pickup_item),
        promised_by=min(promises) if promises else None,
        now=now,
        sales_channel=order.sales_channel,
    )


def _pickup_location_id(item) -> int | None:
    if item is None or not item.pickup_point_id:
        return None
    return (
        Location.objects.filter(
            vtex_pickup_point_id__in=pickup_point_keys(item.pickup_point_id)
        )
        .values_list("pk", flat=True)
        .first()
    )


def weekly_sales(sku_ids: set[str], now: datetime) -> dict[tuple[int, str], float]:
    """Units per week each location sold of each SKU over the performance window."""
    weeks = PERFORMANCE_WINDOW.days / 7
    rows = (
        AssignmentLine.objects.filter(
            sku_id__in=sku_ids,
            assignment__accepted_at__gte=now - PERFORMANCE_WINDOW,
        )
        .values_list("assignment__location_id", "sku_id")
        .annotate(units=Sum("quantity"))
    )
    return {(location_id, sku): units / weeks for location_id, sku, units in rows}


def _stock_rows(sku_ids: set[str]):
    """Return (location id, SKU, units available, lead time in hours as a
    float) for every stock level of the SKUs.

    A batch reads tens of thousands of rows, so the database computes the
    available units and the float lead time, and the rows skip the ORM's
    per-row conversions (a Decimal per lead time).
    """
    if not sku_ids:
        return []
    table = StockLevel._meta.db_table
    placeholders = ", ".join(["%s"] * len(sku_ids))
    with connection.cursor() as cursor:
        # Only the table name is formatted in, and it comes from the model.
        cursor.execute(
            f'SELECT "location_id", "sku_id", '  # noqa: S608
            f'CASE WHEN "quantity" > "reserved" THEN "quantity" - "reserved" '
            f'ELSE 0 END, CAST("lead_time_hours" AS DOUBLE PRECISION) FROM "{table}" '
            f'WHERE "sku_id" IN ({placeholders})',
            sorted(sku_ids),
        )
        return cursor.fetchall()


def weeks_of_cover(stock: dict[str, int], sales: dict, location_id: int) -> dict:
    """Stock over weekly sales; a SKU that did not sell counts as a year of cover.

    A batch computes it once for every stock level it read, and again for a
    SKU whose units it reserves: a dict lookup in the stock balance criterion
    costs less than computing each figure when read.
    """
    cover = {}
    for sku, units in stock.items():
        per_week = sales.get((location_id, sku), 0)
        cover[sku] = units / per_week if per_week else 52.0
    return cover


class BatchStock:
    """Stock levels and weekly sales of the SKUs a batch of orders needs, read
    in one query each, with the offers the batch makes already subtracted.

    The rows are read without locks, as a single order's candidates were:
    another worker's reservation made after the read is not seen until the
    next batch.
    """

    def __init__(self, sku_ids: set[str], now: datetime) -> None:
        # location id -> SKU -> units it may still promise (quantity - reserved)
        self.available: dict[int, dict[str, int]] = {}
        # location id -> SKU -> lead time in hours
        self.lead_times: dict[int, dict[str, float]] = {}
        available, lead_times = self.available, self.lead_times
        for location_id, sku_id, units, lead_time in _stock_rows(sku_ids):
            if location_id in available:
                available[location_id][sku_id] = units
                lead_times[location_id][sku_id] = lead_time
            else:
                available[location_id] = {sku_id: units}
                lead_times[location_id] = {sku_id: lead_time}
        # location id -> the lead time of all its rows, where they share one
        self.uniform_lead_times: dict[int, float] = {}
        for location_id, hours_by_sku in lead_times.items():
            hours = set(hours_by_sku.values())
            if len(hours) == 1 and (only := hours.pop()) >= 0:
                self.uniform_lead_times[location_id] = only
        self.sales = weekly_sales(sku_ids, now)
        # location id -> SKU -> weeks of cover of its available units
        self.cover: dict[int, dict[str, float]] = {
            location_id: weeks_of_cover(stock, self.sales, location_id)
            for location_id, stock in self.available.items()
        }

    def reserve(self, location_id: int, quantities: dict[str, int]) -> None:
        """Subtract an offer's units, so later orders of the batch see them taken."""
        stock = self.available.setdefault(location_id, {})
        cover = self.cover.setdefault(location_id, {})
        for sku_id, quantity in quantities.items():
            stock[sku_id] = max(0, stock.get(sku_id, 0) - quantity)
            cover.update(
                weeks_of_cover({sku_id: stock[sku_id]}, self.sales, location_id)
            )

    def candidates(self, order: OrderInput, facts: LocationFacts) -> list[Candidate]:
        """Return one Candidate per location, set up for the order's SKUs.

        The Candidates are the batch's own (`LocationFacts.candidates`), valid
        until the next call. A location's `stock` and `weeks_of_cover` map
        every SKU of the batch, and the engine reads only the order's SKUs.
        Its lead time is the largest among the order's SKUs it has a stock
        row for.
        """
        sku_ids = tuple({line.sku_id for line in order.lines})
        available = self.available
        cover = self.cover
        all_lead_times = self.lead_times
        uniform_lead_times = self.uniform_lead_times
        candidates = []
        # This loop runs for every location for every order, so it only sets
        # the three attributes that depend on the order.
        for location_id, candidate in facts.candidates().items():
            location_stock = available.get(location_id)
            if location_stock:
                lead_times = all_lead_times[location_id]
                lead_time = uniform_lead_times.get(location_id)
                if lead_time is not None:
                    # Most locations give every SKU the same lead time. Then
                    # only whether the location stocks one of the order's
                    # SKUs matters.
                    if lead_times.keys().isdisjoint(sku_ids):
                        lead_time = 0.0
                else:
                    lead_time = 0.0
                    for sku in sku_ids:
                        hours = lead_times.get(sku)
                        if hours is not None and hours > lead_time:
                            lead_time = hours
                candidate.stock = location_stock
                candidate.weeks_of_cover = cover[location_id]
                candidate.lead_time_hours = lead_time
            else:
                candidate.stock = _NOTHING
                candidate.weeks_of_cover = _NOTHING
                candidate.lead_time_hours = 0.0
            candidates.append(candidate)
        return candidates


# Shared by every candidate without stock of the order's SKUs; never changed.
_NOTHING: Mapping[str, int] = MappingProxyType({})


def candidates_build(
    order: OrderInput, facts: LocationFacts, stock: BatchStock | None = None
) -> list[Candidate]:
    """Return one Candidate per location. Without a batch `stock`, the stock is
    read for this order alone."""
    if stock is None:
        stock = BatchStock({line.sku_id for line in order.lines}, order.now)
    return stock.candidates(order, facts)


def candidate_fields(location: Location, facts: "LocationFacts") -> dict:
    """Return the Candidate fields of a location that do not depend on the order."""
    return {
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
            (str(start), str(end)) for start, end in location.service_postal_ranges
        ),
        "time_zone": location.time_zone,
        "opening_hours": facts.opening_hours(
            tuple(
                (int(day), str(opens), str(closes))
                for day, opens, closes in location.opening_hours
            )
        ),
        "ships_from_store": location.ships_from_store
        or location.kind == Location.Kind.DC,
        "offers_pickup": location.offers_pickup,
        "daily_capacity": location.daily_capacity,
        "accepted_today": facts.accepted_today.get(location.pk, 0),
        "concurrent_capacity": location.concurrent_capacity,
        "open_assignments": facts.open_assignments.get(location.pk, 0),
        "on_time_rate": facts.on_time_rate.get(location.pk),
        "rejection_rate": facts.rejection_rate.get(location.pk),
        "orders_this_period": facts.orders_this_period.get(location.pk, 0),
        "target_share": None,
        "fixed_rank": None,
        "cost_per_order": None,
    }


def _float(value) -> float | None:
    return float(value) if value is not None else None
