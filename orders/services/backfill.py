"""List orders by creation date and refresh each one.

VTEX's list endpoint serves at most 30 pages of 100 orders (3,000) per query, so
a window whose `paging.total` is larger is split in halves until each half fits.
Adjacent windows share their boundary instant and the ids are de-duplicated.
"""

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db import connection

from orders.services.locations import LocationIndex
from orders.services.refresh import STORE_BATCH, Outcome, orders_store_documents
from orders.vtex.client import (
    LIST_MAX_PAGES,
    LIST_PER_PAGE,
    VtexClient,
    VtexError,
    VtexNotFound,
)

logger = logging.getLogger(__name__)

WINDOW_CAPACITY = LIST_MAX_PAGES * LIST_PER_PAGE
# A window this short that still contains more than 3,000 orders cannot be listed.
MIN_WINDOW = timedelta(milliseconds=10)


class BackfillError(Exception):
    pass


@dataclass
class BackfillSummary:
    listed: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # Documents older than the stored order (an earlier lastChange), ignored.
    stale: int = 0
    quarantined: int = 0
    not_found: int = 0
    failed: int = 0
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)

    @property
    def stored(self) -> int:
        return self.created + self.updated

    def line(self) -> str:
        return (
            f"listed {self.listed}, stored {self.stored} "
            f"({self.created} new, {self.updated} updated), "
            f"unchanged {self.unchanged}, stale {self.stale}, "
            f"quarantined {self.quarantined}, "
            f"not found {self.not_found}, failed {self.failed}, "
            f"{self.seconds:.1f} s"
        )


def order_ids_list(
    *, client: VtexClient, since: datetime, until: datetime
) -> list[str]:
    """Return every order id created in [since, until], each once, oldest first."""
    seen: dict[str, None] = {}
    pending = [(since, until)]
    while pending:
        start, end = pending.pop(0)
        first = _list_page(client, start, end, 1)
        total = int(first.get("paging", {}).get("total", 0))
        if total > WINDOW_CAPACITY:
            if end - start <= MIN_WINDOW:
                raise BackfillError(
                    f"{total} orders were created between {start.isoformat()} and "
                    f"{end.isoformat()}; VTEX lists at most {WINDOW_CAPACITY} per query."
                )
            middle = start + (end - start) / 2
            pending[:0] = [(start, middle), (middle, end)]
            continue
        pages = int(first.get("paging", {}).get("pages", 1))
        rows = list(first.get("list", []))
        for page in range(2, min(pages, LIST_MAX_PAGES) + 1):
            rows.extend(_list_page(client, start, end, page).get("list", []))
        for row in rows:
            seen.setdefault(row["orderId"], None)
    return list(seen)


def _list_page(client: VtexClient, start: datetime, end: datetime, page: int) -> dict:
    return client.list_orders(
        created_from=_utc(start),
        created_to=_utc(end),
        page=page,
        per_page=LIST_PER_PAGE,
    )


def _utc(moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def orders_backfill(
    *,
    since: datetime,
    until: datetime,
    client: VtexClient | None = None,
    source: str = "backfill",
    workers: int = 4,
    progress: Callable[[int, int], None] | None = None,
) -> BackfillSummary:
    """List and store every order created in [since, until].

    `workers` threads fetch documents, which is mostly waiting on VTEX, while
    this thread stores them in batches of STORE_BATCH, one transaction each.
    """
    client = client or VtexClient.from_settings()
    started = time.monotonic()
    logger.info("Backfill started for %s to %s", since.isoformat(), until.isoformat())
    order_ids = order_ids_list(client=client, since=since, until=until)
    summary = BackfillSummary(listed=len(order_ids))
    locations = LocationIndex.load()

    def fetch(order_id: str) -> tuple[str, str | None, Outcome | None, str]:
        try:
            return order_id, client.get_order_text(order_id), None, ""
        except VtexNotFound:
            return order_id, None, Outcome.NOT_FOUND, ""
        except VtexError as error:
            return order_id, None, None, str(error)
        except Exception as error:
            # One broken fetch must not stop the run; it is counted as failed
            # and the command exits non-zero.
            logger.exception("Backfill crashed fetching order %s", order_id)
            return order_id, None, None, f"{type(error).__name__}: {error}"

    done = 0
    batch: list[tuple[str, str]] = []
    for order_id, text, outcome, problem in _run_parallel(fetch, order_ids, workers):
        if text is None:
            _count(summary, order_id, outcome, problem)
            done += 1
        else:
            batch.append((order_id, text))
        if len(batch) >= STORE_BATCH:
            done += _batch_store(batch, source, locations, summary)
            batch = []
        if progress:
            progress(done, len(order_ids))
    done += _batch_store(batch, source, locations, summary)
    if progress:
        progress(done, len(order_ids))

    summary.seconds = time.monotonic() - started
    logger.info("Backfill finished: %s", summary.line())
    return summary


def _batch_store(
    batch: list[tuple[str, str]], source: str, locations, summary: BackfillSummary
) -> int:
    if not batch:
        return 0
    outcomes = orders_store_documents(
        documents=batch, source=source, locations=locations
    )
    for order_id, outcome in outcomes.items():
        _count(summary, order_id, outcome, "")
    return len(outcomes)


def _count(summary: BackfillSummary, order_id: str, outcome, problem: str) -> None:
    if outcome is None:
        summary.failed += 1
        summary.failures.append(f"{order_id}: {problem}")
        logger.error("Backfill could not refresh order %s: %s", order_id, problem)
        return
    attribute = {
        Outcome.CREATED: "created",
        Outcome.UPDATED: "updated",
        Outcome.UNCHANGED: "unchanged",
        Outcome.STALE: "stale",
        Outcome.QUARANTINED: "quarantined",
        Outcome.NOT_FOUND: "not_found",
    }[outcome]
    setattr(summary, attribute, getattr(summary, attribute) + 1)


def _run_parallel(function, arguments: list, workers: int):
    """Yield function(argument) for each argument, from `workers` threads.

    A thread that touched the database closes its connection when done. One
    worker runs inline, in the caller's connection and transaction.
    """
    if workers <= 1:
        for argument in arguments:
            yield function(argument)
        return

    tasks: queue.Queue = queue.Queue()
    results: queue.Queue = queue.Queue()
    for argument in arguments:
        tasks.put(argument)

    def work() -> None:
        try:
            while True:
                try:
                    argument = tasks.get_nowait()
                except queue.Empty:
                    return
                results.put(function(argument))
        finally:
            connection.close()

    threads = [threading.Thread(target=work, daemon=True) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for _ in arguments:
        yield results.get()
    for thread in threads:
        thread.join()
