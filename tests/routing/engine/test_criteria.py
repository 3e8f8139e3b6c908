from decimal import Decimal

import pytest

from routing.engine import Step, route
from routing.engine.criteria import LAST, NEUTRAL, normalise
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
)


def test_normalise_min_max():
    assert normalise([10.0, 20.0, 15.0], NEUTRAL) == [0.0, 1.0, 0.5]


def test_normalise_equal_values_all_score_1():
    assert normalise([3.0, 3.0], NEUTRAL) == [1.0, 1.0]


def test_normalise_missing_neutral_scores_half():
    assert normalise([1.0, None, 3.0], NEUTRAL) == [0.0, 0.5, 1.0]


def test_normalise_missing_last_scores_below_worst():
    scores = normalise([-1.0, -2.0, None, -3.0], LAST)

    assert scores[2] == 0.0
    assert scores[3] > 0.0
    assert scores[0] == 1.0


def test_normalise_all_missing_is_neutral():
    assert normalise([None, None], LAST) == [0.5, 0.5]


def test_distance_prefers_closer_locations():
    stores = [
        candidate(1, "campinas", at=CAMPINAS),
        candidate(2, "pinheiros", at=PINHEIROS),
        candidate(3, "rio", at=RIO),
    ]

    decision = route(order(), stores, policy(Step("criterion", "distance")))

    assert chosen_codes(decision) == ["pinheiros"]
    assert row(decision, "pinheiros").scores["distance"] == 1.0
    assert row(decision, "rio").scores["distance"] == 0.0
    assert 0.0 < row(decision, "campinas").scores["distance"] < 1.0
    assert decision.deciding_step == "distance"


def test_distance_unknown_scores_last():
    stores = [
        candidate(1, "nowhere", at=None, state=""),
        candidate(2, "rio", at=RIO),
    ]

    decision = route(order(), stores, policy(Step("criterion", "distance")))

    assert chosen_codes(decision) == ["rio"]
    assert row(decision, "nowhere").scores["distance"] == 0.0


def test_performance_prefers_on_time_and_few_rejections():
    stores = [
        candidate(1, "late", on_time_rate=0.7, rejection_rate=0.05),
        candidate(2, "punctual", on_time_rate=0.98, rejection_rate=0.02),
        candidate(3, "rejects", on_time_rate=0.98, rejection_rate=0.30),
    ]

    decision = route(order(), stores, policy(Step("criterion", "performance")))

    assert chosen_codes(decision) == ["punctual"]
    assert row(decision, "punctual").scores["performance"] == 1.0


def test_performance_missing_data_is_neutral():
    stores = [
        candidate(1, "good", on_time_rate=1.0, rejection_rate=0.0),
        candidate(2, "new"),
        candidate(3, "bad", on_time_rate=0.0, rejection_rate=1.0),
    ]

    decision = route(order(), stores, policy(Step("criterion", "performance")))

    assert row(decision, "new").scores["performance"] == 0.5


def test_performance_weights_the_two_rates():
    stores = [
        candidate(1, "punctual", on_time_rate=1.0, rejection_rate=0.5),
        candidate(2, "accepting", on_time_rate=0.5, rejection_rate=0.0),
    ]

    decision = route(
        order(),
        stores,
        policy(Step("criterion", "performance", {"rejection_weight": 0})),
    )

    assert chosen_codes(decision) == ["punctual"]


def test_fairness_prefers_locations_below_their_share():
    stores = [
        candidate(1, "busy", orders_this_period=70),
        candidate(2, "quiet", orders_this_period=10),
        candidate(3, "even", orders_this_period=20),
    ]

    decision = route(order(), stores, policy(Step("criterion", "fairness")))

    assert chosen_codes(decision) == ["quiet"]
    assert row(decision, "busy").scores["fairness"] == 0.0


def test_fairness_uses_target_share():
    # "big" has 60 % of orders but a 70 % target, so it is furthest below.
    stores = [
        candidate(1, "big", orders_this_period=60, target_share=0.7),
        candidate(2, "small", orders_this_period=40, target_share=0.3),
    ]

    decision = route(order(), stores, policy(Step("criterion", "fairness")))

    assert chosen_codes(decision) == ["big"]


def test_fairness_basis_decides_which_orders_count():
    # Over every candidate "a" has 30 % of orders against a 60 % target and
    # "b" 10 % against 30 %. Over the two finalists they have 75 % and 25 %.
    stores = [
        candidate(1, "a", orders_this_period=30, target_share=0.6),
        candidate(2, "b", orders_this_period=10, target_share=0.3),
        candidate(3, "paused", status="paused", orders_this_period=60),
    ]

    over_all = route(order(), stores, policy(Step("criterion", "fairness")))
    over_finalists = route(
        order(),
        stores,
        policy(Step("criterion", "fairness", {"basis": "finalists"})),
    )

    assert chosen_codes(over_all) == ["a"]
    assert chosen_codes(over_finalists) == ["b"]


def test_stock_balance_prefers_more_weeks_of_cover():
    stores = [
        candidate(1, "thin", weeks_of_cover={"2001": 1.5}),
        candidate(2, "deep", weeks_of_cover={"2001": 9.0}),
    ]

    decision = route(order(), stores, policy(Step("criterion", "stock_balance")))

    assert chosen_codes(decision) == ["deep"]


def test_stock_balance_aggregates_ordered_skus():
    lines = [line(0, "2001"), line(1, "3107")]
    stock = {"2001": 1, "3107": 1}
    stores = [
        candidate(1, "even", stock, weeks_of_cover={"2001": 4.0, "3107": 4.0}),
        candidate(2, "skewed", stock, weeks_of_cover={"2001": 10.0, "3107": 1.0}),
    ]

    by_mean = route(order(lines), stores, policy(Step("criterion", "stock_balance")))
    by_min = route(
        order(lines),
        stores,
        policy(Step("criterion", "stock_balance", {"aggregate": "min"})),
    )

    assert chosen_codes(by_mean) == ["skewed"]
    assert chosen_codes(by_min) == ["even"]


def test_cost_prefers_cheaper_locations():
    stores = [
        candidate(1, "cheap", cost_per_order=Decimal("5.00")),
        candidate(2, "unknown"),
        candidate(3, "dear", cost_per_order=Decimal("15.00")),
    ]

    decision = route(order(), stores, policy(Step("criterion", "cost")))

    assert chosen_codes(decision) == ["cheap"]
    assert row(decision, "unknown").scores["cost"] == 0.5
    assert row(decision, "dear").scores["cost"] == 0.0


def test_same_region_criterion_prefers_inside():
    stores = [
        candidate(1, "rio", at=RIO, state="RJ"),
        candidate(2, "campinas", at=CAMPINAS, state="SP"),
    ]

    decision = route(order(), stores, policy(Step("criterion", "same_region")))

    assert chosen_codes(decision) == ["campinas"]
    assert row(decision, "campinas").scores["same_region"] == 1.0
    assert row(decision, "rio").scores["same_region"] == 0.0


def test_fixed_rank_puts_unranked_last():
    stores = [
        candidate(1, "second", fixed_rank=2),
        candidate(2, "unranked"),
        candidate(3, "first", fixed_rank=1),
        candidate(4, "third", fixed_rank=3),
    ]

    decision = route(order(), stores, policy(Step("criterion", "fixed_rank")))

    scores = {
        result.code: result.scores["fixed_rank"] for result in decision.candidates
    }
    assert chosen_codes(decision) == ["first"]
    assert scores["first"] > scores["second"] > scores["third"] > scores["unranked"]
    assert scores["unranked"] == 0.0


def test_total_score_is_the_weighted_mean():
    stores = [
        candidate(1, "near-slow", at=PINHEIROS, on_time_rate=0.5),
        candidate(2, "far-punctual", at=MOEMA, on_time_rate=1.0),
    ]
    steps = (
        Step("criterion", "distance", weight=3),
        Step("criterion", "performance", {"rejection_weight": 0}, weight=1),
    )

    decision = route(order(), stores, policy(*steps))

    near = row(decision, "near-slow")
    expected = (3 * near.scores["distance"] + near.scores["performance"]) / 4
    assert near.total_score == pytest.approx(expected)
    assert chosen_codes(decision) == ["near-slow"]


def test_zero_weight_criterion_does_not_count():
    stores = [
        candidate(1, "near", at=PINHEIROS, fixed_rank=2),
        candidate(2, "far", at=CAMPINAS, fixed_rank=1),
    ]
    steps = (
        Step("criterion", "distance", weight=0),
        Step("criterion", "fixed_rank", weight=1),
    )

    decision = route(order(), stores, policy(*steps))

    assert chosen_codes(decision) == ["far"]
    assert decision.deciding_step == "fixed_rank"
