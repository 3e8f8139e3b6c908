"""Demo stock and a default routing policy, so the demo routes what it receives."""

import random

from django.db import transaction

from franchises.models import Location
from orders.simulator.catalog import GIFTS, PRODUCTS
from routing.models import PolicyStep, RoutingPolicy, StockLevel
from routing.services.policies import policy_activate
from routing.services.stock import StockRow, stock_levels_set

DEMO_POLICY_KEY = "padrao"
# Shopping-mall hours for the demo stores; DCs run around the clock.
STORE_HOURS = [[day, "10:00", "22:00"] for day in range(6)] + [[6, "14:00", "20:00"]]
DEMO_POLICY_STEPS = (
    ("filter", "status", {}, 1),
    ("filter", "delivery_capability", {}, 1),
    ("filter", "stock", {"mode": "any"}, 1),
    ("filter", "capacity", {"spill_over": True}, 1),
    ("criterion", "distance", {}, 3),
    ("criterion", "performance", {}, 1),
    ("criterion", "fairness", {}, 1),
    ("criterion", "stock_balance", {}, 1),
)


def demo_routing_load(seed: int = 11) -> dict[str, int]:
    """Give every location stock of the simulator's catalogue (a few SKUs
    missing here and there) and activate the default policy. Runs once: a
    network that already has stock or the policy keeps what it has."""
    created = {"stock_rows": 0, "policies": 0}
    with transaction.atomic():
        Location.objects.filter(kind=Location.Kind.STORE, opening_hours=[]).update(
            opening_hours=STORE_HOURS
        )
        if not StockLevel.objects.exists():
            created["stock_rows"] = _stock_load(random.Random(seed))
        if not RoutingPolicy.objects.filter(key=DEMO_POLICY_KEY).exists():
            _policy_load()
            created["policies"] = 1
    return created


def _stock_load(rng: random.Random) -> int:
    rows = []
    for location in Location.objects.order_by("code"):
        for product in PRODUCTS + GIFTS:
            if location.kind == Location.Kind.DC:
                quantity = rng.randint(200, 800)
            elif rng.random() < 0.15:
                quantity = 0
            else:
                quantity = rng.randint(1, 25)
            rows.append(StockRow(location.pk, product.sku_id, quantity))
    return stock_levels_set(rows=rows, source=StockLevel.Source.CSV)


def _policy_load() -> None:
    policy = RoutingPolicy.objects.create(
        key=DEMO_POLICY_KEY,
        version=1,
        name="Padrão da rede",
        allow_split=True,
        max_parts=3,
        acceptance_sla_minutes=30,
    )
    PolicyStep.objects.bulk_create(
        PolicyStep(
            policy=policy,
            position=position,
            kind=kind,
            name=name,
            params=params,
            weight=weight,
        )
        for position, (kind, name, params, weight) in enumerate(
            DEMO_POLICY_STEPS, start=1
        )
    )
    policy_activate(policy=policy)
