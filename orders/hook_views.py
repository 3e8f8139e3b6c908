"""The endpoint VTEX's order hook calls (`POST /vtex/hook/`).

It answers fast and never does the work inline: VTEX expects a reply within
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


@csrf_exempt
@require_POST
def vtex_hook(request: HttpRequest) -> JsonResponse:
    if len(request.body) > MAX_BODY_BYTES:
        return JsonResponse({"error": "Body too large."}, status=413)
    try:
        payload = json.loads(request.body or b"null")
    except ValueError:
        return JsonResponse({"error": "The body is not valid JSON."}, status=400)

    # VTEX checks a new hook by posting {"hookConfig": "ping"} and expects 200.
    if isinstance(payload, dict) and payload.get("hookConfig") == "ping":
        return JsonResponse({"status": "pong"})

    if not _token_is_valid(request):
        logger.warning("Hook call rejected: missing or wrong %s header", TOKEN_HEADER)
        return JsonResponse({"error": f"Invalid {TOKEN_HEADER} header."}, status=401)

    try:
        result = hook_notification_receive(payload=payload)
    except HookPayloadError as error:
        logger.warning("Hook notification rejected: %s", error)
        return JsonResponse({"error": str(error)}, status=400)
    return JsonResponse({"status": result.detail})


def _token_is_valid(request: HttpRequest) -> bool:
    expected = settings.VTEX_HOOK_TOKEN
    received = request.headers.get(TOKEN_HEADER, "")
    if not expected:
        logger.error("VTEX_HOOK_TOKEN is not set; every hook call is rejected")
        return False
    return hmac.compare_digest(received.encode(), expected.encode())
