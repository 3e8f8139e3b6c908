import random
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

import pytest

from routing.engine import Step, route
from routing.engine.bench import (
    BENCH_POLICY,
    build_network,
    build_orders,
    engine_bench,
    gini,
)
from tests.routing.engine.builders import (
    CAMPINAS,
    MOEMA,
    PINHEIROS,
    RIO,
    candidate,
    chosen_codes,
    line,
    order,
    policy,
    row,
    split_policy,
)

FULL_POLICY = split_policy(
    Step("filter", "status"),
    Step("filter", "delivery_capability"),
    Step("filter", "capacity", {"spill_over": True}),
    Step("criterion", "distance", weight=2),
    Step("criterion", "fairness"),
    Step("criterion", "performance"),
    max_parts=3,
)


def mixed_network():
    return [
        candidate(1, "pinheiros", {"2001": 2, "3107": 1}, at=PINHEIROS),
        candidate(2, "moema", {"2001": 1}, at=MOEMA, orders_this_period=3),
        candidate(3, "campinas", {"3107": 4, "9000": 2}, at=CAMPINAS),
        candidate(4, "rio", {"2001": 5, "3107": 5, "9000": 5}, at=RIO),
        candidate(5, "paused", {"2001": 5}, status="paused"),
        candidate(6, "counter", {"9000": 1}, ships_from_store=False),
        candidate(7, "empty", {}),
        candidate(8, "full", {"2001": 9}, daily_capacity=5, accepted_today=5),
    ]


MIXED_ORDER = order([line(0, "2001", 2), line(1, "3107"), line(2, "9000")])


def test_every_candidate_appears_once_with_its_rejection():
    decision = route(MIXED_ORDER, mixed_network(), FULL_POLICY)

    codes = [result.code for result in decision.candidates]
    assert sorted(codes) == sorted(store.code for store in mixed_network())
    assert row(decision, "paused").rejected_by == "status"
    assert row(decision, "counter").rejected_by == "delivery_capability"
    assert row(decision, "empty").rejected_by == "stock"
    assert row(decision, "full").rejected_by == "capacity"
    for code in ("pinheiros", "moema", "campinas", "rio"):
        assert row(decision, code).finalist
        assert row(decision, code).rejected_by is None


def group_of(result) -> int:
    if result.chosen:
        return 0
    if result.finalist:
        return 1
    return 2


def test_candidate_table_order():
    decision = route(MIXED_ORDER, mixed_network(), FULL_POLICY)

    groups = [group_of(result) for result in decision.candidates]
    assert groups == sorted(groups)
    rejected = [r.rejected_by for r in decision.candidates if not r.finalist]
    assert rejected == ["stock", "status", "delivery_capability", "capacity"]


def test_shuffled_candidates_give_same_decision():
    network = mixed_network()
    expected = route(MIXED_ORDER, network, FULL_POLICY)

    rng = random.Random(3)
    for _attempt in range(20):
        shuffled = network[:]
        rng.shuffle(shuffled)
        assert route(MIXED_ORDER, shuffled, FULL_POLICY) == expected


def test_ties_resolve_the_same_way_after_shuffling():
    stores = [candidate(i, f"loja-{i:02d}") for i in range(1, 30)]
    rng = random.Random(5)

    chosen = set()
    for _attempt in range(20):
        rng.shuffle(stores)
        chosen.add(tuple(chosen_codes(route(order(), stores, policy()))))

    assert chosen == {("loja-01",)}


def test_excluded_locations_are_never_chosen():
    network = mixed_network()
    first = route(MIXED_ORDER, network, FULL_POLICY)
    excluded = frozenset(part.location_id for part in first.parts)

    second = route(MIXED_ORDER, network, FULL_POLICY, excluded=excluded)

    assert excluded
    assert not excluded & {part.location_id for part in second.parts}
    for location_id in excluded:
        result = next(r for r in second.candidates if r.location_id == location_id)
        assert result.rejected_by == "excluded"


def test_unroutable_when_nothing_holds_the_order():
    stores = [candidate(1, "a", {"2001": 1}), candidate(2, "b", {"3107": 1})]

    decision = route(order([line(0, "9000")]), stores, policy())

    assert decision.status == "unroutable"
    assert decision.parts == ()
    assert decision.deciding_step == "stock"
    assert decision.reason == (
        "No location passed the filters, and the last ones were removed by stock. "
        "Filters removed 2 of 2 locations (stock 2)."
    )
    assert row(decision, "a").rejected_reason == "0 of 1 unit of SKU 9000 in stock"


def test_unroutable_without_candidates():
    decision = route(order(), [], policy())

    assert decision.status == "unroutable"
    assert decision.candidates == ()
    assert decision.reason == "No candidate locations were given."


def test_last_filter_decides_lone_survivor():
    stores = [candidate(1, "a"), candidate(2, "b", status="paused")]

    decision = route(order(), stores, policy())

    assert chosen_codes(decision) == ["a"]
    assert decision.deciding_step == "status"
    assert decision.reason.startswith(
        "Routed to a (0.0 km): the only location left after the status filter."
    )


def test_single_candidate_is_only_candidate():
    decision = route(order(), [candidate(1, "a")], policy())

    assert decision.deciding_step == "only_candidate"


def test_routed_part_lists_lines_value_and_distance():
    lines = [line(0, "2001", 2, "12.50"), line(3, "3107", 1, "7.00")]

    decision = route(
        order(lines), [candidate(1, "rio", {"2001": 2, "3107": 1}, at=RIO)], policy()
    )

    (part,) = decision.parts
    assert part.location_id == 1
    assert part.lines == ((0, 2), (3, 1))
    assert part.value == Decimal("32.00")
    assert 360 < part.distance_km < 366


def test_decision_reason_names_the_deciding_criterion():
    stores = [
        candidate(1, "pinheiros", at=PINHEIROS),
        candidate(2, "campinas", at=CAMPINAS),
    ]

    decision = route(order(), stores, policy(Step("criterion", "distance")))

    assert decision.deciding_step == "distance"
    assert decision.reason.startswith(
        "Routed to pinheiros (3.8 km): score 1.000 against 0.000 for campinas, "
        "decided mostly by distance."
    )


# Pickup in point


def pickup_order(pickup_location_id, lines=None):
    return order(
        lines,
        delivery_channel="pickup-in-point",
        pickup_location_id=pickup_location_id,
    )


def test_pickup_goes_to_stocked_pickup_location():
    stores = [
        candidate(1, "near", at=PINHEIROS),
        candidate(2, "pickup", at=CAMPINAS),
    ]

    decision = route(pickup_order(2), stores, policy(Step("criterion", "distance")))

    assert chosen_codes(decision) == ["pickup"]
    assert decision.deciding_step == "pickup_location"
    assert decision.parts[0].distance_km == 0.0
    assert row(decision, "near").rejected_by == "pickup_location"
    assert row(decision, "near").rejected_reason == (
        "the customer collects the order at pickup, which holds every unit"
    )
    assert decision.reason == (
        "Collected at pickup location pickup, which passed every filter and holds "
        "every unit."
    )


def test_pickup_location_without_stock_is_transferred_to():
    stores = [
        candidate(1, "near-pickup", at=MOEMA),
        candidate(2, "far", at=RIO),
        candidate(3, "pickup", {}, at=PINHEIROS),
    ]

    decision = route(pickup_order(3), stores, policy(Step("criterion", "distance")))

    assert chosen_codes(decision) == ["near-pickup"]
    assert row(decision, "pickup").rejected_by == "stock"
    assert row(decision, "near-pickup").distance_km == pytest.approx(4.7, abs=0.1)
    assert decision.reason.startswith(
        "Pickup location pickup cannot fulfil the order itself (stock: 0 of 1 unit "
        "of SKU 2001 in stock), so the order is routed as a delivery to its address "
        "(transfer)."
    )


def test_pickup_without_pickup_service_transfers():
    stores = [
        candidate(1, "other", at=MOEMA),
        candidate(2, "pickup", offers_pickup=False, at=PINHEIROS),
    ]

    decision = route(
        pickup_order(2), stores, policy(Step("filter", "delivery_capability"))
    )

    assert chosen_codes(decision) == ["other"]
    assert "(delivery_capability: does not offer pickup)" in decision.reason


def test_pickup_location_excluded_is_transferred_to():
    stores = [candidate(1, "other", at=MOEMA), candidate(2, "pickup", at=PINHEIROS)]

    decision = route(pickup_order(2), stores, policy(), excluded=frozenset({2}))

    assert chosen_codes(decision) == ["other"]
    assert row(decision, "pickup").rejected_by == "excluded"


def test_pickup_location_not_among_candidates_is_unroutable():
    decision = route(pickup_order(99), [candidate(1, "a")], policy())

    assert decision.status == "unroutable"
    assert decision.deciding_step == "pickup_location"
    assert decision.reason == (
        "Pickup location 99 is not among the candidates, so the order cannot be "
        "collected there."
    )
    assert row(decision, "a").rejected_by == "pickup_location"


def test_pickup_order_without_pickup_location_is_unroutable():
    decision = route(pickup_order(None), [candidate(1, "a")], policy())

    assert decision.status == "unroutable"
    assert decision.reason == "The pickup order names no pickup location."


# Input checks


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"lines": ()}, "order 1480140512345-01: the order has no lines"),
        (
            {"lines": (line(0, "2001"), line(0, "3107"))},
            "order 1480140512345-01: line index 0 appears twice",
        ),
        (
            {"lines": (line(0, "2001", 0),)},
            "order 1480140512345-01: line 0 quantity must be a positive whole "
            "number, got 0",
        ),
        (
            {"lines": (line(0, "2001", 1, "-1.00"),)},
            "order 1480140512345-01: line 0 unit price must not be negative, got -1.00",
        ),
        (
            {"delivery_channel": "drone"},
            "order 1480140512345-01: delivery_channel must be 'delivery' or "
            "'pickup-in-point', got 'drone'",
        ),
        (
            {"now": datetime(2025, 3, 12, 15, 0)},
            "order 1480140512345-01: 'now' must be timezone-aware",
        ),
        (
            {"promised_by": datetime(2025, 3, 14, 18, 0)},
            "order 1480140512345-01: 'promised_by' must be timezone-aware",
        ),
    ],
)
def test_malformed_order_raises(changes, message):
    with pytest.raises(ValueError) as caught:
        route(replace(order(), **changes), [candidate(1, "a")], policy())

    assert str(caught.value) == message


def test_duplicate_candidates_raise():
    with pytest.raises(ValueError) as caught:
        route(order(), [candidate(1, "a"), candidate(1, "b")], policy())

    assert str(caught.value) == "location 1 appears twice among the candidates"


# Scale


def test_routes_200_orders_over_500_locations():
    rng = random.Random(11)
    network = build_network(rng, 500)
    orders = build_orders(rng, 200)

    decisions = [route(item, network, BENCH_POLICY) for item in orders]

    assert all(len(decision.candidates) == 500 for decision in decisions)
    assert sum(decision.status == "routed" for decision in decisions) > 180
    assert max(len(decision.parts) for decision in decisions) <= 3


def test_engine_bench_reports_both_routers():
    report = engine_bench(orders=20, locations=60, seed=2)

    for router in ("engine", "baseline"):
        figures = report[router]
        assert figures["median_ms"] > 0
        assert figures["p99_ms"] >= figures["median_ms"]
        assert 0 <= figures["promise_met_share"] <= 1
        assert 0 <= figures["gini_orders_per_location"] <= 1
        assert figures["parts_per_order"] >= 1


def test_gini_of_even_and_concentrated_counts():
    assert gini([5, 5, 5, 5]) == 0
    assert gini([0, 0, 0, 8]) == pytest.approx(0.75)
    assert gini([]) == 0
