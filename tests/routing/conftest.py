"""A small network with stock and an active policy, for routing tests."""

import pytest

from routing.models import PolicyStep, RoutingPolicy
from routing.services.stock import StockRow, stock_levels_set
from tests.factories import LocationFactory

# The SKUs of tests/fixtures/vtex/delivery-sao-paulo.json.
SKUS = ("2001", "3107", "9000")


@pytest.fixture
def network(store_a, store_b):
    """Store A (São Paulo, with all SKUs), store B (Belo Horizonte, with all
    SKUs) and store C (Campinas, with all SKUs)."""
    store_b.city, store_b.state = "Belo Horizonte", "MG"
    store_b.latitude, store_b.longitude = "-19.932000", "-43.938000"
    store_b.save()
    store_c = LocationFactory(
        code="loja-c",
        name="Loja C",
        city="Campinas",
        latitude="-22.905600",
        longitude="-47.060800",
    )
    stock_levels_set(
        rows=[
            StockRow(location.pk, sku, 10)
            for location in (store_a, store_b, store_c)
            for sku in SKUS
        ],
        source="csv",
    )
    return {"a": store_a, "b": store_b, "c": store_c}


@pytest.fixture
def policy(db):
    policy = RoutingPolicy.objects.create(
        key="padrao",
        version=1,
        name="Padrão",
        allow_split=True,
        max_parts=2,
        acceptance_sla_minutes=30,
    )
    steps = [
        ("filter", "status", {}),
        ("filter", "delivery_capability", {}),
        ("filter", "stock", {"mode": "any"}),
        ("criterion", "distance", {}),
    ]
    for position, (kind, name, params) in enumerate(steps, start=1):
        PolicyStep.objects.create(
            policy=policy, position=position, kind=kind, name=name, params=params
        )
    from routing.services.policies import policy_activate

    return policy_activate(policy=policy)
