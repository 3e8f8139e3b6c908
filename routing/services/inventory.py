"""Stock from VTEX's inventory: each SKU's balance per warehouse becomes the
stock level of the location whose `vtex_warehouse_id` is that warehouse."""

import logging
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from franchises.models import Location
from orders.vtex.client import VtexClient, VtexNotFound
from orders.vtex.logistics import inventory_for_sku, lead_time_hours
from routing.models import StockLevel
from routing.services.stock import StockRow, stock_levels_set

logger = logging.getLogger(__name__)

# Quantity stored for a balance with `hasUnlimitedQuantity`: the 1,000,000
# units that VTEX documents as the quantity of unlimited inventory ("Update
# inventory by SKU and warehouse", Logistics API).
UNLIMITED_QUANTITY = 1_000_000
# Largest value of the integer `quantity` column.
MAX_QUANTITY = 2_147_483_647
# Largest value of `lead_time_hours`, a decimal with 6 digits and 1 place.
MAX_LEAD_TIME_HOURS = 99_999.9


@dataclass
class InventorySyncSummary:
    skus_requested: int = 0
    # SKUs for which VTEX returned 404.
    skus_not_found: int = 0
    stock_rows: int = 0
    unlimited_balances: int = 0
    # Balances skipped because no location, or more than one, has their
    # warehouse as its VTEX warehouse id.
    unknown_warehouse_balances: int = 0
    ambiguous_warehouse_balances: int = 0
    # Balances skipped because their quantity is missing, negative or too
    # large, or because they repeat a warehouse of the same SKU.
    invalid_balances: int = 0
    unknown_warehouse_ids: list[str] = field(default_factory=list)
    elapsed_ms: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def inventory_sync(
    *, sku_ids: Iterable[str], client: VtexClient | None = None
) -> InventorySyncSummary:
    """Fetch each SKU's VTEX inventory and set the matching stock levels.

    Every SKU is fetched before anything is written, and the rows are set in
    one `stock_levels_set` call, so a VTEX failure (raised as `VtexError`
    after the client's retries) writes nothing and the call can be repeated.
    A SKU that VTEX does not know (404) and a balance in a warehouse with no
    location are counted and logged, not raised.

    The stored quantity is VTEX's `totalQuantity`, not total minus
    `reservedQuantity`, because Ponte keeps its own reservations for the
    orders it routes in `StockLevel.reserved`, and subtracting both would
    count those orders twice.
    """
    started = time.monotonic()
    client = client or VtexClient.from_settings()
    sku_ids = list(dict.fromkeys(str(sku_id) for sku_id in sku_ids))
    summary = InventorySyncSummary(skus_requested=len(sku_ids))
    logger.info("Inventory sync started for %d SKUs", len(sku_ids))

    inventories = []
    for sku_id in sku_ids:
        try:
            inventories.append((sku_id, inventory_for_sku(client, sku_id)))
        except VtexNotFound as error:
            summary.skus_not_found += 1
            logger.warning("Inventory sync skipped SKU %s: %s", sku_id, error)

    warehouses = _locations_by_warehouse(inventories)
    rows: dict[tuple[int, str], StockRow] = {}
    unknown_ids: set[str] = set()
    ambiguous_ids: set[str] = set()
    for sku_id, inventory in inventories:
        for balance in inventory["balance"]:
            row = _stock_row(
                sku_id, balance, warehouses, summary, unknown_ids, ambiguous_ids
            )
            if row is None:
                continue
            if (row.location_id, sku_id) in rows:
                # stock_levels_set needs one row per (location, SKU).
                summary.invalid_balances += 1
                logger.warning(
                    "Inventory of SKU %s lists warehouse %s twice, so the second "
                    "balance is skipped",
                    sku_id,
                    balance.get("warehouseId"),
                )
                continue
            rows[(row.location_id, sku_id)] = row

    if rows:
        stock_levels_set(rows=rows.values(), source=StockLevel.Source.VTEX)
    summary.stock_rows = len(rows)
    summary.unknown_warehouse_ids = sorted(unknown_ids)
    summary.elapsed_ms = round((time.monotonic() - started) * 1000)
    logger.info(
        "Inventory sync finished: %d SKUs, %d stock rows, %d SKUs not found, "
        "%d balances in unknown warehouses, %d invalid balances, %d ms",
        len(sku_ids),
        summary.stock_rows,
        summary.skus_not_found,
        summary.unknown_warehouse_balances,
        summary.invalid_balances,
        summary.elapsed_ms,
    )
    return summary


def _locations_by_warehouse(inventories) -> dict[str, list[int]]:
    """Location ids per VTEX warehouse id, for the warehouses in `inventories`."""
    warehouse_ids = {
        balance.get("warehouseId")
        for _, inventory in inventories
        for balance in inventory["balance"]
        if isinstance(balance, dict) and balance.get("warehouseId")
    }
    locations = defaultdict(list)
    matches = (
        Location.objects.filter(vtex_warehouse_id__in=warehouse_ids)
        .order_by("pk")
        .values_list("vtex_warehouse_id", "pk")
    )
    for warehouse_id, location_id in matches:
        locations[warehouse_id].append(location_id)
    return locations


def _stock_row(
    sku_id: str,
    balance,
    warehouses: dict[str, list[int]],
    summary: InventorySyncSummary,
    unknown_ids: set[str],
    ambiguous_ids: set[str],
) -> StockRow | None:
    """Turn one VTEX balance into a stock row, or count why it has none."""
    if not isinstance(balance, dict):
        summary.invalid_balances += 1
        logger.warning(
            "Inventory of SKU %s has a balance that is not an object", sku_id
        )
        return None

    warehouse_id = balance.get("warehouseId")
    location_ids = warehouses.get(warehouse_id, [])
    if not location_ids:
        summary.unknown_warehouse_balances += 1
        # Logged once per warehouse, because every SKU of the sync has a
        # balance there.
        if str(warehouse_id) not in unknown_ids:
            logger.warning(
                "Inventory sync skips warehouse %r (first seen for SKU %s): no "
                "location has it as its VTEX warehouse id",
                warehouse_id,
                sku_id,
            )
        unknown_ids.add(str(warehouse_id))
        return None
    if len(location_ids) > 1:
        summary.ambiguous_warehouse_balances += 1
        if warehouse_id not in ambiguous_ids:
            logger.warning(
                "Inventory sync skips warehouse %s (first seen for SKU %s): "
                "locations %s all have it as their VTEX warehouse id",
                warehouse_id,
                sku_id,
                location_ids,
            )
        ambiguous_ids.add(warehouse_id)
        return None

    quantity = _quantity(sku_id, balance, summary)
    if quantity is None:
        return None
    return StockRow(
        location_id=location_ids[0],
        sku_id=sku_id,
        quantity=quantity,
        lead_time_hours=_lead_time(sku_id, balance),
    )


def _quantity(sku_id: str, balance: dict, summary: InventorySyncSummary) -> int | None:
    if balance.get("hasUnlimitedQuantity") is True:
        summary.unlimited_balances += 1
        return UNLIMITED_QUANTITY

    total = balance.get("totalQuantity")
    # JSON true would pass as an int, because bool is a subclass of int.
    if isinstance(total, bool) or not isinstance(total, int):
        problem = "is missing" if total is None else f"is not an integer: {total!r}"
    elif not 0 <= total <= MAX_QUANTITY:
        problem = f"is out of range 0 to {MAX_QUANTITY}: {total}"
    else:
        return total

    summary.invalid_balances += 1
    logger.warning(
        "Inventory of SKU %s in warehouse %s skipped: totalQuantity %s",
        sku_id,
        balance.get("warehouseId"),
        problem,
    )
    return None


def _lead_time(sku_id: str, balance: dict) -> float | None:
    """Lead time in hours, or None to keep the stored one when VTEX sends none
    or a value that cannot be read."""
    value = balance.get("leadTime")
    if value is None:
        return None
    try:
        hours = lead_time_hours(value)
    except ValueError as error:
        logger.warning(
            "Inventory of SKU %s in warehouse %s keeps its stored lead time: %s",
            sku_id,
            balance.get("warehouseId"),
            error,
        )
        return None

    if hours > MAX_LEAD_TIME_HOURS:
        logger.warning(
            "Inventory of SKU %s in warehouse %s keeps its stored lead time: "
            "%s hours is more than the maximum of %s",
            sku_id,
            balance.get("warehouseId"),
            hours,
            MAX_LEAD_TIME_HOURS,
        )
        return None
    return float(round(hours, 1))
