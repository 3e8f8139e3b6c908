from decimal import Decimal

import pytest

from routing.engine import (
    STEP_TYPES,
    Policy,
    Step,
    StepError,
    route,
    validate_policy,
    validate_step,
)
from tests.routing.engine.builders import candidate, order


def error_of(step: Step) -> StepError:
    with pytest.raises(StepError) as caught:
        validate_step(step)
    return caught.value


def test_registry_lists_every_filter_and_criterion():
    assert sorted(name for kind, name in STEP_TYPES if kind == "filter") == [
        "capacity",
        "delivery_capability",
        "excluded",
        "max_distance",
        "meets_promise",
        "same_region",
        "status",
        "stock",
    ]
    assert sorted(name for kind, name in STEP_TYPES if kind == "criterion") == [
        "cost",
        "distance",
        "fairness",
        "fixed_rank",
        "performance",
        "same_region",
        "stock_balance",
    ]


def test_registry_entries_describe_themselves():
    for (kind, name), spec in STEP_TYPES.items():
        assert spec.kind == kind
        assert spec.name == name
        assert spec.description.endswith(".")
        for param in spec.params:
            assert param.description


def test_schema_lists_parameters_with_defaults():
    schema = STEP_TYPES[("filter", "max_distance")].schema()

    assert schema["required"] == ["km"]
    assert schema["properties"]["km"] == {
        "description": "Maximum great-circle distance in kilometres.",
        "type": "number",
        "exclusiveMinimum": 0,
    }
    assert schema["properties"]["unknown_distance"]["default"] == "reject"
    assert schema["additionalProperties"] is False


def test_validate_step_fills_defaults():
    step = validate_step(Step("filter", "status"))

    assert step.params == {"allowed": ("active", "probation")}


def test_validate_step_keeps_given_values():
    step = validate_step(Step("filter", "max_distance", {"km": 50}))

    assert step.params == {"km": 50.0, "unknown_distance": "reject"}
    assert isinstance(step.params["km"], float)


def test_validate_step_accepts_decimal_numbers():
    step = validate_step(
        Step("filter", "meets_promise", {"km_per_day": Decimal("350")})
    )

    assert step.params == {"km_per_day": 350.0}


@pytest.mark.parametrize(
    ("step", "message"),
    [
        (
            Step("filter", "max_distance", {"km": -5}),
            "max_distance: 'km' must be a positive number, got -5",
        ),
        (
            Step("filter", "max_distance", {"km": 0}),
            "max_distance: 'km' must be a positive number, got 0",
        ),
        (
            Step("filter", "max_distance", {"km": "50"}),
            "max_distance: 'km' must be a positive number, got '50'",
        ),
        (
            Step("filter", "max_distance", {"km": True}),
            "max_distance: 'km' must be a positive number, got true",
        ),
        (
            Step("filter", "max_distance", {"km": float("nan")}),
            "max_distance: 'km' must be a positive number, got nan",
        ),
        (
            Step("filter", "max_distance", {}),
            "max_distance: 'km' is required",
        ),
        (
            Step("filter", "max_distance", {"km": 10, "kms": 10}),
            "max_distance: unknown parameter 'kms' (expected one of 'km', "
            "'unknown_distance')",
        ),
        (
            Step("filter", "max_distance", {"km": 10, "unknown_distance": "ignore"}),
            "max_distance: 'unknown_distance' must be one of 'reject', 'pass', "
            "got 'ignore'",
        ),
        (
            Step("filter", "stock", {"mode": "some"}),
            "stock: 'mode' must be one of 'all_items', 'any', got 'some'",
        ),
        (
            Step("filter", "status", {"allowed": "active"}),
            "status: 'allowed' must be a list of values from 'active', 'paused', "
            "'probation', got 'active'",
        ),
        (
            Step("filter", "status", {"allowed": ["active", "closed"]}),
            "status: 'allowed' must only contain 'active', 'paused', 'probation', "
            "got 'closed'",
        ),
        (
            Step("filter", "status", {"allowed": []}),
            "status: 'allowed' must list at least one of 'active', 'paused', "
            "'probation'",
        ),
        (
            Step("filter", "capacity", {"spill_over": "yes"}),
            "capacity: 'spill_over' must be true or false, got 'yes'",
        ),
        (
            Step("filter", "meets_promise", {"km_per_day": -1}),
            "meets_promise: 'km_per_day' must be a positive number, got -1",
        ),
        (
            Step("filter", "delivery_capability", {"channel": "delivery"}),
            "delivery_capability: unknown parameter 'channel' (the step takes no "
            "parameters)",
        ),
        (
            Step("criterion", "performance", {"on_time_weight": -0.5}),
            "performance: 'on_time_weight' must be a non-negative number, got -0.5",
        ),
        (
            Step(
                "criterion",
                "performance",
                {"on_time_weight": 0, "rejection_weight": 0},
            ),
            "performance: 'on_time_weight' and 'rejection_weight' cannot both be 0",
        ),
        (
            Step("criterion", "fairness", {"basis": "network"}),
            "fairness: 'basis' must be one of 'all_candidates', 'finalists', "
            "got 'network'",
        ),
        (
            Step("criterion", "stock_balance", {"aggregate": "max"}),
            "stock_balance: 'aggregate' must be one of 'mean', 'min', got 'max'",
        ),
        (
            Step("criterion", "distance", weight=-1),
            "distance: weight must be a non-negative number, got -1",
        ),
        (
            Step("criterion", "distance", params=[("km", 1)]),
            "distance: parameters must be a mapping, got [['km', 1]]",
        ),
        (
            Step("criterion", "max_distance"),
            "unknown criterion 'max_distance', expected one of: cost, distance, "
            "fairness, fixed_rank, performance, same_region, stock_balance",
        ),
        (
            Step("rule", "distance"),
            "step kind must be 'filter' or 'criterion', got 'rule'",
        ),
    ],
)
def test_invalid_step_raises_exact_message(step, message):
    error = error_of(step)

    assert str(error) == message


def test_step_error_names_step_and_parameter():
    error = error_of(Step("filter", "max_distance", {"km": -5}))

    assert error.step == "max_distance"
    assert error.param == "km"


def test_step_error_is_a_value_error():
    assert issubclass(StepError, ValueError)


def test_duplicate_steps_are_rejected():
    policy = Policy(
        steps=(Step("criterion", "distance"), Step("criterion", "distance"))
    )

    with pytest.raises(StepError) as caught:
        validate_policy(policy)

    assert str(caught.value) == "distance: the policy lists this criterion twice"


def test_filter_and_criterion_may_share_a_name():
    policy = Policy(
        steps=(Step("filter", "same_region"), Step("criterion", "same_region"))
    )

    assert len(validate_policy(policy).steps) == 2


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_parts": 0}, "max_parts must be a whole number from 1 to 6, got 0"),
        ({"max_parts": 7}, "max_parts must be a whole number from 1 to 6, got 7"),
        ({"max_parts": 2.5}, "max_parts must be a whole number from 1 to 6, got 2.5"),
        (
            {"min_part_value": Decimal("-1")},
            "min_part_value must be a non-negative amount, got -1",
        ),
    ],
)
def test_invalid_policy_options_raise(options, message):
    with pytest.raises(StepError) as caught:
        validate_policy(Policy(steps=(), **options))

    assert str(caught.value) == message


def test_route_rejects_invalid_policy_before_routing():
    policy = Policy(steps=(Step("filter", "max_distance", {"km": -5}),))

    with pytest.raises(StepError) as caught:
        route(order(), [candidate(1, "loja")], policy)

    assert str(caught.value) == "max_distance: 'km' must be a positive number, got -5"


def test_validated_policy_kept_per_object():
    policy = Policy(steps=(Step("criterion", "distance"),), max_parts=2)
    equal = Policy(steps=(Step("criterion", "distance"),), max_parts=2)

    first = validate_policy(policy)

    assert validate_policy(policy) is first
    assert validate_policy(equal) == first
    assert first.min_part_value == Decimal(0)


def test_invalid_policy_raises_every_time():
    policy = Policy(steps=(), max_parts=0)

    for _attempt in range(2):
        with pytest.raises(StepError) as caught:
            validate_policy(policy)
        assert "max_parts must be a whole number" in str(caught.value)
