"""Every dashboard figure, computed in one place. `docs/kpis.md` defines them.

A period is a range of local days in a time zone: an assignment belongs to
the period when its timestamp falls between the local midnights that bound
it. Each function costs a fixed number of queries whatever the data.
"""

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    Sum,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from monitoring.models import Alert
from routing.models import Assignment

State = Assignment.State

# Hours after acceptance by which a part must be shipped or ready for pickup
# to count as on time, and after which an unfulfilled part is late.
# NOTE: assignments carry no ship-by time of their own, so every store gets
# this one window, independent of the `not_fulfilled` rule's threshold.
SHIP_WINDOW = timedelta(hours=24)
# Maximum days in a custom period, so one request cannot scan years of orders.
MAX_PERIOD_DAYS = 366

PERIODS = {
    "today": gettext_lazy("Today"),
    "7d": gettext_lazy("Last 7 days"),
    "month": gettext_lazy("This month"),
    "custom": gettext_lazy("Custom"),
}


class PeriodError(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    name: str
    first_day: date
    last_day: date
    zone: ZoneInfo

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time.min, tzinfo=self.zone)

    @property
    def end(self) -> datetime:
        """Local midnight after the last day (exclusive)."""
        return datetime.combine(
            self.last_day + timedelta(days=1), time.min, tzinfo=self.zone
        )

    @property
    def days(self) -> list[date]:
        count = (self.last_day - self.first_day).days + 1
        return [self.first_day + timedelta(days=n) for n in range(count)]


def period_for(
    name: str,
    *,
    zone: ZoneInfo,
    now: datetime,
    first_day: str = "",
    last_day: str = "",
) -> Period:
    """Build a period from its name; custom periods take ISO dates."""
    today = now.astimezone(zone).date()
    if name == "today":
        return Period(name, today, today, zone)
    if name == "7d":
        return Period(name, today - timedelta(days=6), today, zone)
    if name == "month":
        return Period(name, today.replace(day=1), today, zone)
    if name != "custom":
        raise PeriodError(
            _("Unknown period %(name)r: use today, 7d, month or custom.")
            % {"name": name}
        )
    try:
        start, end = date.fromisoformat(first_day), date.fromisoformat(last_day)
    except ValueError:
        raise PeriodError(
            _("Invalid dates %(start)r to %(end)r: use YYYY-MM-DD.")
            % {"start": first_day, "end": last_day}
        ) from None
    if end < start:
        raise PeriodError(_("The period ends before it starts."))
    if (end - start).days >= MAX_PERIOD_DAYS:
        raise PeriodError(
            _("The period is longer than %(days)d days.") % {"days": MAX_PERIOD_DAYS}
        )
    return Period(name, start, end, zone)


class Percentile(Aggregate):
    """PostgreSQL's percentile_cont: linear interpolation between ranks."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=fraction, **extra)


def percentile(values: list[float], fraction: float) -> float | None:
    """Interpolate like percentile_cont, for databases without it."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def _fulfilled_at():
    return Coalesce("shipped_at", "ready_at")


def _aggregates(period: Period, now: datetime) -> dict:
    offered = Q(offered_at__gte=period.start, offered_at__lt=period.end)
    fulfilled = Q(fulfilled_at__gte=period.start, fulfilled_at__lt=period.end)
    on_time = fulfilled & Q(fulfilled_at__lte=F("accepted_at") + SHIP_WINDOW)
    late_now = Q(state=State.OFFERED, expires_at__lt=now) | Q(
        state__in=(State.ACCEPTED, State.PICKING), accepted_at__lt=now - SHIP_WINDOW
    )
    invoiced = Q(invoiced_at__gte=period.start, invoiced_at__lt=period.end)
    return {
        "received": Count("pk", filter=offered),
        "accepted": Count("pk", filter=offered & Q(accepted_at__isnull=False)),
        "rejected": Count("pk", filter=offered & Q(state=State.REJECTED)),
        "expired": Count("pk", filter=offered & Q(state=State.EXPIRED)),
        "canceled": Count("pk", filter=offered & Q(state=State.CANCELED)),
        "fulfilled": Count("pk", filter=fulfilled),
        "on_time": Count("pk", filter=on_time),
        "late_now": Count("pk", filter=late_now),
        "revenue_fulfilled": Sum("value", filter=fulfilled),
        "revenue_credited": Sum("invoice_value", filter=invoiced),
    }


def _relevant(period: Period) -> Q:
    """Assignments any figure of `_aggregates` counts, as a filter that the
    time indexes (migration 0002) and the state index can serve."""
    return (
        Q(offered_at__gte=period.start, offered_at__lt=period.end)
        | Q(fulfilled_at__gte=period.start, fulfilled_at__lt=period.end)
        | Q(invoiced_at__gte=period.start, invoiced_at__lt=period.end)
        | Q(state__in=(State.OFFERED, State.ACCEPTED, State.PICKING))
    )


def _rates(row: dict) -> dict:
    """Add the rates, as Decimal percentages with one decimal, to counts."""

    def rate(part: int, whole: int) -> Decimal | None:
        if not whole:
            return None
        return (Decimal(100) * part / whole).quantize(Decimal("0.1"))

    row["revenue_fulfilled"] = row.get("revenue_fulfilled") or Decimal("0.00")
    row["revenue_credited"] = row.get("revenue_credited") or Decimal("0.00")
    row["on_time_rate"] = rate(row["on_time"], row["fulfilled"])
    row["cancellation_rate"] = rate(row["canceled"], row["received"])
    row["rejection_rate"] = rate(row["rejected"], row["received"])
    row["acceptance_rate"] = rate(row["accepted"], row["received"])
    return row


def _base(location_ids):
    queryset = Assignment.objects.all()
    if location_ids is not None:
        queryset = queryset.filter(location_id__in=location_ids)
    return queryset.alias(fulfilled_at=_fulfilled_at())


def _durations(location_ids, period: Period, *, kind: str) -> dict:
    """Median and p90 in minutes per location: time to accept (offer to
    acceptance, by acceptance time) or time to ship (acceptance to shipped
    or ready, by that time)."""
    queryset = _base(location_ids)
    if kind == "accept":
        start, end = "offered_at", "accepted_at"
        queryset = queryset.filter(
            accepted_at__gte=period.start, accepted_at__lt=period.end
        )
    else:
        start, end = "accepted_at", "fulfilled_at"
        queryset = queryset.filter(
            fulfilled_at__gte=period.start,
            fulfilled_at__lt=period.end,
            accepted_at__isnull=False,
        )

    result: dict[int, dict] = {}
    if connection.vendor == "postgresql":
        duration = ExpressionWrapper(F(end) - F(start), output_field=DurationField())
        rows = queryset.values("location_id").annotate(
            median=Percentile(duration, 0.5, output_field=DurationField()),
            p90=Percentile(duration, 0.9, output_field=DurationField()),
        )
        for row in rows.order_by():
            result[row["location_id"]] = {
                "median": _minutes(row["median"].total_seconds()),
                "p90": _minutes(row["p90"].total_seconds()),
            }
        return result

    seconds: dict[int, list[float]] = defaultdict(list)
    rows = queryset.annotate(started=F(start), ended=F(end)).values_list(
        "location_id", "started", "ended"
    )
    for location_id, started, ended in rows:
        seconds[location_id].append((ended - started).total_seconds())
    for location_id, values in seconds.items():
        result[location_id] = {
            "median": _minutes(percentile(values, 0.5)),
            "p90": _minutes(percentile(values, 0.9)),
        }
    return result


def _minutes(seconds: float | None) -> Decimal | None:
    if seconds is None:
        return None
    return (Decimal(str(seconds)) / 60).quantize(Decimal("0.1"))


EMPTY_DURATIONS = {"median": None, "p90": None}


def store_kpis(*, location_id: int, period: Period, now: datetime) -> dict:
    """Compute the store dashboard's figures for one location."""
    location_ids = [location_id]
    row = _rates(
        _base(location_ids)
        .filter(_relevant(period))
        .aggregate(**_aggregates(period, now))
    )
    accept = _durations(location_ids, period, kind="accept")
    ship = _durations(location_ids, period, kind="ship")
    row["time_to_accept"] = accept.get(location_id, EMPTY_DURATIONS)
    row["time_to_ship"] = ship.get(location_id, EMPTY_DURATIONS)
    row["open_alerts"] = Alert.objects.filter(
        owner_id=location_id, status__in=Alert.UNRESOLVED
    ).count()
    return row


def network_kpis(*, period: Period, now: datetime) -> dict[int, dict]:
    """Compute the same figures per location, for every location with activity."""
    rows = (
        _base(None)
        .filter(_relevant(period))
        .values("location_id")
        .annotate(**_aggregates(period, now))
        .order_by()
    )
    result = {row["location_id"]: _rates(row) for row in rows}
    accept = _durations(None, period, kind="accept")
    ship = _durations(None, period, kind="ship")
    alerts = dict(
        Alert.objects.filter(owner__isnull=False, status__in=Alert.UNRESOLVED)
        .values("owner_id")
        .annotate(count=Count("pk"))
        .order_by()
        .values_list("owner_id", "count")
    )
    for location_id, row in result.items():
        row["time_to_accept"] = accept.get(location_id, EMPTY_DURATIONS)
        row["time_to_ship"] = ship.get(location_id, EMPTY_DURATIONS)
        row["open_alerts"] = alerts.get(location_id, 0)
    return result


def daily_series(*, location_ids, period: Period) -> list[dict]:
    """Parts received and fulfilled per local day of the period."""
    base = _base(location_ids)
    received = dict(
        base.filter(offered_at__gte=period.start, offered_at__lt=period.end)
        .annotate(day=TruncDate("offered_at", tzinfo=period.zone))
        .values("day")
        .annotate(count=Count("pk"))
        .order_by()
        .values_list("day", "count")
    )
    fulfilled = dict(
        base.filter(fulfilled_at__gte=period.start, fulfilled_at__lt=period.end)
        .annotate(day=TruncDate("fulfilled_at", tzinfo=period.zone))
        .values("day")
        .annotate(count=Count("pk"))
        .order_by()
        .values_list("day", "count")
    )
    return [
        {
            "day": day,
            "received": received.get(day, 0),
            "fulfilled": fulfilled.get(day, 0),
        }
        for day in period.days
    ]


def outliers(rows: list[dict], field: str, *, low: bool) -> set[int]:
    """Locations beyond Tukey's fences (1.5 interquartile ranges past the
    quartiles) on `field`: below the lower fence when `low`, else above."""
    values = [row[field] for row in rows if row[field] is not None]
    if len(values) < 4:
        return set()
    q1 = percentile([float(v) for v in values], 0.25)
    q3 = percentile([float(v) for v in values], 0.75)
    spread = 1.5 * (q3 - q1)
    flagged = set()
    for row in rows:
        value = row[field]
        if value is None:
            continue
        if (low and float(value) < q1 - spread) or (
            not low and float(value) > q3 + spread
        ):
            flagged.add(row["location_id"])
    return flagged
