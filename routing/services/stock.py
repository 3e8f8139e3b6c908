"""Stock levels, their history, and reservations for open assignments."""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from routing.models import StockLevel, StockSnapshot

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StockRow:
    location_id: int
    sku_id: str
    quantity: int
    lead_time_hours: float | None = None


# Rows per INSERT statement. A stock level binds 8 parameters and a snapshot
# 6, so 1,000 rows stay far below the 32,766 bound parameters that SQLite
# 3.32+ accepts per statement (PostgreSQL accepts 65,535).
WRITE_CHUNK = 1000


def stock_levels_set(
    *,
    rows: Iterable[StockRow],
    source: str,
    at: datetime | None = None,
) -> int:
    """Set absolute quantities (an inventory count, not a delta) and keep a
    snapshot of each. Reservations are kept. Returns the number of rows.

    Each chunk is one upsert (INSERT ... ON CONFLICT DO UPDATE) that never
    names `reserved`, so no row is read first and any number of distinct
    SKUs fits. Rows go in (location, SKU) order, so two imports lock shared
    rows in the same order.
    """
    at = at or timezone.now()
    rows = sorted(rows, key=lambda row: (row.location_id, row.sku_id))
    with transaction.atomic():
        for start in range(0, len(rows), WRITE_CHUNK):
            chunk = rows[start : start + WRITE_CHUNK]
            _levels_upsert(chunk, source=source)
            StockSnapshot.objects.bulk_create(
                StockSnapshot(
                    location_id=row.location_id,
                    sku_id=row.sku_id,
                    quantity=row.quantity,
                    taken_at=at,
                    lead_time_hours=row.lead_time_hours,
                    source=source,
                )
                for row in chunk
            )
    logger.info("Stock set for %d rows from %s", len(rows), source)
    return len(rows)


def _levels_upsert(rows: list[StockRow], *, source: str) -> None:
    """Insert or update the levels of `rows`. A row without a lead time keeps
    the stored one, so those rows go in a statement that leaves it alone."""
    with_lead_time = [row for row in rows if row.lead_time_hours is not None]
    without_lead_time = [row for row in rows if row.lead_time_hours is None]
    for group, fields in (
        (with_lead_time, ["quantity", "source", "lead_time_hours", "updated_at"]),
        (without_lead_time, ["quantity", "source", "updated_at"]),
    ):
        if not group:
            continue
        StockLevel.objects.bulk_create(
            [
                StockLevel(
                    location_id=row.location_id,
                    sku_id=row.sku_id,
                    quantity=row.quantity,
                    reserved=0,
                    lead_time_hours=row.lead_time_hours or 0,
                    source=source,
                )
                for row in group
            ],
            update_conflicts=True,
            unique_fields=["location", "sku_id"],
            update_fields=fields,
        )


def stock_at(*, sku_ids: Iterable[str], at: datetime) -> dict[tuple[int, str], int]:
    """Quantity per (location id, SKU) as the latest snapshot at or before `at`."""
    quantities: dict[tuple[int, str], int] = {}
    snapshots = (
        StockSnapshot.objects.filter(sku_id__in=list(sku_ids), taken_at__lte=at)
        .order_by("location_id", "sku_id", "taken_at", "id")
        .values_list("location_id", "sku_id", "quantity")
    )
    for location_id, sku_id, quantity in snapshots:
        quantities[(location_id, sku_id)] = quantity
    return quantities


def lead_times_at(
    *, sku_ids: Iterable[str], at: datetime
) -> dict[tuple[int, str], float]:
    """Lead hours per (location id, SKU) as the latest snapshot at or before
    `at` that came with one, else as the stock level has it now. Snapshots
    taken before they recorded lead times have none."""
    sku_ids = list(sku_ids)
    hours: dict[tuple[int, str], float] = {
        (location_id, sku_id): float(lead_time)
        for location_id, sku_id, lead_time in StockLevel.objects.filter(
            sku_id__in=sku_ids
        ).values_list("location_id", "sku_id", "lead_time_hours")
    }
    snapshots = (
        StockSnapshot.objects.filter(
            sku_id__in=sku_ids, taken_at__lte=at, lead_time_hours__isnull=False
        )
        .order_by("location_id", "sku_id", "taken_at", "id")
        .values_list("location_id", "sku_id", "lead_time_hours")
    )
    for location_id, sku_id, lead_time in snapshots:
        hours[(location_id, sku_id)] = float(lead_time)
    return hours


def stock_available(*, sku_ids: Iterable[str]) -> dict[int, dict[str, int]]:
    """Units each location may still promise, per SKU: quantity minus reserved."""
    available: dict[int, dict[str, int]] = {}
    levels = StockLevel.objects.filter(sku_id__in=list(sku_ids)).values_list(
        "location_id", "sku_id", "quantity", "reserved"
    )
    for location_id, sku_id, quantity, reserved in levels:
        available.setdefault(location_id, {})[sku_id] = max(0, quantity - reserved)
    return available


def stock_reserve(*, location_id: int, quantities: dict[str, int]) -> None:
    """Add to `reserved` in one UPDATE per SKU; a SKU without a level gets a
    zero-quantity row so the reservation is still visible."""
    for sku_id, quantity in sorted(quantities.items()):
        updated = StockLevel.objects.filter(
            location_id=location_id, sku_id=sku_id
        ).update(reserved=F("reserved") + quantity)
        if not updated:
            StockLevel.objects.create(
                location_id=location_id,
                sku_id=sku_id,
                quantity=0,
                reserved=quantity,
                source=StockLevel.Source.ADJUSTMENT,
            )


def stock_release(*, location_id: int, quantities: dict[str, int]) -> None:
    for sku_id, quantity in sorted(quantities.items()):
        level = StockLevel.objects.filter(location_id=location_id, sku_id=sku_id)
        # Never below zero, even if a reservation was released twice by hand.
        level.filter(reserved__gte=quantity).update(reserved=F("reserved") - quantity)
        level.filter(reserved__lt=quantity).update(reserved=0)


def stock_zero(*, location_id: int, sku_ids: Iterable[str], source: str) -> None:
    """Record that the location has none of these SKUs (an out-of-stock rejection)."""
    now = timezone.now()
    for sku_id in sorted(set(sku_ids)):
        StockLevel.objects.filter(location_id=location_id, sku_id=sku_id).update(
            quantity=0, source=source, updated_at=now
        )
        StockSnapshot.objects.create(
            location_id=location_id,
            sku_id=sku_id,
            quantity=0,
            taken_at=now,
            source=source,
        )
