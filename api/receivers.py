"""Turn the other apps' signals into webhook events.

Every receiver runs after the sender's commit. It returns after one query
when no subscription wants the event, and it logs and drops its own errors
so that a webhook problem never fails an order sync or a store's action.
"""

import logging

from django.dispatch import receiver

from api import events
from finance.signals import statement_ready
from monitoring.signals import alerts_opened, alerts_resolved
from orders.signals import orders_stored
from routing.signals import assignment_moved, assignments_moved

logger = logging.getLogger(__name__)


def _money(value) -> str | None:
    return None if value is None else str(value)


@receiver(orders_stored)
def orders_stored_record(sender, order_ids, **kwargs):
    try:
        _orders_record(list(order_ids))
    except Exception:
        logger.exception("Webhook events for orders %s not recorded", order_ids[:20])


def _orders_record(order_ids: list[int]) -> None:
    from api.models import WebhookEvent
    from orders.models import Order, OrderLocation

    if not order_ids or not events.subscriptions_for(
        {events.ORDER_CREATED, events.ORDER_UPDATED}
    ):
        return
    subjects = [f"order:{pk}" for pk in order_ids]
    announced = set(
        WebhookEvent.objects.filter(
            event_type=events.ORDER_CREATED, subject__in=subjects
        ).values_list("subject", flat=True)
    )
    links: dict[int, list[int]] = {}
    for order_id, location_id in OrderLocation.objects.filter(
        order_id__in=order_ids
    ).values_list("order_id", "location_id"):
        links.setdefault(order_id, []).append(location_id)
    specs = []
    for order in Order.objects.filter(pk__in=order_ids).order_by("pk"):
        subject = f"order:{order.pk}"
        specs.append(
            events.EventSpec(
                event_type=events.ORDER_UPDATED
                if subject in announced
                else events.ORDER_CREATED,
                subject=subject,
                data={
                    "order_id": order.vtex_order_id,
                    "status": order.status,
                    "last_change": order.last_change.isoformat(),
                    "total": _money(order.total),
                },
                location_ids=sorted(set(links.get(order.pk, []))),
            )
        )
    events.events_record(specs)


@receiver(assignment_moved)
def assignment_moved_record(sender, assignment_id, from_state, to_state, **kwargs):
    assignments_moved_record(sender, [(assignment_id, from_state, to_state)])


@receiver(assignments_moved)
def assignments_moved_record(sender, moves, **kwargs):
    moves = [move for move in moves if move[2] in events.ASSIGNMENT_EVENTS]
    if not moves:
        return
    try:
        _assignments_record(moves)
    except Exception:
        logger.exception(
            "Webhook events for assignments %s not recorded",
            [move[0] for move in moves[:20]],
        )


def _assignments_record(moves) -> None:
    """Record one event per move, with one read of the subscriptions and one
    of the assignments."""
    from routing.models import Assignment

    event_types = {events.ASSIGNMENT_EVENTS[to_state] for _pk, _from, to_state in moves}
    if not events.subscriptions_for(event_types):
        return
    assignments = Assignment.objects.select_related("order", "location").in_bulk(
        [move[0] for move in moves]
    )
    specs = []
    for assignment_id, from_state, to_state in moves:
        assignment = assignments.get(assignment_id)
        if assignment is None:
            continue
        specs.append(
            events.EventSpec(
                event_type=events.ASSIGNMENT_EVENTS[to_state],
                subject=f"assignment:{assignment.pk}",
                data=_assignment_data(assignment, from_state, to_state),
                location_ids=[assignment.location_id],
            )
        )
    events.events_record(specs)


def _assignment_data(assignment, from_state: str, to_state: str) -> dict:
    data = {
        "assignment_id": assignment.pk,
        "order_id": assignment.order.vtex_order_id,
        "location": assignment.location.code,
        "from_state": from_state,
        "state": to_state,
        "value": _money(assignment.value),
        "expires_at": assignment.expires_at.isoformat(),
    }
    if to_state == "rejected":
        data["reject_reason"] = assignment.reject_reason
    if to_state == "shipped":
        data["carrier"] = assignment.carrier
        data["tracking_number"] = assignment.tracking_number
    if to_state == "invoiced":
        data["invoice_number"] = assignment.invoice_number
        data["invoice_key"] = assignment.invoice_key
        data["invoice_value"] = _money(assignment.invoice_value)
    return data


@receiver(alerts_opened)
def alerts_opened_record(sender, alert_ids, **kwargs):
    _alerts_record(events.ALERT_OPENED, alert_ids)


@receiver(alerts_resolved)
def alerts_resolved_record(sender, alert_ids, **kwargs):
    _alerts_record(events.ALERT_RESOLVED, alert_ids)


def _alerts_record(event_type: str, alert_ids) -> None:
    from monitoring.models import Alert

    try:
        if not events.subscriptions_for({event_type}):
            return
        specs = [
            events.EventSpec(
                event_type=event_type,
                subject=f"alert:{alert.pk}",
                data={
                    "alert_id": alert.pk,
                    "rule": alert.rule.kind,
                    "severity": alert.severity,
                    "status": alert.status,
                    "subject": alert.subject_key,
                    "message": alert.message,
                    "location": alert.owner.code if alert.owner else None,
                    "opened_at": alert.opened_at.isoformat(),
                },
                location_ids=[alert.owner_id] if alert.owner_id else [],
            )
            for alert in Alert.objects.filter(pk__in=list(alert_ids))
            .select_related("rule", "owner")
            .order_by("pk")
        ]
        events.events_record(specs)
    except Exception:
        logger.exception("Webhook events for alerts %s not recorded", alert_ids)


@receiver(statement_ready)
def statement_ready_record(sender, statement_id, **kwargs):
    """Announce an approved statement, which its entity's stores may now see."""
    from finance.models_statements import PayoutStatement

    try:
        if not events.subscriptions_for({events.STATEMENT_READY}):
            return
        specs = [
            events.EventSpec(
                event_type=events.STATEMENT_READY,
                subject=f"statement:{statement.pk}",
                data={
                    "statement_id": statement.pk,
                    "legal_entity": statement.legal_entity.cnpj,
                    "period_start": statement.period.starts_on.isoformat(),
                    "period_end": statement.period.ends_on.isoformat(),
                    "closing_balance": _money(statement.closing_balance),
                    "amount_to_pay": _money(statement.amount_to_pay),
                },
                legal_entity_ids=[statement.legal_entity_id],
            )
            for statement in PayoutStatement.objects.filter(pk=statement_id)
            .select_related("legal_entity", "period")
            .order_by("pk")
        ]
        events.events_record(specs)
    except Exception:
        logger.exception("Webhook event for statement %s not recorded", statement_id)
