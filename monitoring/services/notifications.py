"""Notifications: create them once per event, choose recipients from the
preferences, and deliver each on each channel at most once.

Delivery rows are written before anything is sent. A worker claims a row by
moving it from `pending` to `sending` (a compare-and-swap), so two workers, or
a task that runs twice, never send the same row twice.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from franchises.models import Membership
from monitoring.models import (
    Alert,
    Notification,
    NotificationDelivery,
    NotificationPreference,
)

logger = logging.getLogger(__name__)

Kind = Notification.Kind
Channel = NotificationPreference.Channel
DeliveryStatus = NotificationDelivery.Status

# Attempts per delivery, and the wait before attempt n+1: 1, 2, 4 … minutes.
MAX_ATTEMPTS = 5
BACKOFF_BASE = timedelta(minutes=1)


@dataclass(frozen=True)
class NotificationSpec:
    key: str
    kind: str
    subject: str
    body: str
    location_id: int | None = None
    severity: str = "info"
    alert_id: int | None = None
    payload: dict | None = None


def notifications_create(specs: list[NotificationSpec]) -> list[int]:
    """Store the notifications whose key is new and queue their delivery after
    commit; return the ids of the new ones."""
    if not specs:
        return []
    keys = [spec.key for spec in specs]
    existing = set(
        Notification.objects.filter(key__in=keys).values_list("key", flat=True)
    )
    new_specs = [spec for spec in specs if spec.key not in existing]
    if not new_specs:
        return []
    # A concurrent run may have stored some of them meanwhile; the unique key
    # drops those, and re-planning a notification is harmless.
    Notification.objects.bulk_create(
        [
            Notification(
                key=spec.key,
                kind=spec.kind,
                severity=spec.severity,
                location_id=spec.location_id,
                alert_id=spec.alert_id,
                subject=spec.subject[:200],
                body=spec.body,
                payload=spec.payload or {},
            )
            for spec in new_specs
        ],
        ignore_conflicts=True,
    )
    ids = list(
        Notification.objects.filter(
            key__in=[spec.key for spec in new_specs], planned_at__isnull=True
        ).values_list("pk", flat=True)
    )
    if ids:
        from monitoring.tasks import notifications_deliver_task

        transaction.on_commit(lambda: notifications_deliver_task.delay(ids))
    return ids


def alert_notifications_create(*, opened: list[int], escalated: list[int]) -> None:
    if not opened and not escalated:
        return
    alerts = Alert.objects.filter(pk__in=[*opened, *escalated]).select_related("rule")
    specs = []
    for alert in alerts:
        if alert.pk in escalated:
            kind, prefix = Kind.ALERT_ESCALATED, _("Escalated")
        else:
            kind, prefix = Kind.ALERT_OPENED, _("Alert")
        specs.append(
            NotificationSpec(
                key=f"{kind}:{alert.pk}",
                kind=kind,
                severity=alert.severity,
                location_id=alert.owner_id,
                alert_id=alert.pk,
                subject=f"{prefix}: {alert.rule.name}",
                body=alert.message,
                payload={
                    "alert": alert.pk,
                    "rule": alert.rule.kind,
                    "subject": alert.subject_key,
                    "details": alert.details,
                },
            )
        )
    notifications_create(specs)


def store_event_notify(
    *, kind: str, key: str, location_id: int, subject: str, body: str, payload=None
) -> list[int]:
    """Notify a location of one of its events (`Notification.STORE_EVENTS`)."""
    return notifications_create(
        [
            NotificationSpec(
                key=key,
                kind=kind,
                location_id=location_id,
                subject=subject,
                body=body,
                payload=payload,
            )
        ]
    )


def statement_ready_notify(*, location_id: int, statement_id: int, period: str):
    """Tell a location its statement for `period` is ready; for finance to call."""
    return store_event_notify(
        kind=Kind.STATEMENT_READY,
        key=f"statement_ready:{statement_id}:{location_id}",
        location_id=location_id,
        subject=_("Statement ready for %(period)s") % {"period": period},
        body=_("Your statement for %(period)s is ready.") % {"period": period},
        payload={"statement": statement_id, "period": period},
    )


def offers_expiring_notify(*, now: datetime | None = None) -> int:
    """Notify each store of offers that expire within the next ten minutes."""
    from routing.filters import EXPIRING_WINDOW
    from routing.models import Assignment

    now = now or timezone.now()
    rows = Assignment.objects.filter(
        state=Assignment.State.OFFERED,
        expires_at__gt=now,
        expires_at__lte=now + EXPIRING_WINDOW,
    ).values("pk", "location_id", "order__vtex_order_id", "expires_at")
    specs = [
        NotificationSpec(
            key=f"{Kind.OFFER_EXPIRING}:{row['pk']}",
            kind=Kind.OFFER_EXPIRING,
            location_id=row["location_id"],
            severity="warning",
            subject=_("Offer for order %(order)s about to expire")
            % {"order": row["order__vtex_order_id"]},
            body=_("Accept or reject order %(order)s before %(time)s.")
            % {
                "order": row["order__vtex_order_id"],
                "time": timezone.localtime(row["expires_at"]).strftime("%H:%M"),
            },
            payload={"assignment": row["pk"], "order": row["order__vtex_order_id"]},
        )
        for row in rows
    ]
    with transaction.atomic():
        return len(notifications_create(specs))


# Recipients


def _preferences_for(notification: Notification) -> list[NotificationPreference]:
    """Enabled preferences of the location concerned and of the users who may
    see it: its store users, and HQ users for alerts."""
    location = notification.location
    by_location = Q(location=location) if location else Q(pk__in=[])
    hq_users = Q(user__is_superuser=True) | Q(
        user__memberships__role__in=Membership.HQ_ROLES
    )
    users = Q(pk__in=[])
    if location is not None:
        users = Q(
            user__memberships__role__in=Membership.STORE_ROLES,
            user__memberships__location=location,
        ) | Q(
            user__memberships__role__in=Membership.STORE_ROLES,
            user__memberships__legal_entity_id=location.legal_entity_id,
        )
    if notification.kind not in Notification.STORE_EVENTS:
        users |= hq_users
    candidates = (
        NotificationPreference.objects.filter(is_enabled=True)
        .filter(by_location | (Q(user__isnull=False, user__is_active=True) & users))
        .select_related("user", "location")
        .distinct()
    )
    return [preference for preference in candidates if _wants(preference, notification)]


def _wants(preference: NotificationPreference, notification: Notification) -> bool:
    if notification.kind in Notification.STORE_EVENTS:
        return not preference.events or notification.kind in preference.events
    if preference.severities and notification.severity not in preference.severities:
        return False
    rule_kind = notification.payload.get("rule")
    return not preference.rule_kinds or rule_kind in preference.rule_kinds


def _recipient(preference: NotificationPreference) -> str:
    if preference.channel == Channel.WEBHOOK:
        return preference.webhook_url
    return preference.email or (preference.user.email if preference.user else "")


def quiet_hours_end(
    preference: NotificationPreference, now: datetime
) -> datetime | None:
    """Return the end of the quiet hours `now` falls in, or None outside them.

    Hours are local to the location, or to the server's time zone for a user.
    """
    start, end = preference.quiet_hours_start, preference.quiet_hours_end
    if start is None or end is None or start == end:
        return None
    zone = ZoneInfo(
        preference.location.time_zone if preference.location else settings.TIME_ZONE
    )
    local = now.astimezone(zone)
    clock = local.time()
    # A start later than the end spans midnight.
    spans_midnight = start > end
    inside = (clock >= start or clock < end) if spans_midnight else start <= clock < end
    if not inside:
        return None
    end_day = local.date() if clock < end else local.date() + timedelta(days=1)
    return datetime.combine(end_day, end, tzinfo=zone)


def notification_plan(
    *, notification_id: int, now: datetime | None = None
) -> list[int]:
    """Create the delivery rows of a notification once; return the pending ones."""
    now = now or timezone.now()
    notification = Notification.objects.select_related("location").get(
        pk=notification_id
    )
    if notification.planned_at is None:
        rows = []
        for preference in _preferences_for(notification):
            recipient = _recipient(preference)
            if not recipient:
                logger.warning(
                    "Preference %s has no address; notification %s skipped for it",
                    preference.pk,
                    notification.pk,
                )
                continue
            rows.append(
                NotificationDelivery(
                    notification=notification,
                    preference=preference,
                    channel=preference.channel,
                    recipient=recipient,
                    next_attempt_at=quiet_hours_end(preference, now) or now,
                )
            )
        with transaction.atomic():
            NotificationDelivery.objects.bulk_create(rows, ignore_conflicts=True)
            Notification.objects.filter(
                pk=notification.pk, planned_at__isnull=True
            ).update(planned_at=now)
    return list(
        notification.deliveries.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=now
        ).values_list("pk", flat=True)
    )


def deliveries_due(*, now: datetime | None = None, limit: int = 200) -> list[int]:
    now = now or timezone.now()
    return list(
        NotificationDelivery.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=now
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
