"""Notifications reach the right people once per channel, by e-mail and by a
signed webhook, with retries and quiet hours."""

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail

from monitoring.models import (
    Notification,
    NotificationDelivery,
    NotificationPreference,
)
from monitoring.services.delivery import DeliveryFailed, delivery_send
from monitoring.services.notifications import (
    notification_plan,
    offers_expiring_notify,
    quiet_hours_end,
    statement_ready_notify,
    store_event_notify,
)
from monitoring.tasks import delivery_deliver_task, notifications_deliver_task
from monitoring.webhooks import webhook_signature, webhook_signature_valid
from tests.factories import MembershipFactory, UserFactory
from tests.i18n import pt_br
from tests.monitoring.conftest import make_assignment

Channel = NotificationPreference.Channel
Status = NotificationDelivery.Status
WEBHOOK_SECRET = "s3gredo"


def _new_offer(location, key="new_offer:1"):
    store_event_notify(
        kind=Notification.Kind.NEW_OFFER,
        key=key,
        location_id=location.pk,
        subject="New order 1-01 offered",
        body="Order 1-01 was offered to your store.",
    )
    return Notification.objects.get(key=key)


@pytest.fixture
def email_preference(manager_a):
    return NotificationPreference.objects.create(user=manager_a, channel=Channel.EMAIL)


def test_notification_sent_once_when_task_runs_twice(store_a, email_preference):
    notification = _new_offer(store_a)

    notifications_deliver_task([notification.pk])
    notifications_deliver_task([notification.pk])
    for delivery_id in NotificationDelivery.objects.values_list("pk", flat=True):
        delivery_deliver_task(delivery_id)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["gerente-a@example.com"]
    assert message.subject == "[Ponte] New order 1-01 offered"
    assert "Order 1-01 was offered to your store." in message.body
    assert message.alternatives[0].mimetype == "text/html"
    delivery = NotificationDelivery.objects.get()
    assert delivery.status == Status.SENT
    assert delivery.attempts == 1


def test_same_event_creates_one_notification(store_a):
    _new_offer(store_a)
    _new_offer(store_a)

    assert Notification.objects.count() == 1


def test_outsider_store_gets_no_notification(store_a, manager_b):
    NotificationPreference.objects.create(user=manager_b, channel=Channel.EMAIL)
    notification = _new_offer(store_a)

    assert notification_plan(notification_id=notification.pk) == []
    assert not NotificationDelivery.objects.exists()


def test_hq_gets_alerts_but_not_store_events(store_a, hq_user):
    NotificationPreference.objects.create(user=hq_user, channel=Channel.EMAIL)
    offer = _new_offer(store_a)
    alert = Notification.objects.create(
        key="alert_opened:1",
        kind=Notification.Kind.ALERT_OPENED,
        severity="warning",
        location=store_a,
        subject="Alert",
        body="Late",
        payload={"rule": "offer_not_accepted"},
    )

    assert notification_plan(notification_id=offer.pk) == []
    assert len(notification_plan(notification_id=alert.pk)) == 1


def test_preference_filters_severity_and_rule(store_a, manager_a):
    NotificationPreference.objects.create(
        user=manager_a,
        channel=Channel.EMAIL,
        severities=["critical"],
    )
    NotificationPreference.objects.create(
        location=store_a,
        channel=Channel.EMAIL,
        email="loja-a@example.com",
        rule_kinds=["offer_not_accepted"],
    )
    notification = Notification.objects.create(
        key="alert_opened:2",
        kind=Notification.Kind.ALERT_OPENED,
        severity="warning",
        location=store_a,
        subject="Alert",
        body="Late",
        payload={"rule": "offer_not_accepted"},
    )

    notification_plan(notification_id=notification.pk)

    assert list(NotificationDelivery.objects.values_list("recipient", flat=True)) == [
        "loja-a@example.com"
    ]


def test_store_events_preference(store_a, manager_a):
    NotificationPreference.objects.create(
        user=manager_a, channel=Channel.EMAIL, events=["order_canceled"]
    )
    notification = _new_offer(store_a)

    assert notification_plan(notification_id=notification.pk) == []


def test_statement_ready_hook(store_a, email_preference):
    statement_ready_notify(location_id=store_a.pk, statement_id=7, period="03/2026")

    notification = Notification.objects.get()
    assert notification.kind == "statement_ready"
    assert notification.subject == pt_br(
        "Statement ready for %(period)s", period="03/2026"
    )


def test_quiet_hours_delay_delivery(store_a):
    preference = NotificationPreference(
        location=store_a,
        channel=Channel.EMAIL,
        email="loja-a@example.com",
        quiet_hours_start=datetime.strptime("22:00", "%H:%M").time(),
        quiet_hours_end=datetime.strptime("07:00", "%H:%M").time(),
    )
    # 23:30 and 12:00 in São Paulo (UTC-3).
    night = datetime(2026, 3, 10, 2, 30, tzinfo=UTC)
    noon = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)

    assert quiet_hours_end(preference, night) == datetime(
        2026, 3, 10, 10, 0, tzinfo=UTC
    )
    assert quiet_hours_end(preference, noon) is None


def test_quiet_hours_keep_delivery_pending(store_a):
    NotificationPreference.objects.create(
        location=store_a,
        channel=Channel.EMAIL,
        email="loja-a@example.com",
        quiet_hours_start=datetime.strptime("00:00", "%H:%M").time(),
        quiet_hours_end=datetime.strptime("23:59", "%H:%M").time(),
    )
    notification = _new_offer(store_a)
    now = datetime.now(tz=UTC).replace(hour=12)

    assert notification_plan(notification_id=notification.pk, now=now) == []
    delivery = NotificationDelivery.objects.get()
    assert delivery.status == Status.PENDING
    assert delivery.next_attempt_at > now
    assert delivery_send(delivery_id=delivery.pk) == "skipped"
    assert mail.outbox == []


def test_offers_expiring_notified_once(store_a):
    now = datetime.now(tz=UTC)
    make_assignment(
        store_a,
        offered_at=now - timedelta(minutes=25),
        expires_at=now + timedelta(minutes=5),
    )
    make_assignment(
        store_a,
        offered_at=now,
        expires_at=now + timedelta(minutes=30),
    )

    assert offers_expiring_notify(now=now) == 1
    assert offers_expiring_notify(now=now) == 0
    assert Notification.objects.filter(kind="offer_expiring").count() == 1


class _Receiver(BaseHTTPRequestHandler):
    requests: list = []
    status = 200

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).requests.append((dict(self.headers), body))
        self.send_response(type(self).status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format, *args):
        pass


@pytest.fixture
def receiver():
    _Receiver.requests = []
    _Receiver.status = 200
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _webhook_preference(store, server):
    host, port = server.server_address
    return NotificationPreference.objects.create(
        location=store,
        channel=Channel.WEBHOOK,
        webhook_url=f"http://{host}:{port}/ponte",
        webhook_secret=WEBHOOK_SECRET,
    )


def test_webhook_signed_and_sent_once(store_a, receiver):
    _webhook_preference(store_a, receiver)
    notification = _new_offer(store_a)

    notifications_deliver_task([notification.pk])
    delivery = NotificationDelivery.objects.get()
    delivery_deliver_task(delivery.pk)

    assert len(_Receiver.requests) == 1
    headers, body = _Receiver.requests[0]
    assert webhook_signature_valid(
        secret=WEBHOOK_SECRET,
        timestamp=headers["X-Ponte-Timestamp"],
        body=body,
        signature=headers["X-Ponte-Signature"],
        now=time.time(),
    )
    payload = json.loads(body)
    assert payload["id"] == "new_offer:1"
    assert payload["location"] == "loja-a"
    assert NotificationDelivery.objects.get().status == Status.SENT


def test_webhook_failure_retries_with_backoff(store_a, receiver):
    _webhook_preference(store_a, receiver)
    _Receiver.status = 503
    notification = _new_offer(store_a)
    notification_plan(notification_id=notification.pk)
    delivery = NotificationDelivery.objects.get()

    with pytest.raises(DeliveryFailed) as failure:
        delivery_send(delivery_id=delivery.pk)

    assert failure.value.retry_in == timedelta(minutes=1)
    delivery.refresh_from_db()
    assert delivery.status == Status.PENDING
    assert delivery.attempts == 1
    assert delivery.last_error == ("HTTPError: HTTP 503 from the webhook")
    # Not due yet: a second run sends nothing.
    assert delivery_send(delivery_id=delivery.pk) == "skipped"
    assert len(_Receiver.requests) == 1


def test_webhook_gives_up_after_last_attempt(store_a, receiver):
    _webhook_preference(store_a, receiver)
    _Receiver.status = 500
    notification = _new_offer(store_a)
    notification_plan(notification_id=notification.pk)
    delivery = NotificationDelivery.objects.get()
    NotificationDelivery.objects.filter(pk=delivery.pk).update(attempts=4)

    assert delivery_send(delivery_id=delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert delivery.status == Status.FAILED
    assert delivery.attempts == 5


def test_delivery_being_sent_is_not_sent_again(store_a, email_preference):
    notification = _new_offer(store_a)
    notification_plan(notification_id=notification.pk)
    NotificationDelivery.objects.update(status=Status.SENDING)

    assert delivery_send(delivery_id=NotificationDelivery.objects.get().pk) == "skipped"
    assert mail.outbox == []


def test_signature_rejects_replay_and_tampering():
    body = b'{"id": "x"}'
    signature = webhook_signature(secret="k", timestamp=1_000_000, body=body)

    assert webhook_signature_valid(
        secret="k", timestamp="1000000", body=body, signature=signature, now=1_000_100
    )
    assert not webhook_signature_valid(
        secret="k", timestamp="1000000", body=body, signature=signature, now=1_000_400
    )
    assert not webhook_signature_valid(
        secret="k", timestamp="1000000", body=b"{}", signature=signature, now=1_000_100
    )
    assert not webhook_signature_valid(
        secret="k", timestamp="soon", body=body, signature=signature, now=1_000_100
    )


def test_legal_entity_member_is_notified(store_a):
    user = UserFactory(username="dono", email="dono@example.com")
    MembershipFactory(user=user, location=None, legal_entity=store_a.legal_entity)
    NotificationPreference.objects.create(user=user, channel=Channel.EMAIL)
    notification = _new_offer(store_a)

    notification_plan(notification_id=notification.pk)

    assert list(NotificationDelivery.objects.values_list("recipient", flat=True)) == [
        "dono@example.com"
    ]
