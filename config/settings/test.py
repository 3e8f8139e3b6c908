"""Settings for the test suite: tasks run inline unless a test starts a worker."""

from config.settings.base import *  # noqa: F403
from config.settings.env import env_bool, env_str

SECRET_KEY = "test-only-key"
DEBUG = False
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", True)
VTEX_HOOK_TOKEN = "test-hook-token"
VTEX_ACCOUNT = "ponteteste"
VTEX_APP_KEY = "vtexappkey-ponteteste-TEST"
VTEX_APP_TOKEN = "test-app-token"
VTEX_BASE_URL = env_str("VTEX_BASE_URL", "http://127.0.0.1:9")
# Backoff sleeps are capped low so retry tests stay quick.
VTEX_MAX_BACKOFF_SECONDS = 1
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
