import pytest

from orders.models import Order
from orders.services.refresh import order_store_document
from routing.models import Assignment
from routing.services.assignments import assignment_accept
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
