"""Production settings: PostgreSQL, a real broker, HTTPS only."""

import os

from django.core.exceptions import ImproperlyConfigured

from config.settings.base import *  # noqa: F403
from config.settings.base import SECRET_KEY
from config.settings.env import env_bool, env_int

if not SECRET_KEY:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is not set; set it to a long random value before "
        "starting production."
    )
for _name, _example in (
    ("DATABASE_URL", "postgres://user:password@host:5432/ponte"),
    ("CELERY_BROKER_URL", "redis://host:6379/0"),
    ("DJANGO_ALLOWED_HOSTS", "ponte.example.com"),
    ("VTEX_HOOK_TOKEN", "a long random secret"),
):
    if not os.environ.get(_name):
        raise ImproperlyConfigured(
            f"{_name} is not set; production needs it (for example {_example})."
        )

DEBUG = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
