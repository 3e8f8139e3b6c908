import pytest

from orders.models import Order
from orders.services.refresh import order_store_document
from routing.models import Assignment
from routing.services.assignments import assignment_accept, assignment_expire
from routing.services.routing import orders_route
from routing.signals import assignment_moved
from tests.orders.documents import vtex_document, vtex_text


@pytest.mark.django_db
def test_each_transition_sends_one_signal_after_commit(
    network, policy, django_capture_on_commit_callbacks
):
    received = []

    def listen(sender, assignment_id, from_state, to_state, **kwargs):
        received.append((assignment_id, from_state, to_state))

    assignment_moved.connect(listen)
    try:
        document = vtex_document("delivery-sao-paulo")
        with django_capture_on_commit_callbacks(execute=True):
            order_store_document(
                vtex_order_id=document["orderId"],
                text=vtex_text(document),
                source="hook",
            )
        assignment = Assignment.objects.get(
            order=Order.objects.get(vtex_order_id=document["orderId"])
        )
        assert received == [(assignment.pk, "", "offered")]
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            assignment_accept(assignment=assignment)
        assert len(received) == 1
        for callback in callbacks:
            callback()
    finally:
        assignment_moved.disconnect(listen)
    assert received == [
        (assignment.pk, "", "offered"),
        (assignment.pk, "offered", "accepted"),
    ]


@pytest.mark.django_db
def test_batch_sends_one_signal_per_offer_after_commit(
    network, policy, django_capture_on_commit_callbacks
):
    received = []

    def listen(sender, assignment_id, from_state, to_state, **kwargs):
        received.append((assignment_id, from_state, to_state))

    order_ids = []
    for number in (1, 2):
        document = vtex_document(
            "delivery-sao-paulo", orderId=f"148014050000{number}-01"
        )
        with django_capture_on_commit_callbacks(execute=False):
            order_store_document(
                vtex_order_id=document["orderId"],
                text=vtex_text(document),
                source="hook",
            )
        order_ids.append(Order.objects.get(vtex_order_id=document["orderId"]).pk)
    assignment_moved.connect(listen)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            orders_route(order_ids=order_ids, triggered_by="hook")
        assert received == []
        for callback in callbacks:
            callback()
    finally:
        assignment_moved.disconnect(listen)

    offered = Assignment.objects.filter(order_id__in=order_ids).order_by("pk")
    assert received == [(a.pk, "", "offered") for a in offered]
    assert len(received) == 2


@pytest.mark.django_db
def test_expiry_sends_signal_after_commit(
    network, policy, django_capture_on_commit_callbacks
):
    document = vtex_document("delivery-sao-paulo")
    with django_capture_on_commit_callbacks(execute=True):
        order_store_document(
            vtex_order_id=document["orderId"], text=vtex_text(document), source="hook"
        )
    assignment = Assignment.objects.get(
        order=Order.objects.get(vtex_order_id=document["orderId"])
    )
    received = []

    def listen(sender, assignment_id, from_state, to_state, **kwargs):
        received.append((assignment_id, from_state, to_state))

    assignment_moved.connect(listen)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assignment_expire(assignment=assignment, now=assignment.expires_at)
    finally:
        assignment_moved.disconnect(listen)
    assert (assignment.pk, "offered", "expired") in received
