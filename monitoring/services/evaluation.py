"""Turn rule findings into alerts: open new ones, resolve cleared ones, escalate.

Each rule costs a fixed number of queries whatever the data: its finder's
query, a lock on the rule row, the alerts covering the findings, and one
select and one bulk write per kind of change.
"""

import logging
import time
from collections import Counter
from datetime import datetime, timedelta

from django.db import DatabaseError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from monitoring.models import SEVERITY_ESCALATION, Alert, AlertEvent, SlaRule, SyncCheck
from monitoring.rules import BACKLOG_SAMPLES, MAX_FINDINGS, RULES, Context, Finding
from monitoring.services.notifications import alert_notifications_create
from monitoring.signals import alerts_opened, alerts_resolved

logger = logging.getLogger(__name__)

Status = Alert.Status


def rules_evaluate(*, kinds=None, now: datetime | None = None) -> Counter:
    """Evaluate every enabled rule (or those of `kinds`) and return counts of
    alerts opened, resolved and escalated."""
    started = time.monotonic()
    now = now or timezone.now()
    rules = SlaRule.objects.filter(is_enabled=True)
    if kinds is not None:
        rules = rules.filter(kind__in=kinds)
    rules = list(rules)

    overridden: dict[tuple[str, str], set[int]] = {}
    for rule in rules:
        if rule.location_id:
            key = (rule.kind, rule.sales_channel)
            overridden.setdefault(key, set()).add(rule.location_id)
    checks = []
    if any(RULES[rule.kind].integration for rule in rules):
        checks = list(SyncCheck.objects.all()[: BACKLOG_SAMPLES + 1])
    context = Context(now=now, overridden=overridden, latest_checks=checks)

    summary = Counter()
    for rule in rules:
        try:
            summary.update(rule_evaluate(rule=rule, context=context))
        except DatabaseError:
            logger.exception("Evaluating rule %s (%s) failed", rule.pk, rule.kind)
            summary["failed"] += 1
    logger.info(
        "Evaluated %d rules in %.0f ms: %s",
        len(rules),
        (time.monotonic() - started) * 1000,
        dict(summary),
    )
    return summary


def rule_evaluate(*, rule: SlaRule, context: Context) -> Counter:
    findings = {finding.subject_key: finding for finding in _find(rule, context)}
    now = context.now
    counts = Counter()
    with transaction.atomic():
        # The rule's row lock serialises evaluations of one rule, so two runs
        # never open an alert for the same subject twice.
        list(SlaRule.objects.select_for_update().filter(pk=rule.pk).values("pk"))
        # Subjects with an unresolved alert, or with one resolved by hand
        # whose condition has not cleared since, get no new alert.
        covered = set(
            Alert.objects.filter(rule=rule, subject_key__in=list(findings))
            .filter(Q(status__in=Alert.UNRESOLVED) | Q(reopen_blocked=True))
            .values_list("subject_key", flat=True)
        )

        new_alerts = [
            _alert(rule, finding, now)
            for key, finding in findings.items()
            if key not in covered
        ]
        if new_alerts:
            Alert.objects.bulk_create(new_alerts)
            _events(new_alerts, AlertEvent.Kind.OPENED, now)
            opened_ids = [alert.pk for alert in new_alerts]
            transaction.on_commit(
                lambda: alerts_opened.send(sender=Alert, alert_ids=opened_ids)
            )
        counts["opened"] = len(new_alerts)

        cleared = _cleared(rule, findings, context)
        if cleared is not None:
            rows = list(cleared.select_for_update().values_list("pk", "status"))
            unresolved = [pk for pk, status in rows if status != Status.RESOLVED]
            blocked = [pk for pk, status in rows if status == Status.RESOLVED]
            counts["resolved"] = _resolve(
                cleared.filter(status__in=Alert.UNRESOLVED), unresolved, now=now
            )
            counts["unblocked"] = _unblock(
                cleared.filter(reopen_blocked=True), blocked, now
            )

        escalated = _escalate(rule, now)
        counts["escalated"] = len(escalated)
        alert_notifications_create(
            opened=[alert.pk for alert in new_alerts], escalated=escalated
        )
    return counts


def _find(rule: SlaRule, context: Context) -> list[Finding]:
    return RULES[rule.kind].finder(rule, context)


def _cleared(rule: SlaRule, findings: dict, context: Context) -> QuerySet | None:
    """Select the rule's unresolved or reopen-blocked alerts whose subject no
    longer meets the condition; None when this run cannot tell.

    Kinds with a `condition_met` builder check every such alert against the
    condition in the same query, because their findings leave out subjects
    that already have an alert. For other kinds the findings list names every
    subject that meets the condition, unless the cap cut it.
    """
    alerts = Alert.objects.filter(rule=rule).filter(
        Q(status__in=Alert.UNRESOLVED) | Q(reopen_blocked=True)
    )
    condition_met = RULES[rule.kind].condition_met
    if condition_met is not None:
        return alerts.filter(~condition_met(rule, context))
    if len(findings) < MAX_FINDINGS:
        return alerts.exclude(subject_key__in=list(findings))
    logger.warning(
        "Rule %s (%s) found %d subjects or more; its alerts are not resolved "
        "in this run",
        rule.pk,
        rule.kind,
        MAX_FINDINGS,
    )
    return None


def _alert(rule: SlaRule, finding: Finding, now: datetime) -> Alert:
    return Alert(
        rule=rule,
        severity=rule.severity,
        owner_id=finding.owner_id,
        subject_type=finding.subject_type,
        subject_key=finding.subject_key,
        order_id=finding.order_id,
        assignment_id=finding.assignment_id,
        message=finding.message[:500],
        details=finding.details,
        opened_at=now,
        last_seen_at=now,
    )


def _events(alerts, kind: str, now: datetime, user=None, details=None) -> None:
    AlertEvent.objects.bulk_create(
        [
            AlertEvent(
                alert_id=getattr(alert, "pk", alert),
                kind=kind,
                at=now,
                user=user,
                details=details or {},
            )
            for alert in alerts
        ]
    )


def alerts_resolve(*, alert_ids: list[int], now: datetime, user=None) -> int:
    """Resolve those of the alerts still unresolved; return how many moved.

    With a user, the resolve is by hand: each alert blocks new alerts of its
    rule for its subject until an evaluation finds the condition cleared.
    """
    if not alert_ids:
        return 0
    alerts = Alert.objects.filter(pk__in=alert_ids, status__in=Alert.UNRESOLVED)
    moving = list(alerts.select_for_update().values_list("pk", flat=True))
    return _resolve(alerts, moving, now=now, user=user)


def _resolve(alerts: QuerySet, moving: list[int], *, now: datetime, user=None) -> int:
    """Resolve the unresolved alerts of a queryset with one UPDATE, whatever
    their number, and record a history event for each of `moving`, the ids
    the caller selected and locked."""
    if not moving:
        return 0
    by_hand = user is not None
    # A subquery rather than the list of ids keeps the statement's size
    # independent of the number of alerts.
    moved = Alert.objects.filter(
        pk__in=alerts.values("pk"), status__in=Alert.UNRESOLVED
    ).update(
        status=Status.RESOLVED,
        resolved_at=now,
        resolved_by=user,
        reopen_blocked=by_hand,
        updated_at=now,
    )
    details = {"reopen_blocked": True} if by_hand else {"automatic": True}
    _events(moving, AlertEvent.Kind.RESOLVED, now, user=user, details=details)
    transaction.on_commit(lambda: alerts_resolved.send(sender=Alert, alert_ids=moving))
    return moved


def _unblock(alerts: QuerySet, ids: list[int], now: datetime) -> int:
    """Let new alerts open for the subjects of hand-resolved alerts whose
    condition cleared."""
    if not ids:
        return 0
    unblocked = Alert.objects.filter(
        pk__in=alerts.values("pk"), reopen_blocked=True
    ).update(reopen_blocked=False, updated_at=now)
    _events(ids, AlertEvent.Kind.CLEARED, now)
    return unblocked


def _escalate(rule: SlaRule, now: datetime) -> list[int]:
    if not rule.escalate_after_minutes:
        return []
    due = now - timedelta(minutes=rule.escalate_after_minutes)
    ids = list(
        Alert.objects.filter(
            rule=rule, status=Status.OPEN, escalated_at__isnull=True, opened_at__lte=due
        ).values_list("pk", flat=True)
    )
    if not ids:
        return []
    Alert.objects.filter(pk__in=ids, status=Status.OPEN).update(
        escalated_at=now, severity=SEVERITY_ESCALATION[rule.severity], updated_at=now
    )
    _events(ids, AlertEvent.Kind.ESCALATED, now)
    return ids
