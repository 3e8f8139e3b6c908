"""Outbound webhooks, sent to a real HTTP receiver on 127.0.0.1."""

import json
import time
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from api import webhooks
from api.events import EVENT_TYPES
from api.models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from monitoring.signals import alerts_opened, alerts_resolved
from monitoring.webhooks import webhook_signature_valid
from orders.signals import orders_stored
from routing.models import Assignment
from tests.api.conftest import integration_for
from tests.api.data import alert_make, statements_make
from tests.api.receiver import Receiver
from tests.finance.conftest import contracts, finance_network, franchisor  # noqa: F401
from tests.orders.factories import OrderFactory
from tests.routing.test_pages import make_assignment, pt_br

pytestmark = pytest.mark.django_db
SECRET = "receiver-secret"
Status = WebhookDelivery.Status


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


def subscribe(receiver, *, location=None, hq=False, events=None, **scope):
    integration = integration_for(location, hq=hq, **scope)
    return WebhookSubscription.objects.create(
        integration=integration,
        url=receiver.url,
        events=events or ["assignment.accepted"],
        secret=SECRET,
    )


def received(receiver) -> list[dict]:
    return [json.loads(request["body"]) for request in receiver.requests]


def test_accept_sends_signed_event(
    api_a, store_a, receiver, django_capture_on_commit_callbacks
):
    subscribe(receiver, location=store_a)
    assignment = make_assignment(store_a)

    with django_capture_on_commit_callbacks(execute=True):
        api_a.post(f"/api/v1/assignments/{assignment.pk}/accept/")

    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    body = json.loads(request["body"])
    event = WebhookEvent.objects.get()
    assert body["id"] == str(event.event_id)
    assert body["type"] == "assignment.accepted"
    assert body["data"]["assignment_id"] == assignment.pk
    assert body["data"]["location"] == "loja-a"
    assert request["headers"]["X-Ponte-Event-Id"] == str(event.event_id)
    assert webhook_signature_valid(
        secret=SECRET,
        timestamp=request["headers"]["X-Ponte-Timestamp"],
        body=request["body"],
        signature=request["headers"]["X-Ponte-Signature"],
        now=time.time(),
    )
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == Status.DELIVERED
    assert delivery.last_status_code == 200


def test_event_reaches_only_covering_scopes(
    api_a, store_a, store_b, receiver, django_capture_on_commit_callbacks
):
    subscribe(receiver, location=store_a)
    subscribe(receiver, location=store_b)
    hq = subscribe(receiver, hq=True)
    assignment = make_assignment(store_a)

    with django_capture_on_commit_callbacks(execute=True):
        api_a.post(f"/api/v1/assignments/{assignment.pk}/accept/")

    targets = set(WebhookDelivery.objects.values_list("subscription__pk", flat=True))
    assert len(receiver.requests) == 2
    assert hq.pk in targets
    assert not WebhookDelivery.objects.filter(
        subscription__integration__location=store_b
    ).exists()


def test_unsubscribed_event_writes_nothing(
    api_a, store_a, receiver, django_capture_on_commit_callbacks
):
    subscribe(receiver, location=store_a, events=["assignment.shipped"])
    assignment = make_assignment(store_a)

    with django_capture_on_commit_callbacks(execute=True):
        api_a.post(f"/api/v1/assignments/{assignment.pk}/accept/")

    assert not WebhookEvent.objects.exists()
    assert receiver.requests == []


def test_failed_attempt_backs_off(
    api_a, store_a, receiver, django_capture_on_commit_callbacks
):
    subscribe(receiver, location=store_a)
    receiver.statuses = [500]
    assignment = make_assignment(store_a)

    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        api_a.post(f"/api/v1/assignments/{assignment.pk}/accept/")

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == Status.PENDING
    assert delivery.attempts == 1
    assert delivery.last_status_code == 500
    assert "HTTP 500" in delivery.last_error
    assert delivery.next_attempt_at >= before + timedelta(seconds=30)
    assert list(WebhookAttempt.objects.values_list("status_code", flat=True)) == [500]


def test_backoff_doubles_up_to_an_hour():
    assert webhooks.backoff(1) == timedelta(seconds=30)
    assert webhooks.backoff(2) == timedelta(minutes=1)
    assert webhooks.backoff(8) == timedelta(hours=1)
    total = sum(
        (webhooks.backoff(n) for n in range(1, webhooks.MAX_ATTEMPTS)), timedelta()
    )
    assert total > timedelta(hours=5)


def test_retry_then_mark_failed(store_a, receiver):
    subscription = subscribe(receiver, location=store_a)
    receiver.statuses = [503] * webhooks.MAX_ATTEMPTS
    event = WebhookEvent.objects.create(
        event_type="assignment.accepted",
        subject="assignment:1",
        data={},
        location_ids=[store_a.pk],
        occurred_at=timezone.now(),
    )
    delivery = WebhookDelivery.objects.create(
        event=event, subscription=subscription, next_attempt_at=timezone.now()
    )

    outcomes = []
    for _ in range(webhooks.MAX_ATTEMPTS):
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            next_attempt_at=timezone.now()
        )
        outcomes.append(webhooks.delivery_send(delivery_id=delivery.pk))

    delivery.refresh_from_db()
    assert outcomes[:-1] == ["pending"] * (webhooks.MAX_ATTEMPTS - 1)
    assert outcomes[-1] == "failed"
    assert delivery.status == Status.FAILED
    assert delivery.attempts == webhooks.MAX_ATTEMPTS
    assert WebhookAttempt.objects.filter(delivery=delivery).count() == 12
    assert webhooks.delivery_send(delivery_id=delivery.pk) == "skipped"


def test_delivery_not_due_is_skipped(store_a, receiver):
    subscription = subscribe(receiver, location=store_a)
    event = WebhookEvent.objects.create(
        event_type="assignment.accepted",
        subject="assignment:1",
        data={},
        occurred_at=timezone.now(),
    )
    delivery = WebhookDelivery.objects.create(
        event=event,
        subscription=subscription,
        next_attempt_at=timezone.now() + timedelta(minutes=5),
    )

    assert webhooks.delivery_send(delivery_id=delivery.pk) == "skipped"
    assert receiver.requests == []


def test_admin_resend_sends_same_event_id(admin_client, store_a, receiver):
    subscription = subscribe(receiver, location=store_a)
    event = WebhookEvent.objects.create(
        event_type="assignment.accepted",
        subject="assignment:1",
        data={},
        occurred_at=timezone.now(),
    )
    delivery = WebhookDelivery.objects.create(
        event=event,
        subscription=subscription,
        status=Status.FAILED,
        attempts=12,
        next_attempt_at=timezone.now(),
    )

    admin_client.post(
        reverse("admin:api_webhookdelivery_changelist"),
        {"action": "resend", "_selected_action": [delivery.pk]},
    )

    delivery.refresh_from_db()
    assert delivery.status == Status.DELIVERED
    assert delivery.attempts == 1
    assert received(receiver)[0]["id"] == str(event.event_id)


def test_admin_delivery_log_shows_codes(admin_client, store_a, receiver):
    subscription = subscribe(receiver, location=store_a)
    receiver.statuses = [502]
    event = WebhookEvent.objects.create(
        event_type="assignment.accepted",
        subject="assignment:1",
        data={},
        occurred_at=timezone.now(),
    )
    delivery = WebhookDelivery.objects.create(
        event=event, subscription=subscription, next_attempt_at=timezone.now()
    )
    webhooks.delivery_send(delivery_id=delivery.pk)

    page = admin_client.get(
        reverse("admin:api_webhookdelivery_change", args=[delivery.pk])
    )

    assert page.status_code == 200
    assert "502" in page.content.decode()


def test_orders_stored_sends_created_then_updated(store_a, receiver):
    subscribe(receiver, location=store_a, events=["order.created", "order.updated"])
    order = OrderFactory(linked_to=[store_a])

    orders_stored.send(sender=None, order_ids=[order.pk], source="hook")
    orders_stored.send(sender=None, order_ids=[order.pk], source="hook")

    types = list(
        WebhookEvent.objects.order_by("id").values_list("event_type", flat=True)
    )
    assert types == ["order.created", "order.updated"]
    assert WebhookEvent.objects.first().data["order_id"] == order.vtex_order_id


def test_order_of_other_store_not_sent(store_a, store_b, receiver):
    subscribe(receiver, location=store_a, events=["order.created"])
    order = OrderFactory(linked_to=[store_b])

    orders_stored.send(sender=None, order_ids=[order.pk], source="hook")

    assert not WebhookEvent.objects.exists()


def test_offer_and_reject_events(store_a, receiver):
    from routing.signals import assignment_moved

    subscribe(
        receiver,
        location=store_a,
        events=["assignment.offered", "assignment.rejected", "assignment.expired"],
    )
    assignment = make_assignment(store_a)

    for from_state, to_state in (
        ("", "offered"),
        ("offered", "rejected"),
        ("offered", "expired"),
        ("offered", "accepted"),
    ):
        assignment_moved.send(
            sender=Assignment,
            assignment_id=assignment.pk,
            from_state=from_state,
            to_state=to_state,
        )

    types = list(
        WebhookEvent.objects.order_by("id").values_list("event_type", flat=True)
    )
    assert types == ["assignment.offered", "assignment.rejected", "assignment.expired"]


def test_alert_events(store_a, receiver):
    subscribe(receiver, location=store_a, events=["alert.opened", "alert.resolved"])
    alert = alert_make(store_a)

    alerts_opened.send(sender=None, alert_ids=[alert.pk])
    alerts_resolved.send(sender=None, alert_ids=[alert.pk])

    rows = list(WebhookEvent.objects.order_by("id").values("event_type", "data"))
    assert [row["event_type"] for row in rows] == ["alert.opened", "alert.resolved"]
    assert rows[0]["data"]["location"] == "loja-a"


def test_statement_approval_sends_ready_event(
    finance_network,  # noqa: F811
    receiver,
    django_capture_on_commit_callbacks,
):
    from finance.services.statements import statement_approve, statement_review

    store_a = finance_network["a"]
    subscribe(receiver, location=store_a, events=["statement.ready"])
    statements = statements_make(finance_network)
    approver = User.objects.create_superuser("financeiro")

    with django_capture_on_commit_callbacks(execute=True):
        for statement in statements.values():
            statement_review(statement_id=statement.pk, user=approver)
            statement_approve(statement_id=statement.pk, user=approver)

    event = WebhookEvent.objects.get()
    assert event.event_type == "statement.ready"
    assert event.data["statement_id"] == statements["loja-a"].pk
    assert event.data["amount_to_pay"] == str(statements["loja-a"].amount_to_pay)


def test_subscription_rejects_unknown_event(store_a):
    from django.core.exceptions import ValidationError

    subscription = WebhookSubscription(
        integration=integration_for(store_a),
        url="https://erp.example/hook",
        events=["order.lost"],
        secret="s",
    )

    with pytest.raises(ValidationError) as raised:
        subscription.full_clean()

    assert raised.value.message_dict["events"] == [
        pt_br(
            "Unknown event type %(unknown)s; choose from %(known)s.",
            unknown="order.lost",
            known=", ".join(EVENT_TYPES),
        )
    ]
    assert not WebhookSubscription.objects.exists()
