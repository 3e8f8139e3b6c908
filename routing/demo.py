"""Demo stock and a default routing policy, so the demo routes what it receives."""

import random
import zoneinfo
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from franchises.models import Location
from orders.simulator.catalog import GIFTS, PRODUCTS
from routing.models import PolicyStep, RoutingPolicy, StockLevel
from routing.services.policies import policy_activate
from routing.services.stock import StockRow, stock_levels_set

DEMO_POLICY_KEY = "padrao"
# The demo backfills the last four days of orders. A week of daily stock
# counts lets a simulation of any of those days, and a few before, find stock.
STOCK_HISTORY_DAYS = 7
DEMO_TIME_ZONE = zoneinfo.ZoneInfo("America/Sao_Paulo")
# Shopping-mall hours for the demo stores; DCs run around the clock.
STORE_HOURS = [[day, "10:00", "22:00"] for day in range(6)] + [[6, "14:00", "20:00"]]
DEMO_POLICY_STEPS = (
    ("filter", "status", {}, 1),
    ("filter", "delivery_capability", {}, 1),
    ("filter", "stock", {"mode": "any"}, 1),
    ("filter", "capacity", {"spill_over": True}, 1),
    # Distance weighs most: scores are normalised over the whole network's
    # finalists (6 km to some 2,500 km), so with equal weights a store a few
    # hundred km away won on fairness or stock balance over one in the
    # customer's city.
    ("criterion", "distance", {}, 6),
    ("criterion", "performance", {}, 1),
    ("criterion", "fairness", {}, 0.5),
    ("criterion", "stock_balance", {}, 0.5),
)


def demo_routing_load(seed: int = 11) -> dict[str, int]:
    """Give every location stock of the simulator's catalogue (a few SKUs
    missing here and there), with a daily history of counts, and activate the
    default policy. Runs once: a network that already has stock or the policy
    keeps what it has."""
    created = {"stock_rows": 0, "policies": 0}
    with transaction.atomic():
        Location.objects.filter(kind=Location.Kind.STORE, opening_hours=[]).update(
            opening_hours=STORE_HOURS
        )
        if not StockLevel.objects.exists():
            created["stock_rows"] = _stock_load(random.Random(seed), timezone.now())
        if not RoutingPolicy.objects.filter(key=DEMO_POLICY_KEY).exists():
            _policy_load()
            created["policies"] = 1
    return created


def _stock_load(rng: random.Random, now: datetime) -> int:
    """Count the stock at midnight of each of the last STOCK_HISTORY_DAYS days
    and again now. Simulations replay past orders with the snapshots taken
    before them, so without the history a past day would find no stock."""
    locations = list(Location.objects.order_by("code"))
    midnight = timezone.localtime(now, DEMO_TIME_ZONE).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    for days_ago in range(STOCK_HISTORY_DAYS, 0, -1):
        stock_levels_set(
            rows=_stock_rows(rng, locations),
            source=StockLevel.Source.CSV,
            at=midnight - timedelta(days=days_ago),
        )
    return stock_levels_set(
        rows=_stock_rows(rng, locations), source=StockLevel.Source.CSV, at=now
    )


def _stock_rows(rng: random.Random, locations: list[Location]) -> list[StockRow]:
    rows = []
    for location in locations:
        for product in PRODUCTS + GIFTS:
            if location.kind == Location.Kind.DC:
                quantity = rng.randint(200, 800)
            elif rng.random() < 0.15:
                quantity = 0
            else:
                quantity = rng.randint(1, 25)
            rows.append(StockRow(location.pk, product.sku_id, quantity))
    return rows


def _policy_load() -> None:
    policy = RoutingPolicy.objects.create(
        key=DEMO_POLICY_KEY,
        version=1,
        name="Padrão da rede",
        allow_split=True,
        max_parts=3,
        acceptance_sla_minutes=30,
    )
    bulk_create_with_history(
        [
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
        ],
        PolicyStep,
    )
    policy_activate(policy=policy)
