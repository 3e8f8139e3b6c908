"""A delivery whose worker died while sending is marked failed, never resent
by itself, and HQ can resend it by hand as a new delivery."""

from datetime import timedelta
from html import escape

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from franchises.models import Membership
from monitoring.models import Notification, NotificationDelivery, NotificationPreference
from monitoring.services.delivery import (
    SENDING_LIMIT,
    DeliveryResendError,
    deliveries_stale_fail,
    delivery_resend,
    delivery_send,
)
from monitoring.services.notifications import deliveries_due, store_event_notify
from monitoring.tasks import deliveries_stale_fail_task
from tests.factories import MembershipFactory, UserFactory
from tests.i18n import pt_br

Status = NotificationDelivery.Status
STOPPED = (
    "The worker stopped while sending; it may have been delivered. Ask the "
    "recipient before resending."
)


@pytest.fixture
def delivery(store_a, manager_a):
    preference = NotificationPreference.objects.create(
        user=manager_a, channel=NotificationPreference.Channel.EMAIL
    )
    store_event_notify(
        kind=Notification.Kind.NEW_OFFER,
        key="new_offer:1",
        location_id=store_a.pk,
        subject="New order 1-01 offered",
        body="Order 1-01 was offered to your store.",
    )
    return NotificationDelivery.objects.create(
        notification=Notification.objects.get(key="new_offer:1"),
        preference=preference,
        channel=preference.channel,
        recipient="gerente-a@example.com",
        next_attempt_at=timezone.now(),
    )


def _claimed(delivery, *, since: timedelta) -> NotificationDelivery:
    """Put the row in `sending`, as a worker that claimed it `since` ago."""
    NotificationDelivery.objects.filter(pk=delivery.pk).update(
        status=Status.SENDING, attempts=1, updated_at=timezone.now() - since
    )
    delivery.refresh_from_db()
    return delivery


def test_stuck_sending_marked_failed(delivery):
    _claimed(delivery, since=SENDING_LIMIT + timedelta(minutes=1))

    assert deliveries_stale_fail() == 1

    delivery.refresh_from_db()
    assert delivery.status == Status.FAILED
    assert delivery.last_error == pt_br(STOPPED)
    assert delivery.attempts == 1


def test_recent_sending_left_alone(delivery):
    _claimed(delivery, since=SENDING_LIMIT - timedelta(minutes=1))

    assert deliveries_stale_fail() == 0

    delivery.refresh_from_db()
    assert delivery.status == Status.SENDING
    assert delivery.last_error == ""


def test_failed_stuck_delivery_never_sent_again(delivery):
    _claimed(delivery, since=SENDING_LIMIT + timedelta(minutes=1))
    deliveries_stale_fail_task()

    result = delivery_send(delivery_id=delivery.pk)

    assert result == "skipped"
    assert delivery.pk not in deliveries_due()
    assert mail.outbox == []


def test_limit_exceeds_task_time_limit(settings):
    assert timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT) < SENDING_LIMIT


def test_sweep_is_scheduled(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert "monitoring.tasks.deliveries_stale_fail_task" in tasks


def test_resend_creates_new_delivery(
    delivery, hq_user, django_capture_on_commit_callbacks
):
    _claimed(delivery, since=SENDING_LIMIT + timedelta(minutes=1))
    deliveries_stale_fail()

    with django_capture_on_commit_callbacks(execute=True):
        copy = delivery_resend(delivery_id=delivery.pk, user=hq_user)

    assert copy.pk != delivery.pk
    assert copy.resend_of_id == delivery.pk
    assert copy.resent_by == hq_user
    assert copy.recipient == delivery.recipient
    assert copy.channel == delivery.channel
    copy.refresh_from_db()
    assert copy.status == Status.SENT
    assert copy.attempts == 1
    delivery.refresh_from_db()
    assert delivery.status == Status.FAILED
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["gerente-a@example.com"]


@pytest.mark.parametrize("status", [Status.PENDING, Status.SENDING, Status.SENT])
def test_resend_rejects_delivery_not_failed(delivery, hq_user, status):
    NotificationDelivery.objects.filter(pk=delivery.pk).update(status=status)
    label = Status(status).label

    with pytest.raises(DeliveryResendError) as error:
        delivery_resend(delivery_id=delivery.pk, user=hq_user)

    assert str(error.value) == pt_br(
        "Only failed deliveries can be resent; delivery %(id)s has status "
        '"%(status)s".',
        id=delivery.pk,
        status=pt_br(label),
    )
    assert NotificationDelivery.objects.count() == 1


def test_resend_twice_rejected(delivery, hq_user):
    NotificationDelivery.objects.filter(pk=delivery.pk).update(status=Status.FAILED)
    delivery_resend(delivery_id=delivery.pk, user=hq_user)

    with pytest.raises(DeliveryResendError) as error:
        delivery_resend(delivery_id=delivery.pk, user=hq_user)

    assert str(error.value) == pt_br(
        "Delivery %(id)s was resent already; resend the newer delivery.",
        id=delivery.pk,
    )
    assert NotificationDelivery.objects.count() == 2


def _staff(user):
    user.is_staff = True
    user.save()
    return user


def test_admin_resend_action(client, hq_user, delivery):
    NotificationDelivery.objects.filter(pk=delivery.pk).update(
        status=Status.FAILED, last_error=pt_br(STOPPED)
    )
    client.force_login(_staff(hq_user))

    response = client.post(
        reverse("admin:monitoring_notificationdelivery_changelist"),
        {"action": "resend", "_selected_action": [delivery.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert NotificationDelivery.objects.filter(resend_of=delivery).count() == 1
    assert pt_br("%(count)d delivery resent as a new delivery.", count=1) in (
        response.content.decode()
    )


def test_admin_resend_of_sent_delivery_warns(client, hq_user, delivery):
    NotificationDelivery.objects.filter(pk=delivery.pk).update(status=Status.SENT)
    client.force_login(_staff(hq_user))

    response = client.post(
        reverse("admin:monitoring_notificationdelivery_changelist"),
        {"action": "resend", "_selected_action": [delivery.pk]},
        follow=True,
    )

    expected = pt_br(
        "Only failed deliveries can be resent; delivery %(id)s has status "
        '"%(status)s".',
        id=delivery.pk,
        status=pt_br("Sent"),
    )
    assert escape(expected) in response.content.decode()
    assert NotificationDelivery.objects.count() == 1


def test_hq_finance_cannot_resend(client, delivery):
    user = UserFactory(username="financeiro", is_staff=True)
    MembershipFactory(user=user, role=Membership.Role.HQ_FINANCE, location=None)
    NotificationDelivery.objects.filter(pk=delivery.pk).update(status=Status.FAILED)
    client.force_login(user)

    response = client.post(
        reverse("admin:monitoring_notificationdelivery_changelist"),
        {"action": "resend", "_selected_action": [delivery.pk]},
    )

    assert response.status_code in (200, 302)
    assert NotificationDelivery.objects.count() == 1
