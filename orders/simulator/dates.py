"""Date formats VTEX uses: seven fractional digits, with +00:00 or Z."""

from datetime import UTC, datetime


def _seven_digits(moment: datetime) -> str:
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    # Python keeps microseconds but VTEX prints a seventh digit (100 ns
    # ticks). Repeating the last microsecond digit keeps the text deterministic.
    micro = moment.microsecond
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T"
        f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}."
        f"{micro:06d}{micro % 10}"
    )


def document_date(moment: datetime) -> str:
    """Format as in Get order documents: 2024-10-09T19:25:26.5838646+00:00."""
    return f"{_seven_digits(moment)}+00:00"


def event_date(moment: datetime) -> str:
    """Format as in feed and hook events: 2019-08-12T20:54:23.7153839Z."""
    return f"{_seven_digits(moment)}Z"


def parse_date(text: str) -> datetime:
    """Parse a VTEX or ISO 8601 date, taking a date without an offset as UTC."""
    moment = datetime.fromisoformat(text.strip())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
