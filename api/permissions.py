from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from api.models import ApiToken


class HasToken(permissions.BasePermission):
    """A valid API token; write methods also need a token with write access."""

    message = _("This token is read-only; issue a token with write access.")

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        return token.can_write


class IsHqToken(permissions.BasePermission):
    message = _("Only a token with HQ scope may do this.")

    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, ApiToken) and request.user.hq
