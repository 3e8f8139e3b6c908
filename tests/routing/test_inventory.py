"""VTEX inventory: the simulator's endpoint, the client call, the sync service
and its task, run against the simulator over loopback."""

from decimal import Decimal

import pytest
import requests

from franchises.demo_network import LOCATIONS, demo_network_load
from franchises.models import Location
from orders.simulator import VtexSimulator
from orders.simulator.catalog import GIFTS, PRODUCTS
from orders.vtex.client import (
    VtexClient,
    VtexConfigurationError,
    VtexError,
    VtexNotFound,
)
from orders.vtex.logistics import inventory_for_sku, lead_time_hours
from routing.inventory_tasks import inventory_sync_task
from routing.models import StockLevel, StockSnapshot
from routing.services.inventory import UNLIMITED_QUANTITY, inventory_sync
from routing.services.stock import StockRow, stock_levels_set
from tests.factories import LocationFactory
from tests.orders import conftest as orders_conftest
from tests.orders.conftest import APP_KEY, APP_TOKEN

# The simulator served on loopback, as in the orders tests.
simulator = orders_conftest.simulator
vtex = orders_conftest.vtex

INVENTORY_PATH = "/api/logistics/pvt/inventory/skus/"
BALANCE_FIELDS = {
    "warehouseId",
    "warehouseName",
    "totalQuantity",
    "reservedQuantity",
    "hasUnlimitedQuantity",
    "timeToRefill",
    "dateOfSupplyUtc",
    "leadTime",
}
DEMO_WAREHOUSES = [location.vtex_warehouse_id for location in LOCATIONS]
SKU = PRODUCTS[0].sku_id
GIFT_SKU = GIFTS[0].sku_id


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def client(vtex, settings, sleeps):
    """A VTEX client for the simulator that records its waits instead of sleeping."""
    return VtexClient(
        base_url=settings.VTEX_BASE_URL,
        app_key=APP_KEY,
        app_token=APP_TOKEN,
        max_attempts=3,
        max_backoff=30,
        sleep=sleeps.append,
    )


@pytest.fixture
def demo_network(db):
    demo_network_load()
    return {location.vtex_warehouse_id: location for location in Location.objects.all()}


def balances_by_warehouse(simulator, sku_id) -> dict[str, dict]:
    body = simulator.inventory_for_sku(sku_id)
    return {balance["warehouseId"]: balance for balance in body["balance"]}


def stock_of(sku_id) -> dict[str, tuple[int, int, Decimal, str]]:
    return {
        level.location.vtex_warehouse_id: (
            level.quantity,
            level.reserved,
            level.lead_time_hours,
            level.source,
        )
        for level in StockLevel.objects.filter(sku_id=sku_id).select_related("location")
    }


def inventory_requests(simulator) -> list[str]:
    return [path for _, path in simulator.requests if path.startswith(INVENTORY_PATH)]


# Simulator --------------------------------------------------------------------


def test_simulator_serves_vtex_inventory_shape(vtex, settings):
    session = requests.Session()
    session.headers.update(
        {"X-VTEX-API-AppKey": APP_KEY, "X-VTEX-API-AppToken": APP_TOKEN}
    )

    response = session.get(settings.VTEX_BASE_URL + INVENTORY_PATH + SKU, timeout=5)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"skuId", "balance"}
    assert body["skuId"] == SKU
    assert [b["warehouseId"] for b in body["balance"]] == DEMO_WAREHOUSES
    for balance in body["balance"]:
        assert set(balance) == BALANCE_FIELDS
        assert isinstance(balance["totalQuantity"], int)
        assert 0 <= balance["reservedQuantity"] <= balance["totalQuantity"]
        assert balance["hasUnlimitedQuantity"] is False
        assert balance["timeToRefill"] is None
        assert balance["dateOfSupplyUtc"] is None
        assert lead_time_hours(balance["leadTime"]) >= 0


def test_simulator_inventory_is_deterministic_by_seed():
    first = VtexSimulator(seed=3).inventory_for_sku(SKU)
    again = VtexSimulator(seed=3).inventory_for_sku(SKU)
    other = VtexSimulator(seed=4).inventory_for_sku(SKU)

    assert first == again
    assert first != other


def test_simulator_gift_is_unlimited_at_dcs():
    balances = balances_by_warehouse(VtexSimulator(seed=3), GIFT_SKU)

    dc_balance = balances["wh-dc-cajamar"]
    assert dc_balance["hasUnlimitedQuantity"] is True
    assert dc_balance["totalQuantity"] == UNLIMITED_QUANTITY
    assert balances["wh-sp-paulista"]["hasUnlimitedQuantity"] is False


def test_simulator_inventory_of_unknown_sku_is_404(vtex, settings):
    response = requests.get(
        settings.VTEX_BASE_URL + INVENTORY_PATH + "999999",
        headers={"X-VTEX-API-AppKey": APP_KEY, "X-VTEX-API-AppToken": APP_TOKEN},
        timeout=5,
    )

    assert response.status_code == 404
    assert response.json()["error"]["message"] == "SKU 999999 not found."


def test_simulator_serves_set_balance_and_added_warehouse():
    simulator = VtexSimulator(seed=3)
    simulator.set_inventory(SKU, "wh-sp-paulista", 42, reserved_quantity=2)
    simulator.set_inventory(SKU, "wh-fora", 5, lead_time="1.00:00:00")

    balances = balances_by_warehouse(simulator, SKU)

    assert list(balances) == [*DEMO_WAREHOUSES, "wh-fora"]
    assert balances["wh-sp-paulista"]["totalQuantity"] == 42
    assert balances["wh-sp-paulista"]["reservedQuantity"] == 2
    assert balances["wh-sp-paulista"]["warehouseName"] == "Serra Azul Paulista"
    assert balances["wh-fora"]["warehouseName"] == "wh-fora"
    assert balances["wh-fora"]["leadTime"] == "1.00:00:00"


# Client -----------------------------------------------------------------------


def test_inventory_for_sku_returns_vtex_body(client, vtex):
    body = inventory_for_sku(client, SKU)

    assert body == vtex.inventory_for_sku(SKU)
    assert inventory_requests(vtex) == [INVENTORY_PATH + SKU]


def test_inventory_for_sku_raises_not_found(client):
    with pytest.raises(VtexNotFound, match="returned 404"):
        inventory_for_sku(client, "999999")


def test_inventory_for_sku_rejects_body_without_balance():
    class ListBodyClient:
        def request_json(self, method, path):
            return []

    with pytest.raises(VtexError, match="expected an object with a balance list"):
        inventory_for_sku(ListBodyClient(), SKU)


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("00:00:00", Decimal(0)),
        ("04:00:00", Decimal(4)),
        ("1.00:00:00", Decimal(24)),
        ("1.02:30:00", Decimal("26.5")),
        ("10.10:00:00", Decimal(250)),
        ("00:30:00.5000000", Decimal("0.5")),
    ],
)
def test_lead_time_hours_reads_vtex_format(text, hours):
    assert lead_time_hours(text) == hours


@pytest.mark.parametrize("text", ["", "4", "1 day", "1.24:00:00", "00:60:00", None])
def test_lead_time_hours_rejects_other_text(text):
    with pytest.raises(ValueError, match="Invalid lead time"):
        lead_time_hours(text)


# Sync -------------------------------------------------------------------------


def test_sync_sets_stock_of_every_warehouse(client, vtex, demo_network):
    expected = balances_by_warehouse(vtex, SKU)

    summary = inventory_sync(sku_ids=[SKU], client=client)

    assert stock_of(SKU) == {
        warehouse_id: (
            balance["totalQuantity"],
            0,
            Decimal(lead_time_hours(balance["leadTime"])).quantize(Decimal("0.1")),
            "vtex",
        )
        for warehouse_id, balance in expected.items()
    }
    assert summary.stock_rows == len(DEMO_WAREHOUSES)
    assert summary.skus_requested == 1
    assert summary.unknown_warehouse_balances == 0
    assert summary.invalid_balances == 0
    snapshots = StockSnapshot.objects.filter(sku_id=SKU, source="vtex")
    assert snapshots.count() == len(DEMO_WAREHOUSES)


def test_sync_stores_total_and_keeps_reserved(client, vtex, demo_network):
    store = demo_network["wh-sp-paulista"]
    stock_levels_set(rows=[StockRow(store.pk, SKU, 3)], source="csv")
    StockLevel.objects.filter(location=store, sku_id=SKU).update(reserved=2)
    vtex.set_inventory(SKU, "wh-sp-paulista", 10, reserved_quantity=4)

    inventory_sync(sku_ids=[SKU], client=client)

    assert stock_of(SKU)["wh-sp-paulista"] == (10, 2, Decimal("0.0"), "vtex")


def test_sync_caps_unlimited_quantity(client, vtex, demo_network):
    vtex.set_inventory(SKU, "wh-sp-paulista", 0, has_unlimited_quantity=True)

    summary = inventory_sync(sku_ids=[SKU, GIFT_SKU], client=client)

    assert stock_of(SKU)["wh-sp-paulista"][0] == UNLIMITED_QUANTITY
    assert stock_of(GIFT_SKU)["wh-dc-cajamar"][0] == UNLIMITED_QUANTITY
    assert summary.unlimited_balances == 3


def test_sync_counts_unknown_warehouse(client, vtex, demo_network):
    vtex.set_inventory(SKU, "wh-fora-da-rede", 7)

    summary = inventory_sync(sku_ids=[SKU], client=client)

    assert summary.unknown_warehouse_balances == 1
    assert summary.unknown_warehouse_ids == ["wh-fora-da-rede"]
    assert summary.stock_rows == len(DEMO_WAREHOUSES)
    assert set(stock_of(SKU)) == set(DEMO_WAREHOUSES)


def test_sync_logs_unknown_warehouse_once(client, vtex, store_a, caplog):
    # Only store A exists, so every demo warehouse is unknown, for each SKU.
    summary = inventory_sync(sku_ids=[SKU, GIFT_SKU], client=client)

    assert summary.unknown_warehouse_balances == 2 * len(DEMO_WAREHOUSES)
    assert summary.unknown_warehouse_ids == sorted(DEMO_WAREHOUSES)
    assert summary.stock_rows == 0
    skipped = [r for r in caplog.records if "skips warehouse" in r.getMessage()]
    assert len(skipped) == len(DEMO_WAREHOUSES)
    assert StockLevel.objects.count() == 0


def test_sync_skips_warehouse_of_two_locations(client, vtex, demo_network):
    LocationFactory(code="sp-paulista-2", vtex_warehouse_id="wh-sp-paulista")

    summary = inventory_sync(sku_ids=[SKU], client=client)

    assert summary.ambiguous_warehouse_balances == 1
    assert summary.stock_rows == len(DEMO_WAREHOUSES) - 1
    assert "wh-sp-paulista" not in stock_of(SKU)


def test_sync_skips_invalid_quantity(client, vtex, demo_network):
    vtex.set_inventory(SKU, "wh-sp-paulista", -3)

    summary = inventory_sync(sku_ids=[SKU], client=client)

    assert summary.invalid_balances == 1
    assert "wh-sp-paulista" not in stock_of(SKU)
    assert summary.stock_rows == len(DEMO_WAREHOUSES) - 1


def test_sync_keeps_lead_time_it_cannot_read(client, vtex, demo_network):
    store = demo_network["wh-sp-paulista"]
    stock_levels_set(rows=[StockRow(store.pk, SKU, 3, 6.0)], source="csv")
    vtex.set_inventory(SKU, "wh-sp-paulista", 8, lead_time="amanhã")

    inventory_sync(sku_ids=[SKU], client=client)

    assert stock_of(SKU)["wh-sp-paulista"] == (8, 0, Decimal("6.0"), "vtex")


def test_sync_counts_sku_vtex_does_not_know(client, vtex, demo_network):
    summary = inventory_sync(sku_ids=["999999", SKU, SKU], client=client)

    assert summary.skus_requested == 2
    assert summary.skus_not_found == 1
    assert summary.stock_rows == len(DEMO_WAREHOUSES)


def test_sync_retries_after_429(client, vtex, demo_network, sleeps):
    vtex.inject_fault(status=429, count=2, retry_after=3, path_prefix=INVENTORY_PATH)

    summary = inventory_sync(sku_ids=[SKU], client=client)

    assert sleeps == [3.0, 3.0]
    assert inventory_requests(vtex) == [INVENTORY_PATH + SKU] * 3
    assert summary.stock_rows == len(DEMO_WAREHOUSES)


def test_sync_writes_nothing_when_vtex_fails(client, vtex, demo_network):
    # The first SKU is read, and the second fails on every attempt.
    vtex.inject_fault(status=503, count=3, path_prefix=INVENTORY_PATH, after=1)

    with pytest.raises(VtexError, match="failed after 3 attempts: HTTP 503"):
        inventory_sync(sku_ids=[SKU, GIFT_SKU], client=client)

    assert StockLevel.objects.count() == 0
    assert StockSnapshot.objects.count() == 0


# Task -------------------------------------------------------------------------


def test_sync_task_retries_on_vtex_error(vtex, demo_network, settings):
    # One attempt per client call, so the 429 reaches the task, which retries.
    settings.VTEX_MAX_ATTEMPTS = 1
    vtex.inject_fault(status=429, count=1, retry_after=0, path_prefix=INVENTORY_PATH)

    # Eager tasks re-raise a retry when exceptions propagate, as they do in the
    # test settings, so this run keeps them to see the retry run.
    result = inventory_sync_task.apply(args=([SKU],), throw=False)

    assert result.successful()
    assert result.get()["stock_rows"] == len(DEMO_WAREHOUSES)
    assert inventory_requests(vtex) == [INVENTORY_PATH + SKU] * 2
    assert len(stock_of(SKU)) == len(DEMO_WAREHOUSES)


def test_sync_task_fails_at_once_without_vtex_host(db, settings):
    settings.VTEX_BASE_URL = ""
    settings.VTEX_ACCOUNT = ""

    result = inventory_sync_task.apply(args=([SKU],), throw=False)

    assert result.failed()
    assert isinstance(result.result, VtexConfigurationError)
