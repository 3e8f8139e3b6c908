"""The daily figures that triggers keep on PostgreSQL give the same counts
as the assignments, through inserts, updates and deletes."""

from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone

from monitoring import kpis
from routing.models import Assignment
from tests.monitoring.conftest import make_assignment
from tests.monitoring.test_dashboard_ship_by import (
    SAO_PAULO,
    fulfilled_on_eleventh,  # noqa: F401
    local,
    open_parts,  # noqa: F401
)
from tests.monitoring.test_dashboards import fixed_network  # noqa: F401

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the daily figures exist on PostgreSQL only",
)

State = Assignment.State
PERIODS = [
    ("2026-03-10", "2026-03-10"),
    ("2026-03-11", "2026-03-11"),
    ("2026-03-01", "2026-03-31"),
]


def _period(first: str, last: str) -> kpis.Period:
    return kpis.period_for(
        "custom", zone=SAO_PAULO, now=timezone.now(), first_day=first, last_day=last
    )


def _from_assignments(monkeypatch, call):
    with monkeypatch.context() as patch:
        patch.setattr(kpis, "_daily_figures_cover", lambda period: False)
        return call()


def _assert_same_figures(monkeypatch) -> None:
    now = timezone.now()
    for first, last in PERIODS:
        period = _period(first, last)
        assert kpis._daily_figures_cover(period)

        daily = kpis.network_kpis(period=period, now=now)
        counted = _from_assignments(
            monkeypatch, lambda period=period: kpis.network_kpis(period=period, now=now)
        )
        active = {key: row for key, row in daily.items() if row != _empty(row)}
        assert active == counted

        series = kpis.daily_series(location_ids=None, period=period)
        counted_series = _from_assignments(
            monkeypatch,
            lambda period=period: kpis.daily_series(location_ids=None, period=period),
        )
        assert series == counted_series


def _empty(row: dict) -> dict:
    empty = kpis.empty_figures()
    empty["open_alerts"] = row["open_alerts"]
    empty["location_id"] = row["location_id"]
    return empty


def test_daily_figures_match_after_inserts(
    fixed_network,  # noqa: F811
    fulfilled_on_eleventh,  # noqa: F811
    open_parts,  # noqa: F811
    monkeypatch,
):
    _assert_same_figures(monkeypatch)


def test_daily_figures_follow_updates(store_a, store_b, monkeypatch):
    part = make_assignment(store_a, offered_at=local(10, 9))
    other = make_assignment(store_b, offered_at=local(10, 23, 50))

    Assignment.objects.filter(pk=part.pk).update(
        state=State.ACCEPTED, accepted_at=local(10, 9, 5), ship_by=local(11, 8)
    )
    part.refresh_from_db()
    part.state = State.SHIPPED
    part.shipped_at = local(11, 7)
    part.save()
    Assignment.objects.filter(pk=part.pk).update(
        invoiced_at=local(12, 1), invoice_value=Decimal("99.90")
    )
    Assignment.objects.filter(pk=other.pk).update(state=State.REJECTED)
    _assert_same_figures(monkeypatch)

    rows = kpis.network_kpis(
        period=_period("2026-03-11", "2026-03-11"), now=local(20, 0)
    )
    assert rows[store_a.pk]["fulfilled"] == 1
    assert rows[store_a.pk]["on_time"] == 1
    assert rows[store_a.pk]["revenue_fulfilled"] == Decimal("100.00")


def test_daily_figures_follow_deletes(store_a, monkeypatch):
    make_assignment(store_a, offered_at=local(10, 9), state=State.REJECTED)
    deleted = make_assignment(store_a, offered_at=local(10, 10), state=State.EXPIRED)

    Assignment.objects.filter(pk=deleted.pk).delete()

    _assert_same_figures(monkeypatch)
    rows = kpis.network_kpis(
        period=_period("2026-03-10", "2026-03-10"), now=local(20, 0)
    )
    assert rows[store_a.pk]["received"] == 1
    assert rows[store_a.pk]["rejected"] == 1
    assert rows[store_a.pk]["expired"] == 0


def test_daily_figures_unused_in_other_zone(store_a):
    period = kpis.period_for(
        "today", zone=ZoneInfo("America/Manaus"), now=timezone.now()
    )

    assert not kpis._daily_figures_cover(period)


def test_daily_figures_unused_for_other_window(db, monkeypatch):
    monkeypatch.setattr(kpis, "SHIP_WINDOW", timedelta(hours=12))

    assert not kpis._daily_figures_cover(_period("2026-03-10", "2026-03-10"))


def test_writes_go_on_without_configuration(store_a):
    with connection.cursor() as cursor:
        cursor.execute('DELETE FROM "monitoring_dailyfigures_config"')
    period = _period("2026-03-10", "2026-03-10")

    make_assignment(store_a, offered_at=local(10, 9), state=State.REJECTED)

    assert not kpis._daily_figures_cover(period)
    rows = kpis.network_kpis(period=period, now=local(20, 0))
    assert rows[store_a.pk]["received"] == 1
    assert rows[store_a.pk]["rejected"] == 1
