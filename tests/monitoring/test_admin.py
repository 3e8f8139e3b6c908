"""HQ edits SLA rules and reads the delivery log in the admin; store users
never reach it."""

import pytest
from django.urls import reverse

from franchises.models import Membership
from monitoring.models import (
    Notification,
    NotificationDelivery,
    NotificationPreference,
    SlaRule,
)
from tests.factories import MembershipFactory, UserFactory
from tests.i18n import pt_br


@pytest.fixture
def hq_finance(db):
    user = UserFactory(username="financeiro", is_staff=True)
    MembershipFactory(user=user, role=Membership.Role.HQ_FINANCE, location=None)
    return user


def test_hq_ops_adds_rule(client, hq_user):
    hq_user.is_staff = True
    hq_user.save()
    client.force_login(hq_user)

    response = client.post(
        reverse("admin:monitoring_slarule_add"),
        {
            "kind": "offer_not_accepted",
            "name": "Oferta parada",
            "is_enabled": "on",
            "severity": "warning",
            "threshold": "20",
            "sales_channel": "",
            "business_days": "[]",
            "lookback_days": "30",
            "expected": "{}",
        },
    )

    assert response.status_code == 302
    rule = SlaRule.objects.get()
    assert rule.threshold == 20


def test_rule_with_invalid_business_days_is_rejected(client, hq_user):
    hq_user.is_staff = True
    hq_user.save()
    client.force_login(hq_user)

    response = client.post(
        reverse("admin:monitoring_slarule_add"),
        {
            "kind": "no_order_synced",
            "name": "Sem pedidos",
            "severity": "warning",
            "threshold": "30",
            "business_days": "[7]",
            "lookback_days": "30",
            "expected": "{}",
        },
    )

    assert response.status_code == 200
    assert (
        pt_br(
            "Invalid business days %(value)s: use a list of weekdays from 0 (Monday) "
            "to 6 (Sunday).",
            value=[7],
        )
        in response.content.decode()
    )
    assert not SlaRule.objects.exists()


def test_hq_finance_reads_but_does_not_edit_rules(client, hq_finance):
    client.force_login(hq_finance)

    assert client.get(reverse("admin:monitoring_slarule_changelist")).status_code == 200
    assert client.get(reverse("admin:monitoring_slarule_add")).status_code == 403


def test_delivery_log_visible_to_hq(client, hq_finance, store_a):
    notification = Notification.objects.create(
        key="new_offer:1", kind="new_offer", location=store_a, subject="S", body="B"
    )
    NotificationDelivery.objects.create(
        notification=notification,
        channel=NotificationPreference.Channel.EMAIL,
        recipient="loja-a@example.com",
        status=NotificationDelivery.Status.SENT,
        next_attempt_at=notification.created_at,
    )
    client.force_login(hq_finance)

    response = client.get(reverse("admin:monitoring_notificationdelivery_changelist"))

    assert response.status_code == 200
    assert "loja-a@example.com" in response.content.decode()


def test_webhook_preference_needs_url(store_a):
    from django.core.exceptions import ValidationError

    preference = NotificationPreference(location=store_a, channel="webhook")

    with pytest.raises(ValidationError) as error:
        preference.full_clean()

    assert error.value.message_dict["webhook_url"] == [pt_br("A webhook needs a URL.")]
    assert not NotificationPreference.objects.exists()
