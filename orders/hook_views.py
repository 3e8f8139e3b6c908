"""The endpoint VTEX's order hook calls (`POST /vtex/hook/`).

It responds at once and never does the work inline: VTEX expects a reply within
5 seconds and disables a hook that keeps failing, so the refresh is queued and
any notification Ponte chooses to ignore still gets 200.
"""

import hmac
import json
import logging

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from orders.services.hooks import HookPayloadError, hook_notification_receive

logger = logging.getLogger(__name__)

TOKEN_HEADER = "X-Ponte-Hook-Token"  # noqa: S105 (a header name)
MAX_BODY_BYTES = 64 * 1024
# VTEX's check of a new hook, accepted before the token is checked.
PING = {"hookConfig": "ping"}
MAX_PING_BYTES = 64


@csrf_exempt
@require_POST
def vtex_hook(request: HttpRequest) -> JsonResponse:
    # The declared length is checked before the body is read, so a huge body
    # is never loaded into memory.
    if _declared_length(request) > MAX_BODY_BYTES:
        return JsonResponse({"error": "Body too large."}, status=413)
    body = request.body
    if len(body) > MAX_BODY_BYTES:
        return JsonResponse({"error": "Body too large."}, status=413)

    if not _token_is_valid(request):
        if len(body) <= MAX_PING_BYTES and _loads(body) == PING:
            return JsonResponse({"status": "pong"})
        logger.warning("Hook call rejected: missing or wrong %s header", TOKEN_HEADER)
        return JsonResponse({"error": f"Invalid {TOKEN_HEADER} header."}, status=401)

    payload = _loads(body)
    if payload is _INVALID:
        return JsonResponse({"error": "The body is not valid JSON."}, status=400)
    if payload == PING:
        return JsonResponse({"status": "pong"})

    try:
        result = hook_notification_receive(payload=payload)
    except HookPayloadError as error:
        logger.warning("Hook notification rejected: %s", error)
        return JsonResponse({"error": str(error)}, status=400)
    return JsonResponse({"status": result.detail})


_INVALID = object()


def _loads(body: bytes):
    try:
        return json.loads(body or b"null")
    except (ValueError, RecursionError):
        # RecursionError: nesting deeper than the parser's stack, e.g. [[[[…]]]].
        return _INVALID


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _token_is_valid(request: HttpRequest) -> bool:
    expected = settings.VTEX_HOOK_TOKEN
    received = request.headers.get(TOKEN_HEADER, "")
    if not expected:
        logger.error("VTEX_HOOK_TOKEN is not set; every hook call is rejected")
        return False
    return hmac.compare_digest(received.encode(), expected.encode())
