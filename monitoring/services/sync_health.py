"""Look at the VTEX integration: read the hook and feed configuration and the
feed backlog, and keep what was seen as a `SyncCheck` row."""

import hmac
import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from monitoring.models import SyncCheck
from monitoring.services.vtex_calls import vtex_call_counts_prune
from orders.hook_views import TOKEN_HEADER as HOOK_TOKEN_HEADER
from orders.vtex.client import (
    VtexClient,
    VtexConfigurationError,
    VtexError,
    VtexNotFound,
)

logger = logging.getLogger(__name__)

# Sync checks older than this are deleted; one a minute is 10,080 a week.
KEEP_CHECKS = timedelta(days=7)
# A check makes two calls; retrying a throttled probe only adds load.
CHECK_ATTEMPTS = 2


def sync_check(*, client: VtexClient | None = None, now: datetime | None = None):
    """Read both configurations from VTEX and store the result; None when VTEX
    is not configured."""
    now = now or timezone.now()
    try:
        client = client or VtexClient.from_settings()
    except VtexConfigurationError as error:
        logger.info("Sync check skipped: %s", error)
        return None
    client.max_attempts = min(client.max_attempts, CHECK_ATTEMPTS)
    # The check's own responses. `vtex_calls_summary` counts every VTEX call
    # Ponte makes, these included.
    statuses: list[int] = []
    client.session.hooks["response"].append(
        lambda response, *args, **kwargs: statuses.append(response.status_code)
    )

    check = SyncCheck(checked_at=now)
    _read_hook(client, check)
    _read_feed(client, check)
    check.responses = len(statuses)
    check.throttled = statuses.count(429)
    check.save()
    SyncCheck.objects.filter(checked_at__lt=now - KEEP_CHECKS).delete()
    vtex_call_counts_prune(now=now)
    return check


def _read_hook(client: VtexClient, check: SyncCheck) -> None:
    try:
        config = client.hook_config()
    except VtexNotFound:
        check.hook_error = _("No hook is configured at VTEX.")
        return
    except VtexError as error:
        logger.warning("Sync check could not read the hook configuration: %s", error)
        check.hook_error = (
            _("Could not read the hook configuration: %(error)s") % {"error": error}
        )[:300]
        return
    if not isinstance(config, dict):
        check.hook_error = _(
            "VTEX returned a hook configuration that is not an object."
        )
        return
    hook = config.get("hook") or {}
    headers = hook.get("headers") or {}
    expected_token = settings.VTEX_HOOK_TOKEN
    if expected_token:
        sent = str(headers.get(HOOK_TOKEN_HEADER, ""))
        check.hook_token_matches = hmac.compare_digest(sent, expected_token)
    # Header values may be secrets; only their names are kept.
    check.hook_config = {
        "filter": config.get("filter"),
        "hook": {"url": hook.get("url", ""), "headers": sorted(headers)},
    }


def _read_feed(client: VtexClient, check: SyncCheck) -> None:
    try:
        config = client.feed_config()
    except VtexNotFound:
        check.feed_error = _("No feed is configured at VTEX.")
        return
    except VtexError as error:
        logger.warning("Sync check could not read the feed configuration: %s", error)
        check.feed_error = (
            _("Could not read the feed configuration: %(error)s") % {"error": error}
        )[:300]
        return
    if not isinstance(config, dict):
        check.feed_error = _(
            "VTEX returned a feed configuration that is not an object."
        )
        return
    check.feed_config = config
    backlog = config.get("quantity")
    oldest = config.get("approximateAgeOfOldestMessageInSeconds")
    check.feed_backlog = backlog if isinstance(backlog, int) and backlog >= 0 else None
    if isinstance(oldest, int | float) and oldest >= 0:
        check.feed_oldest_seconds = int(oldest)
