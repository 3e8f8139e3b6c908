"""Production settings, checked in a fresh interpreter as a deployment would load them."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
STRONG_KEY = "k7Qf2vX9pL4sT8wZ1mN6bR3yH5jC0dE2gA7uK9oP4iU6tY8rW1qS3xV5zB7nM9lJ0"


def manage(*args, **env):
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL"))
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
    assert "DJANGO_SECRET_KEY is not set; production refuses to start without it." in (
        result.stderr
    )


def test_production_check_deploy_is_clean():
    result = manage(
        "check",
        "--deploy",
        "--fail-level=WARNING",
        DJANGO_SECRET_KEY=STRONG_KEY,
        DJANGO_ALLOWED_HOSTS="ponte.example.com",
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
