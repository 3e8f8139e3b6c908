"""Production settings, checked in a fresh interpreter as a deployment would load them."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
STRONG_KEY = "k7Qf2vX9pL4sT8wZ1mN6bR3yH5jC0dE2gA7uK9oP4iU6tY8rW1qS3xV5zB7nM9lJ0"


def manage(*args, **env):
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "CELERY_", "VTEX_"))
    }
    environment.update(DJANGO_SETTINGS_MODULE="config.settings.production", **env)
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_secret_key():
    result = manage("check")

    assert result.returncode != 0
    assert (
        "DJANGO_SECRET_KEY is not set; set it to a long random value before "
        "starting production."
    ) in result.stderr


PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": STRONG_KEY,
    "DJANGO_ALLOWED_HOSTS": "ponte.example.com",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/ponte",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "VTEX_HOOK_TOKEN": "hook-token-for-the-check",
}


def test_production_check_deploy_is_clean():
    result = manage("check", "--deploy", "--fail-level=WARNING", **PRODUCTION_ENV)

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    "missing",
    ["DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_ALLOWED_HOSTS", "VTEX_HOOK_TOKEN"],
)
def test_production_refuses_to_start_without_service_settings(missing):
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != missing}

    result = manage("check", **env)

    assert result.returncode != 0
    assert f"{missing} is not set; production needs it" in result.stderr
