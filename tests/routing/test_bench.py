"""The routing benchmark, run small on the test database: it must work and
clean up, whatever the times are."""

import pytest

from franchises.models import Location
from orders.models import Order
from routing.bench import LOCATION_PREFIX, routing_bench, routing_bench_report
from routing.models import (
    Assignment,
    RoutingCase,
    RoutingDecision,
    StockLevel,
    StockSnapshot,
)
from tests.orders.factories import OrderFactory

pytestmark = pytest.mark.django_db

QUALITY = (
    "routed_share",
    "parts_per_order",
    "mean_distance_km",
    "promise_met_share",
    "gini_orders_per_location",
)


def quality(figures: dict) -> dict:
    return {name: figures[name] for name in QUALITY}


def row_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            Order,
            Location,
            Assignment,
            RoutingDecision,
            RoutingCase,
            StockLevel,
            StockSnapshot,
        )
    }


def test_bench_routes_and_cleans_up(store_a):
    OrderFactory()
    before = row_counts()

    result = routing_bench(orders=50, locations=20)

    assert row_counts() == before
    assert not Location.objects.filter(code__startswith=LOCATION_PREFIX).exists()
    assert result["orders"] == 50
    assert result["candidates_per_order"] == 21
    for router in ("engine", "naive"):
        figures = result[router]
        assert figures["stored"]["median_ms"] > 0
        assert figures["stored"]["p99_ms"] >= figures["stored"]["median_ms"]
        assert figures["engine_only"]["median_ms"] > 0
        assert 0 < figures["routed_share"] <= 1
        assert figures["parts_per_order"] >= 1
        assert figures["mean_distance_km"] >= 0
        assert 0 <= figures["promise_met_share"] <= 1
        assert 0 <= figures["gini_orders_per_location"] < 1
        unroutable = sum(figures["unroutable_by_step"].values())
        assert unroutable == round((1 - figures["routed_share"]) * result["orders"])
    assert result["naive"]["engine_only_on_engine_inputs"]["median_ms"] > 0
    assert result["batch_ms"]["median_ms"] > 0


def test_bench_quality_repeats_across_runs(db):
    first = routing_bench(orders=30, locations=10, seed=3)
    second = routing_bench(orders=30, locations=10, seed=3)

    assert quality(first["engine"]) == quality(second["engine"])
    assert quality(first["naive"]) == quality(second["naive"])


def test_bench_report_has_both_routers(db):
    result = routing_bench(orders=20, locations=10)

    report = routing_bench_report(result)

    assert report.startswith("### Routing, ")
    assert "| Ponte engine |" in report
    assert "| naive first fit |" in report
    assert "Target per stored decision" in report
    assert "Orders left unroutable, by the step" in report
    assert "Better than the naive router on: " in report
