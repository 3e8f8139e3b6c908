import hashlib
import logging

from django.db.models import F

from orders.models import QuarantinedDocument

logger = logging.getLogger(__name__)

MAX_PAYLOAD_CHARACTERS = 1_000_000


def quarantine_put(*, vtex_order_id: str, text: str, reason: str, source: str) -> None:
    """Keep a document that could not be stored, with the reason, for HQ to see.

    A document that fails again only counts one more attempt.
    """
    payload = text[:MAX_PAYLOAD_CHARACTERS]
    digest = hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()
    updated = QuarantinedDocument.objects.filter(vtex_order_id=vtex_order_id).update(
        reason=reason,
        payload=payload,
        payload_sha256=digest,
        source=source,
        attempts=F("attempts") + 1,
    )
    if not updated:
        QuarantinedDocument.objects.update_or_create(
            vtex_order_id=vtex_order_id,
            defaults={
                "reason": reason,
                "payload": payload,
                "payload_sha256": digest,
                "source": source,
            },
        )
    logger.warning(
        "Quarantined VTEX order %s from %s: %s", vtex_order_id, source, reason
    )


def quarantine_clear(*, vtex_order_id: str) -> None:
    QuarantinedDocument.objects.filter(vtex_order_id=vtex_order_id).delete()
