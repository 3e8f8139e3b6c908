from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command

from orders.models import Order, OrderItem, QuarantinedDocument
from orders.services.backfill import (
    BackfillSummary,
    _count,
    order_ids_list,
    orders_backfill,
)
from orders.services.refresh import Outcome
from orders.vtex.client import VtexClient
from tests.orders.conftest import DAY

NEXT_DAY = DAY + timedelta(days=1)


@pytest.mark.django_db
def test_backfill_day_over_3000_orders_stores_each_once(vtex):
    ids = vtex.generate_orders(count=3300, start=DAY, end=NEXT_DAY)

    summary = orders_backfill(
        since=DAY, until=NEXT_DAY, client=VtexClient.from_settings(), workers=1
    )

    assert summary.listed == len(set(ids))
    assert summary.created == len(set(ids))
    assert summary.failed == 0
    assert Order.objects.count() == len(set(ids))
    assert set(Order.objects.values_list("vtex_order_id", flat=True)) == set(ids)


@pytest.mark.django_db
def test_backfill_lists_split_windows_without_duplicates(vtex):
    ids = vtex.generate_orders(count=3100, start=DAY, end=NEXT_DAY)

    listed = order_ids_list(
        client=VtexClient.from_settings(), since=DAY, until=NEXT_DAY
    )

    assert len(listed) == len(set(listed))
    assert set(listed) == set(ids)
    pages = [path for method, path in vtex.requests if "page=31" in path]
    assert pages == []


@pytest.mark.django_db
def test_backfill_survives_429_and_503(vtex):
    ids = vtex.generate_orders(count=120, start=DAY, end=NEXT_DAY)
    vtex.inject_fault(
        status=429, count=1, retry_after=1, path_prefix="/api/oms/pvt/orders/", after=30
    )
    vtex.inject_fault(status=503, count=1, path_prefix="/api/oms/pvt/orders/", after=60)

    summary = orders_backfill(
        since=DAY, until=NEXT_DAY, client=VtexClient.from_settings(), workers=1
    )

    statuses = list(vtex.response_statuses)
    assert 429 in statuses
    assert 503 in statuses
    assert summary.failed == 0
    assert Order.objects.count() == len(set(ids))


@pytest.mark.django_db
def test_backfill_run_twice_changes_nothing(vtex):
    vtex.generate_orders(count=40, start=DAY, end=NEXT_DAY)
    client = VtexClient.from_settings()
    orders_backfill(since=DAY, until=NEXT_DAY, client=client, workers=1)
    items = OrderItem.objects.count()

    second = orders_backfill(since=DAY, until=NEXT_DAY, client=client, workers=1)

    assert second.created == 0
    assert second.updated == 0
    assert second.unchanged == 40
    assert OrderItem.objects.count() == items


@pytest.mark.django_db
def test_backfill_quarantines_malformed_and_stores_the_rest(vtex):
    ids = vtex.generate_orders(count=10, start=DAY, end=NEXT_DAY)
    broken = vtex.get_document(ids[3])
    broken["items"] = "nenhum"
    vtex.put_document(broken)

    summary = orders_backfill(
        since=DAY, until=NEXT_DAY, client=VtexClient.from_settings(), workers=1
    )

    assert summary.quarantined == 1
    assert QuarantinedDocument.objects.get().vtex_order_id == ids[3]
    assert (
        QuarantinedDocument.objects.get().reason == "items: expected a list, got text"
    )
    assert Order.objects.count() == 9


@pytest.mark.django_db
def test_backfill_with_threads_stores_each_order_once(vtex):
    ids = vtex.generate_orders(count=200, start=DAY, end=NEXT_DAY)

    summary = orders_backfill(
        since=DAY, until=NEXT_DAY, client=VtexClient.from_settings(), workers=4
    )

    assert summary.created == len(set(ids))
    assert Order.objects.count() == len(set(ids))


@pytest.mark.django_db
def test_backfill_command_prints_summary(vtex, capsys):
    vtex.generate_orders(count=15, start=DAY, end=NEXT_DAY)

    call_command(
        "vtex_backfill",
        "--since=2026-11-27T00:00:00Z",
        "--until=2026-11-28T00:00:00Z",
        "--workers=1",
    )

    line = capsys.readouterr().out.strip()
    assert line.startswith("listed 15, stored 15 (15 new, 0 updated), unchanged 0")


@pytest.mark.django_db
def test_backfill_command_rejects_bad_dates():
    with pytest.raises(CommandError) as caught:
        call_command("vtex_backfill", "--since=ontem")

    assert str(caught.value) == (
        "Invalid --since 'ontem': use ISO 8601, e.g. 2026-11-27T00:00:00-03:00."
    )
    assert Order.objects.count() == 0


@pytest.mark.django_db
def test_backfill_command_fails_clearly_when_vtex_is_down(settings):
    settings.VTEX_BASE_URL = "http://127.0.0.1:9"
    settings.VTEX_MAX_ATTEMPTS = 2

    with pytest.raises(CommandError) as caught:
        call_command("vtex_backfill", "--since=2026-11-27T00:00:00Z")

    assert str(caught.value).startswith(
        "Backfill failed: GET /api/oms/pvt/orders failed after 2 attempts: ConnectionError"
    )
    assert Order.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["--since=2999-01-01T00:00:00Z"],
            "--since is in the future; give a past date.",
        ),
        (
            ["--since=2026-11-28T00:00:00Z", "--until=2026-11-27T00:00:00Z"],
            "--until must be later than --since.",
        ),
        (
            ["--since=2026-11-27T00:00:00Z", "--workers=0"],
            "--workers must be between 1 and 32.",
        ),
        (
            ["--since=2026-11-27T00:00:00Z", "--workers=1000"],
            "--workers must be between 1 and 32.",
        ),
    ],
)
def test_backfill_command_rejects_bad_arguments(arguments, message):
    with pytest.raises(CommandError) as caught:
        call_command("vtex_backfill", *arguments)

    assert str(caught.value) == message
    assert Order.objects.count() == 0


def test_summary_counts_stale_documents_apart():
    summary = BackfillSummary(listed=2)

    _count(summary, "1000001-01", Outcome.STALE, "")
    _count(summary, "1000002-01", Outcome.UNCHANGED, "")

    assert summary.stale == 1
    assert summary.unchanged == 1
    assert "unchanged 1, stale 1," in summary.line()
