"""Idempotent writes. A client that sends `Idempotency-Key` with a write gets,
for every retry with the same token, key, method, path and body, the first
response again, and the retry changes nothing. The same key with another
request is rejected with 422.

The write and its record commit in one transaction, so two concurrent
requests with one key cannot both take effect: the second to commit fails on
the unique constraint, rolls back, and gets 409 to retry.
"""

import hashlib

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response

from api.errors import UNPROCESSABLE, error_response
from api.models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
REPLAYED_HEADER = "Idempotent-Replayed"


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
    if (
        found.method != request.method
        or found.path != request.path
        or found.body_sha256 != body_sha256
    ):
        return error_response(
            "idempotency_key_reused",
            _(
                "Idempotency-Key %(key)s was used for another request "
                "(%(method)s %(path)s with another body); use a new key."
            )
            % {"key": found.key, "method": found.method, "path": found.path},
            UNPROCESSABLE,
        )
    response = Response(found.response_body, status=found.status_code)
    response[REPLAYED_HEADER] = "true"
    return response
