"""A hand resolve lasts until the condition clears once. After that, a new
occurrence opens a new alert."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from monitoring.models import Alert, AlertEvent, SlaRule
from monitoring.services.alerts import AlertTransitionError, alert_resolve
from monitoring.services.evaluation import rules_evaluate
from routing.models import Assignment
from tests.i18n import pt_br
from tests.monitoring.conftest import make_assignment, make_rule

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


@pytest.fixture
def late_offer(store_a):
    return make_assignment(store_a, offered_at=NOW - timedelta(minutes=45))


@pytest.fixture
def rule(db):
    return make_rule(SlaRule.Kind.OFFER_NOT_ACCEPTED, threshold=30)


def _event_kinds(alert: Alert) -> list[str]:
    return list(alert.events.order_by("pk").values_list("kind", flat=True))


def test_hand_resolve_lasts_while_condition_met(late_offer, rule, hq_user):
    rules_evaluate(now=NOW)
    alert = Alert.objects.get()

    alert_resolve(alert=alert, user=hq_user)
    first = rules_evaluate(now=NOW + MINUTE)
    second = rules_evaluate(now=NOW + 2 * MINUTE)

    assert first["opened"] == 0
    assert second["opened"] == 0
    assert Alert.objects.count() == 1
    alert.refresh_from_db()
    assert alert.status == Alert.Status.RESOLVED
    assert alert.resolved_by == hq_user
    assert alert.reopen_blocked is True
    resolved = alert.events.get(kind=AlertEvent.Kind.RESOLVED)
    assert resolved.user == hq_user
    assert resolved.details == {"reopen_blocked": True}


def test_new_occurrence_after_clearing_opens_alert(store_a, late_offer, rule, hq_user):
    rules_evaluate(now=NOW)
    first = Alert.objects.get()
    alert_resolve(alert=first, user=hq_user)
    # The offer is accepted: the condition clears once.
    Assignment.objects.filter(pk=late_offer.pk).update(
        state=Assignment.State.ACCEPTED, accepted_at=NOW + MINUTE
    )
    cleared = rules_evaluate(now=NOW + 2 * MINUTE)
    # The same part is offered again and left unanswered.
    Assignment.objects.filter(pk=late_offer.pk).update(
        state=Assignment.State.OFFERED, offered_at=NOW + 3 * MINUTE
    )

    reopened = rules_evaluate(now=NOW + 40 * MINUTE)

    assert cleared["unblocked"] == 1
    assert cleared["opened"] == 0
    first.refresh_from_db()
    assert first.reopen_blocked is False
    assert first.status == Alert.Status.RESOLVED
    assert _event_kinds(first) == ["opened", "resolved", "cleared"]
    assert reopened["opened"] == 1
    second = Alert.objects.exclude(pk=first.pk).get()
    assert second.subject_key == first.subject_key
    assert second.status == Alert.Status.OPEN
    assert second.reopen_blocked is False
    assert _event_kinds(second) == ["opened"]


def test_automatic_resolve_does_not_block(late_offer, rule):
    rules_evaluate(now=NOW)
    Assignment.objects.filter(pk=late_offer.pk).update(
        state=Assignment.State.ACCEPTED, accepted_at=NOW
    )
    rules_evaluate(now=NOW + MINUTE)
    Assignment.objects.filter(pk=late_offer.pk).update(
        state=Assignment.State.OFFERED, offered_at=NOW
    )

    summary = rules_evaluate(now=NOW + 40 * MINUTE)

    assert summary["opened"] == 1
    first = Alert.objects.order_by("pk").first()
    assert first.reopen_blocked is False
    assert first.events.get(kind=AlertEvent.Kind.RESOLVED).details == {
        "automatic": True
    }


def test_block_is_per_rule(late_offer, rule, hq_user):
    rules_evaluate(now=NOW)
    alert_resolve(alert=Alert.objects.get(), user=hq_user)
    other = make_rule(SlaRule.Kind.OFFER_NOT_ACCEPTED, threshold=10, sales_channel="1")
    Assignment.objects.filter(pk=late_offer.pk).update(offered_at=NOW)
    late_offer.order.sales_channel = "1"
    late_offer.order.save(update_fields=["sales_channel"])

    summary = rules_evaluate(now=NOW + 20 * MINUTE)

    assert summary["opened"] == 1
    assert Alert.objects.filter(rule=other).count() == 1


def test_resolving_twice_rejected(late_offer, rule, hq_user):
    rules_evaluate(now=NOW)
    alert = Alert.objects.get()
    alert_resolve(alert=alert, user=hq_user)

    with pytest.raises(AlertTransitionError) as error:
        alert_resolve(alert=alert, user=hq_user)

    assert str(error.value) == pt_br("Alert %(id)s is already resolved.", id=alert.pk)
    assert alert.events.filter(kind=AlertEvent.Kind.RESOLVED).count() == 1


def test_resolve_button_blocks_reopening(client, manager_a, late_offer, rule):
    rules_evaluate(now=NOW)
    alert = Alert.objects.get()
    client.force_login(manager_a)

    response = client.post(
        reverse("monitoring:alert_action", args=[alert.pk, "resolve"])
    )
    summary = rules_evaluate(now=NOW + MINUTE)

    assert response.status_code == 302
    assert summary["opened"] == 0
    alert.refresh_from_db()
    assert alert.resolved_by == manager_a
    assert alert.reopen_blocked is True
