"""Issuing and checking API tokens. A token is `pnt_` and 43 URL-safe
characters (32 random bytes); only its SHA-256 is stored, which is enough
for a value of that entropy and lets a request find its row by index."""

import hashlib
import secrets

from django.utils import timezone

from api.models import ApiToken, Integration

TOKEN_PREFIX = "pnt_"  # noqa: S105 (a public marker, not a secret)
# Writing last_used_at on every request would make each read a write; once a
# minute per token is precise enough for the admin.
LAST_USED_PRECISION_SECONDS = 60


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_issue(
    *, integration: Integration, access: str, label: str = "", user=None
) -> tuple[ApiToken, str]:
    """Create a token and return it with its plain text, which is not stored."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        integration=integration,
        label=label,
        access=access,
        prefix=plain[: len(TOKEN_PREFIX) + 6],
        token_hash=token_hash(plain),
        created_by=user if user is not None and user.is_authenticated else None,
    )
    return token, plain


def token_find(plain: str) -> ApiToken | None:
    """Return the live token with this text, or None when it is unknown or
    revoked."""
    if not plain.startswith(TOKEN_PREFIX):
        return None
    return (
        ApiToken.objects.select_related("integration")
        .filter(token_hash=token_hash(plain), revoked_at__isnull=True)
        .first()
    )


def token_touch(token: ApiToken) -> None:
    now = timezone.now()
    last = token.last_used_at
    if last is None or (now - last).total_seconds() >= LAST_USED_PRECISION_SECONDS:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def token_revoke(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
