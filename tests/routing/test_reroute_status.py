"""A part a store gives back is routed again only while VTEX lets the order
be fulfilled."""

import pytest
from django.utils import translation

from orders.models import Order
from orders.services.refresh import order_store_document
from routing.engine import messages
from routing.models import Assignment, RoutingCase, RoutingDecision
from routing.services.assignments import assignment_reject
from tests.i18n import pt_br
from tests.orders.documents import vtex_document, vtex_text
from tests.routing.test_routing import reserved

NOT_ROUTABLE = messages.MESSAGES[messages.NOT_ROUTABLE_NOW]


@pytest.fixture
def store(django_capture_on_commit_callbacks):
    def store(document):
        with django_capture_on_commit_callbacks(execute=True):
            order_store_document(
                vtex_order_id=document["orderId"],
                text=vtex_text(document),
                source="hook",
            )
        return Order.objects.get(vtex_order_id=document["orderId"])

    return store


@pytest.mark.django_db
def test_rejected_part_of_invoiced_order_waits_for_hq(network, policy, store):
    order = store(vtex_document("delivery-sao-paulo"))
    first = Assignment.objects.get(order=order)
    Order.objects.filter(pk=order.pk).update(status="invoiced")

    assignment_reject(assignment=first, reason="damaged")

    assert list(Assignment.objects.filter(order=order)) == [first]
    case = RoutingCase.objects.get(order=order)
    assert case.status == RoutingCase.Status.EXCEPTION
    assert case.reason == NOT_ROUTABLE
    last = RoutingDecision.objects.filter(order=order).latest("id")
    assert last.status == "unroutable"
    assert last.reason == case.reason
    assert reserved(network["a"], "2001") == 0


@pytest.mark.django_db
def test_rejected_part_of_canceled_order_is_not_offered(network, policy, store):
    order = store(vtex_document("delivery-sao-paulo"))
    first = Assignment.objects.get(order=order)
    Order.objects.filter(pk=order.pk).update(status="canceled")

    assignment_reject(assignment=first, reason="damaged")

    assert list(Assignment.objects.filter(order=order)) == [first]
    assert RoutingDecision.objects.filter(order=order).count() == 1


def test_not_routable_reason_in_portuguese():
    english = NOT_ROUTABLE

    with translation.override("pt-br"):
        from routing.explanations import translate_reason

        rendered = translate_reason(english)

    assert rendered == pt_br(NOT_ROUTABLE)
    assert rendered != english
