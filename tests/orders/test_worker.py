"""The hook path through a real Celery worker on Redis and PostgreSQL."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.urls import reverse

from orders.models import Order
from tests.orders.documents import vtex_document, vtex_plain

pytestmark = [pytest.mark.redis, pytest.mark.postgres]
ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def worker(vtex, transactional_db):
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if not broker.startswith("redis://"):
        pytest.skip("needs CELERY_BROKER_URL pointing at Redis")
    database = django_settings.DATABASES["default"]
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        CELERY_TASK_ALWAYS_EAGER="false",
        DATABASE_URL=(
            f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
            f"{connection.settings_dict['NAME']}"
        ),
        VTEX_BASE_URL=django_settings.VTEX_BASE_URL,
    )
    process = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--queues=celery",
        ],
        cwd=ROOT,
        env=env,
    )
    yield process
    process.terminate()
    process.wait(timeout=20)


def wait_for(condition, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_worker_stores_order_queued_by_hook(client, vtex, worker):
    from config.celery import app

    document = vtex_document("delivery-sao-paulo")
    vtex.put_document(vtex_plain(document))
    payload = {
        "Domain": "Marketplace",
        "OrderId": document["orderId"],
        "State": "ready-for-handling",
        "LastState": "payment-approved",
        "LastChange": "2026-11-27T13:05:11.1234567Z",
        "CurrentChange": "2026-11-27T13:09:45.7654321Z",
    }

    app.conf.task_always_eager = False
    try:
        response = client.post(
            reverse("vtex-hook"),
            data=json.dumps(payload),
            content_type="application/json",
            HTTP_X_PONTE_HOOK_TOKEN="test-hook-token",
        )
    finally:
        app.conf.task_always_eager = True

    assert response.status_code == 200
    assert wait_for(
        lambda: Order.objects.filter(vtex_order_id=document["orderId"]).exists()
    )
    assert Order.objects.count() == 1
