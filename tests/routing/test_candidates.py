from datetime import timedelta

import pytest
from django.utils import timezone

from franchises.models import Location
from monitoring.models import SlaRule
from routing.engine import Line, OrderInput
from routing.models import Assignment, RoutingDecision
from routing.services.candidates import (
    DEFAULT_SHIP_BY_HOURS,
    MIN_ANSWERED_OFFERS,
    BatchStock,
    LocationFacts,
)
from routing.services.stock import StockRow, stock_levels_set
from tests.orders.factories import OrderFactory


def offers(location, states, *, accepted_ago=timedelta(minutes=50), **times):
    """Create one assignment per state at the location, offered an hour before
    acceptance. `times` maps ready_at or shipped_at to a delay after acceptance."""
    order = OrderFactory()
    decision = RoutingDecision.objects.create(
        order=order, status="routed", triggered_by="test"
    )
    now = timezone.now()
    accepted_at = now - accepted_ago
    for state in states:
        accepted = state not in ("offered", "rejected", "expired")
        Assignment.objects.create(
            order=order,
            decision=decision,
            location=location,
            state=state,
            value=10,
            offered_at=accepted_at - timedelta(minutes=10),
            expires_at=accepted_at + timedelta(minutes=20),
            accepted_at=accepted_at if accepted else None,
            **{name: accepted_at + delay for name, delay in times.items()},
        )


@pytest.mark.django_db
def test_facts_ignore_rates_below_minimum_sample(store_a):
    offers(store_a, ["accepted"] * (MIN_ANSWERED_OFFERS - 1) + ["offered"] * 10)

    facts = LocationFacts.load(timezone.now())

    assert store_a.pk not in facts.rejection_rate
    assert store_a.pk not in facts.on_time_rate


@pytest.mark.django_db
def test_rejection_rate_counts_answered_offers_only(store_a):
    offers(store_a, ["accepted"] * 3 + ["rejected", "expired"] + ["offered"] * 20)

    facts = LocationFacts.load(timezone.now())

    assert facts.rejection_rate[store_a.pk] == pytest.approx(2 / 5)


@pytest.mark.django_db
def test_on_time_waits_for_ship_by_time(store_a):
    # Accepted 50 minutes ago and not shipped: the 24-hour ship-by time has
    # not passed, so the outcome is unknown.
    offers(store_a, ["accepted"] * MIN_ANSWERED_OFFERS)

    facts = LocationFacts.load(timezone.now())

    assert store_a.pk not in facts.on_time_rate


@pytest.mark.django_db
def test_on_time_counts_fulfilled_by_deadline(store_a):
    late = timedelta(hours=DEFAULT_SHIP_BY_HOURS + 1)
    ago = timedelta(hours=DEFAULT_SHIP_BY_HOURS + 2)
    offers(store_a, ["shipped"] * 2, accepted_ago=ago, shipped_at=timedelta(hours=3))
    offers(store_a, ["ready_for_pickup"], accepted_ago=ago, ready_at=timedelta(hours=1))
    offers(store_a, ["shipped"], accepted_ago=ago, shipped_at=late)
    # Still picking after its ship-by time: late.
    offers(store_a, ["picking"], accepted_ago=ago)

    facts = LocationFacts.load(timezone.now())

    assert facts.on_time_rate[store_a.pk] == pytest.approx(3 / 5)


@pytest.mark.django_db
def test_on_time_ignores_assignments_canceled_with_order(store_a):
    ago = timedelta(hours=DEFAULT_SHIP_BY_HOURS + 2)
    offers(store_a, ["shipped"] * 5, accepted_ago=ago, shipped_at=timedelta(hours=2))
    offers(store_a, ["canceled"] * 5, accepted_ago=ago)

    facts = LocationFacts.load(timezone.now())

    assert facts.on_time_rate[store_a.pk] == 1.0


@pytest.mark.django_db
def test_on_time_uses_location_sla_rule(store_a, store_b):
    SlaRule.objects.create(
        kind=SlaRule.Kind.NOT_FULFILLED, name="Rede", threshold=48, location=None
    )
    SlaRule.objects.create(
        kind=SlaRule.Kind.NOT_FULFILLED, name="Loja A", threshold=2, location=store_a
    )
    ago = timedelta(hours=60)
    for store in (store_a, store_b):
        offers(store, ["shipped"] * 5, accepted_ago=ago, shipped_at=timedelta(hours=30))

    facts = LocationFacts.load(timezone.now())

    assert facts.on_time_rate[store_a.pk] == 0.0
    assert facts.on_time_rate[store_b.pk] == 1.0


@pytest.mark.django_db
def test_on_time_ignores_disabled_and_channel_rules(store_a):
    SlaRule.objects.create(
        kind=SlaRule.Kind.NOT_FULFILLED, name="Off", threshold=1, is_enabled=False
    )
    SlaRule.objects.create(
        kind=SlaRule.Kind.NOT_FULFILLED, name="App", threshold=1, sales_channel="2"
    )
    ago = timedelta(hours=30)
    offers(store_a, ["shipped"] * 5, accepted_ago=ago, shipped_at=timedelta(hours=5))

    facts = LocationFacts.load(timezone.now())

    assert facts.on_time_rate[store_a.pk] == 1.0


@pytest.mark.django_db
def test_facts_count_offers_made_today_as_taken(store_a):
    offers(store_a, ["offered", "accepted", "rejected", "expired"])

    facts = LocationFacts.load(timezone.now())

    assert facts.accepted_today[store_a.pk] == 2
    assert facts.orders_this_period[store_a.pk] == 2
    assert facts.open_assignments[store_a.pk] == 2


@pytest.mark.django_db
def test_facts_offer_counted_updates_cached_fields(store_a):
    facts = LocationFacts.load(timezone.now())
    before = dict(facts.candidate_fields()[store_a.pk])

    facts.offer_counted(store_a.pk)

    after = facts.candidate_fields()[store_a.pk]
    assert after["open_assignments"] == before["open_assignments"] + 1
    assert after["accepted_today"] == before["accepted_today"] + 1
    assert after["orders_this_period"] == before["orders_this_period"] + 1


def engine_order(*skus: str) -> OrderInput:
    return OrderInput(
        order_id="1-01",
        lines=tuple(
            Line(index=i, sku_id=sku, quantity=1, unit_price=1)
            for i, sku in enumerate(skus)
        ),
        value=len(skus),
        latitude=None,
        longitude=None,
        postal_code="",
        city="",
        state="SP",
        delivery_channel="delivery",
        pickup_location_id=None,
        promised_by=None,
        now=timezone.now(),
    )


@pytest.mark.django_db
def test_batch_stock_subtracts_batch_reservations(store_a, store_b):
    stock_levels_set(
        rows=[
            StockRow(store_a.pk, "2001", 3, 4),
            StockRow(store_a.pk, "3107", 1, 24),
            StockRow(store_b.pk, "2001", 1),
        ],
        source="csv",
    )
    facts = LocationFacts.load(timezone.now())
    stock = BatchStock({"2001", "3107"}, timezone.now())

    stock.reserve(store_a.pk, {"2001": 2})
    stock.reserve(store_b.pk, {"2001": 5})
    candidates = {
        c.location_id: c for c in stock.candidates(engine_order("2001"), facts)
    }

    assert candidates[store_a.pk].stock["2001"] == 1
    assert candidates[store_a.pk].lead_time_hours == 4.0
    assert candidates[store_b.pk].stock["2001"] == 0
    assert len(candidates) == Location.objects.count()


@pytest.mark.django_db
def test_batch_candidates_follow_offers_and_each_order(store_a, store_b):
    stock_levels_set(
        rows=[
            StockRow(store_a.pk, "2001", 3, 4),
            StockRow(store_a.pk, "3107", 1, 24),
        ],
        source="csv",
    )
    facts = LocationFacts.load(timezone.now())
    stock = BatchStock({"2001", "3107"}, timezone.now())
    first = {c.location_id: c for c in stock.candidates(engine_order("2001"), facts)}
    open_before = first[store_a.pk].open_assignments

    facts.offer_counted(store_a.pk)
    second = {c.location_id: c for c in stock.candidates(engine_order("3107"), facts)}

    assert second[store_a.pk].open_assignments == open_before + 1
    assert second[store_a.pk].lead_time_hours == 24.0
    assert second[store_b.pk].stock == {}
    assert second[store_b.pk].lead_time_hours == 0.0


@pytest.mark.django_db
def test_batch_candidates_take_shared_lead_time(store_a, store_b):
    stock_levels_set(
        rows=[
            StockRow(store_a.pk, "2001", 3, 8),
            StockRow(store_a.pk, "3107", 1, 8),
            StockRow(store_b.pk, "4410", 2, 8),
        ],
        source="csv",
    )
    facts = LocationFacts.load(timezone.now())
    stock = BatchStock({"2001", "3107", "4410"}, timezone.now())

    stocked = {c.location_id: c for c in stock.candidates(engine_order("3107"), facts)}
    assert stocked[store_a.pk].lead_time_hours == 8.0
    assert stocked[store_b.pk].lead_time_hours == 0.0

    other = {c.location_id: c for c in stock.candidates(engine_order("4410"), facts)}
    assert other[store_a.pk].lead_time_hours == 0.0
    assert other[store_b.pk].lead_time_hours == 8.0


@pytest.mark.django_db
def test_equal_opening_hours_share_one_tuple(store_a, store_b):
    hours = [[day, "09:00", "18:00"] for day in range(6)]
    Location.objects.filter(pk__in=[store_a.pk, store_b.pk]).update(opening_hours=hours)
    facts = LocationFacts.load(timezone.now())

    candidates = facts.candidates()

    assert candidates[store_a.pk].opening_hours == tuple(
        (day, "09:00", "18:00") for day in range(6)
    )
    assert candidates[store_a.pk].opening_hours is candidates[store_b.pk].opening_hours
