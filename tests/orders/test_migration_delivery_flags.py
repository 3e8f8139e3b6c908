"""orders 0006 fills Order.has_delivery and has_pickup for stored orders.

The test migrates the database back to 0005, stores orders through the
historical models, migrates forward and reads the flags.
"""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = ("orders", "0005_order_location_credited")
MIGRATION = ("orders", "0006_order_delivery_flags")
CREATED = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
DELIVERY = "delivery"
PICKUP = "pickup-in-point"


def migrate(targets):
    """Migrate to `targets` and return the historical apps at that state."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def order_store(apps, vtex_order_id: str, channels: list[str]):
    Order = apps.get_model("orders", "Order")
    OrderItem = apps.get_model("orders", "OrderItem")
    order = Order.objects.create(
        vtex_order_id=vtex_order_id,
        order_group=vtex_order_id.split("-")[0],
        creation_date=CREATED,
        last_change=CREATED,
        value_cents=1000,
        total=Decimal("10.00"),
        raw={"orderId": vtex_order_id},
        raw_sha256="0" * 64,
    )
    for index, channel in enumerate(channels):
        OrderItem.objects.create(
            order=order,
            item_index=index,
            sku_id=f"sku-{index}",
            name=f"Item {index}",
            quantity=1,
            price=Decimal("10.00"),
            selling_price=Decimal("10.00"),
            delivery_channel=channel,
        )
    return order


@pytest.fixture
def migrated_back(transactional_db):
    """Historical apps at 0005. Every app is migrated to its latest migration
    afterwards, so later tests find the full schema."""
    apps = migrate([BEFORE])
    yield apps
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_flags_filled_from_items(migrated_back):
    cases = {
        "1000000000001-01": ([DELIVERY], (True, False)),
        "1000000000002-01": ([PICKUP], (False, True)),
        "1000000000003-01": ([DELIVERY, PICKUP, DELIVERY], (True, True)),
        "1000000000004-01": ([], (False, False)),
        "1000000000005-01": ([""], (False, False)),
    }
    for vtex_order_id, (channels, _flags) in cases.items():
        order_store(migrated_back, vtex_order_id, channels)
    Order = migrated_back.get_model("orders", "Order")
    assert "has_delivery" not in {field.name for field in Order._meta.fields}

    apps = migrate([MIGRATION])

    Order = apps.get_model("orders", "Order")
    stored = {
        row["vtex_order_id"]: (row["has_delivery"], row["has_pickup"])
        for row in Order.objects.values("vtex_order_id", "has_delivery", "has_pickup")
    }
    for vtex_order_id, (_channels, flags) in cases.items():
        assert stored[vtex_order_id] == flags, vtex_order_id
    assert len(stored) == len(cases)


def test_flags_fill_with_no_orders(migrated_back):
    apps = migrate([MIGRATION])

    Order = apps.get_model("orders", "Order")
    assert not Order.objects.exists()
    assert {"has_delivery", "has_pickup"} <= {
        field.name for field in Order._meta.fields
    }
