"""Every dashboard figure, computed in one place. `docs/kpis.md` defines them.

A period is a range of local days in a time zone: an assignment belongs to
the period when its timestamp falls between the local midnights that bound
it. Each function costs a fixed number of queries whatever the data.

On PostgreSQL, counts and sums come from the daily per-location figures
that triggers keep (migration 0006) whenever those count days in the
period's time zone with the current SHIP_WINDOW. Late now and the
percentiles always come from the assignments. Without daily figures, one
pass over the period's assignments computes every per-location figure, and
the daily series takes one query of two index-only scans. SQLite computes
the percentiles and local days in Python.
"""

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.postgres.fields import ArrayField
from django.db import connection, transaction
from django.db.models import (
    Aggregate,
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Q,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from monitoring.models import Alert
from routing.models import Assignment

State = Assignment.State

# Time after acceptance by which a part without a ship-by time of its own
# (`Assignment.ship_by` is null) must be shipped or ready for pickup to count
# as on time, and after which it is late. Parts with a ship-by time use it.
SHIP_WINDOW = timedelta(hours=24)
# Sort memory for the per-location queries with percentiles on PostgreSQL.
# The single pass over a month of a 500-store network sorts about 84,000 rows
# of 100 bytes, which spills to disk with PostgreSQL's default of 4 MB.
AGGREGATION_WORK_MEM = "64MB"
# Daily per-location counts and sums that migration 0006 keeps on PostgreSQL,
# with the same definitions as `_aggregates`.
DAILY_FIGURES = "monitoring_dailyfigures"
DAILY_COUNTS = (
    "received",
    "accepted",
    "rejected",
    "expired",
    "canceled",
    "fulfilled",
    "on_time",
)
DAILY_SUMS = ("revenue_fulfilled", "revenue_credited")
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


# Percentiles of the time to accept and the time to ship, by name.
FRACTIONS = {"median": 0.5, "p90": 0.9}
EMPTY_DURATIONS = {"median": None, "p90": None}


class Percentiles(Aggregate):
    """PostgreSQL's percentile_cont with an array of fractions: one sort of
    the group, then linear interpolation between ranks for each fraction."""

    function = "percentile_cont"
    template = (
        "%(function)s(ARRAY[%(fractions)s]) WITHIN GROUP (ORDER BY %(expressions)s)"
    )

    def __init__(self, expression, **extra):
        fractions = ", ".join(str(value) for value in FRACTIONS.values())
        super().__init__(
            expression,
            fractions=fractions,
            output_field=ArrayField(DurationField()),
            **extra,
        )


class WidthBucket(Func):
    """PostgreSQL's width_bucket(value, thresholds): the number of sorted
    thresholds at or before the value, so 1 for the first day of a period."""

    function = "width_bucket"
    output_field = IntegerField()


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


def _ship_deadline():
    """The time by which a part must be shipped or ready for pickup: its own
    ship-by time, or SHIP_WINDOW after acceptance when it has none."""
    return Coalesce(
        "ship_by", F("accepted_at") + SHIP_WINDOW, output_field=DateTimeField()
    )


def _within(field: str, period: Period) -> Q:
    return Q(**{f"{field}__gte": period.start, f"{field}__lt": period.end})


def _late_now(now: datetime) -> Q:
    return Q(state=State.OFFERED, expires_at__lt=now) | Q(
        state__in=(State.ACCEPTED, State.PICKING), ship_deadline__lt=now
    )


def _aggregates(period: Period, now: datetime) -> dict:
    offered = _within("offered_at", period)
    fulfilled = _within("fulfilled_at", period)
    on_time = fulfilled & Q(fulfilled_at__lte=F("ship_deadline"))
    late_now = _late_now(now)
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
        "revenue_credited": Sum("invoice_value", filter=_within("invoiced_at", period)),
    }


def _percentile_aggregates(period: Period) -> dict:
    """Time to accept (offer to acceptance, by acceptance time) and time to
    ship (acceptance to shipped or ready, by that time), for PostgreSQL."""
    to_accept = ExpressionWrapper(
        F("accepted_at") - F("offered_at"), output_field=DurationField()
    )
    to_ship = ExpressionWrapper(
        F("fulfilled_at") - F("accepted_at"), output_field=DurationField()
    )
    shipped = _within("fulfilled_at", period) & Q(accepted_at__isnull=False)
    return {
        "time_to_accept": Percentiles(to_accept, filter=_within("accepted_at", period)),
        "time_to_ship": Percentiles(to_ship, filter=shipped),
    }


def _relevant(period: Period, *, durations: bool) -> Q:
    """Assignments that the per-location counts (and, with `durations`, the
    percentiles) use, as a filter that the time indexes of migration 0002 and
    the state index can serve."""
    relevant = (
        _within("offered_at", period)
        | _within("fulfilled_at", period)
        | _within("invoiced_at", period)
        | Q(state__in=(State.OFFERED, State.ACCEPTED, State.PICKING))
    )
    if durations:
        relevant |= _within("accepted_at", period)
    return relevant


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


def empty_figures() -> dict:
    """Return the figures of a location without any assignment to count."""
    counts = dict.fromkeys(
        (
            "received",
            "accepted",
            "rejected",
            "expired",
            "canceled",
            "fulfilled",
            "on_time",
            "late_now",
            "open_alerts",
        ),
        0,
    )
    row = _rates(counts)
    row["time_to_accept"] = EMPTY_DURATIONS
    row["time_to_ship"] = EMPTY_DURATIONS
    return row


def _base(location_ids):
    queryset = Assignment.objects.all()
    if location_ids is not None:
        queryset = queryset.filter(location_id__in=location_ids)
    return queryset.alias(fulfilled_at=_fulfilled_at(), ship_deadline=_ship_deadline())


def _minutes(seconds: float | None) -> Decimal | None:
    if seconds is None:
        return None
    return (Decimal(str(seconds)) / 60).quantize(Decimal("0.1"))


def _durations_in_minutes(percentiles: list[timedelta] | None) -> dict:
    if percentiles is None:
        return EMPTY_DURATIONS
    return {
        name: _minutes(value.total_seconds())
        for name, value in zip(FRACTIONS, percentiles, strict=True)
    }


def _durations_in_python(location_ids, period: Period, *, kind: str) -> dict:
    """Median and p90 in minutes per location, computed in Python from one
    row per assignment, for databases without percentile_cont."""
    queryset = _base(location_ids)
    if kind == "accept":
        start, end = "offered_at", "accepted_at"
        queryset = queryset.filter(_within("accepted_at", period))
    else:
        start, end = "accepted_at", "fulfilled_at"
        queryset = queryset.filter(
            _within("fulfilled_at", period), accepted_at__isnull=False
        )

    seconds: dict[int, list[float]] = defaultdict(list)
    rows = queryset.annotate(started=F(start), ended=F(end)).values_list(
        "location_id", "started", "ended"
    )
    for location_id, started, ended in rows:
        seconds[location_id].append((ended - started).total_seconds())
    return {
        location_id: {
            name: _minutes(percentile(values, fraction))
            for name, fraction in FRACTIONS.items()
        }
        for location_id, values in seconds.items()
    }


def _figures(
    location_ids, period: Period, now: datetime, *, with_durations: bool = True
) -> dict[int, dict]:
    """Compute the figures per location, for the given locations (every one
    when None) that have an assignment to count; open alerts excepted.

    Without `with_durations`, the time to accept and the time to ship are
    left out, so that PostgreSQL can aggregate in parallel without sorting.
    """
    if _daily_figures_cover(period):
        return _figures_from_daily(
            location_ids, period, now, with_durations=with_durations
        )

    on_postgresql = connection.vendor == "postgresql"
    aggregates = _aggregates(period, now)
    if with_durations and on_postgresql:
        aggregates |= _percentile_aggregates(period)
    rows = (
        _base(location_ids)
        .filter(_relevant(period, durations=with_durations))
        .values("location_id")
        .annotate(**aggregates)
        .order_by()
    )
    if on_postgresql:
        rows = _evaluate_tuned(rows)
    result = {row["location_id"]: _rates(row) for row in rows}
    if not with_durations:
        return result

    if on_postgresql:
        for row in result.values():
            row["time_to_accept"] = _durations_in_minutes(row["time_to_accept"])
            row["time_to_ship"] = _durations_in_minutes(row["time_to_ship"])
        return result

    accept = _durations_in_python(location_ids, period, kind="accept")
    ship = _durations_in_python(location_ids, period, kind="ship")
    for location_id, row in result.items():
        row["time_to_accept"] = accept.get(location_id, EMPTY_DURATIONS)
        row["time_to_ship"] = ship.get(location_id, EMPTY_DURATIONS)
    return result


def _daily_figures_cover(period: Period) -> bool:
    """Return True when the daily figures of migration 0006 exist and count
    days in the period's time zone with the current SHIP_WINDOW, so that
    summing them gives the same counts as the assignments."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT "zone", "ship_window" FROM "{DAILY_FIGURES}_config"'  # noqa: S608
        )
        config = cursor.fetchone()
    return config is not None and config == (period.zone.key, SHIP_WINDOW)


def _daily_figures_query(columns: str, location_ids, period: Period, group: str):
    """Return the SQL and parameters that sum `columns` of the daily figures
    over the period's days, grouped by `group`."""
    sql = f'SELECT "{group}", {columns} FROM "{DAILY_FIGURES}" '  # noqa: S608
    sql += 'WHERE "day" >= %s AND "day" <= %s'
    params: list = [period.first_day, period.last_day]
    if location_ids is not None:
        sql += ' AND "location_id" = ANY(%s)'
        params.append(list(location_ids))
    return sql + f' GROUP BY "{group}"', params


def _figures_from_daily(
    location_ids, period: Period, now: datetime, *, with_durations: bool
) -> dict[int, dict]:
    """Compute the figures per location from the daily figures, with late now
    and the percentiles from the assignments."""
    columns = DAILY_COUNTS + DAILY_SUMS
    sql, params = _daily_figures_query(
        ", ".join(f'sum("{column}")' for column in columns),
        location_ids,
        period,
        "location_id",
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        sums = {row[0]: dict(zip(columns, row[1:], strict=True)) for row in cursor}

    late = dict(
        _base(location_ids)
        .filter(state__in=Assignment.OPEN_STATES)
        .values("location_id")
        .annotate(late_now=Count("pk", filter=_late_now(now)))
        .order_by()
        .values_list("location_id", "late_now")
    )
    found = {}
    if with_durations:
        found = durations(location_ids=location_ids, period=period)

    result = {}
    for location_id in sums.keys() | late.keys() | found.keys():
        row = {"location_id": location_id}
        row |= sums.get(location_id) or dict.fromkeys(columns, 0)
        row["late_now"] = late.get(location_id, 0)
        result[location_id] = _rates(row)
        if with_durations:
            row |= found.get(
                location_id,
                {"time_to_accept": EMPTY_DURATIONS, "time_to_ship": EMPTY_DURATIONS},
            )
    return result


def durations(*, location_ids, period: Period) -> dict[int, dict]:
    """Compute the time to accept and the time to ship per location, for the
    given locations (every one when None), as figure rows hold them."""
    if connection.vendor != "postgresql":
        accept = _durations_in_python(location_ids, period, kind="accept")
        ship = _durations_in_python(location_ids, period, kind="ship")
        return {
            location_id: {
                "time_to_accept": accept.get(location_id, EMPTY_DURATIONS),
                "time_to_ship": ship.get(location_id, EMPTY_DURATIONS),
            }
            for location_id in accept.keys() | ship.keys()
        }

    rows = (
        _base(location_ids)
        .filter(
            _within("accepted_at", period)
            | (_within("fulfilled_at", period) & Q(accepted_at__isnull=False))
        )
        .values("location_id")
        .annotate(**_percentile_aggregates(period))
        .order_by()
    )
    return {
        row["location_id"]: {
            "time_to_accept": _durations_in_minutes(row["time_to_accept"]),
            "time_to_ship": _durations_in_minutes(row["time_to_ship"]),
        }
        for row in _evaluate_tuned(rows)
    }


def _evaluate_tuned(queryset) -> list:
    """Evaluate a per-location query on PostgreSQL with JIT compilation off
    and AGGREGATION_WORK_MEM, for this transaction only.

    The single pass's estimated cost crosses jit_above_cost (100,000 by
    default) at about a month of a 500-store network. Compiling it then took
    18 to 55 ms on the benchmark machine, more than the expressions it
    speeds up.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('jit', 'off', true), set_config('work_mem', %s, true)",
            [AGGREGATION_WORK_MEM],
        )
        return list(queryset)


def store_kpis(*, location_id: int, period: Period, now: datetime) -> dict:
    """Compute the store dashboard's figures for one location."""
    row = _figures([location_id], period, now).get(location_id) or empty_figures()
    row["open_alerts"] = Alert.objects.filter(
        owner_id=location_id, status__in=Alert.UNRESOLVED
    ).count()
    return row


def network_kpis(
    *, period: Period, now: datetime, with_durations: bool = True
) -> dict[int, dict]:
    """Compute the same figures per location, for every location with
    activity. Without `with_durations` the rows lack the time to accept and
    the time to ship, which `durations` computes for chosen locations."""
    result = _figures(None, period, now, with_durations=with_durations)
    alerts = dict(
        Alert.objects.filter(owner__isnull=False, status__in=Alert.UNRESOLVED)
        .values("owner_id")
        .annotate(count=Count("pk"))
        .order_by()
        .values_list("owner_id", "count")
    )
    for location_id, row in result.items():
        row["open_alerts"] = alerts.get(location_id, 0)
    return result


def daily_series(*, location_ids, period: Period) -> list[dict]:
    """Parts received and fulfilled per local day of the period."""
    if _daily_figures_cover(period):
        sql, params = _daily_figures_query(
            'sum("received"), sum("fulfilled")', location_ids, period, "day"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        received = {day: count for day, count, _ in rows}
        fulfilled = {day: count for day, _, count in rows}
    elif connection.vendor == "postgresql":
        received, fulfilled = _daily_counts_by_bucket(location_ids, period)
    else:
        received, fulfilled = _daily_counts_by_date(location_ids, period)
    return [
        {
            "day": day,
            "received": received.get(day, 0),
            "fulfilled": fulfilled.get(day, 0),
        }
        for day in period.days
    ]


def _daily_counts_by_bucket(location_ids, period: Period) -> tuple[dict, dict]:
    """Count parts per local day in one query: each part's day is its bucket
    among the days' local midnights, which costs less than converting every
    timestamp to local time."""
    days = period.days
    midnights = Value(
        [datetime.combine(day, time.min, tzinfo=period.zone) for day in days],
        output_field=ArrayField(DateTimeField()),
    )
    base = _base(location_ids)
    queries = [
        base.filter(_within(field, period))
        .annotate(series=Value(series), day=WidthBucket(field, midnights))
        .values("series", "day")
        # COUNT(*) needs no column of the row, so the scans stay index-only.
        .annotate(count=Count("*"))
        .order_by()
        for series, field in enumerate(("offered_at", "fulfilled_at"))
    ]
    counts: tuple[dict, dict] = ({}, {})
    for row in queries[0].union(queries[1], all=True):
        counts[row["series"]][days[row["day"] - 1]] = row["count"]
    return counts


def _daily_counts_by_date(location_ids, period: Period) -> tuple[dict, dict]:
    base = _base(location_ids)
    return tuple(
        dict(
            base.filter(_within(field, period))
            .annotate(day=TruncDate(field, tzinfo=period.zone))
            .values("day")
            .annotate(count=Count("pk"))
            .order_by()
            .values_list("day", "count")
        )
        for field in ("offered_at", "fulfilled_at")
    )


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
