"""The registry of step types and the validation of steps and policies.

`STEP_TYPES` is keyed by (kind, name) because `same_region` exists both as a
filter and as a criterion. Each entry carries an English description and a
typed parameter schema that `validate_step` enforces.
"""

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from routing.engine import criteria, filters
from routing.engine.params import (
    BOOLEAN,
    CHOICE,
    CHOICES,
    NUMBER,
    Param,
    StepError,
    show,
)
from routing.engine.types import CRITERION, FILTER, STATUSES, Policy, Step

# NOTE: the split search is exponential in the number of parts, so policies
# may ask for at most this many. The value 6 is a judgement call, not a
# measured limit.
MAX_PARTS_LIMIT = 6


@dataclass(frozen=True, slots=True)
class StepType:
    """A filter or criterion the policy editor can add, with its parameters.

    `missing` sets how a criterion scores candidates without data: "neutral"
    (0.5) or "last" (below every known value).
    """

    kind: str
    name: str
    description: str
    params: tuple[Param, ...]
    function: Callable = field(repr=False, compare=False)
    missing: str = criteria.NEUTRAL
    check: Callable[[dict[str, Any]], str | None] | None = field(
        default=None, repr=False, compare=False
    )

    def schema(self) -> dict[str, Any]:
        """Describe the parameters as a JSON Schema object."""
        return {
            "type": "object",
            "properties": {param.name: param.json_schema() for param in self.params},
            "required": [param.name for param in self.params if param.required],
            "additionalProperties": False,
        }


def _performance_check(params: dict[str, Any]) -> str | None:
    if params["on_time_weight"] == 0 and params["rejection_weight"] == 0:
        return "'on_time_weight' and 'rejection_weight' cannot both be 0"
    return None


_FILTERS = (
    StepType(
        FILTER,
        "excluded",
        "Skip locations excluded for this order, for example after they "
        "rejected it or let it time out. Always applied first, listed or not.",
        (),
        filters.filter_excluded,
    ),
    StepType(
        FILTER,
        "status",
        "Keep locations whose status is allowed. Applied with its defaults "
        "when the policy does not list it.",
        (
            Param(
                "allowed",
                CHOICES,
                "Statuses that may receive orders.",
                default=("active", "probation"),
                choices=STATUSES,
            ),
        ),
        filters.filter_status,
    ),
    StepType(
        FILTER,
        "delivery_capability",
        "Keep locations that can serve the delivery channel: stores must ship "
        "from store for delivery (DCs always ship) and offer pickup for pickup.",
        (),
        filters.filter_delivery_capability,
    ),
    StepType(
        FILTER,
        "stock",
        "Keep locations with stock for the order. Applied last among the "
        "filters when the policy does not list it.",
        (
            Param(
                "mode",
                CHOICE,
                "'all_items': the location must hold every unit alone. 'any': it "
                "must hold at least one unit, so it can take part in a split; "
                "only used when the policy allows splitting.",
                default="all_items",
                choices=("all_items", "any"),
            ),
        ),
        filters.filter_stock,
    ),
    StepType(
        FILTER,
        "max_distance",
        "Keep locations within a straight-line distance of the customer.",
        (
            Param(
                "km",
                NUMBER,
                "Maximum great-circle distance in kilometres.",
                minimum=0,
                exclusive_minimum=True,
            ),
            Param(
                "unknown_distance",
                CHOICE,
                "What to do when the distance cannot be computed.",
                default="reject",
                choices=("reject", "pass"),
            ),
        ),
        filters.filter_max_distance,
    ),
    StepType(
        FILTER,
        "meets_promise",
        "Keep locations that can deliver by the promised date: next opening "
        "time, plus lead time, plus distance divided by km_per_day. Orders "
        "without a promised date pass.",
        (
            Param(
                "km_per_day",
                NUMBER,
                "Transit speed estimate in kilometres per day.",
                default=500.0,
                minimum=0,
                exclusive_minimum=True,
            ),
        ),
        filters.filter_meets_promise,
    ),
    StepType(
        FILTER,
        "capacity",
        "Keep locations below their daily and concurrent capacity.",
        (
            Param(
                "spill_over",
                BOOLEAN,
                "When the order would be unroutable and this filter removed a "
                "location, route it again with this filter letting every "
                "location through.",
                default=False,
            ),
        ),
        filters.filter_capacity,
    ),
    StepType(
        FILTER,
        "same_region",
        "Keep locations whose service postal ranges contain the customer's "
        "postal code, or in the customer's state when they list no ranges.",
        (),
        filters.filter_same_region,
    ),
)

_CRITERIA = (
    StepType(
        CRITERION,
        "distance",
        "Prefer locations closer to the customer. Unknown distances score last.",
        (),
        criteria.criterion_distance,
        missing=criteria.LAST,
    ),
    StepType(
        CRITERION,
        "performance",
        "Prefer a high on-time rate and a low rejection rate; a missing rate "
        "counts as 0.5.",
        (
            Param(
                "on_time_weight",
                NUMBER,
                "Weight of the on-time rate.",
                default=1.0,
                minimum=0,
            ),
            Param(
                "rejection_weight",
                NUMBER,
                "Weight of the rejection rate.",
                default=1.0,
                minimum=0,
            ),
        ),
        criteria.criterion_performance,
        check=_performance_check,
    ),
    StepType(
        CRITERION,
        "fairness",
        "Prefer locations furthest below their target share of this period's "
        "orders. Without a target, a location's target is an equal share.",
        (
            Param(
                "basis",
                CHOICE,
                "Locations whose orders make up the total: every candidate "
                "passed in, or only those that passed the filters.",
                default="all_candidates",
                choices=("all_candidates", "finalists"),
            ),
        ),
        criteria.criterion_fairness,
    ),
    StepType(
        CRITERION,
        "stock_balance",
        "Prefer locations with more weeks of cover of the ordered SKUs they hold.",
        (
            Param(
                "aggregate",
                CHOICE,
                "How to combine the weeks of cover of several SKUs.",
                default="mean",
                choices=("mean", "min"),
            ),
        ),
        criteria.criterion_stock_balance,
    ),
    StepType(
        CRITERION,
        "cost",
        "Prefer a lower cost per order; a location without a cost scores 0.5.",
        (),
        criteria.criterion_cost,
    ),
    StepType(
        CRITERION,
        "same_region",
        "Prefer locations whose region contains the customer (1) over the "
        "others (0), with the region defined as in the same_region filter.",
        (),
        criteria.criterion_same_region,
    ),
    StepType(
        CRITERION,
        "fixed_rank",
        "Prefer a lower fixed rank; locations without a rank come last.",
        (),
        criteria.criterion_fixed_rank,
        missing=criteria.LAST,
    ),
)

STEP_TYPES: Mapping[tuple[str, str], StepType] = {
    (step_type.kind, step_type.name): step_type for step_type in _FILTERS + _CRITERIA
}


def step_type(kind: str, name: str) -> StepType:
    """Return the registered step type, or raise StepError naming the options."""
    if kind not in (FILTER, CRITERION):
        raise StepError(
            f"step kind must be 'filter' or 'criterion', got {show(kind)}", step=name
        )
    found = STEP_TYPES.get((kind, name))
    if found is None:
        names = ", ".join(sorted(n for k, n in STEP_TYPES if k == kind))
        raise StepError(
            f"unknown {kind} {show(name)}, expected one of: {names}", step=str(name)
        )
    return found


def validate_step(step: Step) -> Step:
    """Return the step with its parameters typed and defaults filled in.

    Raises StepError naming the step and parameter when anything is invalid.
    """
    spec = step_type(step.kind, step.name)
    if not isinstance(step.params, Mapping):
        raise StepError(
            f"{step.name}: parameters must be a mapping, got {show(step.params)}",
            step=step.name,
        )

    known = {param.name for param in spec.params}
    for name in step.params:
        if name not in known:
            expected = (
                "expected one of " + ", ".join(repr(n) for n in sorted(known))
                if known
                else "the step takes no parameters"
            )
            raise StepError(
                f"{step.name}: unknown parameter {show(name)} ({expected})",
                step=step.name,
                param=str(name),
            )

    cleaned: dict[str, Any] = {}
    for param in spec.params:
        if param.name in step.params:
            cleaned[param.name] = param.clean(step.name, step.params[param.name])
        elif param.required:
            raise StepError(
                f"{step.name}: '{param.name}' is required",
                step=step.name,
                param=param.name,
            )
        else:
            cleaned[param.name] = param.default
    if spec.check is not None:
        problem = spec.check(cleaned)
        if problem:
            raise StepError(f"{step.name}: {problem}", step=step.name)

    weight = step.weight
    is_number = isinstance(weight, int | float | Decimal) and not isinstance(
        weight, bool
    )
    if not is_number or not math.isfinite(weight) or weight < 0:
        raise StepError(
            f"{step.name}: weight must be a non-negative number, got {show(weight)}",
            step=step.name,
            param="weight",
        )
    return replace(step, params=cleaned, weight=float(weight))


# Validated policies by the identity of the policy given, with that policy
# kept so its id is not reused. A routing batch passes the same Policy object
# for each of its orders.
_VALIDATED: dict[int, tuple[Policy, Policy]] = {}
_VALIDATED_LIMIT = 64


def validate_policy(policy: Policy) -> Policy:
    """Return the policy with every step validated; raise StepError if invalid.

    Policies are immutable, so the result is kept for the same Policy
    object. NOTE: a caller that changes a step's params dict in place after
    routing with the policy gets the earlier result.
    """
    cached = _VALIDATED.get(id(policy))
    if cached is not None and cached[0] is policy:
        return cached[1]
    validated = _validate_policy(policy)
    if len(_VALIDATED) >= _VALIDATED_LIMIT:
        _VALIDATED.clear()
    _VALIDATED[id(policy)] = (policy, validated)
    return validated


def _validate_policy(policy: Policy) -> Policy:
    steps = tuple(validate_step(step) for step in policy.steps)
    seen: set[tuple[str, str]] = set()
    for step in steps:
        if (step.kind, step.name) in seen:
            raise StepError(
                f"{step.name}: the policy lists this {step.kind} twice", step=step.name
            )
        seen.add((step.kind, step.name))

    max_parts = policy.max_parts
    if (
        not isinstance(max_parts, int)
        or isinstance(max_parts, bool)
        or not 1 <= max_parts <= MAX_PARTS_LIMIT
    ):
        raise StepError(
            f"max_parts must be a whole number from 1 to {MAX_PARTS_LIMIT}, "
            f"got {show(max_parts)}",
            param="max_parts",
        )
    try:
        min_part_value = Decimal(policy.min_part_value)
    except (InvalidOperation, TypeError, ValueError):
        min_part_value = None
    if min_part_value is None or not min_part_value.is_finite() or min_part_value < 0:
        raise StepError(
            f"min_part_value must be a non-negative amount, "
            f"got {show(policy.min_part_value)}",
            param="min_part_value",
        )
    return replace(policy, steps=steps, min_part_value=min_part_value)
