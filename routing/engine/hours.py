"""Opening hours: parsing them and finding when a location is next open."""

import functools
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MINUTES_PER_DAY = 24 * 60


@functools.lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown time zone {name!r}") from error


def _minutes(text: str) -> int:
    hours, separator, minutes = text.partition(":")
    if (
        not separator
        or not (hours.isdigit() and minutes.isdigit())
        or len(minutes) != 2
    ):
        raise ValueError(f"opening time {text!r} is not in HH:MM form")
    value = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or value > MINUTES_PER_DAY:
        raise ValueError(f"opening time {text!r} is not a time of day")
    return value


@functools.lru_cache(maxsize=1024)
def parse_opening_hours(
    opening_hours: tuple[tuple[int, str, str], ...],
) -> tuple[tuple[tuple[int, int], ...], ...]:
    """Return, per weekday (0 = Monday), the open intervals in minutes.

    An interval whose end is not after its start runs past midnight, so its end
    is stored as more than 1440 minutes. Equal start and end means 24 hours.
    """
    week: list[list[tuple[int, int]]] = [[] for _ in range(7)]
    for weekday, opens, closes in opening_hours:
        if not isinstance(weekday, int) or not 0 <= weekday <= 6:
            raise ValueError(f"weekday {weekday!r} must be 0 (Monday) to 6 (Sunday)")
        start = _minutes(opens)
        end = _minutes(closes)
        if end <= start:
            end += MINUTES_PER_DAY
        week[weekday].append((start, end))
    return tuple(tuple(sorted(intervals)) for intervals in week)


def next_opening(
    now: datetime, time_zone: str, opening_hours: tuple[tuple[int, str, str], ...]
) -> datetime | None:
    """Return `now` if the location is open, else the next time it opens.

    No opening hours means always open. Returns None only when no weekday has
    an interval, which a non-empty `opening_hours` rules out.
    """
    if not opening_hours:
        return now
    week = parse_opening_hours(opening_hours)
    local_now = now.astimezone(zone(time_zone))
    today = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    earliest = None

    # Start from yesterday because an interval may run past midnight.
    for offset in range(-1, 8):
        midnight = today + timedelta(days=offset)
        for start, end in week[midnight.weekday()]:
            opens_at = midnight + timedelta(minutes=start)
            closes_at = midnight + timedelta(minutes=end)
            if opens_at <= local_now < closes_at:
                return now
            if opens_at > local_now and (earliest is None or opens_at < earliest):
                earliest = opens_at
        if earliest is not None and offset >= 0:
            return earliest
    return earliest


def format_local(moment: datetime, time_zone: str) -> str:
    """Format an instant as local wall time with its UTC offset."""
    return moment.astimezone(zone(time_zone)).isoformat(sep=" ", timespec="minutes")
