"""Dashboard figures against a hand count, store scoping, and query counts
that do not grow with the data."""

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from monitoring import kpis
from monitoring.models import Alert, SlaRule
from monitoring.services.evaluation import rules_evaluate
from routing.models import Assignment
from tests.i18n import pt_br
from tests.monitoring.conftest import make_assignment, make_rule

State = Assignment.State
SAO_PAULO = ZoneInfo("America/Sao_Paulo")


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in March 2026 in São Paulo (UTC-3, no daylight saving)."""
    return datetime(2026, 3, day, hour, minute, tzinfo=SAO_PAULO)


@pytest.fixture
def fixed_network(store_a, store_b):
    """Five parts at store A around the local midnight of 10 to 11 March, one
    part at store B, and one part of store A late now."""
    parts = {
        # 23:30 local on the 10th is 02:30 UTC on the 11th.
        "late_evening": make_assignment(
            store_a,
            offered_at=local(10, 23, 30),
            state=State.SHIPPED,
            accepted_at=local(10, 23, 40),
            shipped_at=local(11, 10),
            invoiced_at=local(11, 11),
            invoice_value=Decimal("100.00"),
            value="100.00",
        ),
        "after_midnight": make_assignment(
            store_a, offered_at=local(11, 0, 10), state=State.REJECTED
        ),
        "expired": make_assignment(
            store_a, offered_at=local(10, 9), state=State.EXPIRED
        ),
        "late_ready": make_assignment(
            store_a,
            offered_at=local(10, 10),
            state=State.READY_FOR_PICKUP,
            accepted_at=local(10, 10, 20),
            ready_at=local(11, 12),
            value="50.00",
        ),
        "canceled": make_assignment(
            store_a, offered_at=local(10, 11), state=State.CANCELED
        ),
        "other_store": make_assignment(
            store_b, offered_at=local(10, 12), state=State.REJECTED
        ),
    }
    now = timezone.now()
    parts["late_now"] = make_assignment(
        store_a,
        offered_at=now - timedelta(hours=31),
        state=State.ACCEPTED,
        accepted_at=now - timedelta(hours=30),
    )
    return parts


def _period(first: str, last: str) -> kpis.Period:
    return kpis.period_for(
        "custom",
        zone=SAO_PAULO,
        now=timezone.now(),
        first_day=first,
        last_day=last,
    )


def test_store_figures_on_tenth(store_a, fixed_network):
    figures = kpis.store_kpis(
        location_id=store_a.pk,
        period=_period("2026-03-10", "2026-03-10"),
        now=timezone.now(),
    )

    # Offered on the 10th, local time: 23:30, 09:00, 10:00 and 11:00.
    assert figures["received"] == 4
    assert figures["accepted"] == 2
    assert figures["rejected"] == 0
    assert figures["expired"] == 1
    assert figures["canceled"] == 1
    assert figures["cancellation_rate"] == Decimal("25.0")
    assert figures["fulfilled"] == 0
    assert figures["on_time_rate"] is None
    assert figures["late_now"] == 1
    # Accepted after 10 and 20 minutes.
    assert figures["time_to_accept"] == {
        "median": Decimal("15.0"),
        "p90": Decimal("19.0"),
    }
    assert figures["revenue_fulfilled"] == Decimal("0.00")


def test_store_figures_on_eleventh(store_a, fixed_network):
    figures = kpis.store_kpis(
        location_id=store_a.pk,
        period=_period("2026-03-11", "2026-03-11"),
        now=timezone.now(),
    )

    assert figures["received"] == 1
    assert figures["rejected"] == 1
    # Shipped 10 h 20 min after acceptance (on time) and ready after
    # 25 h 40 min (late).
    assert figures["fulfilled"] == 2
    assert figures["on_time"] == 1
    assert figures["on_time_rate"] == Decimal("50.0")
    assert figures["time_to_ship"] == {
        "median": Decimal("1080.0"),
        "p90": Decimal("1448.0"),
    }
    assert figures["revenue_fulfilled"] == Decimal("150.00")
    assert figures["revenue_credited"] == Decimal("100.00")


def test_daily_series_uses_local_days(store_a, fixed_network):
    series = kpis.daily_series(
        location_ids=[store_a.pk], period=_period("2026-03-10", "2026-03-11")
    )

    assert [(day["day"].day, day["received"], day["fulfilled"]) for day in series] == [
        (10, 4, 0),
        (11, 1, 2),
    ]


def test_network_figures_per_store(store_a, store_b, fixed_network):
    rows = kpis.network_kpis(
        period=_period("2026-03-10", "2026-03-10"), now=timezone.now()
    )

    assert rows[store_a.pk]["received"] == 4
    assert rows[store_b.pk]["received"] == 1
    assert rows[store_b.pk]["rejected"] == 1
    assert rows[store_b.pk]["rejection_rate"] == Decimal("100.0")


@pytest.mark.parametrize(
    ("name", "first", "last"),
    [
        ("today", "2026-03-10", "2026-03-10"),
        ("7d", "2026-03-04", "2026-03-10"),
        ("month", "2026-03-01", "2026-03-10"),
    ],
)
def test_named_periods_in_local_time(name, first, last):
    # 01:00 UTC on the 11th is still 22:00 on the 10th in São Paulo.
    now = datetime(2026, 3, 11, 1, 0, tzinfo=UTC)

    period = kpis.period_for(name, zone=SAO_PAULO, now=now)

    assert period.first_day.isoformat() == first
    assert period.last_day.isoformat() == last
    assert period.start == datetime.fromisoformat(f"{first}T03:00:00+00:00")


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        ("2026-03-10", "2026-03-01", ("The period ends before it starts.", {})),
        (
            "10/03/2026",
            "2026-03-11",
            (
                "Invalid dates %(start)r to %(end)r: use YYYY-MM-DD.",
                {"start": "10/03/2026", "end": "2026-03-11"},
            ),
        ),
        (
            "2024-01-01",
            "2026-01-01",
            ("The period is longer than %(days)d days.", {"days": 366}),
        ),
    ],
)
def test_invalid_custom_period(first, last, message):
    text, params = message
    with pytest.raises(kpis.PeriodError) as error:
        kpis.period_for(
            "custom", zone=SAO_PAULO, now=timezone.now(), first_day=first, last_day=last
        )
    assert str(error.value) == pt_br(text, **params)


def test_percentile_matches_linear_interpolation():
    assert kpis.percentile([10, 20], 0.5) == 15
    assert kpis.percentile([10, 20], 0.9) == 19
    assert kpis.percentile([5], 0.9) == 5
    assert kpis.percentile([], 0.5) is None


def test_outliers_use_tukey_fences():
    rows = [
        {"location_id": n, "rate": value}
        for n, value in enumerate([90, 92, 94, 95, 96, 40, None])
    ]

    assert kpis.outliers(rows, "rate", low=True) == {5}
    assert kpis.outliers(rows, "rate", low=False) == set()


# Pages


def test_store_dashboard_shows_figures(client, manager_a, fixed_network):
    client.force_login(manager_a)

    response = client.get(
        reverse("monitoring:dashboard"),
        {"period": "custom", "start": "2026-03-10", "end": "2026-03-10"},
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert '<strong id="kpi-received">4</strong>' in content
    assert '<strong id="kpi-cancellation">25,0 %</strong>' in content
    assert "<svg" in content
    assert content.count('<rect class="bar"') == 1


def test_store_dashboard_invalid_period_shows_error(client, manager_a):
    client.force_login(manager_a)

    response = client.get(
        reverse("monitoring:dashboard"),
        {"period": "custom", "start": "2026-03-10", "end": "2026-03-01"},
    )

    assert response.status_code == 200
    assert pt_br("The period ends before it starts.") in response.content.decode()


def test_store_user_cannot_see_other_store(client, manager_b, store_a):
    client.force_login(manager_b)

    response = client.get(reverse("monitoring:dashboard"), {"location": "loja-a"})

    assert response.status_code == 404


def test_store_user_cannot_see_network(client, manager_a):
    client.force_login(manager_a)

    assert client.get(reverse("monitoring:network")).status_code == 404


def test_hq_sees_network_dashboard(client, hq_user, fixed_network):
    client.force_login(hq_user)

    response = client.get(
        reverse("monitoring:network"),
        {
            "period": "custom",
            "start": "2026-03-10",
            "end": "2026-03-10",
            "sort": "code",
        },
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert "Loja A" in content
    assert "Loja B" in content
    assert content.index("Loja A") < content.index("Loja B")


def test_hq_sees_any_store_dashboard(client, hq_user, store_a):
    client.force_login(hq_user)

    response = client.get(reverse("monitoring:dashboard"), {"location": "loja-a"})

    assert response.status_code == 200


@pytest.fixture
def alerts_ab(store_a, store_b):
    now = timezone.now()
    make_assignment(store_a, offered_at=now - timedelta(hours=2))
    make_assignment(store_b, offered_at=now - timedelta(hours=2))
    make_rule(SlaRule.Kind.OFFER_NOT_ACCEPTED, threshold=30)
    rules_evaluate(now=now)
    return {
        "a": Alert.objects.get(owner=store_a),
        "b": Alert.objects.get(owner=store_b),
    }


def test_alert_list_shows_own_alerts_only(client, manager_a, alerts_ab):
    client.force_login(manager_a)

    response = client.get(reverse("monitoring:alerts"))

    content = response.content.decode()
    assert f'data-alert="{alerts_ab["a"].pk}"' in content
    assert f'data-alert="{alerts_ab["b"].pk}"' not in content


def test_store_user_acknowledges_own_alert(client, manager_a, alerts_ab):
    client.force_login(manager_a)
    alert = alerts_ab["a"]

    response = client.post(
        reverse("monitoring:alert_action", args=[alert.pk, "acknowledge"])
    )

    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.status == Alert.Status.ACKNOWLEDGED
    assert alert.acknowledged_by == manager_a
    assert list(alert.events.values_list("kind", flat=True)) == [
        "opened",
        "acknowledged",
    ]


def test_acknowledging_twice_shows_error(client, manager_a, alerts_ab):
    client.force_login(manager_a)
    url = reverse("monitoring:alert_action", args=[alerts_ab["a"].pk, "acknowledge"])
    client.post(url)

    response = client.post(url, follow=True)

    assert (
        pt_br("Alert %(id)s is no longer open; reload the page.", id=alerts_ab["a"].pk)
        in response.content.decode()
    )
    assert alerts_ab["a"].events.count() == 2


def test_store_user_cannot_touch_other_alert(client, manager_b, alerts_ab):
    client.force_login(manager_b)
    alert = alerts_ab["a"]

    response = client.post(
        reverse("monitoring:alert_action", args=[alert.pk, "acknowledge"])
    )

    assert response.status_code == 404
    alert.refresh_from_db()
    assert alert.status == Alert.Status.OPEN
    assert alert.events.count() == 1


def test_hq_resolves_alert_by_hand(client, hq_user, alerts_ab):
    client.force_login(hq_user)
    alert = alerts_ab["b"]

    client.post(reverse("monitoring:alert_action", args=[alert.pk, "resolve"]))

    alert.refresh_from_db()
    assert alert.status == Alert.Status.RESOLVED
    assert alert.resolved_by == hq_user


def test_store_kpis_exclude_other_store(store_b, fixed_network):
    figures = kpis.store_kpis(
        location_id=store_b.pk,
        period=_period("2026-03-10", "2026-03-11"),
        now=timezone.now(),
    )

    assert figures["received"] == 1
    assert figures["open_alerts"] == 0


def _queries(client, url, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(queries)


def _more_data(store_a, store_b, count: int) -> None:
    now = timezone.now()
    for n in range(count):
        make_assignment(
            store_a if n % 2 else store_b,
            offered_at=now - timedelta(hours=n),
            state=State.SHIPPED,
            accepted_at=now - timedelta(hours=n) + timedelta(minutes=5),
            shipped_at=now - timedelta(hours=n) + timedelta(hours=2),
        )


@pytest.mark.parametrize(
    ("persona", "url_name"),
    [
        ("manager_a", "monitoring:dashboard"),
        ("hq_user", "monitoring:network"),
        ("manager_a", "monitoring:alerts"),
    ],
)
def test_page_queries_do_not_grow(request, client, store_a, store_b, persona, url_name):
    client.force_login(request.getfixturevalue(persona))
    url = reverse(url_name)
    params = {"period": "7d"}
    make_rule(SlaRule.Kind.NOT_FULFILLED, threshold=1)
    _more_data(store_a, store_b, 4)
    Assignment.objects.update(state=State.ACCEPTED)
    rules_evaluate()
    before = _queries(client, url, params)

    _more_data(store_a, store_b, 12)
    Assignment.objects.update(state=State.ACCEPTED)
    rules_evaluate()
    after = _queries(client, url, params)

    assert after == before


@pytest.mark.parametrize("sort", ["code", "-accept_median"])
def test_network_page_shows_medians(client, hq_user, fixed_network, sort):
    client.force_login(hq_user)

    response = client.get(
        reverse("monitoring:network"),
        {"period": "custom", "start": "2026-03-10", "end": "2026-03-10", "sort": sort},
    )

    content = response.content.decode()
    row = re.search(r"<tr>\s*<td><a [^>]*>Loja A</a></td>(.*?)</tr>", content, re.S)
    cells = re.findall(r'<td class="number">(.*?)</td>', row.group(1))
    # Received, accepted, rejected, expired, on time, late now, canceled,
    # then the accept median: 10 and 20 minutes.
    assert cells[0] == "4"
    assert cells[7] == "15,0"


def test_median_sort_queries_do_not_grow(client, hq_user, store_a, store_b):
    client.force_login(hq_user)
    url = reverse("monitoring:network")
    params = {"period": "7d", "sort": "-ship_median"}
    _more_data(store_a, store_b, 4)
    before = _queries(client, url, params)

    _more_data(store_a, store_b, 12)
    after = _queries(client, url, params)

    assert after == before


def test_network_row_links_store_dashboard(client, hq_user, fixed_network):
    client.force_login(hq_user)

    response = client.get(
        reverse("monitoring:network"),
        {"period": "custom", "start": "2026-03-10", "end": "2026-03-10"},
    )

    content = response.content.decode()
    link = (
        reverse("monitoring:dashboard")
        + "?location=loja-a&amp;period=custom&amp;start=2026-03-10&amp;end=2026-03-10"
    )
    assert f'<a href="{link}">Loja A</a>' in content
    assert 'href="?period=custom&amp;start=2026-03-10&amp;end=2026-03-10&amp;sort=' in (
        content
    )
