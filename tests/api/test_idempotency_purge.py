"""Idempotency records older than the retention are purged in batches."""

from datetime import UTC, datetime, timedelta

import pytest

from api.idempotency import RETENTION, idempotency_records_purge
from api.models import IdempotencyRecord
from api.tasks import idempotency_records_purge_task
from routing.models import Assignment
from tests.routing.test_pages import make_assignment

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def record_make(token, key: str, age: timedelta) -> IdempotencyRecord:
    record = IdempotencyRecord.objects.create(
        token=token,
        key=key,
        method="POST",
        path="/api/v1/assignments/1/accept/",
        body_sha256="0" * 64,
        status_code=200,
        response_body={},
    )
    # created_at is auto_now_add, so the age is set with an update.
    IdempotencyRecord.objects.filter(pk=record.pk).update(created_at=NOW - age)
    return record


def stored_keys() -> list[str]:
    return sorted(IdempotencyRecord.objects.values_list("key", flat=True))


def test_retention_is_24_hours():
    assert timedelta(hours=24) == RETENTION


def test_purge_deletes_only_expired(api_a):
    token = api_a.token
    record_make(token, "old-1", RETENTION + timedelta(seconds=1))
    record_make(token, "old-2", timedelta(days=30))
    record_make(token, "at-limit", RETENTION)
    record_make(token, "fresh", timedelta(minutes=5))

    deleted = idempotency_records_purge(now=NOW)

    assert deleted == 2
    assert stored_keys() == ["at-limit", "fresh"]


def test_purge_runs_several_batches(api_a):
    token = api_a.token
    for number in range(7):
        record_make(token, f"old-{number}", timedelta(days=2))
    record_make(token, "fresh", timedelta(hours=1))

    deleted = idempotency_records_purge(now=NOW, batch_size=3)

    assert deleted == 7
    assert stored_keys() == ["fresh"]


def test_purge_with_nothing_expired(api_a):
    record_make(api_a.token, "fresh", timedelta(hours=23))

    assert idempotency_records_purge(now=NOW) == 0
    assert stored_keys() == ["fresh"]


def test_purge_task_uses_current_time(api_a, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW)
    record_make(api_a.token, "old", timedelta(hours=25))
    record_make(api_a.token, "fresh", timedelta(hours=1))

    assert idempotency_records_purge_task.apply().get() == 1
    assert stored_keys() == ["fresh"]


def test_key_after_purge_runs_again(api_a, store_a):
    assignment = make_assignment(store_a, state=Assignment.State.ACCEPTED)
    path = f"/api/v1/assignments/{assignment.pk}/accept/"
    first = api_a.post(path, HTTP_IDEMPOTENCY_KEY="k")
    IdempotencyRecord.objects.update(created_at=NOW - timedelta(days=2))

    idempotency_records_purge(now=NOW)
    again = api_a.post(path, HTTP_IDEMPOTENCY_KEY="k")

    assert first.status_code == 422
    assert again.status_code == 422
    assert "Idempotent-Replayed" not in again
    assert IdempotencyRecord.objects.count() == 1


def test_beat_schedules_purge_task(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["api-idempotency-purge"]

    assert entry["task"] == idempotency_records_purge_task.name
