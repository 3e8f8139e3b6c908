"""VTEX order hook notifications: validate, de-duplicate, queue a refresh."""

import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from orders.models import HookNotification

logger = logging.getLogger(__name__)

REQUIRED_FIELDS = ("OrderId",)


class HookPayloadError(ValueError):
    pass


@dataclass
class HookResult:
    queued: bool
    detail: str


def hook_notification_receive(*, payload: object) -> HookResult:
    """Record a notification and queue its order's refresh after commit.

    A notification already received (same order, state and change) queues
    nothing, because VTEX delivers hooks at least once.
    """
    if not isinstance(payload, dict):
        raise HookPayloadError("The body must be a JSON object.")
    missing = [name for name in REQUIRED_FIELDS if not payload.get(name)]
    if missing:
        raise HookPayloadError(f"Missing field(s): {', '.join(missing)}.")
    for name in (
        "OrderId",
        "State",
        "CurrentChange",
        "LastChange",
        "LastState",
        "Domain",
    ):
        if payload.get(name) is not None and not isinstance(payload[name], str):
            raise HookPayloadError(f"Field {name} must be a string.")

    # State is null for orders VTEX has not completed, and such a call still
    # deserves a refresh; a missing CurrentChange falls back to LastChange.
    order_id = payload["OrderId"]
    state = payload.get("State") or ""
    change = payload.get("CurrentChange") or payload.get("LastChange") or ""
    try:
        with transaction.atomic():
            HookNotification.objects.create(
                vtex_order_id=order_id[:64],
                state=state[:40],
                last_state=(payload.get("LastState") or "")[:40],
                current_change=change[:64],
                domain=(payload.get("Domain") or "")[:20],
                payload=payload,
            )
            transaction.on_commit(lambda: _refresh_enqueue(order_id))
    except IntegrityError:
        logger.info(
            "Repeated hook notification for order %s state %s ignored",
            order_id,
            state,
        )
        return HookResult(queued=False, detail="duplicate")
    return HookResult(queued=True, detail="queued")


def _refresh_enqueue(order_id: str) -> None:
    from orders.tasks import order_refresh_task

    order_refresh_task.delay(order_id, "hook")
