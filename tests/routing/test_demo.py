from datetime import timedelta

import pytest
from django.utils import timezone

from franchises.demo_network import demo_network_load
from orders.simulator.catalog import PRODUCTS
from routing.demo import STOCK_HISTORY_DAYS, demo_routing_load
from routing.models import RoutingPolicy, SimulationRun, StockLevel, StockSnapshot
from routing.services.policies import policy_new_draft
from routing.services.simulation import simulation_start
from tests.orders.factories import OrderFactory, OrderItemFactory


@pytest.mark.django_db
def test_demo_routing_loads_stock_and_active_policy_once():
    demo_network_load()

    first = demo_routing_load()
    stock_rows = StockLevel.objects.count()
    second = demo_routing_load()

    assert first["policies"] == 1
    assert first["stock_rows"] == stock_rows > 0
    assert second == {"stock_rows": 0, "policies": 0}
    assert RoutingPolicy.objects.get(key="padrao").status == "active"


@pytest.mark.django_db
def test_demo_stock_has_daily_history():
    demo_network_load()

    demo_routing_load()

    stock_rows = StockLevel.objects.count()
    moments = sorted(set(StockSnapshot.objects.values_list("taken_at", flat=True)))
    assert len(moments) == STOCK_HISTORY_DAYS + 1
    assert StockSnapshot.objects.count() == stock_rows * (STOCK_HISTORY_DAYS + 1)
    past = moments[:-1]
    gaps = [later - earlier for earlier, later in zip(past, past[1:], strict=False)]
    assert gaps == [timedelta(days=1)] * (STOCK_HISTORY_DAYS - 1)


@pytest.mark.django_db
def test_demo_simulation_of_yesterday_routes_orders(django_capture_on_commit_callbacks):
    demo_network_load()
    demo_routing_load()
    yesterday = timezone.localdate() - timedelta(days=1)
    start = timezone.make_aware(
        timezone.datetime.combine(yesterday, timezone.datetime.min.time())
    )
    for hours in (10, 14, 18):
        order = OrderFactory(
            creation_date=start + timedelta(hours=hours),
            latitude="-23.561414",
            longitude="-46.655881",
        )
        OrderItemFactory(
            order=order,
            item_index=0,
            sku_id=PRODUCTS[0].sku_id,
            quantity=1,
            shipping_estimate_date=start + timedelta(days=3),
        )
    active = RoutingPolicy.objects.get(key="padrao")

    with django_capture_on_commit_callbacks(execute=True):
        run = simulation_start(
            policy=policy_new_draft(policy=active),
            period_start=start,
            period_end=start + timedelta(days=1),
            user=None,
        )

    run.refresh_from_db()
    assert run.status == SimulationRun.Status.DONE
    assert run.results["policy"]["routed"] == 3
    assert run.results["baseline"]["routed"] == 3
