"""Ship-by times: when a part must leave the store or be ready for pickup."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from orders.models import Order
from orders.services.refresh import order_store_document
from routing.candidate_rows import rows_unpack
from routing.engine import Candidate
from routing.engine.filters import latest_ship_time
from routing.models import Assignment, StockLevel
from routing.services.candidates import on_time_rates
from routing.services.routing import order_assign_manually
from tests.factories import LocationFactory
from tests.orders.documents import vtex_document, vtex_text

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
# Monday 1 March 2027, 08:00 in São Paulo.
MONDAY_8AM = datetime(2027, 3, 1, 8, 0, tzinfo=SAO_PAULO)
WEEKDAYS_10_TO_18 = tuple((day, "10:00", "18:00") for day in range(5))


def candidate(**fields) -> Candidate:
    return Candidate(location_id=1, code="loja", **fields)


def test_without_promise_due_at_ready_time():
    store = candidate(opening_hours=WEEKDAYS_10_TO_18, lead_time_hours=4)

    due = latest_ship_time(store, 12.0, None, MONDAY_8AM, 500.0)

    assert due == datetime(2027, 3, 1, 14, 0, tzinfo=SAO_PAULO)


def test_ship_by_is_promise_less_transit():
    store = candidate(opening_hours=WEEKDAYS_10_TO_18, lead_time_hours=4)
    promised = datetime(2027, 3, 3, 12, 0, tzinfo=SAO_PAULO)

    # 250 km at 500 km a day is half a day of transit.
    due = latest_ship_time(store, 250.0, promised, MONDAY_8AM, 500.0)

    assert due == datetime(2027, 3, 3, 0, 0, tzinfo=SAO_PAULO)


def test_ship_by_never_before_ready_time():
    store = candidate(opening_hours=WEEKDAYS_10_TO_18, lead_time_hours=4)
    promised = datetime(2027, 3, 1, 12, 0, tzinfo=SAO_PAULO)

    due = latest_ship_time(store, 0.0, promised, MONDAY_8AM, 500.0)

    assert due == datetime(2027, 3, 1, 14, 0, tzinfo=SAO_PAULO)


def test_unknown_distance_counts_no_transit_time():
    promised = datetime(2027, 3, 3, 12, 0, tzinfo=SAO_PAULO)

    assert latest_ship_time(candidate(), None, promised, MONDAY_8AM, 500.0) == promised


def test_never_opening_location_has_none():
    store = candidate(opening_hours=((0, "25:00", "26:00"),))

    assert latest_ship_time(store, 1.0, None, MONDAY_8AM, 500.0) is None


def stored(document, capture):
    with capture(execute=True):
        order_store_document(
            vtex_order_id=document["orderId"], text=vtex_text(document), source="hook"
        )
    return Order.objects.get(vtex_order_id=document["orderId"])


def promised_in(days: int) -> tuple[str, datetime]:
    moment = (timezone.now() + timedelta(days=days)).replace(microsecond=0)
    return moment.isoformat().replace("+00:00", ".0000000+00:00"), moment


@pytest.mark.django_db
def test_routed_part_gets_promise_less_transit(
    network, policy, django_capture_on_commit_callbacks
):
    text, promised = promised_in(3)
    # With store A (at the customer's address) paused, Campinas is nearest.
    network["a"].status = "paused"
    network["a"].save()
    document = vtex_document("delivery-sao-paulo")
    for info in document["shippingData"]["logisticsInfo"]:
        info["shippingEstimateDate"] = text

    order = stored(document, django_capture_on_commit_callbacks)

    assignment = Assignment.objects.get(order=order)
    rows = rows_unpack(assignment.decision.candidates)
    chosen = next(row for row in rows if row["location_id"] == assignment.location_id)
    transit = timedelta(days=chosen["distance_km"] / 500.0)
    assert chosen["distance_km"] > 0
    assert abs(assignment.ship_by - (promised - transit)) < timedelta(seconds=1)


@pytest.mark.django_db
def test_manual_assignment_due_at_ready_time(
    network, policy, django_capture_on_commit_callbacks, hq_user
):
    document = vtex_document("delivery-sao-paulo", status="waiting-for-seller-decision")
    order = stored(document, django_capture_on_commit_callbacks)
    store_c = network["c"]
    StockLevel.objects.filter(location=store_c, sku_id="2001").update(lead_time_hours=6)
    before = timezone.now()

    assignment = order_assign_manually(
        order_id=order.pk, location_id=store_c.pk, lines=[(0, 1)], user=hq_user
    )

    # Store C is always open and the SKU takes 6 hours; the promised dates of
    # the fixture lie in the past.
    assert before + timedelta(hours=6) <= assignment.ship_by
    assert assignment.ship_by <= timezone.now() + timedelta(hours=6)


@pytest.mark.django_db
def test_on_time_rate_uses_ship_by(network, policy, django_capture_on_commit_callbacks):
    order = stored(
        vtex_document("delivery-sao-paulo"), django_capture_on_commit_callbacks
    )
    store = LocationFactory(code="loja-prazo")
    now = timezone.now()
    accepted = now - timedelta(days=2)
    decision = order.routing_decisions.first()
    for index in range(5):
        Assignment.objects.create(
            order=order,
            decision=decision,
            location=store,
            value="10.00",
            state=Assignment.State.SHIPPED,
            offered_at=accepted,
            expires_at=accepted + timedelta(minutes=30),
            accepted_at=accepted,
            # Due 2 hours after acceptance; the first three ship in 1 hour,
            # the last two in 3 hours, which the 24-hour rule would allow.
            ship_by=accepted + timedelta(hours=2),
            shipped_at=accepted + timedelta(hours=1 if index < 3 else 3),
        )

    assert on_time_rates(now)[store.pk] == pytest.approx(3 / 5)
