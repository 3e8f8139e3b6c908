"""Monitoring reacts to assignments moving and orders being stored: it
notifies the store of its events and re-evaluates the rules concerned. It
also counts every VTEX call."""

import logging

from django.core.cache import cache
from django.db import transaction
from django.dispatch import receiver
from django.utils.translation import gettext as _

from finance.signals import statement_ready
from monitoring.models import Notification
from monitoring.rules import ASSIGNMENT_KINDS, ORDER_KINDS
from orders.signals import orders_stored
from orders.vtex.client import vtex_call_completed
from routing.signals import assignment_moved, assignments_moved

logger = logging.getLogger(__name__)

# Event-driven evaluations of one group of rules are queued at most once per
# this many seconds; the minute schedule covers anything in between.
EVALUATION_DEBOUNCE_SECONDS = 10


def _queue_evaluation(group: str, kinds) -> None:
    from monitoring.tasks import rules_evaluate_task

    if cache.add(f"monitoring:evaluate:{group}", 1, EVALUATION_DEBOUNCE_SECONDS):
        transaction.on_commit(lambda: rules_evaluate_task.delay(list(kinds)))


@receiver(assignment_moved)
def assignment_moved_notify(sender, assignment_id, from_state, to_state, **kwargs):
    _moves_notify([(assignment_id, from_state, to_state)])


@receiver(assignments_moved)
def assignments_moved_notify(sender, moves, **kwargs):
    _moves_notify(moves)


def _moves_notify(moves) -> None:
    """Notify stores of new offers and canceled parts with one read and one
    batch of notifications, and re-evaluate the assignment rules."""
    from monitoring.services.notifications import (
        NotificationSpec,
        notifications_create,
    )
    from routing.models import Assignment

    notified = {
        assignment_id: to_state
        for assignment_id, _from_state, to_state in moves
        if to_state in (Assignment.State.OFFERED, Assignment.State.CANCELED)
    }
    rows = (
        Assignment.objects.filter(pk__in=list(notified)).values(
            "pk", "location_id", "order__vtex_order_id"
        )
        if notified
        else []
    )
    specs = []
    for row in rows:
        assignment_id, order = row["pk"], row["order__vtex_order_id"]
        if notified[assignment_id] == Assignment.State.OFFERED:
            kind = Notification.Kind.NEW_OFFER
            subject = _("New order %(order)s offered") % {"order": order}
            body = _("Order %(order)s was offered to your store.") % {"order": order}
        else:
            kind = Notification.Kind.ORDER_CANCELED
            subject = _("Order %(order)s canceled") % {"order": order}
            body = _("Order %(order)s was canceled; do not ship it.") % {"order": order}
        specs.append(
            NotificationSpec(
                key=f"{kind}:{assignment_id}",
                kind=kind,
                location_id=row["location_id"],
                subject=subject,
                body=body,
                payload={"assignment": assignment_id, "order": order},
            )
        )
    if specs:
        with transaction.atomic():
            notifications_create(specs)
    _queue_evaluation("assignments", ASSIGNMENT_KINDS)


@receiver(orders_stored)
def orders_stored_evaluate(sender, order_ids, source, **kwargs):
    _queue_evaluation("orders", ORDER_KINDS)


@receiver(statement_ready)
def statement_ready_notify_locations(sender, statement_id, **kwargs):
    """Notify every location of the statement's legal entity."""
    from finance.models_statements import PayoutStatement
    from franchises.models import Location
    from monitoring.services.notifications import statement_ready_notify

    statement = (
        PayoutStatement.objects.select_related("period").filter(pk=statement_id).first()
    )
    if statement is None:
        return
    starts_on = statement.period.starts_on.strftime("%d/%m/%Y")
    ends_on = statement.period.ends_on.strftime("%d/%m/%Y")
    period = f"{starts_on} – {ends_on}"
    locations = Location.objects.filter(
        legal_entity_id=statement.legal_entity_id
    ).values_list("pk", flat=True)
    with transaction.atomic():
        for location_id in locations:
            statement_ready_notify(
                location_id=location_id, statement_id=statement_id, period=period
            )


@receiver(vtex_call_completed)
def vtex_call_count(sender, status, **kwargs):
    from monitoring.services.vtex_calls import vtex_call_record

    vtex_call_record(status=status)
