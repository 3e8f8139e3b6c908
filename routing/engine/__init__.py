"""The routing engine: pure Python, no database, deterministic.

The Django side loads stock, policies and counters, calls `route()` with plain
dataclasses and stores the returned `Decision`.
"""

from routing.engine.engine import route
from routing.engine.params import Param, StepError
from routing.engine.steps import STEP_TYPES, StepType, validate_policy, validate_step
from routing.engine.types import (
    Candidate,
    CandidateResult,
    Decision,
    Line,
    OrderInput,
    Part,
    Policy,
    Step,
)

__all__ = [
    "STEP_TYPES",
    "Candidate",
    "CandidateResult",
    "Decision",
    "Line",
    "OrderInput",
    "Param",
    "Part",
    "Policy",
    "Step",
    "StepError",
    "StepType",
    "route",
    "validate_policy",
    "validate_step",
]
