"""Typed step parameters and the errors raised when a step is misconfigured."""

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

NUMBER = "number"
INTEGER = "integer"
BOOLEAN = "boolean"
CHOICE = "choice"
CHOICES = "choices"


class StepError(ValueError):
    """An unknown step, an invalid step parameter or an invalid policy option.

    `step` and `param` name what failed, when known.
    """

    def __init__(self, message: str, *, step: str = "", param: str = "") -> None:
        super().__init__(message)
        self.step = step
        self.param = param


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()


def show(value: Any) -> str:
    """Format an invalid value for an error message, lists and booleans as in
    JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(show(item) for item in value) + "]"
    return repr(value)


def _quoted(choices: tuple[str, ...]) -> str:
    return ", ".join(repr(choice) for choice in choices)


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter of a step type: its type, bounds, default and help text.

    `minimum` is inclusive unless `exclusive_minimum` is set, so a positive
    number is `minimum=0, exclusive_minimum=True`.
    """

    name: str
    type: str
    description: str
    default: Any = REQUIRED
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    exclusive_minimum: bool = False
    maximum: float | None = None

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def clean(self, step_name: str, value: Any) -> Any:
        """Return the value converted to its Python type, or raise StepError."""
        if self.type in (NUMBER, INTEGER):
            return self._clean_number(step_name, value)
        if self.type == BOOLEAN:
            if not isinstance(value, bool):
                self._fail(step_name, f"must be true or false, got {show(value)}")
            return value
        if self.type == CHOICE:
            if not isinstance(value, str) or value not in self.choices:
                self._fail(
                    step_name,
                    f"must be one of {_quoted(self.choices)}, got {show(value)}",
                )
            return value
        return self._clean_choices(step_name, value)

    def json_schema(self) -> dict[str, Any]:
        """Describe the parameter as a JSON Schema property."""
        schema: dict[str, Any] = {"description": self.description}
        if self.type == CHOICE:
            schema.update(type="string", enum=list(self.choices))
        elif self.type == CHOICES:
            schema.update(
                type="array",
                items={"type": "string", "enum": list(self.choices)},
                minItems=1,
                uniqueItems=True,
            )
        else:
            schema["type"] = self.type
        if self.minimum is not None:
            key = "exclusiveMinimum" if self.exclusive_minimum else "minimum"
            schema[key] = self.minimum
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        if not self.required:
            default = self.default
            schema["default"] = list(default) if isinstance(default, tuple) else default
        return schema

    def _fail(self, step_name: str, problem: str) -> None:
        raise StepError(
            f"{step_name}: '{self.name}' {problem}", step=step_name, param=self.name
        )

    def _number_phrase(self) -> str:
        noun = "whole number" if self.type == INTEGER else "number"
        low, high = self.minimum, self.maximum
        if low == 0 and self.exclusive_minimum and high is None:
            return f"a positive {noun}"
        if low == 0 and high is None:
            return f"a non-negative {noun}"
        if low is not None and high is not None:
            return f"a {noun} from {low:g} to {high:g}"
        if low is not None:
            relation = "above" if self.exclusive_minimum else "at least"
            return f"a {noun} {relation} {low:g}"
        return f"a {noun}"

    def _clean_number(self, step_name: str, value: Any) -> int | float:
        phrase = self._number_phrase()
        is_number = isinstance(value, int | float | Decimal) and not isinstance(
            value, bool
        )
        if not is_number or not math.isfinite(value):
            self._fail(step_name, f"must be {phrase}, got {show(value)}")
        if self.type == INTEGER and value != int(value):
            self._fail(step_name, f"must be {phrase}, got {show(value)}")
        number = int(value) if self.type == INTEGER else float(value)
        too_low = self.minimum is not None and (
            number <= self.minimum if self.exclusive_minimum else number < self.minimum
        )
        too_high = self.maximum is not None and number > self.maximum
        if too_low or too_high:
            self._fail(step_name, f"must be {phrase}, got {show(value)}")
        return number

    def _clean_choices(self, step_name: str, value: Any) -> tuple[str, ...]:
        if isinstance(value, str) or not isinstance(value, list | tuple):
            self._fail(
                step_name,
                f"must be a list of values from {_quoted(self.choices)}, "
                f"got {show(value)}",
            )
        unknown = [item for item in value if item not in self.choices]
        if unknown:
            self._fail(
                step_name,
                f"must only contain {_quoted(self.choices)}, got {show(unknown[0])}",
            )
        if not value:
            self._fail(step_name, f"must list at least one of {_quoted(self.choices)}")
        return tuple(dict.fromkeys(value))
