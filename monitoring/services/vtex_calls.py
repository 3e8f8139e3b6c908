"""Count every VTEX call Ponte makes, per minute and outcome, and compute the
share of throttled (HTTP 429) responses.

Counts go to `VtexCallCount` rows, one per minute and outcome, through an
upsert that adds to the row. They work with the embedded defaults (no Redis),
where each process has its own memory cache, because the rows live in the
database every process shares.

Each process first adds a call to a buffer in memory. The buffer is written
after the current transaction commits, or at once outside a transaction, so
the counter row is never locked for the length of a caller's transaction.
Counts of a transaction that rolls back stay in the buffer until the next
call's write.
"""

import logging
import threading
from collections import Counter
from datetime import datetime, timedelta

from django.db import DatabaseError, connection, transaction
from django.db.models import Sum
from django.utils import timezone

from monitoring.models import VtexCallCount

logger = logging.getLogger(__name__)

Outcome = VtexCallCount.Outcome
# Rows older than this are deleted by the sync check; 6 outcomes a minute
# make at most 60,480 rows a week.
KEEP_CALL_COUNTS = timedelta(days=7)
THROTTLED_WINDOW = timedelta(hours=1)

# (minute, outcome) → calls not yet written. Web servers may run threads.
pending: Counter[tuple[datetime, str]] = Counter()
_pending_lock = threading.Lock()


def call_outcome(status: int | None) -> str:
    """Return the outcome class of an HTTP status; None means no response."""
    if status is None:
        return Outcome.NO_RESPONSE
    if status == 429:
        return Outcome.THROTTLED
    if status >= 500:
        return Outcome.SERVER_ERROR
    if status >= 400:
        return Outcome.CLIENT_ERROR
    if status >= 300:
        return Outcome.REDIRECT
    return Outcome.SUCCESS


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def vtex_call_record(*, status: int | None, now: datetime | None = None) -> None:
    """Count one VTEX call and write the buffer once the transaction commits."""
    key = (_minute(now or timezone.now()), call_outcome(status))
    with _pending_lock:
        pending[key] += 1
    transaction.on_commit(vtex_calls_flush)


def vtex_calls_flush() -> int:
    """Add the buffered counts to their rows; return how many rows changed.

    On a database error the counts go back to the buffer for the next write.
    """
    with _pending_lock:
        counts = list(pending.items())
        pending.clear()
    if not counts:
        return 0
    table = connection.ops.quote_name(VtexCallCount._meta.db_table)
    # PostgreSQL and SQLite (3.24 and later) both accept this upsert. Only the
    # quoted table name is formatted in; every value is a parameter.
    sql = (
        f"INSERT INTO {table} (minute, outcome, count) VALUES (%s, %s, %s) "  # noqa: S608
        f"ON CONFLICT (minute, outcome) DO UPDATE "
        f"SET count = {table}.count + EXCLUDED.count"
    )
    params = [
        (connection.ops.adapt_datetimefield_value(minute), outcome, count)
        for (minute, outcome), count in counts
    ]
    try:
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)
    except DatabaseError:
        logger.exception("Writing %d VTEX call counts failed; kept them", len(counts))
        with _pending_lock:
            pending.update(dict(counts))
        return 0
    return len(counts)


def vtex_calls_summary(*, now: datetime | None = None) -> dict:
    """Count the VTEX calls of the last hour by outcome and return the share
    of HTTP responses that were 429, in percent (None without responses).

    The hour is the current minute and the 59 before it. Calls that got no
    response count in `no_response` but not in the rate.
    """
    now = now or timezone.now()
    since = _minute(now) - THROTTLED_WINDOW + timedelta(minutes=1)
    by_outcome = dict(
        VtexCallCount.objects.filter(minute__gte=since)
        .order_by()
        .values("outcome")
        .annotate(calls=Sum("count"))
        .values_list("outcome", "calls")
    )
    no_response = by_outcome.pop(Outcome.NO_RESPONSE, 0)
    responses = sum(by_outcome.values())
    throttled = by_outcome.get(Outcome.THROTTLED, 0)
    return {
        "responses": responses,
        "throttled": throttled,
        "no_response": no_response,
        "by_outcome": by_outcome,
        "throttled_rate": (
            round(100 * throttled / responses, 1) if responses else None
        ),
    }


def vtex_call_counts_prune(*, now: datetime) -> int:
    deleted, _ = VtexCallCount.objects.filter(
        minute__lt=now - KEEP_CALL_COUNTS
    ).delete()
    return deleted
