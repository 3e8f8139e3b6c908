from datetime import timedelta

from routing.engine import Step, route
from tests.routing.engine.builders import (
    BELO_HORIZONTE,
    CAMPINAS,
    NOW,
    PAULISTA,
    RIO,
    candidate,
    chosen_codes,
    line,
    order,
    policy,
    row,
    split_policy,
)

WEEKDAYS_9_TO_18 = tuple((weekday, "09:00", "18:00") for weekday in range(5))


# status


def test_status_rejects_paused_by_default():
    decision = route(
        order(),
        [candidate(1, "paused", status="paused"), candidate(2, "active")],
        policy(Step("filter", "status")),
    )

    assert row(decision, "paused").rejected_by == "status"
    assert (
        row(decision, "paused").rejected_reason
        == "status paused is not allowed (active, probation)"
    )
    assert chosen_codes(decision) == ["active"]


def test_status_accepts_probation_by_default():
    decision = route(order(), [candidate(1, "trial", status="probation")], policy())

    assert chosen_codes(decision) == ["trial"]


def test_status_applies_when_policy_omits_it():
    decision = route(order(), [candidate(1, "paused", status="paused")], policy())

    assert decision.status == "unroutable"
    assert row(decision, "paused").rejected_by == "status"


def test_status_allows_configured_statuses():
    decision = route(
        order(),
        [
            candidate(1, "trial", status="probation"),
            candidate(2, "paused", status="paused"),
        ],
        policy(Step("filter", "status", {"allowed": ["paused"]})),
    )

    assert row(decision, "trial").rejected_reason == (
        "status probation is not allowed (paused)"
    )
    assert chosen_codes(decision) == ["paused"]


# excluded


def test_excluded_location_is_rejected_first():
    decision = route(
        order(),
        [candidate(1, "rejected-before", status="paused"), candidate(2, "other")],
        policy(),
        excluded=frozenset({1}),
    )

    assert row(decision, "rejected-before").rejected_by == "excluded"
    assert (
        row(decision, "rejected-before").rejected_reason
        == "excluded from routing this order"
    )


def test_listed_excluded_step_runs_once():
    decision = route(
        order(),
        [candidate(1, "a"), candidate(2, "b")],
        policy(Step("filter", "excluded"), Step("filter", "status")),
        excluded=frozenset({1}),
    )

    assert row(decision, "a").rejected_by == "excluded"
    assert chosen_codes(decision) == ["b"]


# delivery_capability


def test_delivery_capability_rejects_non_shipping_stores():
    decision = route(
        order(),
        [
            candidate(1, "counter-only", ships_from_store=False),
            candidate(2, "dc", kind="dc", ships_from_store=False, at=CAMPINAS),
        ],
        policy(Step("filter", "delivery_capability")),
    )

    assert row(decision, "counter-only").rejected_by == "delivery_capability"
    assert row(decision, "counter-only").rejected_reason == (
        "store does not ship orders (ship-from-store off)"
    )
    assert chosen_codes(decision) == ["dc"]


# stock


def test_stock_reason_counts_units_per_sku():
    decision = route(
        order([line(0, "2001", 3), line(1, "3107", 1)]),
        [
            candidate(1, "short", {"2001": 2}),
            candidate(2, "full", {"2001": 3, "3107": 1}),
        ],
        policy(Step("filter", "stock")),
    )

    assert row(decision, "short").rejected_by == "stock"
    assert row(decision, "short").rejected_reason == (
        "2 of 3 units of SKU 2001 in stock, 0 of 1 unit of SKU 3107 in stock"
    )
    assert row(decision, "short").coverage == 0.5
    assert chosen_codes(decision) == ["full"]


def test_stock_sums_lines_per_sku():
    decision = route(
        order([line(0, "2001", 2), line(1, "2001", 1, "0.00")]),
        [candidate(1, "two", {"2001": 2}), candidate(2, "three", {"2001": 3})],
        policy(),
    )

    assert row(decision, "two").rejected_reason == "2 of 3 units of SKU 2001 in stock"
    assert chosen_codes(decision) == ["three"]


def test_stock_any_keeps_partial_locations_for_splits():
    decision = route(
        order([line(0, "2001"), line(1, "3107")]),
        [
            candidate(1, "has-2001", {"2001": 1}),
            candidate(2, "has-3107", {"3107": 1}),
            candidate(3, "empty", {}),
        ],
        split_policy(),
    )

    assert (
        row(decision, "empty").rejected_reason == "none of the 2 units ordered in stock"
    )
    assert row(decision, "has-2001").finalist
    assert sorted(chosen_codes(decision)) == ["has-2001", "has-3107"]


def test_stock_any_without_split_requires_every_unit():
    decision = route(
        order([line(0, "2001"), line(1, "3107")]),
        [candidate(1, "partial", {"2001": 1})],
        policy(Step("filter", "stock", {"mode": "any"})),
    )

    assert decision.status == "unroutable"
    assert row(decision, "partial").rejected_reason == (
        "0 of 1 unit of SKU 3107 in stock"
    )


def test_negative_stock_counts_as_none():
    decision = route(order(), [candidate(1, "oversold", {"2001": -2})], policy())

    assert row(decision, "oversold").rejected_reason == (
        "0 of 1 unit of SKU 2001 in stock"
    )


# max_distance


def test_max_distance_rejects_far_locations():
    decision = route(
        order(),
        [candidate(1, "rio", at=RIO), candidate(2, "campinas", at=CAMPINAS)],
        policy(Step("filter", "max_distance", {"km": 300})),
    )

    assert row(decision, "rio").rejected_by == "max_distance"
    assert (
        row(decision, "rio").rejected_reason == "363.2 km away, over the 300 km limit"
    )
    assert chosen_codes(decision) == ["campinas"]


def test_max_distance_rejects_unknown_distance_by_default():
    decision = route(
        order(),
        [candidate(1, "nowhere", at=None, state="")],
        policy(Step("filter", "max_distance", {"km": 300})),
    )

    assert row(decision, "nowhere").rejected_reason == (
        "distance unknown because the address could not be placed"
    )


def test_max_distance_can_pass_unknown_distance():
    decision = route(
        order(),
        [candidate(1, "nowhere", at=None, state="")],
        policy(Step("filter", "max_distance", {"km": 300, "unknown_distance": "pass"})),
    )

    assert chosen_codes(decision) == ["nowhere"]


# meets_promise


def test_meets_promise_adds_lead_time_and_transit():
    # NOW is Wednesday 15:00 in São Paulo. Both stores are open and need 24
    # hours, and the promise is Thursday 18:00. Rio is 363 km away, which
    # takes 0.73 days at 500 km/day.
    promised = NOW + timedelta(hours=27)
    stores = [
        candidate(1, "near", opening_hours=WEEKDAYS_9_TO_18, lead_time_hours=24),
        candidate(
            2,
            "far",
            at=RIO,
            opening_hours=WEEKDAYS_9_TO_18,
            lead_time_hours=24,
        ),
    ]

    decision = route(
        order(promised_by=promised), stores, policy(Step("filter", "meets_promise"))
    )

    assert chosen_codes(decision) == ["near"]
    assert row(decision, "far").rejected_by == "meets_promise"
    assert row(decision, "far").rejected_reason == (
        "estimated arrival 2025-03-14 08:26-03:00 is after the promised "
        "2025-03-13 18:00-03:00 (opens 2025-03-12 15:00-03:00, 24 h lead time, "
        "0.7 days in transit)"
    )


def test_meets_promise_waits_for_opening_time():
    # Opens Thursday 09:00, ready 8 hours later at 17:00, before 18:00.
    hours = ((3, "09:00", "18:00"),)
    fits = candidate(1, "fits", opening_hours=hours, lead_time_hours=8)
    late = candidate(2, "late", opening_hours=hours, lead_time_hours=10)

    decision = route(
        order(promised_by=NOW + timedelta(hours=27)),
        [fits, late],
        policy(Step("filter", "meets_promise")),
    )

    assert chosen_codes(decision) == ["fits"]
    assert row(decision, "late").rejected_reason.startswith(
        "estimated arrival 2025-03-13 19:00-03:00 is after the promised"
    )


def test_meets_promise_uses_km_per_day():
    promised = NOW + timedelta(days=1)

    decision = route(
        order(promised_by=promised),
        [candidate(1, "belo-horizonte", at=BELO_HORIZONTE)],
        policy(Step("filter", "meets_promise", {"km_per_day": 1000})),
    )

    assert chosen_codes(decision) == ["belo-horizonte"]


def test_meets_promise_passes_orders_without_promise():
    decision = route(
        order(promised_by=None),
        [candidate(1, "slow", lead_time_hours=500)],
        policy(Step("filter", "meets_promise")),
    )

    assert chosen_codes(decision) == ["slow"]


def test_meets_promise_rejects_unusable_opening_hours():
    decision = route(
        order(promised_by=NOW + timedelta(days=3)),
        [candidate(1, "broken", opening_hours=((0, "9h", "18:00"),))],
        policy(Step("filter", "meets_promise")),
    )

    assert row(decision, "broken").rejected_reason == (
        "invalid opening hours: opening time '9h' is not in HH:MM form"
    )


# capacity


def test_capacity_rejects_full_daily_capacity():
    decision = route(
        order(),
        [
            candidate(1, "full", daily_capacity=40, accepted_today=40),
            candidate(2, "room", daily_capacity=40, accepted_today=39, at=PAULISTA),
        ],
        policy(Step("filter", "capacity")),
    )

    assert row(decision, "full").rejected_by == "capacity"
    assert row(decision, "full").rejected_reason == (
        "accepted 40 of 40 orders allowed today"
    )
    assert row(decision, "room").capacity_left == 1
    assert chosen_codes(decision) == ["room"]


def test_capacity_rejects_full_concurrent_capacity():
    decision = route(
        order(),
        [candidate(1, "busy", concurrent_capacity=10, open_assignments=10)],
        policy(Step("filter", "capacity")),
    )

    assert row(decision, "busy").rejected_reason == (
        "10 of 10 concurrent assignments already open"
    )
    assert row(decision, "busy").capacity_left == 0


def test_capacity_zero_means_no_limit():
    decision = route(
        order(),
        [candidate(1, "unlimited", daily_capacity=0, accepted_today=500)],
        policy(Step("filter", "capacity")),
    )

    assert chosen_codes(decision) == ["unlimited"]
    assert row(decision, "unlimited").capacity_left is None


def test_spill_over_when_all_are_full():
    stores = [
        candidate(1, "a", daily_capacity=10, accepted_today=10),
        candidate(2, "b", daily_capacity=10, accepted_today=12, at=CAMPINAS),
    ]

    decision = route(
        order(),
        stores,
        policy(
            Step("filter", "capacity", {"spill_over": True}),
            Step("criterion", "distance"),
        ),
    )

    assert chosen_codes(decision) == ["a"]
    assert row(decision, "b").rejected_by is None
    assert decision.notes == (
        "Capacity spill-over: every location that could take the order was at "
        "capacity, so the capacity filter let 2 locations through.",
    )
    assert "Capacity spill-over" in decision.reason


def test_spill_over_when_only_full_stores_meet_promise():
    promised = NOW + timedelta(hours=6)
    stores = [
        candidate(1, "near-full", daily_capacity=10, accepted_today=10),
        candidate(2, "far-free", daily_capacity=10, accepted_today=0, at=RIO),
    ]

    decision = route(
        order(promised_by=promised),
        stores,
        policy(
            Step("filter", "capacity", {"spill_over": True}),
            Step("filter", "meets_promise", {"km_per_day": 100}),
            Step("criterion", "distance"),
        ),
    )

    assert decision.status == "routed"
    assert chosen_codes(decision) == ["near-full"]
    assert row(decision, "far-free").rejected_by == "meets_promise"
    assert "Capacity spill-over" in decision.reason


def test_spill_over_off_leaves_full_network_unroutable():
    promised = NOW + timedelta(hours=6)
    stores = [
        candidate(1, "near-full", daily_capacity=10, accepted_today=10),
        candidate(2, "far-free", daily_capacity=10, accepted_today=0, at=RIO),
    ]

    decision = route(
        order(promised_by=promised),
        stores,
        policy(
            Step("filter", "capacity", {"spill_over": False}),
            Step("filter", "meets_promise", {"km_per_day": 100}),
        ),
    )

    assert decision.status == "unroutable"
    assert row(decision, "near-full").rejected_by == "capacity"
    assert decision.notes == ()


def test_spill_over_needs_all_full():
    stores = [
        candidate(1, "full", daily_capacity=10, accepted_today=10),
        candidate(2, "room", daily_capacity=10, accepted_today=2),
    ]

    decision = route(
        order(), stores, policy(Step("filter", "capacity", {"spill_over": True}))
    )

    assert row(decision, "full").rejected_by == "capacity"
    assert decision.notes == ()


def test_capacity_without_spill_over_leaves_order_unroutable():
    decision = route(
        order(),
        [candidate(1, "full", daily_capacity=10, accepted_today=10)],
        policy(Step("filter", "capacity")),
    )

    assert decision.status == "unroutable"
    assert decision.deciding_step == "capacity"


# same_region


def test_same_region_uses_service_postal_ranges():
    stores = [
        candidate(1, "centro", service_postal_ranges=(("01000-000", "01599-999"),)),
        candidate(2, "zona-sul", service_postal_ranges=(("04000", "04999"),)),
    ]

    decision = route(
        order(postal_code="01310-100"), stores, policy(Step("filter", "same_region"))
    )

    assert chosen_codes(decision) == ["centro"]
    assert row(decision, "zona-sul").rejected_by == "same_region"
    assert row(decision, "zona-sul").rejected_reason == (
        "customer postal code 01310-100 is outside the location's service ranges"
    )


def test_same_region_without_ranges_compares_states():
    stores = [candidate(1, "rio", at=RIO, state="RJ"), candidate(2, "sp", state="SP")]

    decision = route(order(state="SP"), stores, policy(Step("filter", "same_region")))

    assert chosen_codes(decision) == ["sp"]
    assert row(decision, "rio").rejected_reason == (
        "customer is in SP, the location in RJ"
    )


def test_same_region_reads_state_from_postal_codes():
    stores = [candidate(1, "rio", at=RIO, state="", postal_code="20040-020")]

    decision = route(
        order(state="", postal_code="01310-100"),
        stores,
        policy(Step("filter", "same_region")),
    )

    assert row(decision, "rio").rejected_reason == (
        "customer is in SP, the location in RJ"
    )


def test_filters_record_the_first_failure_only():
    store = candidate(1, "both", status="paused", stock={})

    decision = route(order(), [store], policy(Step("filter", "stock")))

    assert row(decision, "both").rejected_by == "status"
