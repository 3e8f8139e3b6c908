"""Every VTEX call is counted per minute and outcome, and the 429 rate of the
last hour comes from those counts. Calls go to the simulator on loopback."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from django.urls import reverse

from monitoring.models import VtexCallCount
from monitoring.services import vtex_calls
from monitoring.services.sync_health import sync_check
from monitoring.services.vtex_calls import (
    vtex_call_record,
    vtex_calls_flush,
    vtex_calls_summary,
)
from orders.vtex.client import VtexClient, VtexError, VtexNotFound

NOW = datetime(2026, 3, 10, 15, 0, 30, tzinfo=UTC)
Outcome = VtexCallCount.Outcome


@pytest.fixture(autouse=True)
def empty_buffer(db):
    # Transactional tests elsewhere (a live worker syncing from the
    # simulator) can leave counts behind in the shared test database.
    VtexCallCount.objects.all().delete()
    vtex_calls.pending.clear()
    yield
    vtex_calls.pending.clear()


def _client() -> VtexClient:
    client = VtexClient.from_settings()
    client.sleep = lambda seconds: None
    return client


def _counts() -> dict[str, int]:
    return dict(VtexCallCount.objects.values_list("outcome", "count"))


@pytest.mark.django_db
def test_every_call_counted_by_outcome(vtex, django_capture_on_commit_callbacks):
    vtex.inject_fault(status=429, count=2, retry_after=0, path_prefix="/api/orders/")
    client = _client()

    with django_capture_on_commit_callbacks(execute=True):
        client.feed_read()
        with pytest.raises(VtexNotFound):
            client.get_order_text("0000000000000-01")
        client.feed_config()

    assert _counts() == {Outcome.THROTTLED: 2, Outcome.SUCCESS: 2, "4xx": 1}
    summary = vtex_calls_summary()
    assert summary["responses"] == 5
    assert summary["throttled"] == 2
    assert summary["throttled_rate"] == 40.0


@pytest.mark.django_db
def test_sync_calls_counted_with_check(vtex, django_capture_on_commit_callbacks):
    # One throttled feed read by the sync, then a sync check with no 429.
    vtex.inject_fault(status=429, count=1, retry_after=0, path_prefix="/api/orders/")

    with django_capture_on_commit_callbacks(execute=True):
        _client().feed_read()
        check = sync_check()

    assert check.throttled == 0
    assert check.responses == 2
    summary = vtex_calls_summary()
    assert summary["responses"] == 4
    assert summary["throttled"] == 1
    assert summary["throttled_rate"] == 25.0


@pytest.mark.django_db
def test_call_without_response_counted_apart(django_capture_on_commit_callbacks):
    # Nothing listens on port 9 of loopback, so the connection is refused.
    client = VtexClient(
        base_url="http://127.0.0.1:9",
        app_key="key",
        app_token="token",
        timeout=2,
        max_attempts=2,
        sleep=lambda seconds: None,
    )

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(VtexError):
        client.hook_config()

    assert _counts() == {Outcome.NO_RESPONSE: 2}
    summary = vtex_calls_summary()
    assert summary["no_response"] == 2
    assert summary["responses"] == 0
    assert summary["throttled_rate"] is None


@pytest.mark.django_db
def test_summary_covers_last_hour_only():
    minute = NOW.replace(second=0)
    rows = [
        (minute - timedelta(minutes=60), Outcome.THROTTLED, 10),
        (minute - timedelta(minutes=59), Outcome.THROTTLED, 1),
        (minute - timedelta(minutes=59), Outcome.SUCCESS, 2),
        (minute, Outcome.SUCCESS, 1),
    ]
    VtexCallCount.objects.bulk_create(
        VtexCallCount(minute=at, outcome=outcome, count=count)
        for at, outcome, count in rows
    )

    summary = vtex_calls_summary(now=NOW)

    assert summary["responses"] == 4
    assert summary["throttled"] == 1
    assert summary["throttled_rate"] == 25.0


@pytest.mark.django_db
def test_same_minute_adds_to_one_row(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        vtex_call_record(status=429, now=NOW)
        vtex_call_record(status=429, now=NOW + timedelta(seconds=10))
        vtex_call_record(status=200, now=NOW + timedelta(seconds=29))

    rows = list(VtexCallCount.objects.values_list("minute", "outcome", "count"))
    minute = NOW.replace(second=0)
    assert sorted(rows) == [
        (minute, "2xx", 1),
        (minute, "429", 2),
    ]


@pytest.mark.django_db
def test_rolled_back_counts_kept_for_next_write(django_capture_on_commit_callbacks):
    with pytest.raises(RuntimeError), transaction.atomic():
        vtex_call_record(status=429, now=NOW)
        raise RuntimeError("the caller's transaction fails")
    assert not VtexCallCount.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        vtex_call_record(status=200, now=NOW)

    assert _counts() == {Outcome.THROTTLED: 1, Outcome.SUCCESS: 1}


@pytest.mark.django_db(transaction=True)
def test_call_outside_transaction_written_at_once():
    vtex_call_record(status=503, now=NOW)

    assert _counts() == {Outcome.SERVER_ERROR: 1}
    assert vtex_calls.pending == {}
    assert vtex_calls_flush() == 0


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (200, "2xx"),
        (204, "2xx"),
        (304, "3xx"),
        (400, "4xx"),
        (404, "4xx"),
        (429, "429"),
        (500, "5xx"),
        (504, "5xx"),
        (None, "none"),
    ],
)
def test_status_outcome_classes(status, outcome):
    assert vtex_calls.call_outcome(status) == outcome


@pytest.mark.django_db
def test_sync_check_prunes_old_counts(vtex):
    VtexCallCount.objects.create(
        minute=NOW - vtex_calls.KEEP_CALL_COUNTS - timedelta(minutes=1),
        outcome=Outcome.SUCCESS,
        count=5,
    )
    recent = VtexCallCount.objects.create(
        minute=NOW - timedelta(days=1), outcome=Outcome.SUCCESS, count=5
    )

    sync_check(now=NOW)

    assert list(VtexCallCount.objects.values_list("pk", flat=True)) == [recent.pk]


@pytest.mark.django_db
def test_hq_reads_counts_in_admin(client, hq_user):
    hq_user.is_staff = True
    hq_user.save()
    VtexCallCount.objects.create(minute=NOW.replace(second=0), outcome="429", count=3)
    client.force_login(hq_user)

    response = client.get(reverse("admin:monitoring_vtexcallcount_changelist"))

    assert response.status_code == 200
    assert "429" in response.content.decode()


@pytest.mark.django_db
def test_store_user_cannot_read_counts(client, manager_a):
    client.force_login(manager_a)

    response = client.get(reverse("admin:monitoring_vtexcallcount_changelist"))

    assert response.status_code == 302


@pytest.mark.django_db
def test_network_dashboard_shows_every_call(
    client, hq_user, vtex, django_capture_on_commit_callbacks
):
    # One throttled feed read by the sync, then a sync check with no 429.
    vtex.inject_fault(status=429, count=1, retry_after=0, path_prefix="/api/orders/")
    with django_capture_on_commit_callbacks(execute=True):
        _client().feed_read()
        sync_check()
    client.force_login(hq_user)

    response = client.get(reverse("monitoring:network"))

    assert response.context["sync"]["throttled_rate"] == 25.0
    assert response.context["sync"]["responses"] == 4
