import gc

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from franchises.models import Location
from orders.models import Order
from orders.services.refresh import order_store_document
from routing.candidate_rows import rows_unpack
from routing.models import (
    Assignment,
    PolicyStep,
    RoutingCase,
    RoutingDecision,
    StockLevel,
)
from routing.services.assignments import (
    TransitionError,
    assignment_accept,
    assignment_expire,
    assignment_mark_invoiced,
    assignment_reject,
    assignment_start_picking,
)
from routing.services.routing import orders_route
from routing.services.stock import StockRow, stock_levels_set
from tests.orders.documents import vtex_document, vtex_text

ORDER_ID = "1480140512345-01"


@pytest.fixture
def store(django_capture_on_commit_callbacks):
    def store(document, source="hook"):
        with django_capture_on_commit_callbacks(execute=True):
            order_store_document(
                vtex_order_id=document["orderId"],
                text=vtex_text(document),
                source=source,
            )
        return Order.objects.get(vtex_order_id=document["orderId"])

    return store


def reserved(location, sku):
    return StockLevel.objects.get(location=location, sku_id=sku).reserved


def quantity(location, sku):
    return StockLevel.objects.get(location=location, sku_id=sku).quantity


@pytest.mark.django_db
def test_routable_order_goes_to_nearest_store_with_stock(network, policy, store):
    order = store(vtex_document("delivery-sao-paulo"))

    assignment = Assignment.objects.get(order=order)
    assert assignment.location == network["a"]
    assert assignment.state == "offered"
    assert order.routing_case.status == "routed"
    assert reserved(network["a"], "2001") == 1
    assert reserved(network["a"], "3107") == 4


@pytest.mark.django_db
def test_same_order_refreshed_twice_is_routed_once(network, policy, store):
    document = vtex_document("delivery-sao-paulo")
    store(document)

    store(
        vtex_document(
            "delivery-sao-paulo",
            status="handling",
            lastChange="2026-11-27T14:00:00.0000000+00:00",
        )
    )

    assert RoutingCase.objects.count() == 1
    assert RoutingDecision.objects.count() == 1
    assert Assignment.objects.count() == 1
    assert reserved(network["a"], "2001") == 1


@pytest.mark.django_db
def test_order_waiting_for_payment_is_not_routed(network, policy, store):
    store(vtex_document("delivery-sao-paulo", status="payment-pending"))

    assert RoutingCase.objects.count() == 0
    assert Assignment.objects.count() == 0


@pytest.mark.django_db
def test_cancel_after_routing_releases_stock(network, policy, store):
    store(vtex_document("delivery-sao-paulo"))

    order = store(
        vtex_document(
            "delivery-sao-paulo",
            status="canceled",
            lastChange="2026-11-27T15:00:00.0000000+00:00",
        )
    )

    assignment = Assignment.objects.get(order=order)
    assert assignment.state == "canceled"
    assert reserved(network["a"], "2001") == 0
    assert reserved(network["a"], "3107") == 0
    assert order.routing_case.status == "canceled"


@pytest.mark.django_db
def test_split_order_parts_are_routed_on_their_own(network, policy, store):
    first = vtex_document("delivery-sao-paulo", orderId="1480140512345-01")
    second = vtex_document(
        "delivery-sao-paulo",
        orderId="1480140512345-02",
        items=first["items"][:1],
        value=89910 + 3546,
    )
    second["shippingData"]["logisticsInfo"] = first["shippingData"]["logisticsInfo"][:1]

    store(first)
    store(second)

    assert RoutingCase.objects.count() == 2
    assert set(Assignment.objects.values_list("order__vtex_order_id", flat=True)) == {
        "1480140512345-01",
        "1480140512345-02",
    }


@pytest.mark.django_db
def test_out_of_stock_rejection_reroutes_and_zeroes_sku(network, policy, store):
    order = store(vtex_document("delivery-sao-paulo"))
    first = Assignment.objects.get(order=order)

    assignment_reject(assignment=first, reason="out_of_stock")

    second = Assignment.objects.exclude(pk=first.pk).get(order=order)
    assert second.location != network["a"]
    assert second.state == "offered"
    assert quantity(network["a"], "2001") == 0
    assert quantity(network["a"], "3107") == 0
    assert reserved(network["a"], "2001") == 0
    assert order.routing_case.status == "routed"


@pytest.mark.django_db
def test_three_rejections_end_in_exception_queue(network, policy, store):
    order = store(vtex_document("delivery-sao-paulo"))

    for _ in range(3):
        offered = Assignment.objects.get(order=order, state="offered")
        assignment_reject(assignment=offered, reason="damaged")

    order.refresh_from_db()
    assert order.routing_case.status == "exception"
    assert Assignment.objects.filter(order=order, state="offered").count() == 0
    assert set(
        Assignment.objects.filter(order=order).values_list("location__code", flat=True)
    ) == {"loja-a", "loja-b", "loja-c"}


@pytest.mark.django_db
def test_expired_offer_reroutes_elsewhere(network, policy, store):
    order = store(vtex_document("delivery-sao-paulo"))
    first = Assignment.objects.get(order=order)

    expired = assignment_expire(assignment=first, now=first.expires_at)

    first.refresh_from_db()
    assert expired is True
    assert first.state == "expired"
    assert (
        Assignment.objects.get(order=order, state="offered").location != (network["a"])
    )


@pytest.mark.django_db
def test_accepted_offer_cannot_expire(network, policy, store):
    order = store(vtex_document("delivery-sao-paulo"))
    first = Assignment.objects.get(order=order)
    assignment_accept(assignment=first)

    assert assignment_expire(assignment=first, now=first.expires_at) is False
    first.refresh_from_db()
    assert first.state == "accepted"


@pytest.mark.django_db
def test_illegal_transition_is_a_clear_error(network, policy, store):
    order = store(vtex_document("delivery-sao-paulo"))
    assignment = Assignment.objects.get(order=order)

    with translation.override("en"), pytest.raises(TransitionError) as caught:
        assignment_start_picking(assignment=assignment)

    assert str(caught.value) == (
        f"Assignment {assignment.pk} is Offered and cannot become Picking."
    )
    assignment.refresh_from_db()
    assert assignment.state == "offered"
    assert assignment.events.count() == 1


@pytest.mark.django_db
def test_repeated_transition_says_already_there(network, policy, store):
    order = store(vtex_document("delivery-sao-paulo"))
    assignment = Assignment.objects.get(order=order)
    assignment_accept(assignment=assignment)
    assignment.refresh_from_db()

    with translation.override("en"), pytest.raises(TransitionError) as caught:
        assignment_accept(assignment=assignment)

    assert str(caught.value) == f"Assignment {assignment.pk} is already accepted."
    assignment.refresh_from_db()
    assert assignment.state == "accepted"
    assert assignment.events.count() == 2


@pytest.mark.django_db
def test_invoice_rejects_bad_nfe_key(network, policy, store):
    order = store(vtex_document("delivery-sao-paulo"))
    assignment = Assignment.objects.get(order=order)
    assignment_accept(assignment=assignment)

    with pytest.raises(TransitionError):
        assignment_mark_invoiced(
            assignment=assignment,
            invoice_number="123A",
            invoice_key="123",
            invoice_value=1,
        )

    assignment.refresh_from_db()
    assert assignment.state == "accepted"
    assert assignment.invoice_number == ""


@pytest.mark.django_db
def test_no_active_policy_goes_to_exception_queue(network, store):
    order = store(vtex_document("delivery-sao-paulo"))

    assert order.routing_case.status == "exception"
    assert order.routing_case.reason == "No active routing policy matches."
    assert Assignment.objects.count() == 0


# Batches


@pytest.fixture
def unrouted(django_capture_on_commit_callbacks):
    """Store a document without running the routing task it queues."""

    def unrouted(order_id: str) -> Order:
        document = vtex_document("delivery-sao-paulo", orderId=order_id)
        with django_capture_on_commit_callbacks(execute=False):
            order_store_document(
                vtex_order_id=order_id, text=vtex_text(document), source="hook"
            )
        return Order.objects.get(vtex_order_id=order_id)

    return unrouted


def route_batch(orders, callbacks) -> dict:
    with callbacks(execute=True):
        return orders_route(order_ids=[o.pk for o in orders], triggered_by="hook")


@pytest.mark.django_db
def test_batch_later_order_sees_earlier_reservation(
    network, policy, unrouted, django_capture_on_commit_callbacks
):
    stock_levels_set(rows=[StockRow(network["a"].pk, "3107", 4)], source="csv")
    first, second = unrouted("1480140500001-01"), unrouted("1480140500002-01")

    counts = route_batch([first, second], django_capture_on_commit_callbacks)

    assert counts["routed"] == 2
    assert Assignment.objects.get(order=first).location == network["a"]
    assert Assignment.objects.get(order=second).location == network["c"]
    assert reserved(network["a"], "3107") == 4
    assert reserved(network["c"], "3107") == 4


@pytest.mark.django_db
def test_batch_later_order_sees_capacity_taken(
    network, policy, unrouted, django_capture_on_commit_callbacks
):
    PolicyStep.objects.create(
        policy=policy, position=10, kind="filter", name="capacity", params={}
    )
    Location.objects.filter(pk=network["a"].pk).update(daily_capacity=1)
    first, second = unrouted("1480140500001-01"), unrouted("1480140500002-01")

    route_batch([first, second], django_capture_on_commit_callbacks)

    assert Assignment.objects.get(order=first).location == network["a"]
    second_decision = RoutingDecision.objects.get(order=second)
    assert Assignment.objects.get(order=second).location == network["c"]
    rejected = [
        row for row in rows_unpack(second_decision.candidates) if row["rejected_by"]
    ]
    assert [row["code"] for row in rejected] == ["loja-a"]
    assert rejected[0]["reason"] == [
        "daily_full",
        {"taken": 1, "daily": 1},
    ]


@pytest.mark.django_db
def test_batch_routes_each_order_once(
    network, policy, unrouted, django_capture_on_commit_callbacks
):
    orders = [unrouted("1480140500001-01"), unrouted("1480140500002-01")]

    route_batch(orders, django_capture_on_commit_callbacks)
    again = route_batch(orders, django_capture_on_commit_callbacks)

    assert again == {"routed": 0, "exception": 0, "canceled": 0, "skipped": 2}
    assert RoutingCase.objects.count() == 2
    assert RoutingDecision.objects.count() == 2
    assert Assignment.objects.count() == 2
    assert reserved(network["a"], "3107") == 8


@pytest.mark.django_db
def test_batch_writes_with_fixed_statement_count(network, policy, unrouted):
    stock_levels_set(
        rows=[StockRow(network["a"].pk, sku, 100) for sku in ("2001", "3107", "9000")],
        source="csv",
    )
    two = [unrouted(f"14801405000{n:02d}-01") for n in range(2)]
    six = [unrouted(f"14801405001{n:02d}-01") for n in range(6)]

    # The receivers of the signals sent after the commit are not counted.
    with CaptureQueriesContext(connection) as small:
        orders_route(order_ids=[o.pk for o in two], triggered_by="hook")
    with CaptureQueriesContext(connection) as large:
        orders_route(order_ids=[o.pk for o in six], triggered_by="hook")

    assert len(large.captured_queries) == len(small.captured_queries)
    assert Assignment.objects.filter(location=network["a"]).count() == 8


@pytest.mark.django_db
def test_batch_stores_decision_reason_and_rows(
    network, policy, unrouted, django_capture_on_commit_callbacks
):
    order = unrouted("1480140500001-01")

    route_batch([order], django_capture_on_commit_callbacks)

    decision = RoutingDecision.objects.get(order=order)
    rows = rows_unpack(decision.candidates)
    assert decision.reason.startswith("Routed to loja-a (")
    assert [row["code"] for row in rows] == ["loja-a", "loja-c", "loja-b"]
    assert rows[0]["chosen"] is True
    assert rows[0]["scores"] == {"distance": 1.0}
    assert order.routing_case.status == "routed"


@pytest.mark.django_db
def test_batch_restores_garbage_collector(network, policy, unrouted, monkeypatch):
    order = unrouted("1480140500001-01")

    def failing_route(*args, **kwargs):
        raise RuntimeError("engine failed")

    monkeypatch.setattr("routing.services.routing.route", failing_route)

    with pytest.raises(RuntimeError, match="engine failed"):
        orders_route(order_ids=[order.pk], triggered_by="hook")

    assert gc.isenabled()
    assert not RoutingDecision.objects.filter(order=order).exists()
    assert not RoutingCase.objects.filter(order=order).exists()


@pytest.mark.django_db
def test_decision_admin_page_reads_in_portuguese(network, policy, store, admin_client):
    order = store(vtex_document("delivery-sao-paulo"))
    decision = RoutingDecision.objects.get(order=order)

    page = admin_client.get(
        reverse("admin:routing_routingdecision_change", args=[decision.pk])
    ).content.decode()

    assert f"Decisão {decision.pk} do pedido {order.vtex_order_id}" in page
    assert reverse("orders:detail", args=[order.vtex_order_id]) + "#routing" in page
    assert "Roteado para loja-a" in page
    assert "Routed to" not in page
    assert "RoutingDecision object" not in page
    assert "item 0: 1 unidade; item 1: 4 unidades; item 2: 1 unidade" in page
