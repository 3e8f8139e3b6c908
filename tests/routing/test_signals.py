from contextlib import contextmanager

import pytest

from orders.models import Order
from orders.services.refresh import order_store_document
from routing.models import Assignment
from routing.services.assignments import assignment_accept, assignment_expire
from routing.services.routing import orders_route
from routing.signals import assignment_moved, assignments_moved
from tests.orders.documents import vtex_document, vtex_text


@contextmanager
def moves_received():
    """Record every move sent by either signal, with how many signals came."""
    received: list[tuple[int, str, str]] = []
    signals: list[str] = []

    def one(sender, assignment_id, from_state, to_state, **kwargs):
        signals.append("one")
        received.append((assignment_id, from_state, to_state))

    def many(sender, moves, **kwargs):
        signals.append("many")
        received.extend(moves)

    assignment_moved.connect(one)
    assignments_moved.connect(many)
    try:
        yield received, signals
    finally:
        assignment_moved.disconnect(one)
        assignments_moved.disconnect(many)


@pytest.mark.django_db
def test_each_transition_sends_one_signal_after_commit(
    network, policy, django_capture_on_commit_callbacks
):
    with moves_received() as (received, signals):
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
    assert received == [
        (assignment.pk, "", "offered"),
        (assignment.pk, "offered", "accepted"),
    ]
    assert signals == ["many", "one"]


@pytest.mark.django_db
def test_batch_sends_one_signal_after_commit(
    network, policy, django_capture_on_commit_callbacks
):
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
    with moves_received() as (received, signals):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            orders_route(order_ids=order_ids, triggered_by="hook")
        assert received == []
        for callback in callbacks:
            callback()

    offered = Assignment.objects.filter(order_id__in=order_ids).order_by("pk")
    assert received == [(a.pk, "", "offered") for a in offered]
    assert len(received) == 2
    assert signals == ["many"]


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
