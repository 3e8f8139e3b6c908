import pytest
from django.utils import translation

from orders.models import Order
from orders.services.refresh import order_store_document
from routing.models import (
    Assignment,
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
