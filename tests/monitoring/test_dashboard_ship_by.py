"""On-time and late-now figures against a hand count, for parts with and
without a ship-by time of their own."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from monitoring import kpis
from routing.models import Assignment
from tests.i18n import pt_br
from tests.monitoring.conftest import make_assignment

State = Assignment.State
SAO_PAULO = ZoneInfo("America/Sao_Paulo")
ON_TIME_LABEL = (
    "On time (by the ship-by time, or within %(ship_window_hours)s h "
    "of acceptance without one)"
)


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in March 2026 in São Paulo (UTC-3, no daylight saving)."""
    return datetime(2026, 3, day, hour, minute, tzinfo=SAO_PAULO)


def _fulfilled(location, *, accepted_at, ship_by=None, **moments) -> Assignment:
    state = State.SHIPPED if "shipped_at" in moments else State.READY_FOR_PICKUP
    return make_assignment(
        location,
        offered_at=accepted_at - timedelta(minutes=10),
        state=state,
        accepted_at=accepted_at,
        ship_by=ship_by,
        **moments,
    )


@pytest.fixture
def fulfilled_on_eleventh(store_a):
    """Five parts of store A shipped or made ready on 11 March, local time."""
    return {
        # 27 h after acceptance, but before its ship-by time: on time.
        "ship_by_kept": _fulfilled(
            store_a,
            accepted_at=local(10, 8),
            ship_by=local(11, 12),
            shipped_at=local(11, 11),
        ),
        # 5 h after acceptance, but after its ship-by time: late.
        "ship_by_missed": _fulfilled(
            store_a,
            accepted_at=local(11, 1),
            ship_by=local(11, 5),
            ready_at=local(11, 6),
        ),
        # 28 h after acceptance, exactly at its ship-by time: on time.
        "ship_by_exact": _fulfilled(
            store_a,
            accepted_at=local(10, 5),
            ship_by=local(11, 9),
            shipped_at=local(11, 9),
        ),
        # No ship-by time, 22 h after acceptance: on time.
        "window_kept": _fulfilled(
            store_a, accepted_at=local(10, 12), shipped_at=local(11, 10)
        ),
        # No ship-by time, 25 h after acceptance: late.
        "window_missed": _fulfilled(
            store_a, accepted_at=local(10, 6), shipped_at=local(11, 7)
        ),
    }


@pytest.fixture
def open_parts(store_a):
    """Five accepted or picking parts of store A, three of them late now."""
    now = timezone.now()

    def accepted(hours_ago: float, *, state=State.ACCEPTED, ship_by=None):
        accepted_at = now - timedelta(hours=hours_ago)
        return make_assignment(
            store_a,
            offered_at=accepted_at - timedelta(minutes=10),
            state=state,
            accepted_at=accepted_at,
            ship_by=ship_by,
        )

    return {
        "ship_by_passed": accepted(2, ship_by=now - timedelta(hours=1)),
        "ship_by_passed_picking": accepted(
            3, state=State.PICKING, ship_by=now - timedelta(minutes=30)
        ),
        "ship_by_ahead": accepted(
            30, state=State.PICKING, ship_by=now + timedelta(hours=2)
        ),
        "window_passed": accepted(25),
        "window_ahead": accepted(2, state=State.PICKING),
    }


def _eleventh() -> kpis.Period:
    return kpis.period_for(
        "custom",
        zone=SAO_PAULO,
        now=timezone.now(),
        first_day="2026-03-11",
        last_day="2026-03-11",
    )


def test_on_time_uses_ship_by(store_a, fulfilled_on_eleventh):
    figures = kpis.store_kpis(
        location_id=store_a.pk, period=_eleventh(), now=timezone.now()
    )

    assert figures["fulfilled"] == 5
    assert figures["on_time"] == 3
    assert figures["on_time_rate"] == Decimal("60.0")


def test_network_on_time_uses_ship_by(store_a, fulfilled_on_eleventh):
    rows = kpis.network_kpis(period=_eleventh(), now=timezone.now())

    assert rows[store_a.pk]["fulfilled"] == 5
    assert rows[store_a.pk]["on_time"] == 3


def test_late_now_uses_ship_by(store_a, open_parts):
    figures = kpis.store_kpis(
        location_id=store_a.pk, period=_eleventh(), now=timezone.now()
    )

    assert figures["late_now"] == 3


def test_network_late_now_uses_ship_by(store_a, open_parts):
    rows = kpis.network_kpis(period=_eleventh(), now=timezone.now())

    assert rows[store_a.pk]["late_now"] == 3


def test_late_now_moves_with_now(store_a, open_parts):
    # 23 hours on, the other two are late as well: one is past its ship-by
    # time, the other past 24 hours after acceptance.
    later = timezone.now() + timedelta(hours=23)

    figures = kpis.store_kpis(location_id=store_a.pk, period=_eleventh(), now=later)

    assert figures["late_now"] == 5


def test_store_dashboard_explains_on_time(client, manager_a, fulfilled_on_eleventh):
    client.force_login(manager_a)

    response = client.get(
        reverse("monitoring:dashboard"),
        {"period": "custom", "start": "2026-03-11", "end": "2026-03-11"},
    )

    content = response.content.decode()
    assert '<strong id="kpi-on-time">60,0 %</strong>' in content
    assert pt_br(ON_TIME_LABEL, ship_window_hours=24) in content
