"""Assignment moves notify the store and queue an evaluation of the rules."""

from datetime import timedelta
from unittest import mock

from django.utils import timezone

from monitoring.models import Notification
from monitoring.rules import ASSIGNMENT_KINDS, ORDER_KINDS
from orders.signals import orders_stored
from routing.models import Assignment
from routing.signals import assignment_moved
from tests.monitoring.conftest import make_assignment


def _send(assignment, from_state, to_state):
    assignment_moved.send(
        sender=Assignment,
        assignment_id=assignment.pk,
        from_state=from_state,
        to_state=to_state,
    )


def test_new_offer_notifies_store(store_a, django_capture_on_commit_callbacks):
    offer = make_assignment(store_a, offered_at=timezone.now())

    with (
        mock.patch("monitoring.tasks.rules_evaluate_task.delay") as evaluate,
        django_capture_on_commit_callbacks(execute=True),
    ):
        _send(offer, "", "offered")

    notification = Notification.objects.get()
    assert notification.kind == "new_offer"
    assert notification.location == store_a
    assert notification.key == f"new_offer:{offer.pk}"
    evaluate.assert_called_once_with(list(ASSIGNMENT_KINDS))


def test_cancel_notifies_store(store_a):
    part = make_assignment(
        store_a, offered_at=timezone.now() - timedelta(hours=1), state="canceled"
    )

    _send(part, "accepted", "canceled")
    _send(part, "accepted", "canceled")

    assert list(Notification.objects.values_list("kind", flat=True)) == [
        "order_canceled"
    ]


def test_other_moves_notify_nobody(store_a):
    part = make_assignment(store_a, offered_at=timezone.now(), state="accepted")

    _send(part, "offered", "accepted")

    assert not Notification.objects.exists()


def test_evaluations_are_debounced(db, django_capture_on_commit_callbacks):
    with (
        mock.patch("monitoring.tasks.rules_evaluate_task.delay") as evaluate,
        django_capture_on_commit_callbacks(execute=True),
    ):
        orders_stored.send(sender=None, order_ids=[1], source="hook")
        orders_stored.send(sender=None, order_ids=[2], source="hook")

    evaluate.assert_called_once_with(list(ORDER_KINDS))
