"""Login with throttling: repeated failures for one username, or from one
address, lock further attempts for a while. Counters live in Django's cache,
so production needs a shared cache (CACHE_URL) for every web process to agree."""

import logging

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)


def _keys(request, username: str) -> list[str]:
    address = request.META.get("REMOTE_ADDR", "unknown") if request else "unknown"
    return [f"login-failures:user:{username.lower()}", f"login-failures:ip:{address}"]


class ThrottledAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "throttled": _(
            "Too many failed login attempts. Try again in %(minutes)d minutes."
        ),
    }

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        user_key, address_key = _keys(self.request, username)
        limits = (
            (user_key, settings.LOGIN_MAX_FAILURES_PER_USER),
            (address_key, settings.LOGIN_MAX_FAILURES_PER_ADDRESS),
        )
        if any(cache.get(key, 0) >= limit for key, limit in limits):
            logger.warning("Login throttled for a username or address")
            raise ValidationError(
                self.error_messages["throttled"],
                code="throttled",
                params={"minutes": settings.LOGIN_LOCKOUT_SECONDS // 60},
            )
        try:
            return super().clean()
        except ValidationError:
            for key, _limit in limits:
                cache.add(key, 0, settings.LOGIN_LOCKOUT_SECONDS)
                cache.incr(key)
            raise


class ThrottledLoginView(auth_views.LoginView):
    authentication_form = ThrottledAuthenticationForm
