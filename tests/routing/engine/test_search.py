import itertools
import random
from decimal import Decimal

import pytest

from routing.engine import Step, route
from routing.engine.baseline import route_naive
from routing.engine.explain import score_text
from routing.engine.search import UNKNOWN_DISTANCE_KM
from tests.routing.engine.builders import (
    CAMPINAS,
    MOEMA,
    PAULISTA,
    PINHEIROS,
    candidate,
    chosen_codes,
    line,
    order,
    row,
    split_policy,
)


def parts_by_code(decision) -> dict[str, tuple]:
    codes = {result.location_id: result.code for result in decision.candidates}
    return {codes[part.location_id]: part.lines for part in decision.parts}


def test_split_search_beats_greedy_per_item():
    # Walking the lines in list order takes 2001 from "a", 3107 from "b" and
    # 9000 from "c". The exact search finds that "bc" has both 3107 and 9000.
    lines = [line(0, "2001"), line(1, "3107"), line(2, "9000")]
    stores = [
        candidate(1, "a", {"2001": 1}, fixed_rank=1),
        candidate(2, "b", {"3107": 1}, fixed_rank=2),
        candidate(3, "c", {"9000": 1}, fixed_rank=3),
        candidate(4, "bc", {"3107": 1, "9000": 1}, fixed_rank=4),
    ]

    greedy = route_naive(order(lines), stores)
    exact = route(order(lines), stores, split_policy(Step("criterion", "fixed_rank")))

    assert len(greedy.parts) == 3
    assert len(exact.parts) == 2
    assert parts_by_code(exact) == {"a": ((0, 1),), "bc": ((1, 1), (2, 1))}


def test_single_location_preferred_over_split():
    lines = [line(0, "2001"), line(1, "3107")]
    stores = [
        candidate(1, "near-a", {"2001": 1}, at=PINHEIROS),
        candidate(2, "near-b", {"3107": 1}, at=PINHEIROS),
        candidate(3, "far-both", {"2001": 1, "3107": 1}, at=CAMPINAS),
    ]

    decision = route(order(lines), stores, split_policy(Step("criterion", "distance")))

    assert chosen_codes(decision) == ["far-both"]
    assert decision.deciding_step == "prefer_fewer_parts"


def test_higher_score_split_wins_without_preference():
    lines = [line(0, "2001"), line(1, "3107")]
    stores = [
        candidate(1, "near-a", {"2001": 1}, at=PINHEIROS),
        candidate(2, "near-b", {"3107": 1}, at=PINHEIROS),
        candidate(3, "far-both", {"2001": 1, "3107": 1}, at=CAMPINAS),
    ]

    decision = route(
        order(lines),
        stores,
        split_policy(Step("criterion", "distance"), prefer_fewer_parts=False),
    )

    assert sorted(chosen_codes(decision)) == ["near-a", "near-b"]
    assert decision.deciding_step == "distance"


def test_min_part_value_rejects_small_parts():
    lines = [line(0, "2001", price="100.00"), line(1, "3107", price="5.00")]
    stores = [
        candidate(1, "a", {"2001": 1}, fixed_rank=1),
        candidate(2, "b", {"3107": 1}, fixed_rank=2),
        candidate(3, "both", {"2001": 1, "3107": 1}, fixed_rank=9),
    ]
    steps = (Step("criterion", "fixed_rank"),)

    without_minimum = route(
        order(lines), stores, split_policy(*steps, prefer_fewer_parts=False)
    )
    with_minimum = route(
        order(lines),
        stores,
        split_policy(*steps, prefer_fewer_parts=False, min_part_value=Decimal("10.00")),
    )

    assert sorted(chosen_codes(without_minimum)) == ["a", "b"]
    assert chosen_codes(with_minimum) == ["both"]


def test_min_part_value_can_leave_order_unroutable():
    lines = [line(0, "2001", price="100.00"), line(1, "3107", price="5.00")]
    stores = [candidate(1, "a", {"2001": 1}), candidate(2, "b", {"3107": 1})]

    decision = route(
        order(lines), stores, split_policy(min_part_value=Decimal("10.00"))
    )

    assert decision.status == "unroutable"
    assert decision.deciding_step == "split_search"
    assert decision.reason.startswith(
        "Every combination of up to 3 locations that holds every unit leaves a "
        "location without a whole line or a part below the minimum part value "
        "of 10.00."
    )


def test_min_part_value_skips_single_location():
    decision = route(
        order([line(0, "2001", price="5.00")]),
        [candidate(1, "a")],
        split_policy(min_part_value=Decimal("50.00")),
    )

    assert chosen_codes(decision) == ["a"]


def test_max_parts_limits_the_split():
    lines = [line(0, "2001"), line(1, "3107"), line(2, "9000")]
    stores = [
        candidate(1, "a", {"2001": 1}),
        candidate(2, "b", {"3107": 1}),
        candidate(3, "c", {"9000": 1}),
    ]

    two = route(order(lines), stores, split_policy(max_parts=2))
    three = route(order(lines), stores, split_policy(max_parts=3))

    assert two.status == "unroutable"
    assert two.reason.startswith(
        "No combination of up to 2 locations holds every unit: the best single "
        "location holds 1 of 3 units."
    )
    assert sorted(chosen_codes(three)) == ["a", "b", "c"]


def test_split_disallowed_keeps_single_locations_only():
    lines = [line(0, "2001"), line(1, "3107")]
    stores = [candidate(1, "a", {"2001": 1}), candidate(2, "b", {"3107": 1})]

    decision = route(order(lines), stores, split_policy(max_parts=3, allow_split=False))

    assert decision.status == "unroutable"
    assert row(decision, "a").rejected_by == "stock"


def test_line_goes_whole_when_possible():
    lines = [line(0, "2001", 2), line(1, "3107")]
    stores = [
        candidate(1, "one-each", {"2001": 1, "3107": 1}, fixed_rank=1),
        candidate(2, "two-of-2001", {"2001": 2}, fixed_rank=2),
    ]

    decision = route(
        order(lines), stores, split_policy(Step("criterion", "fixed_rank"))
    )

    assert parts_by_code(decision) == {
        "one-each": ((1, 1),),
        "two-of-2001": ((0, 2),),
    }


def test_line_splits_only_when_needed():
    stores = [candidate(1, "two", {"2001": 2}), candidate(2, "one", {"2001": 1})]

    decision = route(order([line(0, "2001", 3)]), stores, split_policy())

    assert parts_by_code(decision) == {"one": ((0, 1),), "two": ((0, 2),)}
    assert "one takes line 0 (1 of 3)" in decision.reason


def test_lines_of_one_sku_share_the_stock():
    lines = [line(0, "2001", 2, "20.00"), line(1, "2001", 2, "10.00")]
    stores = [
        candidate(1, "three", {"2001": 3}, fixed_rank=1),
        candidate(2, "one", {"2001": 1}, fixed_rank=2),
    ]

    decision = route(
        order(lines), stores, split_policy(Step("criterion", "fixed_rank"))
    )

    assert parts_by_code(decision) == {
        "three": ((0, 2), (1, 1)),
        "one": ((1, 1),),
    }
    values = {part.location_id: part.value for part in decision.parts}
    assert values == {1: Decimal("50.00"), 2: Decimal("10.00")}


def test_combined_score_weighs_parts_by_value():
    # Ranks 1, 2 and 3 score 1.0, 0.5 and 0.0. "both" ships the 90.00 line at
    # 0.5 and "cheap-top" the 10.00 line at 1.0: (90 * 0.5 + 10 * 1.0) / 100.
    lines = [line(0, "2001", price="90.00"), line(1, "3107", price="10.00")]
    stores = [
        candidate(1, "dear-low", {"2001": 1}, fixed_rank=3),
        candidate(2, "cheap-top", {"3107": 1}, fixed_rank=1),
        candidate(3, "both", {"2001": 1, "3107": 1}, fixed_rank=2),
    ]

    decision = route(
        order(lines),
        stores,
        split_policy(Step("criterion", "fixed_rank"), prefer_fewer_parts=False),
    )

    assert parts_by_code(decision) == {"both": ((0, 1),), "cheap-top": ((1, 1),)}
    assert "Chosen for score 0.550 against 0.500 for both" in decision.reason


def test_equal_scores_break_ties_by_total_distance():
    lines = [line(0, "2001"), line(1, "3107")]
    stores = [
        candidate(1, "a-far", {"2001": 1}, at=CAMPINAS),
        candidate(2, "b-near", {"3107": 1}, at=PINHEIROS),
        candidate(3, "c-near", {"2001": 1}, at=MOEMA),
    ]

    decision = route(order(lines), stores, split_policy())

    assert sorted(chosen_codes(decision)) == ["b-near", "c-near"]
    assert decision.deciding_step == "tie_break_distance"


def test_full_ties_break_by_code():
    stores = [candidate(2, "loja-b"), candidate(1, "loja-a"), candidate(3, "loja-c")]

    decision = route(order(), stores, split_policy())

    assert chosen_codes(decision) == ["loja-a"]
    assert decision.deciding_step == "tie_break_code"


# Exactness against brute force


def reference_best(order_input, decision, stocks, policy):
    """Try every combination and assignment; return the best ranking key."""
    finalists = [result for result in decision.candidates if result.finalist]
    finalists.sort(
        key=lambda r: (
            -round(r.total_score, 9),
            UNKNOWN_DISTANCE_KM if r.distance_km is None else r.distance_km,
            r.code,
            r.location_id,
        )
    )
    demand = {}
    for item in order_input.lines:
        demand[item.sku_id] = demand.get(item.sku_id, 0) + item.quantity
    lines = sorted(
        order_input.lines,
        key=lambda item: (-float(item.unit_price) * item.quantity, item.index),
    )
    total_weight = sum(float(item.unit_price) * item.quantity for item in lines)
    split = policy.allow_split and policy.max_parts > 1
    best = None
    for parts in range(1, (policy.max_parts if split else 1) + 1):
        for combination in itertools.combinations(finalists, parts):
            objective = best_assignment(combination, lines, stocks, demand, policy)
            if objective is None:
                continue
            distance = sum(
                UNKNOWN_DISTANCE_KM if r.distance_km is None else r.distance_km
                for r in combination
            )
            ordered = sorted(combination, key=lambda r: (r.code, r.location_id))
            key = (
                parts if policy.prefer_fewer_parts else 0,
                -round(objective / total_weight, 9),
                round(distance, 6),
                tuple(r.code for r in ordered),
            )
            if best is None or key < best:
                best = key
    return best


def best_assignment(combination, lines, stocks, demand, policy):
    remaining = [
        {
            sku: min(max(stocks[r.location_id].get(sku, 0), 0), demand[sku])
            for sku in demand
        }
        for r in combination
    ]
    count = len(combination)
    values = [Decimal(0)] * count
    filled = [0] * count
    best = [None]

    def place(position, objective):
        if position == len(lines):
            if any(n == 0 for n in filled):
                return
            if count >= 2 and any(v < policy.min_part_value for v in values):
                return
            if best[0] is None or objective > best[0]:
                best[0] = objective
            return
        item = lines[position]
        whole = [m for m in range(count) if remaining[m][item.sku_id] >= item.quantity]
        if whole:
            for m in whole:
                remaining[m][item.sku_id] -= item.quantity
                values[m] += item.value
                filled[m] += 1
                gain = (
                    float(item.unit_price) * item.quantity * combination[m].total_score
                )
                place(position + 1, objective + gain)
                filled[m] -= 1
                values[m] -= item.value
                remaining[m][item.sku_id] += item.quantity
            return
        needed, taken = item.quantity, []
        for m in range(count):
            take = min(needed, remaining[m][item.sku_id])
            if take:
                taken.append((m, take))
                needed -= take
            if not needed:
                break
        if needed:
            return
        gain = 0.0
        for m, take in taken:
            remaining[m][item.sku_id] -= take
            values[m] += item.unit_price * take
            filled[m] += 1
            gain += float(item.unit_price) * take * combination[m].total_score
        place(position + 1, objective + gain)
        for m, take in taken:
            remaining[m][item.sku_id] += take
            values[m] -= item.unit_price * take
            filled[m] -= 1

    place(0, 0.0)
    return best[0]


def random_case(rng):
    skus = ["2001", "3107", "9000", "4500"][: rng.randint(1, 4)]
    lines = [
        line(
            index,
            rng.choice(skus),
            rng.choice((1, 1, 2, 3)),
            f"{rng.randint(100, 10000) / 100:.2f}",
        )
        for index in range(rng.randint(1, 5))
    ]
    stores = []
    for location_id in range(1, rng.randint(3, 8) + 1):
        stock = {sku: rng.randint(0, 3) for sku in skus if rng.random() < 0.6}
        stores.append(
            candidate(
                location_id,
                f"loja-{location_id}",
                stock,
                at=(
                    PAULISTA[0] + rng.uniform(-0.3, 0.3),
                    PAULISTA[1] + rng.uniform(-0.3, 0.3),
                ),
                fixed_rank=rng.choice((None, 1, 2, 3)),
                on_time_rate=rng.choice((None, 0.8, 0.9, 1.0)),
            )
        )
    steps = rng.choice(
        (
            (),
            (Step("criterion", "distance"),),
            (Step("criterion", "fixed_rank"),),
            (
                Step("criterion", "distance", weight=rng.choice((1, 2))),
                Step("criterion", "fixed_rank"),
                Step("criterion", "performance"),
            ),
        )
    )
    policy = split_policy(
        *steps,
        max_parts=rng.randint(1, 3),
        allow_split=rng.random() < 0.85,
        prefer_fewer_parts=rng.random() < 0.5,
        min_part_value=Decimal(rng.choice((0, 0, 20, 60))),
    )
    return order(lines), stores, policy


@pytest.mark.parametrize("seed", range(8))
def test_split_search_matches_brute_force(seed):
    rng = random.Random(seed)
    for _case in range(60):
        order_input, stores, policy = random_case(rng)
        decision = route(order_input, stores, policy)
        stocks = {store.location_id: store.stock for store in stores}

        expected = reference_best(order_input, decision, stocks, policy)

        if expected is None:
            assert decision.status == "unroutable", decision.reason
            continue
        assert decision.status == "routed", decision.reason
        rows = {result.location_id: result for result in decision.candidates}
        prices = {item.index: float(item.unit_price) for item in order_input.lines}
        total_weight = sum(
            price * item.quantity
            for item, price in zip(order_input.lines, prices.values(), strict=True)
        )
        objective = sum(
            prices[index] * quantity * rows[part.location_id].total_score
            for part in decision.parts
            for index, quantity in part.lines
        )
        members = sorted(rows[part.location_id].code for part in decision.parts)
        distance = sum(rows[part.location_id].distance_km for part in decision.parts)
        actual = (
            len(decision.parts) if policy.prefer_fewer_parts else 0,
            -round(objective / total_weight, 9),
            round(distance, 6),
            tuple(members),
        )
        assert actual == expected


@pytest.mark.parametrize(
    ("score", "text"),
    [(0.87049999, "0.871"), (0.8705, "0.871"), (0.87044, "0.870"), (1.0, "1.000")],
)
def test_score_text_matches_decision_table(score, text):
    assert score_text(score) == text
