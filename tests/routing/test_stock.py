from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from routing.models import StockLevel, StockSnapshot
from routing.services.stock import (
    StockRow,
    stock_at,
    stock_available,
    stock_levels_set,
    stock_release,
    stock_reserve,
    stock_zero,
)


@pytest.mark.django_db
def test_stock_set_keeps_reservations_and_snapshots(store_a):
    stock_levels_set(rows=[StockRow(store_a.pk, "A", 10)], source="csv")
    stock_reserve(location_id=store_a.pk, quantities={"A": 3})

    stock_levels_set(rows=[StockRow(store_a.pk, "A", 7)], source="erp")

    level = StockLevel.objects.get()
    assert level.quantity == 7
    assert level.reserved == 3
    assert stock_available(sku_ids=["A"]) == {store_a.pk: {"A": 4}}
    assert StockSnapshot.objects.count() == 2


@pytest.mark.django_db
def test_stock_at_answers_point_in_time(store_a):
    now = timezone.now()
    stock_levels_set(
        rows=[StockRow(store_a.pk, "A", 10)], source="csv", at=now - timedelta(days=2)
    )
    stock_levels_set(rows=[StockRow(store_a.pk, "A", 4)], source="csv", at=now)

    assert stock_at(sku_ids=["A"], at=now - timedelta(days=1)) == {
        (store_a.pk, "A"): 10
    }
    assert stock_at(sku_ids=["A"], at=now) == {(store_a.pk, "A"): 4}
    assert stock_at(sku_ids=["A"], at=now - timedelta(days=3)) == {}


@pytest.mark.django_db
def test_stock_release_never_goes_negative(store_a):
    stock_levels_set(rows=[StockRow(store_a.pk, "A", 10)], source="csv")
    stock_reserve(location_id=store_a.pk, quantities={"A": 2})

    stock_release(location_id=store_a.pk, quantities={"A": 5})

    assert StockLevel.objects.get().reserved == 0


@pytest.mark.django_db
def test_stock_reserve_without_level_creates_zero_row(store_a):
    stock_reserve(location_id=store_a.pk, quantities={"B": 1})

    level = StockLevel.objects.get()
    assert (level.quantity, level.reserved) == (0, 1)
    assert stock_available(sku_ids=["B"]) == {store_a.pk: {"B": 0}}


@pytest.mark.django_db
def test_stock_zero_records_snapshot(store_a):
    stock_levels_set(rows=[StockRow(store_a.pk, "A", 10)], source="csv")

    stock_zero(location_id=store_a.pk, sku_ids=["A"], source="rejection")

    assert StockLevel.objects.get().quantity == 0
    assert StockSnapshot.objects.order_by("taken_at").last().quantity == 0


@pytest.mark.django_db
def test_stock_set_takes_more_skus_than_sqlite_parameters(store_a):
    # SQLite binds at most 32,766 parameters per statement since 3.32.
    rows = [StockRow(store_a.pk, f"SKU-{n}", n % 7) for n in range(33_000)]

    written = stock_levels_set(rows=rows, source="csv")

    assert written == 33_000
    assert StockLevel.objects.count() == 33_000
    assert StockSnapshot.objects.count() == 33_000
    assert StockLevel.objects.get(sku_id="SKU-32999").quantity == 32_999 % 7


@pytest.mark.django_db
def test_stock_set_keeps_lead_time_when_row_has_none(store_a):
    stock_levels_set(rows=[StockRow(store_a.pk, "A", 10, 4.5)], source="csv")

    stock_levels_set(
        rows=[StockRow(store_a.pk, "A", 8), StockRow(store_a.pk, "B", 3)],
        source="erp",
    )

    levels = {
        level.sku_id: (level.quantity, level.lead_time_hours, level.source)
        for level in StockLevel.objects.all()
    }
    assert levels == {
        "A": (8, Decimal("4.5"), "erp"),
        "B": (3, Decimal("0.0"), "erp"),
    }
