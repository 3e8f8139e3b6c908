"""Idempotent writes. A client that sends `Idempotency-Key` with a write gets,
for every retry with the same token, key, method, path and body, the first
response again, and the retry changes nothing. The same key with another
request is rejected with 422.

The write and its record commit in one transaction, so two concurrent
requests with one key cannot both take effect: the second to commit fails on
the unique constraint, rolls back, and gets 409 to retry.

Records are kept for RETENTION and then purged by
`idempotency_records_purge`, so a retry that comes later runs as a new
request.
"""

import hashlib
import logging
import time
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from rest_framework import exceptions, status
from rest_framework.response import Response

from api.errors import UNPROCESSABLE, error_response
from api.models import IdempotencyRecord

logger = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
REPLAYED_HEADER = "Idempotent-Replayed"
# How long a stored first response is replayed. 24 hours is also the default
# key expiry of Checkout.com's payments API
# (checkout.com/docs/payments/manage-payments/idempotency).
RETENTION = timedelta(hours=24)
# Each batch is one DELETE of up to this many rows by primary key, which keeps
# every statement's row locks short while clients keep writing.
PURGE_BATCH_SIZE = 1000


class _RecordConflict(Exception):
    pass


def idempotent_call(view, request, perform) -> Response:
    """Run `perform()` (which returns a Response) once per idempotency key."""
    key = request.headers.get(HEADER)
    if key is None:
        return _run(view, perform)
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        return error_response(
            "invalid_idempotency_key",
            _("Invalid Idempotency-Key: send 1 to %(max)d characters.")
            % {"max": MAX_KEY_LENGTH},
            status.HTTP_400_BAD_REQUEST,
        )
    body_sha256 = hashlib.sha256(request._request.body).hexdigest()
    token = request.auth
    found = IdempotencyRecord.objects.filter(token=token, key=key).first()
    if found is not None:
        return _replay(found, request, body_sha256)
    try:
        with transaction.atomic():
            response = _run(view, perform)
            if response.status_code >= 500:
                return response
            try:
                with transaction.atomic():
                    IdempotencyRecord.objects.create(
                        token=token,
                        key=key,
                        method=request.method,
                        path=request.path,
                        body_sha256=body_sha256,
                        status_code=response.status_code,
                        response_body=response.data,
                    )
            except IntegrityError:
                raise _RecordConflict from None
    except _RecordConflict:
        return error_response(
            "idempotency_key_in_use",
            _("Another request with this Idempotency-Key is in progress; retry."),
            status.HTTP_409_CONFLICT,
        )
    return response


def _run(view, perform) -> Response:
    try:
        return perform()
    except (exceptions.APIException, Http404) as exc:
        return view.handle_exception(exc)


def _replay(found: IdempotencyRecord, request, body_sha256: str) -> Response:
    differences = _request_differences(found, request, body_sha256)
    if differences:
        return error_response(
            "idempotency_key_reused",
            _(
                "Idempotency-Key %(key)s was first used for another request, "
                "which differs in %(differences)s. Use a new key."
            )
            % {"key": found.key, "differences": ", ".join(differences)},
            UNPROCESSABLE,
        )
    response = Response(found.response_body, status=found.status_code)
    response[REPLAYED_HEADER] = "true"
    return response


def _request_differences(
    found: IdempotencyRecord, request, body_sha256: str
) -> list[str]:
    """Name each of method, path and body in which `request` differs from the
    stored first request. Only the body's SHA-256 is stored, so a differing
    body is named without its content."""
    differences = []
    if found.method != request.method:
        differences.append(
            _("method (first %(first)s, now %(now)s)")
            % {"first": found.method, "now": request.method}
        )
    if found.path != request.path:
        differences.append(
            _("path (first %(first)s, now %(now)s)")
            % {"first": found.path, "now": request.path}
        )
    if found.body_sha256 != body_sha256:
        differences.append(pgettext("request part", "body"))
    return differences


def idempotency_records_purge(
    *, now: datetime | None = None, batch_size: int = PURGE_BATCH_SIZE
) -> int:
    """Delete the records created more than RETENTION before `now`, in
    batches of `batch_size`, and return how many were deleted.

    Called outside a transaction, as the beat task does, each batch commits
    on its own, so a purge that stops halfway keeps what it deleted and the
    next run goes on from there.
    """
    cutoff = (now or timezone.now()) - RETENTION
    started = time.monotonic()
    deleted = 0
    while True:
        batch = list(
            IdempotencyRecord.objects.filter(created_at__lt=cutoff)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not batch:
            break
        count, _per_model = IdempotencyRecord.objects.filter(pk__in=batch).delete()
        deleted += count
    logger.info(
        "Purged %s idempotency records created before %s in %.0f ms",
        deleted,
        cutoff.isoformat(),
        (time.monotonic() - started) * 1000,
    )
    return deleted
