"""The not_fulfilled rule fires at each part's ship-by time, and falls back to
hours after acceptance for parts without one."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import translation

from monitoring.models import Alert, SlaRule
from monitoring.rules import RULES
from monitoring.services.evaluation import rules_evaluate
from routing.models import Assignment
from tests.monitoring.conftest import make_assignment, make_rule

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
State = Assignment.State


def _accepted(location, *, accepted_ago: timedelta, ship_by=None, state=None):
    accepted_at = NOW - accepted_ago
    return make_assignment(
        location,
        offered_at=accepted_at - timedelta(minutes=5),
        state=state or State.ACCEPTED,
        accepted_at=accepted_at,
        ship_by=ship_by,
    )


def _alerted_ids() -> set[int]:
    return set(Alert.objects.values_list("assignment_id", flat=True))


def test_part_past_ship_by_alerts_before_fallback(store_a):
    # Accepted an hour ago, far inside the 24-hour fallback, but its ship-by
    # time passed a minute ago.
    late = _accepted(
        store_a, accepted_ago=timedelta(hours=1), ship_by=NOW - timedelta(minutes=1)
    )
    make_rule(SlaRule.Kind.NOT_FULFILLED, threshold=24)

    summary = rules_evaluate(now=NOW)

    assert summary["opened"] == 1
    alert = Alert.objects.get()
    assert alert.assignment_id == late.pk
    assert alert.details["ship_by"] == (NOW - timedelta(minutes=1)).isoformat()


def test_part_before_ship_by_waits_past_fallback(store_a):
    # Accepted 30 hours ago, past the 24-hour fallback, but its ship-by time
    # is still ahead: the fallback does not apply to it.
    _accepted(
        store_a, accepted_ago=timedelta(hours=30), ship_by=NOW + timedelta(hours=1)
    )
    make_rule(SlaRule.Kind.NOT_FULFILLED, threshold=24)

    summary = rules_evaluate(now=NOW)

    assert summary["opened"] == 0
    assert not Alert.objects.exists()


def test_part_at_ship_by_is_not_late(store_a):
    _accepted(store_a, accepted_ago=timedelta(hours=1), ship_by=NOW)
    make_rule(SlaRule.Kind.NOT_FULFILLED, threshold=24)

    rules_evaluate(now=NOW)

    assert not Alert.objects.exists()


@pytest.mark.parametrize(
    ("accepted_ago", "fires"),
    [(timedelta(hours=25), True), (timedelta(hours=23), False)],
)
def test_part_without_ship_by_uses_fallback(store_a, accepted_ago, fires):
    part = _accepted(store_a, accepted_ago=accepted_ago, ship_by=None)
    make_rule(SlaRule.Kind.NOT_FULFILLED, threshold=24)

    rules_evaluate(now=NOW)

    assert _alerted_ids() == ({part.pk} if fires else set())


def test_shipped_or_ready_part_never_alerts(store_a):
    for state in (State.READY_FOR_PICKUP, State.SHIPPED, State.INVOICED):
        _accepted(
            store_a,
            accepted_ago=timedelta(hours=30),
            ship_by=NOW - timedelta(hours=2),
            state=state,
        )
    picking = _accepted(
        store_a,
        accepted_ago=timedelta(hours=3),
        ship_by=NOW - timedelta(hours=2),
        state=State.PICKING,
    )
    make_rule(SlaRule.Kind.NOT_FULFILLED, threshold=24)

    rules_evaluate(now=NOW)

    assert _alerted_ids() == {picking.pk}


def test_alert_resolves_when_part_ships(store_a):
    part = _accepted(
        store_a, accepted_ago=timedelta(hours=1), ship_by=NOW - timedelta(minutes=1)
    )
    rule = make_rule(SlaRule.Kind.NOT_FULFILLED, threshold=24)
    rules_evaluate(now=NOW)
    Assignment.objects.filter(pk=part.pk).update(
        state=State.SHIPPED, shipped_at=NOW + timedelta(minutes=2)
    )

    summary = rules_evaluate(now=NOW + timedelta(minutes=3))

    assert summary["resolved"] == 1
    assert Alert.objects.get(rule=rule).status == Alert.Status.RESOLVED


def test_threshold_unit_names_fallback():
    unit = RULES[SlaRule.Kind.NOT_FULFILLED].unit

    with translation.override("en"):
        assert str(unit) == "hours after acceptance, for parts without a ship-by time"
    with translation.override("pt-br"):
        assert str(unit) == "horas após o aceite, para partes sem prazo de envio"
