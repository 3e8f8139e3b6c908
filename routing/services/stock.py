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


def stock_levels_set(
    *, rows: Iterable[StockRow], source: str, at: datetime | None = None
) -> int:
    """Set absolute quantities (an inventory count, not a delta) and keep a
    snapshot of each. Reservations are kept. Returns the number of rows."""
    at = at or timezone.now()
    rows = list(rows)
    with transaction.atomic():
        existing = {
            (level.location_id, level.sku_id): level
            for level in StockLevel.objects.select_for_update()
            .filter(
                location_id__in={row.location_id for row in rows},
                sku_id__in={row.sku_id for row in rows},
            )
            .order_by("pk")
        }
        new, changed = [], []
        for row in rows:
            level = existing.get((row.location_id, row.sku_id))
            if level is None:
                level = StockLevel(
                    location_id=row.location_id, sku_id=row.sku_id, reserved=0
                )
                new.append(level)
            else:
                changed.append(level)
            level.quantity = row.quantity
            level.source = source
            if row.lead_time_hours is not None:
                level.lead_time_hours = row.lead_time_hours
        StockLevel.objects.bulk_create(new)
        StockLevel.objects.bulk_update(
            changed, ["quantity", "source", "lead_time_hours", "updated_at"]
        )
        StockSnapshot.objects.bulk_create(
            StockSnapshot(
                location_id=row.location_id,
                sku_id=row.sku_id,
                quantity=row.quantity,
                taken_at=at,
                source=source,
            )
            for row in rows
        )
    logger.info("Stock set for %d rows from %s", len(rows), source)
    return len(rows)


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
