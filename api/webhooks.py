"""Sending webhook deliveries from the outbox.

A worker claims a delivery by pushing its `next_attempt_at` forward by the
lease (a compare-and-swap), so two workers never send one attempt twice.
A failed attempt waits 30 s, 1 min, 2 min … (doubling, at most one hour)
before the next. After MAX_ATTEMPTS, about five hours after the first, the
delivery is marked failed.
"""

import json
import logging
import time
from datetime import timedelta

import requests
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from api.models import WebhookAttempt, WebhookDelivery
from monitoring.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, webhook_signature

logger = logging.getLogger(__name__)

EVENT_ID_HEADER = "X-Ponte-Event-Id"
EVENT_TYPE_HEADER = "X-Ponte-Event"
MAX_ATTEMPTS = 12
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=1)
# How long a claimed delivery stays out of other workers' reach.
LEASE = timedelta(minutes=2)
TIMEOUT_SECONDS = 10

Status = WebhookDelivery.Status


def backoff(attempts: int) -> timedelta:
    """Return the wait after the `attempts`-th failed attempt."""
    return min(BACKOFF_BASE * 2 ** (attempts - 1), BACKOFF_MAX)


def webhook_body(delivery: WebhookDelivery) -> bytes:
    event = delivery.event
    document = {
        "id": str(event.event_id),
        "type": event.event_type,
        "occurred_at": event.occurred_at.isoformat(),
        "data": event.data,
    }
    return json.dumps(document, cls=DjangoJSONEncoder, sort_keys=True).encode()


def _claim(delivery_id: int, now) -> bool:
    return bool(
        WebhookDelivery.objects.filter(
            pk=delivery_id, status=Status.PENDING, next_attempt_at__lte=now
        ).update(next_attempt_at=now + LEASE)
    )


def delivery_send(*, delivery_id: int) -> str:
    """Make one attempt at a due delivery; return its status afterwards, or
    "skipped" when it is not due or another worker has claimed it."""
    now = timezone.now()
    if not _claim(delivery_id, now):
        return "skipped"
    delivery = WebhookDelivery.objects.select_related("event", "subscription").get(
        pk=delivery_id
    )
    body = webhook_body(delivery)
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Ponte-Webhooks/1",
        EVENT_ID_HEADER: str(delivery.event.event_id),
        EVENT_TYPE_HEADER: delivery.event.event_type,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: webhook_signature(
            secret=delivery.subscription.secret, timestamp=timestamp, body=body
        ),
    }
    started = time.monotonic()
    status_code, error = None, ""
    try:
        response = requests.post(
            delivery.subscription.url,
            data=body,
            headers=headers,
            timeout=TIMEOUT_SECONDS,
            allow_redirects=False,
        )
        status_code = response.status_code
        if not 200 <= status_code < 300:
            error = f"HTTP {status_code}: {response.text[:200]}"
    except requests.RequestException as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    duration_ms = int((time.monotonic() - started) * 1000)
    return _record(delivery, status_code=status_code, error=error, ms=duration_ms)


def _record(delivery: WebhookDelivery, *, status_code, error: str, ms: int) -> str:
    now = timezone.now()
    WebhookAttempt.objects.create(
        delivery=delivery,
        at=now,
        status_code=status_code,
        error=error,
        duration_ms=ms,
    )
    attempts = delivery.attempts + 1
    fields = {"attempts": attempts, "last_status_code": status_code}
    if not error:
        fields.update(status=Status.DELIVERED, delivered_at=now, last_error="")
    elif attempts >= MAX_ATTEMPTS:
        fields.update(status=Status.FAILED, last_error=error)
    else:
        fields.update(next_attempt_at=now + backoff(attempts), last_error=error)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(**fields)
    if error:
        log = logger.error if fields.get("status") == Status.FAILED else logger.warning
        log(
            "Webhook delivery %s of event %s to subscription %s, attempt %d: %s",
            delivery.pk,
            delivery.event.event_id,
            delivery.subscription_id,
            attempts,
            error,
        )
        # NOTE: monitoring offers no service that opens an alert for an
        # arbitrary subject, so a failed delivery is logged at ERROR and
        # listed under failed deliveries in the admin, without an alert.
    return fields.get("status", Status.PENDING)


def deliveries_due(*, limit: int = 200) -> list[int]:
    return list(
        WebhookDelivery.objects.filter(
            status=Status.PENDING, next_attempt_at__lte=timezone.now()
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def deliveries_resend(*, delivery_ids: list[int]) -> int:
    """Queue deliveries again from scratch, whatever their status; the
    receiver gets the same event id, so it can drop a duplicate."""
    from api.tasks import webhook_deliver_task

    now = timezone.now()
    count = WebhookDelivery.objects.filter(pk__in=delivery_ids).update(
        status=Status.PENDING, attempts=0, next_attempt_at=now, last_error=""
    )
    for pk in delivery_ids:
        webhook_deliver_task.delay(pk)
    return count
