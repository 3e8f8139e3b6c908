"""Simulated inventory: each catalogue SKU's balance in every demo warehouse.

Balances are drawn from the simulator's seed, the SKU and the warehouse, so
the same seed always serves the same numbers, whatever was asked before.
Tests may replace single balances or add warehouses that Ponte does not know.
"""

import random
import threading
from dataclasses import dataclass

from orders.simulator.catalog import GIFTS, PRODUCTS
from orders.simulator.network import NETWORK

# VTEX's documented quantity for a SKU with unlimited inventory in a
# warehouse ("Update inventory by SKU and warehouse", Logistics API).
UNLIMITED_QUANTITY = 1_000_000
# Share of (store, SKU) pairs that are out of stock.
STORE_OUT_OF_STOCK_RATE = 0.15
SKU_IDS = frozenset(product.sku_id for product in PRODUCTS + GIFTS)
GIFT_SKU_IDS = frozenset(product.sku_id for product in GIFTS)


@dataclass(frozen=True)
class Balance:
    warehouse_id: str
    warehouse_name: str
    total_quantity: int
    reserved_quantity: int = 0
    has_unlimited_quantity: bool = False
    # VTEX's `D.HH:MM:SS` text, such as "1.00:00:00" for one day.
    lead_time: str = "00:00:00"

    def as_vtex(self) -> dict:
        return {
            "warehouseId": self.warehouse_id,
            "warehouseName": self.warehouse_name,
            "totalQuantity": self.total_quantity,
            "reservedQuantity": self.reserved_quantity,
            "hasUnlimitedQuantity": self.has_unlimited_quantity,
            "timeToRefill": None,
            "dateOfSupplyUtc": None,
            "leadTime": self.lead_time,
        }


class Inventory:
    """The balances the simulator serves, with per-test replacements."""

    def __init__(self, seed: int):
        self.seed = seed
        self._lock = threading.Lock()
        # (SKU, warehouse id) -> Balance, served instead of the drawn one.
        self._overrides: dict[tuple[str, str], Balance] = {}

    def has_sku(self, sku_id: str) -> bool:
        with self._lock:
            return sku_id in SKU_IDS or any(key[0] == sku_id for key in self._overrides)

    def balances(self, sku_id: str) -> list[Balance]:
        """Return the SKU's balance in each demo warehouse, then in added ones."""
        with self._lock:
            overrides = {
                warehouse_id: balance
                for (sku, warehouse_id), balance in self._overrides.items()
                if sku == sku_id
            }

        balances = []
        if sku_id in SKU_IDS:
            for location in NETWORK:
                balance = overrides.pop(location.warehouse_id, None)
                balances.append(balance or self._drawn(sku_id, location))
        balances.extend(overrides.values())
        return balances

    def set_balance(self, sku_id: str, balance: Balance) -> None:
        with self._lock:
            self._overrides[(sku_id, balance.warehouse_id)] = balance

    def _drawn(self, sku_id: str, location) -> Balance:
        # A string seed is hashed with SHA-512, so it gives the same numbers in
        # every process, unlike hash() of a str.
        rng = random.Random(f"inventory:{self.seed}:{sku_id}:{location.warehouse_id}")
        if location.is_dc and sku_id in GIFT_SKU_IDS:
            # Free gifts are set to unlimited at the distribution centres.
            return Balance(
                location.warehouse_id,
                location.name,
                UNLIMITED_QUANTITY,
                has_unlimited_quantity=True,
            )
        if location.is_dc:
            total = rng.randint(200, 800)
            lead_time = rng.choice(("1.00:00:00", "2.00:00:00"))
        elif rng.random() < STORE_OUT_OF_STOCK_RATE:
            total = 0
            lead_time = "00:00:00"
        else:
            total = rng.randint(1, 25)
            lead_time = rng.choice(("00:00:00", "00:00:00", "04:00:00"))
        reserved = rng.randint(0, min(total, 3))
        return Balance(
            location.warehouse_id, location.name, total, reserved, False, lead_time
        )
