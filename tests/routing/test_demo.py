import pytest

from franchises.demo_network import demo_network_load
from routing.demo import demo_routing_load
from routing.models import RoutingPolicy, StockLevel


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
