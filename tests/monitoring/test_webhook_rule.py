"""Outbound webhook deliveries that gave up raise one HQ alert per
subscription, resolved once HQ sends them again."""

from datetime import UTC, datetime

import pytest

from api.models import Integration, WebhookDelivery, WebhookEvent, WebhookSubscription
from monitoring.models import Alert, SlaRule
from monitoring.services.evaluation import rules_evaluate
from tests.i18n import pt_br
from tests.monitoring.conftest import make_rule

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
URL = "http://127.0.0.1:9/hooks"


@pytest.fixture
def failed_deliveries():
    integration = Integration.objects.create(name="ERP", scope="hq")
    subscription = WebhookSubscription.objects.create(
        integration=integration, url=URL, events=["order.created"], secret="s" * 32
    )
    deliveries = []
    for number in range(2):
        event = WebhookEvent.objects.create(
            event_type="order.created",
            subject=f"order:{number}",
            data={},
            occurred_at=NOW,
        )
        deliveries.append(
            WebhookDelivery.objects.create(
                event=event,
                subscription=subscription,
                status=WebhookDelivery.Status.FAILED,
                attempts=12,
                next_attempt_at=NOW,
            )
        )
    return subscription, deliveries


def test_failed_deliveries_open_one_hq_alert(failed_deliveries):
    subscription, _deliveries = failed_deliveries
    make_rule(SlaRule.Kind.WEBHOOK_FAILED, threshold=0)

    rules_evaluate(now=NOW)
    rules_evaluate(now=NOW)

    alert = Alert.objects.get()
    assert alert.subject_key == f"webhook:{subscription.pk}"
    assert alert.subject_type == Alert.SubjectType.INTEGRATION
    assert alert.owner is None
    assert alert.message == pt_br(
        "%(count)d webhook deliveries to %(url)s failed after every retry; resend "
        "them from the delivery log once the receiver works.",
        count=2,
        url=URL,
    )


def test_alert_resolves_after_resend(failed_deliveries):
    _subscription, deliveries = failed_deliveries
    make_rule(SlaRule.Kind.WEBHOOK_FAILED, threshold=0)
    rules_evaluate(now=NOW)

    WebhookDelivery.objects.filter(pk__in=[d.pk for d in deliveries]).update(
        status=WebhookDelivery.Status.DELIVERED
    )
    rules_evaluate(now=NOW)

    assert Alert.objects.get().status == Alert.Status.RESOLVED
