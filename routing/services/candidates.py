"""Build the engine's inputs from the database: the order and every location."""

import zoneinfo
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, F, Q, Sum

from franchises.models import Location
from orders.models import Order
from orders.services.locations import pickup_point_keys
from routing.engine import Candidate, Line, OrderInput
from routing.models import Assignment, AssignmentLine, StockLevel
from routing.services.policies import policies_active, policy_engine_form

# Assignment history that performance and fairness look back on.
PERFORMANCE_WINDOW = timedelta(days=30)
# Offers a location must have accepted, rejected or let expire before its
# rates are used.
MIN_ANSWERED_OFFERS = 5


@dataclass
class LocationFacts:
    """Per-location figures that do not depend on the order, loaded once per batch.

    Open-assignment counts grow as the batch makes offers (`offer_counted`);
    NOTE: accepted-today counts are as of the batch start.
    """

    locations: list[Location]
    open_assignments: dict[int, int] = field(default_factory=dict)
    accepted_today: dict[int, int] = field(default_factory=dict)
    on_time_rate: dict[int, float] = field(default_factory=dict)
    rejection_rate: dict[int, float] = field(default_factory=dict)
    orders_this_period: dict[int, int] = field(default_factory=dict)
    lead_time_hours: dict[int, float] = field(default_factory=dict)
    _fields: dict[int, dict] | None = None
    _policies: list | None = None
    _engine_policies: dict = field(default_factory=dict)

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
                location.pk: _candidate_fields(location, self)
                for location in self.locations
            }
        return self._fields

    @classmethod
    def load(cls, now: datetime) -> "LocationFacts":
        facts = cls(locations=list(Location.objects.order_by("code")))
        today = now.astimezone(zoneinfo.ZoneInfo("America/Sao_Paulo")).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        open_counts = (
            Assignment.objects.filter(state__in=Assignment.OPEN_STATES)
            .values("location_id")
            .annotate(n=Count("id"))
        )
        facts.open_assignments = {row["location_id"]: row["n"] for row in open_counts}
        accepted = (
            Assignment.objects.filter(accepted_at__gte=today)
            .values("location_id")
            .annotate(n=Count("id"))
        )
        facts.accepted_today = {row["location_id"]: row["n"] for row in accepted}
        window = (
            Assignment.objects.filter(offered_at__gte=now - PERFORMANCE_WINDOW)
            .values("location_id")
            .annotate(
                offered=Count("id"),
                rejected=Count(
                    "id",
                    filter=Q(
                        state__in=[Assignment.State.REJECTED, Assignment.State.EXPIRED]
                    ),
                ),
                accepted=Count("id", filter=Q(accepted_at__isnull=False)),
                on_time=Count(
                    "id",
                    filter=Q(
                        accepted_at__isnull=False,
                        accepted_at__lte=F("expires_at"),
                    ),
                ),
            )
        )
        for row in window:
            location_id = row["location_id"]
            facts.orders_this_period[location_id] = row["accepted"]
            # Rates come from closed offers only, because an open offer has no
            # outcome yet. Below MIN_ANSWERED_OFFERS the rates stay unknown,
            # which the engine scores as neutral.
            answered = row["accepted"] + row["rejected"]
            if answered >= MIN_ANSWERED_OFFERS:
                facts.rejection_rate[location_id] = row["rejected"] / answered
                facts.on_time_rate[location_id] = (
                    row["on_time"] / row["accepted"] if row["accepted"] else 0.0
                )
        return facts

    def offer_counted(self, location_id: int) -> None:
        """Count an offer just made, so later orders of the batch see it."""
        self.open_assignments[location_id] = (
            self.open_assignments.get(location_id, 0) + 1
        )
        if self._fields is not None and location_id in self._fields:
            self._fields[location_id]["open_assignments"] = self.open_assignments[
                location_id
            ]


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


def weeks_of_cover(stock: dict[str, int], sales: dict, location_id: int) -> dict:
    """Stock over weekly sales; a SKU that did not sell counts as a year of cover."""
    cover = {}
    for sku, units in stock.items():
        per_week = sales.get((location_id, sku), 0)
        cover[sku] = units / per_week if per_week else 52.0
    return cover


def candidates_build(order: OrderInput, facts: LocationFacts) -> list[Candidate]:
    sku_ids = {line.sku_id for line in order.lines}
    available: dict[int, dict[str, int]] = {}
    lead_times: dict[int, float] = {}
    # One read gives both the units each location may promise and its
    # longest lead time among the ordered SKUs.
    levels = StockLevel.objects.filter(sku_id__in=sku_ids).values_list(
        "location_id", "sku_id", "quantity", "reserved", "lead_time_hours"
    )
    for location_id, sku_id, quantity, reserved, lead_time in levels:
        available.setdefault(location_id, {})[sku_id] = max(0, quantity - reserved)
        lead_times[location_id] = max(
            lead_times.get(location_id, 0.0), float(lead_time)
        )
    sales = weekly_sales(sku_ids, order.now)
    candidates = []
    for location_id, fields in facts.candidate_fields().items():
        stock = available.get(location_id, {})
        candidates.append(
            Candidate(
                **fields,
                lead_time_hours=float(lead_times.get(location_id) or 0),
                stock=stock,
                weeks_of_cover=weeks_of_cover(stock, sales, location_id),
            )
        )
    return candidates


def _candidate_fields(location: Location, facts: "LocationFacts") -> dict:
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
        "opening_hours": tuple(
            (int(day), str(opens), str(closes))
            for day, opens, closes in location.opening_hours
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
