"""A routing batch's offers notify their stores with a fixed number of queries."""

from unittest import mock

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from monitoring.models import Notification
from routing.models import Assignment
from routing.signals import assignments_moved
from tests.monitoring.conftest import make_assignment


def send_offers(offers) -> int:
    """Send one batch signal for the offers; return the queries it took."""
    with (
        mock.patch("monitoring.tasks.rules_evaluate_task.delay"),
        mock.patch("monitoring.tasks.notifications_deliver_task.delay"),
        CaptureQueriesContext(connection) as queries,
    ):
        assignments_moved.send(
            sender=Assignment,
            moves=[(offer.pk, "", Assignment.State.OFFERED) for offer in offers],
        )
    return len(queries)


def test_batch_of_offers_notifies_each_store_once(store_a, store_b):
    offers = [
        make_assignment(store_a, offered_at=timezone.now()),
        make_assignment(store_b, offered_at=timezone.now()),
    ]

    send_offers(offers)
    send_offers(offers)

    notified = Notification.objects.order_by("location_id").values_list(
        "kind", "location_id", "key"
    )
    assert list(notified) == [
        ("new_offer", store_a.pk, f"new_offer:{offers[0].pk}"),
        ("new_offer", store_b.pk, f"new_offer:{offers[1].pk}"),
    ]


def test_batch_queries_do_not_grow_with_offers(store_a):
    small = [make_assignment(store_a, offered_at=timezone.now()) for _ in range(2)]
    large = [make_assignment(store_a, offered_at=timezone.now()) for _ in range(8)]

    assert send_offers(large) == send_offers(small)
    assert Notification.objects.count() == 10
