"""Webhook events: what each one carries, who may receive it, and the outbox
rows written for every subscription that covers it."""

import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from api.models import WebhookDelivery, WebhookEvent, WebhookSubscription
from franchises.access import token_scope_locations

logger = logging.getLogger(__name__)

ORDER_CREATED = "order.created"
ORDER_UPDATED = "order.updated"
ASSIGNMENT_OFFERED = "assignment.offered"
ASSIGNMENT_ACCEPTED = "assignment.accepted"
ASSIGNMENT_REJECTED = "assignment.rejected"
ASSIGNMENT_EXPIRED = "assignment.expired"
ASSIGNMENT_SHIPPED = "assignment.shipped"
ASSIGNMENT_INVOICED = "assignment.invoiced"
ALERT_OPENED = "alert.opened"
ALERT_RESOLVED = "alert.resolved"
STATEMENT_READY = "statement.ready"

EVENT_TYPES = (
    ORDER_CREATED,
    ORDER_UPDATED,
    ASSIGNMENT_OFFERED,
    ASSIGNMENT_ACCEPTED,
    ASSIGNMENT_REJECTED,
    ASSIGNMENT_EXPIRED,
    ASSIGNMENT_SHIPPED,
    ASSIGNMENT_INVOICED,
    ALERT_OPENED,
    ALERT_RESOLVED,
    STATEMENT_READY,
)
# Assignment states whose arrival is an event, keyed by state.
# NOTE: routing.services.assignments.assignment_expire sends no
# `assignment_moved`, so offers expired by the beat task send no
# assignment.expired event until it does.
ASSIGNMENT_EVENTS = {
    "offered": ASSIGNMENT_OFFERED,
    "accepted": ASSIGNMENT_ACCEPTED,
    "rejected": ASSIGNMENT_REJECTED,
    "expired": ASSIGNMENT_EXPIRED,
    "shipped": ASSIGNMENT_SHIPPED,
    "invoiced": ASSIGNMENT_INVOICED,
}


@dataclass
class EventSpec:
    event_type: str
    subject: str
    data: dict
    location_ids: list[int] = field(default_factory=list)
    legal_entity_ids: list[int] = field(default_factory=list)


def subscriptions_for(event_types: set[str]) -> list[WebhookSubscription]:
    """Return the active subscriptions to any of `event_types`."""
    subscriptions = WebhookSubscription.objects.filter(is_active=True).select_related(
        "integration"
    )
    return [s for s in subscriptions if event_types & set(s.events)]


def _covered_by(subscription: WebhookSubscription) -> tuple[bool, set, set]:
    """Return (is HQ, location ids, legal entity ids) the subscription's
    integration reaches, by the same rules as its API tokens."""
    scope = subscription.integration.access_scope()
    if scope.hq:
        return True, set(), set()
    rows = list(token_scope_locations(scope).values_list("pk", "legal_entity_id"))
    return False, {pk for pk, _ in rows}, {entity for _, entity in rows}


def _reaches(reach: tuple[bool, set, set], spec: EventSpec) -> bool:
    is_hq, location_ids, legal_entity_ids = reach
    if is_hq:
        return True
    if location_ids & set(spec.location_ids):
        return True
    return bool(legal_entity_ids & set(spec.legal_entity_ids))


def events_record(specs: list[EventSpec], *, at: datetime | None = None) -> int:
    """Store the events that some subscription covers, with one pending
    delivery per such subscription, and queue the sending after commit.
    Returns the number of deliveries written."""
    if not specs:
        return 0
    subscriptions = subscriptions_for({spec.event_type for spec in specs})
    if not subscriptions:
        return 0
    at = at or timezone.now()
    reach = {s.pk: _covered_by(s) for s in subscriptions}
    delivery_ids: list[int] = []
    with transaction.atomic():
        for spec in specs:
            targets = [
                s
                for s in subscriptions
                if spec.event_type in s.events and _reaches(reach[s.pk], spec)
            ]
            if not targets:
                continue
            event = WebhookEvent.objects.create(
                event_type=spec.event_type,
                subject=spec.subject,
                data=spec.data,
                location_ids=sorted(spec.location_ids),
                legal_entity_ids=sorted(spec.legal_entity_ids),
                occurred_at=at,
            )
            deliveries = WebhookDelivery.objects.bulk_create(
                WebhookDelivery(event=event, subscription=s, next_attempt_at=at)
                for s in targets
            )
            delivery_ids.extend(d.pk for d in deliveries)
        if delivery_ids:
            from api.tasks import webhook_deliver_task

            ids = list(delivery_ids)
            transaction.on_commit(
                lambda: [webhook_deliver_task.delay(pk) for pk in ids]
            )
    logger.info("Webhook events recorded: %d deliveries", len(delivery_ids))
    return len(delivery_ids)
