"""Rules that find more subjects than they read in one run open the rest in
later runs and resolve correctly. The cap drops to three so the tests need
few rows."""

from datetime import UTC, datetime, timedelta

import pytest

from monitoring import rules
from monitoring.models import Alert, SlaRule
from monitoring.services import evaluation
from monitoring.services.alerts import alert_resolve
from monitoring.services.evaluation import rules_evaluate
from orders.models import OrderStatusChange, QuarantinedDocument
from routing.models import Assignment
from tests.monitoring.conftest import make_assignment, make_rule

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
SMALL_CAP = 3


@pytest.fixture
def lower_cap(monkeypatch):
    def lower():
        monkeypatch.setattr(rules, "MAX_FINDINGS", SMALL_CAP)
        monkeypatch.setattr(evaluation, "MAX_FINDINGS", SMALL_CAP)

    return lower


def _late_offers(location, count: int) -> list[Assignment]:
    return [
        make_assignment(location, offered_at=NOW - timedelta(minutes=45))
        for _ in range(count)
    ]


def _accept(offers: list[Assignment]) -> None:
    Assignment.objects.filter(pk__in=[offer.pk for offer in offers]).update(
        state=Assignment.State.ACCEPTED, accepted_at=NOW
    )


def _quarantine(vtex_order_id: str) -> QuarantinedDocument:
    return QuarantinedDocument.objects.create(
        vtex_order_id=vtex_order_id,
        reason="invalid",
        payload="{",
        payload_sha256="0" * 64,
        source=OrderStatusChange.Source.FEED,
    )


def _status(assignment: Assignment) -> str:
    return Alert.objects.get(assignment=assignment).status


def test_capped_run_resolves_cleared_alerts(store_a, lower_cap):
    offers = _late_offers(store_a, 6)
    make_rule(SlaRule.Kind.OFFER_NOT_ACCEPTED, threshold=30)
    rules_evaluate(now=NOW)
    lower_cap()
    _accept(offers[:2])

    # Four offers still match, more than the cap.
    summary = rules_evaluate(now=NOW + timedelta(minutes=1))

    assert summary["resolved"] == 2
    for offer in offers[:2]:
        assert _status(offer) == Alert.Status.RESOLVED
    for offer in offers[2:]:
        assert _status(offer) == Alert.Status.OPEN


def test_capped_run_keeps_alerts_that_hold(store_a, lower_cap):
    offers = _late_offers(store_a, 6)
    make_rule(SlaRule.Kind.OFFER_NOT_ACCEPTED, threshold=30)
    rules_evaluate(now=NOW)
    lower_cap()

    summary = rules_evaluate(now=NOW + timedelta(minutes=1))

    assert summary["resolved"] == 0
    for offer in offers:
        assert _status(offer) == Alert.Status.OPEN


def test_capped_rule_opens_rest_next_run(store_a, lower_cap):
    _late_offers(store_a, 5)
    make_rule(SlaRule.Kind.OFFER_NOT_ACCEPTED, threshold=30)
    lower_cap()

    first = rules_evaluate(now=NOW)
    second = rules_evaluate(now=NOW + timedelta(minutes=1))
    third = rules_evaluate(now=NOW + timedelta(minutes=2))

    assert first["opened"] == SMALL_CAP
    assert second["opened"] == 5 - SMALL_CAP
    assert third["opened"] == 0
    assert Alert.objects.filter(status=Alert.Status.OPEN).count() == 5


def test_capped_quarantine_opens_rest_next_run(db, lower_cap):
    for number in range(5):
        _quarantine(f"200{number}-01")
    make_rule(SlaRule.Kind.QUARANTINED)
    lower_cap()

    first = rules_evaluate(now=NOW)
    second = rules_evaluate(now=NOW + timedelta(minutes=1))

    assert first["opened"] == SMALL_CAP
    assert second["opened"] == 5 - SMALL_CAP
    keys = set(Alert.objects.values_list("subject_key", flat=True))
    assert keys == {f"document:200{number}-01" for number in range(5)}


def test_capped_run_unblocks_cleared_hand_resolve(store_a, hq_user, lower_cap):
    offers = _late_offers(store_a, 5)
    make_rule(SlaRule.Kind.OFFER_NOT_ACCEPTED, threshold=30)
    rules_evaluate(now=NOW)
    lower_cap()
    blocked = Alert.objects.get(assignment=offers[0])
    alert_resolve(alert=blocked, user=hq_user)
    _accept(offers[:1])

    summary = rules_evaluate(now=NOW + timedelta(minutes=1))

    assert summary["unblocked"] == 1
    blocked.refresh_from_db()
    assert blocked.reopen_blocked is False


def test_capped_quarantine_resolves_released_documents(db, lower_cap):
    for number in range(5):
        _quarantine(f"100{number}-01")
    make_rule(SlaRule.Kind.QUARANTINED)
    rules_evaluate(now=NOW)
    lower_cap()
    QuarantinedDocument.objects.filter(vtex_order_id="1000-01").delete()

    summary = rules_evaluate(now=NOW + timedelta(minutes=1))

    assert summary["resolved"] == 1
    resolved = Alert.objects.get(status=Alert.Status.RESOLVED)
    assert resolved.subject_key == "document:1000-01"
    assert Alert.objects.filter(status=Alert.Status.OPEN).count() == 4


def test_capped_kind_without_builder_resolves_nothing(db, lower_cap, caplog):
    # webhook_failed has no condition_met builder: a capped run cannot tell which
    # subjects cleared, so it leaves every alert as it is.
    rule = make_rule(SlaRule.Kind.WEBHOOK_FAILED)
    Alert.objects.create(
        rule=rule,
        severity="warning",
        subject_type=Alert.SubjectType.INTEGRATION,
        subject_key="webhook:999",
        message="old",
        opened_at=NOW,
        last_seen_at=NOW,
    )
    lower_cap()
    findings = [
        rules.Finding(
            subject_key=f"webhook:{number}",
            subject_type="integration",
            message="failed",
        )
        for number in range(SMALL_CAP)
    ]
    kind = rules.RULES[SlaRule.Kind.WEBHOOK_FAILED]
    patched = rules.RuleKind(lambda rule, context: findings, kind.unit)

    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(rules.RULES, SlaRule.Kind.WEBHOOK_FAILED, patched)
        summary = rules_evaluate(now=NOW + timedelta(minutes=1))

    assert summary["resolved"] == 0
    assert Alert.objects.get(subject_key="webhook:999").status == Alert.Status.OPEN
    assert "its alerts are not resolved in this run" in caplog.text
