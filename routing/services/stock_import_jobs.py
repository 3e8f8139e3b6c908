"""Stock CSV imports that run as background tasks, for files too large to
import within a web request.

The upload stores the file in a `StockImport` row and queues
`stock_import_task`. The task checks every row first, as the synchronous
import does, so a file with any error writes nothing. A file without errors
is then written in chunks of WRITE_CHUNK rows, each committed with the
progress, so the result page can show how far it got. Every chunk carries the
same snapshot time.

NOTE: a worker killed while writing leaves the chunks written so far in
place. `stock_imports_fail_stale` marks such an import failed with the count
of rows written. Uploading the file again sets the same absolute quantities,
so it completes the import.
"""

import logging
import time
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from routing.models import StockImport
from routing.services.stock import stock_levels_set
from routing.services.stock_import import (
    MAX_FILE_BYTES,
    RowError,
    StockImportResult,
    stock_csv_check,
    stock_csv_import,
    stock_import_result,
)

logger = logging.getLogger(__name__)

# Files up to this size import within the request. 256 KB is about 10,000
# rows of a typical file, written in well under a second.
SYNC_MAX_BYTES = 256 * 1024
# Rows committed per transaction of a background import, with the progress.
# A 200,000-row file took 24 s to check and write on SQLite on a shared 2-core
# machine, and `stock_levels_set` alone took 36 s in another run there, so a
# chunk takes one to two seconds and the progress moves every few seconds.
WRITE_CHUNK = 10_000
# Errors kept on a rejected import: the page lists this many and counts the rest.
MAX_SAVED_ERRORS = 1000
# An import that has not moved for this long is taken for dead.
STALE_AFTER = timedelta(minutes=10)


def stock_csv_upload(*, file, user=None) -> StockImportResult | StockImport:
    """Import a small file now and return its result, or queue a large one
    and return its `StockImport` row."""
    size = getattr(file, "size", None)
    if size is not None and size > SYNC_MAX_BYTES:
        return stock_import_start(file=file, user=user)
    return stock_csv_import(file=file, user=user)


def stock_import_start(*, file, user=None, source: str = "csv") -> StockImport:
    """Store an uploaded file and queue its import. A file over the size limit
    is stored without its content, and the task rejects it."""
    from routing.inventory_tasks import stock_import_task

    content = file.read(MAX_FILE_BYTES + 1)
    if isinstance(content, str):
        content = content.encode()
    name = getattr(file, "name", "") or ""
    with transaction.atomic():
        job = StockImport.objects.create(
            file_name=name[-255:],
            file_size=len(content),
            content=content if len(content) <= MAX_FILE_BYTES else b"",
            source=source,
            created_by=user if user is not None and user.is_authenticated else None,
        )
        transaction.on_commit(lambda: stock_import_task.delay(job.pk))
    logger.info(
        "Stock import %s queued by user %s: %s, %d bytes",
        job.pk,
        getattr(user, "pk", None),
        job.file_name,
        job.file_size,
    )
    return job


def stock_import_run(*, import_id: int) -> StockImport | None:
    """Check and write a queued import. Returns None when another worker has
    already claimed it. Any unexpected error marks it failed."""
    now = timezone.now()
    claimed = StockImport.objects.filter(
        pk=import_id, status=StockImport.Status.QUEUED
    ).update(status=StockImport.Status.VALIDATING, started_at=now, updated_at=now)
    if not claimed:
        logger.info("Stock import %s skipped because it is not queued", import_id)
        return None

    started = time.monotonic()
    job = StockImport.objects.get(pk=import_id)
    logger.info("Stock import %s started: %s", import_id, job.file_name)
    try:
        _run(job)
    except ImportStopped:
        logger.warning(
            "Stock import %s stopped because it was failed as stale meanwhile",
            import_id,
        )
    except Exception as error:
        logger.exception("Stock import %s failed", import_id)
        _finish(
            import_id,
            status=StockImport.Status.FAILED,
            failure=f"{type(error).__name__}: {error}",
        )
    job.refresh_from_db()
    logger.info(
        "Stock import %s %s: %d of %d rows written, %d errors, %d ms",
        import_id,
        job.status,
        job.rows_written,
        job.rows_total,
        job.error_count,
        round((time.monotonic() - started) * 1000),
    )
    return job


def _run(job: StockImport) -> None:
    rows, errors = stock_csv_check(file=_ContentFile(job))
    if errors:
        _finish(
            job.pk,
            status=StockImport.Status.REJECTED,
            errors=[_error_dict(error) for error in errors[:MAX_SAVED_ERRORS]],
            error_count=len(errors),
        )
        return

    summary = stock_import_result(rows)
    _advance(
        job.pk,
        status=StockImport.Status.WRITING,
        rows_total=len(rows),
        locations=summary.locations,
        skus=summary.skus,
    )
    at = timezone.now()
    rows.sort(key=lambda row: (row.location_id, row.sku_id))
    for start in range(0, len(rows), WRITE_CHUNK):
        chunk = rows[start : start + WRITE_CHUNK]
        with transaction.atomic():
            stock_levels_set(rows=chunk, source=job.source, at=at)
            _advance(job.pk, rows_written=start + len(chunk))
    _finish(job.pk, status=StockImport.Status.DONE)


class _ContentFile:
    """The stored file as the binary file object that `stock_csv_check` reads."""

    def __init__(self, job: StockImport) -> None:
        self.content = bytes(job.content)
        self.size = job.file_size

    def read(self, limit: int = -1) -> bytes:
        # A file over MAX_FILE_BYTES was not kept, and `size` rejects it first.
        return self.content if limit < 0 else self.content[:limit]


def _error_dict(error: RowError) -> dict:
    return {
        "row": error.row,
        "column": error.column,
        "value": error.value,
        "reason": error.reason,
    }


class ImportStopped(Exception):
    """Raised when the import's row left its running state meanwhile."""


def _advance(import_id: int, **fields) -> None:
    updated = StockImport.objects.filter(
        pk=import_id,
        status__in=(StockImport.Status.VALIDATING, StockImport.Status.WRITING),
    ).update(updated_at=timezone.now(), **fields)
    if not updated:
        raise ImportStopped(import_id)


def _finish(import_id: int, *, status: str, **fields) -> None:
    now = timezone.now()
    # The file is no longer needed once the import ends.
    StockImport.objects.filter(
        pk=import_id,
        status__in=(StockImport.Status.VALIDATING, StockImport.Status.WRITING),
    ).update(status=status, finished_at=now, updated_at=now, content=b"", **fields)


def stock_imports_fail_stale(*, now: datetime | None = None) -> int:
    """Fail imports that have been checking or writing without progress for
    STALE_AFTER, saying how many rows were written. Returns how many."""
    now = now or timezone.now()
    stale = list(
        StockImport.objects.filter(
            status__in=(StockImport.Status.VALIDATING, StockImport.Status.WRITING),
            updated_at__lt=now - STALE_AFTER,
        ).values_list("pk", "updated_at", "rows_written", "rows_total")
    )
    failed = 0
    for import_id, updated_at, written, total in stale:
        failure = _(
            "The import stopped at %(time)s after writing %(written)s of "
            "%(total)s rows, and nothing moved for %(minutes)d minutes. Upload "
            "the file again: it sets the same quantities, so it completes the "
            "import."
        ) % {
            "time": timezone.localtime(updated_at).strftime("%d/%m/%Y %H:%M"),
            "written": written,
            "total": total,
            "minutes": STALE_AFTER // timedelta(minutes=1),
        }
        failed += StockImport.objects.filter(
            pk=import_id, updated_at=updated_at
        ).update(
            status=StockImport.Status.FAILED,
            failure=failure,
            finished_at=now,
            updated_at=now,
            content=b"",
        )
        logger.warning(
            "Stock import %s failed as stale: %d of %d rows written",
            import_id,
            written,
            total,
        )
    return failed
