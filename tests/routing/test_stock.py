from datetime import timedelta

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
