"""Rows for API tests: alerts and payout statements built directly."""

from datetime import date

from django.utils import timezone

from finance.models_statements import PayoutStatement, PeriodCloseRun
from finance.services.periods import period_close_run
from finance.services.posting import order_part_settle
from monitoring.models import Alert, SlaRule
from tests.finance.conftest import order_make, part_make


def alert_make(location, *, status=Alert.Status.OPEN) -> Alert:
    rule, _ = SlaRule.objects.get_or_create(
        kind=SlaRule.Kind.OFFER_NOT_ACCEPTED, location=None, defaults={"name": "x"}
    )
    now = timezone.now()
    return Alert.objects.create(
        rule=rule,
        severity="warning",
        status=status,
        owner=location,
        subject_type=Alert.SubjectType.LOCATION,
        subject_key=f"location:{location.pk}",
        message="Offer not accepted",
        opened_at=now,
        last_seen_at=now,
    )


def statements_make(finance_network) -> dict[str, PayoutStatement]:
    """Close March 2026 with one invoiced part at each store; return the
    statements by store code."""
    for code in ("a", "b"):
        order = order_make(items=[("100.00", 2)], shipping=["20.00"])
        order_part_settle(assignment_id=part_make(order, finance_network[code]).pk)
    run = PeriodCloseRun.objects.create(cutoff=date(2026, 3, 31))
    period_close_run(run_id=run.pk)
    return {
        location.code: PayoutStatement.objects.get(legal_entity=location.legal_entity)
        for location in (finance_network["a"], finance_network["b"])
    }
