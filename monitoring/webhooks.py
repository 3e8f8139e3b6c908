"""Signatures of outbound webhooks.

The receiver recomputes HMAC-SHA256 over `{timestamp}.{body}` with the shared
secret, compares it with `X-Ponte-Signature` in constant time, and rejects a
timestamp older than a few minutes, so a captured request cannot be replayed.
"""

import hashlib
import hmac

SIGNATURE_HEADER = "X-Ponte-Signature"
TIMESTAMP_HEADER = "X-Ponte-Timestamp"
# Seconds a receiver should accept between the timestamp and its own clock.
REPLAY_WINDOW_SECONDS = 300


def webhook_signature(*, secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def webhook_signature_valid(
    *, secret: str, timestamp: str, body: bytes, signature: str, now: float
) -> bool:
    """Check a received signature and its timestamp (`now` in Unix seconds)."""
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    if abs(now - sent) > REPLAY_WINDOW_SECONDS:
        return False
    expected = webhook_signature(secret=secret, timestamp=sent, body=body)
    return hmac.compare_digest(expected, signature)
