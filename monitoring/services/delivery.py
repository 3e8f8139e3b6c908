"""Send one delivery row: an e-mail through Django's mail backend, or a signed
JSON POST to a webhook. Mark rows whose worker died as failed, and resend a
failed row by hand as a new row."""

import json
import logging
import time
from datetime import timedelta

import requests
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from monitoring.models import NotificationDelivery, NotificationPreference
from monitoring.services.notifications import BACKOFF_BASE, MAX_ATTEMPTS
from monitoring.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, webhook_signature

logger = logging.getLogger(__name__)

Status = NotificationDelivery.Status
WEBHOOK_TIMEOUT_SECONDS = 10
# A row in `sending` for longer than this lost its worker: Celery kills a task
# after CELERY_TASK_TIME_LIMIT seconds, and the margin covers clock skew
# between workers and the database.
SENDING_LIMIT = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT) + timedelta(
    minutes=5
)


class DeliveryFailed(Exception):
    """Sending failed; the row is back to pending for a later attempt."""

    def __init__(self, message: str, retry_in: timedelta):
        super().__init__(message)
        self.retry_in = retry_in


class DeliveryResendError(Exception):
    """Raised when a delivery cannot be resent; the message gives the reason."""


def delivery_send(*, delivery_id: int) -> str:
    """Send a pending, due delivery once. Returns `sent`, `skipped` (another
    worker has it, or it is not due) or `failed` (no attempts left); raises
    DeliveryFailed when it will be tried again."""
    now = timezone.now()
    claimed = NotificationDelivery.objects.filter(
        pk=delivery_id, status=Status.PENDING, next_attempt_at__lte=now
    ).update(status=Status.SENDING, attempts=F("attempts") + 1, updated_at=now)
    if not claimed:
        return "skipped"

    delivery = NotificationDelivery.objects.select_related(
        "notification__location", "preference"
    ).get(pk=delivery_id)
    try:
        if delivery.channel == NotificationPreference.Channel.EMAIL:
            _send_email(delivery)
        else:
            _send_webhook(delivery)
    except (OSError, requests.RequestException) as error:
        return _failed(delivery, f"{type(error).__name__}: {error}")

    recorded = NotificationDelivery.objects.filter(
        pk=delivery.pk, status=Status.SENDING
    ).update(status=Status.SENT, sent_at=timezone.now(), last_error="", updated_at=now)
    if not recorded:
        logger.warning(
            "Notification %s was sent by %s, but delivery %s had already been "
            "marked failed as stuck in sending",
            delivery.notification_id,
            delivery.channel,
            delivery.pk,
        )
        return "sent"
    logger.info(
        "Notification %s sent by %s (delivery %s)",
        delivery.notification_id,
        delivery.channel,
        delivery.pk,
    )
    return "sent"


def _failed(delivery: NotificationDelivery, problem: str) -> str:
    now = timezone.now()
    if delivery.attempts >= MAX_ATTEMPTS:
        NotificationDelivery.objects.filter(
            pk=delivery.pk, status=Status.SENDING
        ).update(status=Status.FAILED, last_error=problem[:2000], updated_at=now)
        logger.error(
            "Delivery %s failed for good after %d attempts: %s",
            delivery.pk,
            delivery.attempts,
            problem,
        )
        return "failed"
    retry_in = BACKOFF_BASE * 2 ** (delivery.attempts - 1)
    NotificationDelivery.objects.filter(pk=delivery.pk, status=Status.SENDING).update(
        status=Status.PENDING,
        next_attempt_at=now + retry_in,
        last_error=problem[:2000],
        updated_at=now,
    )
    logger.warning(
        "Delivery %s failed (attempt %d of %d), retrying in %s: %s",
        delivery.pk,
        delivery.attempts,
        MAX_ATTEMPTS,
        retry_in,
        problem,
    )
    raise DeliveryFailed(problem, retry_in)


def deliveries_stale_fail(*, now=None) -> int:
    """Mark failed the deliveries in `sending` for longer than SENDING_LIMIT;
    return how many.

    Their worker died after claiming them, maybe after the message left, so
    they are never sent again by themselves: HQ reads the problem in the
    delivery log and may resend by hand.
    """
    now = now or timezone.now()
    stale = NotificationDelivery.objects.filter(
        status=Status.SENDING, updated_at__lt=now - SENDING_LIMIT
    )
    ids = list(stale.values_list("pk", flat=True))
    if not ids:
        return 0
    problem = _(
        "The worker stopped while sending; it may have been delivered. Ask the "
        "recipient before resending."
    )
    failed = NotificationDelivery.objects.filter(
        pk__in=ids, status=Status.SENDING
    ).update(status=Status.FAILED, last_error=problem, updated_at=now)
    logger.error(
        "Marked %d deliveries failed after more than %s in sending: %s",
        failed,
        SENDING_LIMIT,
        ids,
    )
    return failed


def delivery_resend(*, delivery_id: int, user) -> NotificationDelivery:
    """Create a pending copy of a failed delivery and queue it; raise
    DeliveryResendError for a row that is not failed or was resent already.

    The failed row stays as it is in the log, and the copy points at it
    through `resend_of`. Quiet hours do not delay a resend by hand.
    """
    from monitoring.tasks import delivery_deliver_task

    original = NotificationDelivery.objects.get(pk=delivery_id)
    if original.status != Status.FAILED:
        raise DeliveryResendError(
            _(
                "Only failed deliveries can be resent; delivery %(id)s has status "
                '"%(status)s".'
            )
            % {"id": original.pk, "status": original.get_status_display()}
        )
    now = timezone.now()
    try:
        with transaction.atomic():
            copy = NotificationDelivery.objects.create(
                notification_id=original.notification_id,
                preference_id=original.preference_id,
                channel=original.channel,
                recipient=original.recipient,
                next_attempt_at=now,
                resend_of=original,
                resent_by=user,
            )
    except IntegrityError:
        raise DeliveryResendError(
            _("Delivery %(id)s was resent already; resend the newer delivery.")
            % {"id": original.pk}
        ) from None
    logger.info(
        "Delivery %s of notification %s resent as delivery %s by user %s",
        original.pk,
        original.notification_id,
        copy.pk,
        getattr(user, "pk", None),
    )
    transaction.on_commit(lambda: delivery_deliver_task.delay(copy.pk))
    return copy


def _context(delivery: NotificationDelivery) -> dict:
    notification = delivery.notification
    return {
        "notification": notification,
        "location": notification.location,
        "site_url": getattr(settings, "PONTE_SITE_URL", ""),
    }


def _send_email(delivery: NotificationDelivery) -> None:
    notification = delivery.notification
    context = _context(delivery)
    message = EmailMultiAlternatives(
        subject=f"[Ponte] {notification.subject}",
        body=render_to_string("monitoring/email/notification.txt", context),
        to=[delivery.recipient],
    )
    message.attach_alternative(
        render_to_string("monitoring/email/notification.html", context), "text/html"
    )
    message.send()


def webhook_body(delivery: NotificationDelivery) -> bytes:
    notification = delivery.notification
    location = notification.location
    payload = {
        # Stable per notification, so a receiver can drop a repeat.
        "id": notification.key,
        "kind": notification.kind,
        "severity": notification.severity,
        "subject": notification.subject,
        "text": notification.body,
        "location": location.code if location else None,
        "created_at": notification.created_at.isoformat(),
        "data": notification.payload,
    }
    return json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()


def _send_webhook(delivery: NotificationDelivery) -> None:
    body = webhook_body(delivery)
    timestamp = int(time.time())
    secret = delivery.preference.webhook_secret if delivery.preference else ""
    headers = {"Content-Type": "application/json", TIMESTAMP_HEADER: str(timestamp)}
    if secret:
        headers[SIGNATURE_HEADER] = webhook_signature(
            secret=secret, timestamp=timestamp, body=body
        )
    response = requests.post(
        delivery.recipient, data=body, headers=headers, timeout=WEBHOOK_TIMEOUT_SECONDS
    )
    if response.status_code >= 300:
        raise requests.HTTPError(
            f"HTTP {response.status_code} from the webhook", response=response
        )
