"""Settings for a developer's machine and the demo: debug on, a fixed key."""

from config.settings.base import *  # noqa: F403
from config.settings.env import env_bool, env_str

DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = env_str("DJANGO_SECRET_KEY", "local-only-insecure-key-do-not-deploy")
VTEX_HOOK_TOKEN = env_str("VTEX_HOOK_TOKEN", "local-hook-token")
