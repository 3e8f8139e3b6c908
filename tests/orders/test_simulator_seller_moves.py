"""The simulator's live traffic leaves orders that wait for the seller."""

import random
from datetime import UTC, datetime

from orders.simulator import VtexSimulator, flow
from orders.simulator.generator import OrderGenerator

CREATED_BY = datetime(2026, 5, 7, 0, 0, tzinfo=UTC)


def order_at(simulator: VtexSimulator, status: str) -> str:
    """Create orders until one reaches `status` by advancing it."""
    while True:
        order_id = simulator.create_order(CREATED_BY)[0]
        while order_id in simulator.open_order_ids():
            if simulator.get_document(order_id)["status"] == status:
                return order_id
            simulator.advance_order(order_id)


def test_seller_statuses_are_not_buyer_side():
    simulator = VtexSimulator(seed=3)
    ready = order_at(simulator, flow.READY_FOR_HANDLING)
    handling = order_at(simulator, flow.HANDLING)
    created = simulator.create_order(CREATED_BY)[0]

    waiting = simulator.buyer_side_order_ids()

    assert ready not in waiting
    assert handling not in waiting
    assert created in waiting
    assert ready in simulator.open_order_ids()


def test_generator_leaves_ready_order_for_the_seller():
    simulator = VtexSimulator(seed=5)
    ready = order_at(simulator, flow.READY_FOR_HANDLING)
    generator = OrderGenerator(simulator, rate_per_minute=600, rng=random.Random(1))

    for _ in range(20):
        generator._tick()

    assert simulator.get_document(ready)["status"] == flow.READY_FOR_HANDLING
