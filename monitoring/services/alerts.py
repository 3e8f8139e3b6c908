"""What people do to alerts: acknowledge and resolve. Each is a
compare-and-swap on the status, recorded in the alert's history."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from monitoring.models import Alert, AlertEvent


class AlertTransitionError(Exception):
    pass


def alert_acknowledge(*, alert: Alert, user) -> Alert:
    now = timezone.now()
    with transaction.atomic():
        moved = Alert.objects.filter(pk=alert.pk, status=Alert.Status.OPEN).update(
            status=Alert.Status.ACKNOWLEDGED,
            acknowledged_at=now,
            acknowledged_by=user,
            updated_at=now,
        )
        if not moved:
            raise AlertTransitionError(
                _("Alert %(id)s is no longer open; reload the page.") % {"id": alert.pk}
            )
        AlertEvent.objects.create(
            alert_id=alert.pk, kind=AlertEvent.Kind.ACKNOWLEDGED, at=now, user=user
        )
    alert.refresh_from_db()
    return alert


def alert_resolve(*, alert: Alert, user) -> Alert:
    """Resolve by hand. The rule opens no new alert for the subject until an
    evaluation finds the condition cleared; an occurrence after that opens a
    new alert."""
    from monitoring.services.evaluation import alerts_resolve

    with transaction.atomic():
        if not alerts_resolve(alert_ids=[alert.pk], now=timezone.now(), user=user):
            raise AlertTransitionError(
                _("Alert %(id)s is already resolved.") % {"id": alert.pk}
            )
    alert.refresh_from_db()
    return alert
