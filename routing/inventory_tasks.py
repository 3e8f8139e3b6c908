"""Celery tasks that import stock: from VTEX's inventory, and from CSV files
too large to import within a web request."""

from celery import shared_task

from orders.vtex.client import VtexConfigurationError, VtexError
from routing.services.inventory import inventory_sync
from routing.services.stock_import_jobs import (
    stock_import_run,
    stock_imports_fail_stale,
)


# One Logistics API call per SKU, made one after another: at about 50 ms a call
# against VTEX (an estimate, not a measurement), a batch of 500 SKUs takes
# about half a minute, well inside the 14-minute soft time limit. A failed
# batch is retried whole, because nothing is written until every SKU is read.
@shared_task(
    bind=True,
    autoretry_for=(VtexError,),
    # A missing VTEX host or key fails the same way on every retry.
    dont_autoretry_for=(VtexConfigurationError,),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
)
def inventory_sync_task(self, sku_ids: list[str]) -> dict:
    """Set the stock of these SKUs from VTEX. Running it again is harmless."""
    return inventory_sync(sku_ids=sku_ids).as_dict()


# A file of 200,000 rows (3 MB), the largest accepted, took 24 s to check and
# write on SQLite on a shared 2-core machine, far inside the default 14-minute
# soft time limit.
@shared_task
def stock_import_task(import_id: int) -> None:
    """Run a queued stock CSV import, leaving alone one that a worker already
    claimed."""
    stock_import_run(import_id=import_id)


@shared_task
def stock_imports_fail_stale_task() -> int:
    """Fail stock imports whose worker stopped reporting progress."""
    return stock_imports_fail_stale()
