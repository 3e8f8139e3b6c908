"""Writes to VTEX go through an outbox: queued in the transaction of the change
that causes them, sent after commit by a task, retried with backoff."""

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from orders.models import Order, VtexOutboxCall
from orders.vtex.client import VtexClient, VtexError

logger = logging.getLogger(__name__)

# Tries before a call is marked failed: with the backoff below, about a day.
MAX_ATTEMPTS = 12
# A call left in "sending" longer than this (its worker died) is tried again.
SENDING_TIMEOUT = timedelta(minutes=10)


def outbox_enqueue(
    *, kind: str, order: Order, path: str, body: dict, idempotency_key: str
) -> VtexOutboxCall:
    """Queue a call once per idempotency key; send it after the commit."""
    call, created = VtexOutboxCall.objects.get_or_create(
        idempotency_key=idempotency_key,
        defaults={
            "kind": kind,
            "order": order,
            "path": path,
            "body": body,
            "next_attempt_at": timezone.now(),
        },
    )
    if created:
        transaction.on_commit(lambda: _send_enqueue(call.pk))
    return call


def _send_enqueue(call_id: int) -> None:
    from orders.tasks import outbox_send_task

    outbox_send_task.delay(call_id)


def outbox_send(*, call_id: int, client: VtexClient | None = None) -> str:
    """Send one due call. Claimed by compare-and-swap, so two workers never
    send the same call at once; returns the call's status afterwards."""
    now = timezone.now()
    claimed = VtexOutboxCall.objects.filter(
        pk=call_id, status=VtexOutboxCall.Status.PENDING, next_attempt_at__lte=now
    ).update(
        status=VtexOutboxCall.Status.SENDING,
        attempts=F("attempts") + 1,
        updated_at=now,
    )
    if not claimed:
        return VtexOutboxCall.objects.get(pk=call_id).status
    call = VtexOutboxCall.objects.select_related("order").get(pk=call_id)
    if client is None:
        client = VtexClient.from_settings()
        # The outbox retries on its own schedule; one try per send keeps a
        # worker from sleeping through the client's backoff.
        client.max_attempts = 1
    try:
        client.request("POST", call.path, json=call.body)
    except VtexError as error:
        # VTEX refused the call itself (a 4xx other than 429): sending it
        # again cannot succeed, so it fails at once for HQ to look at.
        permanent = error.status is not None and 400 <= error.status < 500
        permanent = permanent and error.status != 429
        return _failed(call, str(error), permanent=permanent)
    VtexOutboxCall.objects.filter(pk=call.pk).update(
        status=VtexOutboxCall.Status.SENT,
        sent_at=timezone.now(),
        last_error="",
        updated_at=timezone.now(),
    )
    logger.info("Sent %s for order %s", call.kind, call.order_id)
    return VtexOutboxCall.Status.SENT


def _failed(call: VtexOutboxCall, error: str, *, permanent: bool = False) -> str:
    status = (
        VtexOutboxCall.Status.FAILED
        if permanent or call.attempts >= MAX_ATTEMPTS
        else VtexOutboxCall.Status.PENDING
    )
    delay = timedelta(seconds=min(6 * 3600, 30 * 2 ** (call.attempts - 1)))
    VtexOutboxCall.objects.filter(pk=call.pk).update(
        status=status,
        last_error=error[:2000],
        next_attempt_at=timezone.now() + delay,
        updated_at=timezone.now(),
    )
    # The outbox's own attempt count; the error may name the HTTP client's
    # retries within this one attempt.
    logger.warning(
        "VTEX %s call %s for order %s failed, outbox attempt %d of %d (%s): %s",
        call.kind,
        call.pk,
        call.order.vtex_order_id,
        call.attempts,
        MAX_ATTEMPTS,
        status,
        error,
    )
    return status


def outbox_calls_resend(*, call_ids) -> int:
    """Queue failed calls again, from their first attempt, after HQ checked
    the order at VTEX. Calls in any other status are left alone. Returns how
    many were queued."""
    now = timezone.now()
    failed = list(
        VtexOutboxCall.objects.filter(
            pk__in=list(call_ids), status=VtexOutboxCall.Status.FAILED
        ).values_list("pk", flat=True)
    )
    if not failed:
        return 0
    VtexOutboxCall.objects.filter(
        pk__in=failed, status=VtexOutboxCall.Status.FAILED
    ).update(
        status=VtexOutboxCall.Status.PENDING,
        attempts=0,
        next_attempt_at=now,
        updated_at=now,
    )
    for call_id in failed:
        transaction.on_commit(lambda call_id=call_id: _send_enqueue(call_id))
    logger.info("Queued %d failed VTEX calls again", len(failed))
    return len(failed)


def outbox_due_ids(*, limit: int = 200) -> list[int]:
    now = timezone.now()
    VtexOutboxCall.objects.filter(
        status=VtexOutboxCall.Status.SENDING, updated_at__lt=now - SENDING_TIMEOUT
    ).update(status=VtexOutboxCall.Status.PENDING, updated_at=now)
    return list(
        VtexOutboxCall.objects.filter(
            status=VtexOutboxCall.Status.PENDING, next_attempt_at__lte=now
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def order_start_handling_enqueue(*, order: Order) -> VtexOutboxCall:
    return outbox_enqueue(
        kind=VtexOutboxCall.Kind.START_HANDLING,
        order=order,
        path=f"/api/oms/pvt/orders/{order.vtex_order_id}/start-handling",
        body={},
        idempotency_key=f"start-handling:{order.vtex_order_id}",
    )


def order_invoice_enqueue(
    *,
    order: Order,
    invoice_number: str,
    invoice_key: str,
    invoice_value_cents: int,
    issued_at,
    items: list[dict],
    courier: str = "",
    tracking_number: str = "",
) -> VtexOutboxCall:
    """Queue VTEX's invoice notification; `invoiceValue` is a string of cents."""
    body = {
        "type": "Output",
        "issuanceDate": issued_at.isoformat(),
        "invoiceNumber": invoice_number,
        "invoiceValue": str(invoice_value_cents),
        "invoiceKey": invoice_key,
        "courier": courier,
        "trackingNumber": tracking_number,
        "items": items,
    }
    return outbox_enqueue(
        kind=VtexOutboxCall.Kind.INVOICE,
        order=order,
        path=f"/api/oms/pvt/orders/{order.vtex_order_id}/invoice",
        body=body,
        idempotency_key=f"invoice:{order.vtex_order_id}:{invoice_number}",
    )
