"""A routing batch's offers become webhook events with one read of each kind."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.models import WebhookEvent, WebhookSubscription
from api.receivers import assignments_moved_record
from routing.models import Assignment
from routing.signals import assignments_moved
from tests.api.conftest import integration_for
from tests.routing.test_pages import make_assignment

pytestmark = pytest.mark.django_db


def test_batch_offers_record_one_event_each(store_a, store_b):
    WebhookSubscription.objects.create(
        integration=integration_for(store_a),
        url="http://127.0.0.1:9/hook",
        events=["assignment.offered"],
        secret="s",
    )
    mine = make_assignment(store_a)
    other = make_assignment(store_b)

    assignments_moved.send(
        sender=Assignment,
        moves=[(mine.pk, "", "offered"), (other.pk, "", "offered")],
    )

    events = list(WebhookEvent.objects.values_list("event_type", "subject"))
    assert events == [("assignment.offered", f"assignment:{mine.pk}")]


def test_batch_without_subscriptions_costs_one_query(store_a):
    offers = [make_assignment(store_a) for _ in range(3)]

    with CaptureQueriesContext(connection) as queries:
        assignments_moved_record(
            Assignment, [(offer.pk, "", "offered") for offer in offers]
        )

    assert len(queries) == 1
    assert not WebhookEvent.objects.exists()
