"""The texts of the engine's reasons, as a code with parameters.

Every reason the engine gives (why a candidate was rejected, why an option
won, the notes on its inputs) is a `Message`: a code from `MESSAGES` and its
parameters. `Message.english()` fills the English template, which is what the
engine's `reason` strings and the logs contain. Pages translate a message with
`Message.render(gettext)`, and `translate_text` maps a stored English text back
to its messages, so decisions stored as English text translate as well. A
`number` function passed to them rewrites the numbers of NUMBER_PARAMS in the
page's language, so stored parameters keep their decimal point.

The templates are marked with `gettext_noop`, so `makemessages` collects them,
and their pt-BR forms live in the project's locale files.
"""

import re
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

# A step name and the number of locations it removed, as in `counts`.
STEP_COUNT = re.compile(r"\b([a-z_]+) (\d+)\b")


def gettext_noop(message: str) -> str:
    """Return `message` unchanged. Named as Django's function so that
    `makemessages` collects the templates, while the engine keeps working
    without Django settings."""
    return message


# Candidate reasons (filters and the pickup stage). Parameters are plain text
# already formatted (numbers, dates, codes), except where noted.
EXCLUDED = "excluded"
STATUS_NOT_ALLOWED = "status_not_allowed"
NO_PICKUP = "no_pickup"
NO_SHIPPING = "no_shipping"
STOCK_SHORT = "stock_short"
STOCK_SHORT_ONE = "stock_short_one"
STOCK_SHORTAGES = "stock_shortages"
STOCK_NONE = "stock_none"
STOCK_NONE_ONE = "stock_none_one"
DISTANCE_UNKNOWN = "distance_unknown"
DISTANCE_OVER = "distance_over"
HOURS_INVALID = "hours_invalid"
NEVER_OPENS = "never_opens"
PROMISE_LATE = "promise_late"
DAILY_FULL = "daily_full"
CONCURRENT_FULL = "concurrent_full"
RANGES_INVALID = "ranges_invalid"
POSTAL_UNKNOWN = "postal_unknown"
POSTAL_OUTSIDE = "postal_outside"
STATE_UNKNOWN = "state_unknown"
STATE_DIFFERS = "state_differs"
NOT_PICKUP_LOCATION = "not_pickup_location"
COLLECTED_ELSEWHERE = "collected_elsewhere"

# Decision sentences and the clauses inside them.
ROUTED_TO = "routed_to"
SPLIT_INTO = "split_into"
SPLIT_PART = "split_part"
SPLIT_PART_ONE_LINE = "split_part_one_line"
KM = "km"
KM_UNKNOWN = "km_unknown"
FEWER_PARTS = "fewer_parts"
ONLY_SINGLE = "only_single"
ONLY_COMBINATION = "only_combination"
ONLY_AFTER_FILTER = "only_after_filter"
ONLY_CANDIDATE = "only_candidate"
SCORE_WON = "score_won"
DISTANCE_TIE = "distance_tie"
CODE_TIE = "code_tie"
FILTERS_REMOVED = "filters_removed"
NO_FINALIST = "no_finalist"
NO_CANDIDATES = "no_candidates"
NO_SINGLE_HOLDS = "no_single_holds"
NO_COMBINATION_FITS = "no_combination_fits"
NO_COMBINATION_HOLDS = "no_combination_holds"
BEST_SINGLE_HOLDS = "best_single_holds"
UNITS = "units"
UNIT_ONE = "unit_one"
NONE_PASSED = "none_passed"
CUSTOMER_UNPLACED = "customer_unplaced"
POSITIONS_ESTIMATED = "positions_estimated"
POSITIONS_ESTIMATED_MORE = "positions_estimated_more"
SPILL_OVER = "spill_over"
PICKUP_TRANSFER = "pickup_transfer"
PICKUP_UNPLACED = "pickup_unplaced"
PICKUP_COLLECTED = "pickup_collected"
PICKUP_MISSING = "pickup_missing"
PICKUP_UNNAMED = "pickup_unnamed"
NO_POLICY = "no_policy"
NO_LINES = "no_lines"
POLICY_ERROR = "policy_error"
MANUAL = "manual"
NOT_ROUTABLE_NOW = "not_routable_now"

# Notes on how `routing.engine.geo` placed an address. A note is one of the
# *_SWAPPED messages, or one of the PLACED_* messages, whose `missing`
# parameter is the reason the address's own coordinates were not used.
CUSTOMER_SWAPPED = "customer_swapped"
LOCATION_SWAPPED = "location_swapped"
CUSTOMER_OUTSIDE = "customer_outside"
LOCATION_OUTSIDE = "location_outside"
CUSTOMER_NO_COORDINATES = "customer_no_coordinates"
LOCATION_NO_COORDINATES = "location_no_coordinates"
PLACED_POSTAL_CITY = "placed_postal_city"
PLACED_POSTAL_CAPITAL = "placed_postal_capital"
PLACED_CITY = "placed_city"
PLACED_CAPITAL = "placed_capital"

MESSAGES: Mapping[str, str] = {
    EXCLUDED: gettext_noop("excluded from routing this order"),
    STATUS_NOT_ALLOWED: gettext_noop("status %(status)s is not allowed (%(allowed)s)"),
    NO_PICKUP: gettext_noop("does not offer pickup"),
    NO_SHIPPING: gettext_noop("store does not ship orders (ship-from-store off)"),
    STOCK_SHORT: gettext_noop(
        "%(in_stock)s of %(ordered)s units of SKU %(sku)s in stock"
    ),
    STOCK_SHORT_ONE: gettext_noop("%(in_stock)s of 1 unit of SKU %(sku)s in stock"),
    # `items` is a list of STOCK_SHORT and STOCK_SHORT_ONE messages.
    STOCK_SHORTAGES: gettext_noop("%(items)s"),
    STOCK_NONE: gettext_noop("none of the %(ordered)s units ordered in stock"),
    STOCK_NONE_ONE: gettext_noop("none of the 1 unit ordered in stock"),
    DISTANCE_UNKNOWN: gettext_noop(
        "distance unknown because the address could not be placed"
    ),
    DISTANCE_OVER: gettext_noop("%(distance)s km away, over the %(limit)s km limit"),
    HOURS_INVALID: gettext_noop("invalid opening hours: %(error)s"),
    NEVER_OPENS: gettext_noop("never opens according to its opening hours"),
    PROMISE_LATE: gettext_noop(
        "estimated arrival %(arrival)s is after the promised %(promised)s (opens "
        "%(opens)s, %(lead_time)s h lead time, %(transit)s days in transit)"
    ),
    DAILY_FULL: gettext_noop("accepted %(taken)s of %(daily)s orders allowed today"),
    CONCURRENT_FULL: gettext_noop(
        "%(open)s of %(concurrent)s concurrent assignments already open"
    ),
    RANGES_INVALID: gettext_noop("invalid service postal ranges: %(error)s"),
    POSTAL_UNKNOWN: gettext_noop(
        "customer postal code unknown, so the service region cannot match"
    ),
    POSTAL_OUTSIDE: gettext_noop(
        "customer postal code %(postal_code)s is outside the location's service ranges"
    ),
    STATE_UNKNOWN: gettext_noop("state of the customer or the location unknown"),
    STATE_DIFFERS: gettext_noop(
        "customer is in %(customer)s, the location in %(location)s"
    ),
    NOT_PICKUP_LOCATION: gettext_noop("not the order's pickup location"),
    COLLECTED_ELSEWHERE: gettext_noop(
        "the customer collects the order at %(code)s, which holds every unit"
    ),
    # `distance` is a KM or KM_UNKNOWN message, `explanation` one of the
    # clauses below.
    ROUTED_TO: gettext_noop("Routed to %(code)s (%(distance)s): %(explanation)s."),
    # `parts` is a list of SPLIT_PART and SPLIT_PART_ONE_LINE messages.
    SPLIT_INTO: gettext_noop(
        "Split into %(count)s parts: %(parts)s. Chosen for %(explanation)s."
    ),
    SPLIT_PART: gettext_noop("%(code)s takes lines %(lines)s (%(distance)s)"),
    SPLIT_PART_ONE_LINE: gettext_noop("%(code)s takes line %(lines)s (%(distance)s)"),
    KM: gettext_noop("%(km)s km"),
    KM_UNKNOWN: gettext_noop("distance unknown"),
    FEWER_PARTS: gettext_noop(
        "the only single location that holds every unit, and the policy prefers "
        "fewer parts to splits with higher-scoring locations such as %(code)s"
    ),
    ONLY_SINGLE: gettext_noop(
        "the only option with a single location that holds every unit"
    ),
    ONLY_COMBINATION: gettext_noop(
        "the only option with %(parts)s locations that holds every unit"
    ),
    ONLY_AFTER_FILTER: gettext_noop("the only location left after the %(step)s filter"),
    ONLY_CANDIDATE: gettext_noop("the only candidate"),
    SCORE_WON: gettext_noop(
        "score %(score)s against %(other_score)s for %(other)s, decided mostly by "
        "%(criterion)s"
    ),
    DISTANCE_TIE: gettext_noop(
        "same score as %(other)s and a shorter total distance (%(distance)s km "
        "against %(other_distance)s km)"
    ),
    CODE_TIE: gettext_noop(
        "same score and distance as %(other)s, so location codes break the tie"
    ),
    FILTERS_REMOVED: gettext_noop(
        "Filters removed %(removed)s of %(total)s locations (%(counts)s)."
    ),
    NO_FINALIST: gettext_noop(
        "No location passed the filters, and the last ones were removed by %(step)s."
    ),
    NO_CANDIDATES: gettext_noop("No candidate locations were given."),
    # `holder` is a BEST_SINGLE_HOLDS or NONE_PASSED message.
    NO_SINGLE_HOLDS: gettext_noop("No single location holds every unit: %(holder)s."),
    NO_COMBINATION_FITS: gettext_noop(
        "Every combination of up to %(max_parts)s locations that holds every unit "
        "leaves a location without a whole line or a part below the minimum part "
        "value of %(min_part_value)s."
    ),
    NO_COMBINATION_HOLDS: gettext_noop(
        "No combination of up to %(max_parts)s locations holds every unit: %(holder)s."
    ),
    # `units` is a UNITS or UNIT_ONE message.
    BEST_SINGLE_HOLDS: gettext_noop(
        "the best single location holds %(covered)s of %(units)s"
    ),
    UNITS: gettext_noop("%(count)s units"),
    UNIT_ONE: gettext_noop("1 unit"),
    NONE_PASSED: gettext_noop("no location passed the filters"),
    CUSTOMER_UNPLACED: gettext_noop(
        "Customer address could not be placed (no usable coordinates, postal code, "
        "city or state), so distances are unknown."
    ),
    POSITIONS_ESTIMATED: gettext_noop(
        "Positions of %(codes)s come from swapped coordinates, postal code, city "
        "or state instead of their own coordinates."
    ),
    POSITIONS_ESTIMATED_MORE: gettext_noop(
        "Positions of %(codes)s and %(more)s more come from swapped coordinates, "
        "postal code, city or state instead of their own coordinates."
    ),
    SPILL_OVER: gettext_noop(
        "Capacity spill-over: every location that could take the order was at "
        "capacity, so the capacity filter let %(count)s locations through."
    ),
    # `step` is a step name and `reason` a candidate reason.
    PICKUP_TRANSFER: gettext_noop(
        "Pickup location %(code)s cannot fulfil the order itself (%(step)s: "
        "%(reason)s), so the order is routed as a delivery to its address "
        "(transfer)."
    ),
    PICKUP_UNPLACED: gettext_noop(
        "Pickup location %(code)s could not be placed, so distances are unknown."
    ),
    PICKUP_COLLECTED: gettext_noop(
        "Collected at pickup location %(code)s, which passed every filter and "
        "holds every unit."
    ),
    PICKUP_MISSING: gettext_noop(
        "Pickup location %(location_id)s is not among the candidates, so the "
        "order cannot be collected there."
    ),
    PICKUP_UNNAMED: gettext_noop("The pickup order names no pickup location."),
    NO_POLICY: gettext_noop("No active routing policy matches."),
    NO_LINES: gettext_noop("The order has no lines to route."),
    POLICY_ERROR: gettext_noop("Policy error: %(error)s"),
    MANUAL: gettext_noop("Assigned by hand by HQ."),
    NOT_ROUTABLE_NOW: gettext_noop(
        "VTEX no longer lets this order be fulfilled (see its status), so "
        "the part was not routed again."
    ),
    CUSTOMER_SWAPPED: gettext_noop(
        "Customer coordinates (%(latitude)s, %(longitude)s) lie outside Brazil but "
        "fit when swapped, so they were read as latitude %(longitude)s, longitude "
        "%(latitude)s."
    ),
    LOCATION_SWAPPED: gettext_noop(
        "Location %(code)s coordinates (%(latitude)s, %(longitude)s) lie outside "
        "Brazil but fit when swapped, so they were read as latitude %(longitude)s, "
        "longitude %(latitude)s."
    ),
    CUSTOMER_OUTSIDE: gettext_noop(
        "Customer coordinates (%(latitude)s, %(longitude)s) lie outside Brazil and "
        "were ignored"
    ),
    LOCATION_OUTSIDE: gettext_noop(
        "Location %(code)s coordinates (%(latitude)s, %(longitude)s) lie outside "
        "Brazil and were ignored"
    ),
    CUSTOMER_NO_COORDINATES: gettext_noop("Customer has no coordinates"),
    LOCATION_NO_COORDINATES: gettext_noop("Location %(code)s has no coordinates"),
    # `missing` is one of the *_OUTSIDE or *_NO_COORDINATES messages.
    PLACED_POSTAL_CITY: gettext_noop(
        "%(missing)s, so it was placed at the centre of %(city)s/%(state)s from "
        "postal code %(postal_code)s."
    ),
    PLACED_POSTAL_CAPITAL: gettext_noop(
        "%(missing)s, so it was placed at %(city)s, the capital of %(state)s, from "
        "postal code %(postal_code)s. Distances to it are rough."
    ),
    PLACED_CITY: gettext_noop(
        "%(missing)s, so it was placed at the centre of %(city)s/%(state)s from the "
        "city name."
    ),
    PLACED_CAPITAL: gettext_noop(
        "%(missing)s, so it was placed at %(city)s, the capital of %(state)s. "
        "Distances to it are rough."
    ),
}

# Parameters that contain a number, written with a decimal point when it has
# a fraction. Pages show them in the user's language ("12,5" in pt-BR).
NUMBER_PARAMS = frozenset(
    {
        "concurrent",
        "count",
        "covered",
        "daily",
        "distance",
        "in_stock",
        "km",
        "latitude",
        "lead_time",
        "limit",
        "longitude",
        "max_parts",
        "min_part_value",
        "more",
        "open",
        "ordered",
        "other_distance",
        "other_score",
        "parts",
        "removed",
        "score",
        "taken",
        "total",
        "transit",
    }
)
NUMBER = re.compile(r"-?\d+(?:\.\d+)?")

# Separators of list parameters, by parameter name.
LIST_SEPARATORS: Mapping[str, str] = {
    "items": gettext_noop(", "),
    "parts": gettext_noop(" and "),
}

Translate = Callable[[str], str]
# Rewrites a number written with a decimal point, such as "12.5", for a page.
FormatNumber = Callable[[str], str]


def _same(text: str) -> str:
    return text


class Message:
    """A reason as a code from MESSAGES and its parameters. A parameter is
    text, a number, another Message or a list of Messages."""

    __slots__ = ("code", "params")

    def __init__(self, code: str, params: Mapping[str, Any] | None = None) -> None:
        if code not in MESSAGES:
            raise ValueError(f"unknown message code {code!r}")
        self.code = code
        self.params = dict(params or {})

    def render(
        self,
        translate: Translate = _same,
        label: Translate | None = None,
        number: FormatNumber | None = None,
    ) -> str:
        """Fill the template translated by `translate` (English by default).

        `label`, when given, names the steps in `step`, `criterion` and
        `counts` params.
        `number`, when given, rewrites the values of NUMBER_PARAMS that are
        numbers.
        """
        values = {
            name: _render_value(name, value, translate, label, number)
            for name, value in self.params.items()
        }
        return translate(MESSAGES[self.code]) % values

    def english(self) -> str:
        return self.render()

    def __str__(self) -> str:
        return self.english()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Message):
            return self.code == other.code and self.params == other.params
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.code)

    def __repr__(self) -> str:
        return f"Message({self.code!r}, {self.params!r})"

    def to_json(self) -> list:
        """Return [code, params] with nested messages as lists too."""
        params = self.params
        # Most parameters are text or numbers, which stay as they are; a
        # routing decision stores some hundred reasons.
        for value in params.values():
            if type(value) not in _PLAIN:
                break
        else:
            # Shared, not copied, because no code changes a Message's params
            # after creating it and callers only serialise the result.
            return [self.code, params]
        return [
            self.code,
            {name: _value_to_json(value) for name, value in params.items()},
        ]

    @classmethod
    def from_json(cls, data: Sequence) -> "Message":
        """Rebuild a message from `to_json` output; raise ValueError if invalid."""
        if not isinstance(data, list | tuple) or len(data) != 2:
            raise ValueError(f"not a stored message: {data!r}")
        code, params = data
        if not isinstance(params, dict):
            raise ValueError(f"not a stored message: {data!r}")
        return cls(code, {name: _value_from_json(v) for name, v in params.items()})


def message(message_code: str, /, **params: Any) -> Message:
    return Message(message_code, params)


def units(count: int) -> Message:
    return message(UNIT_ONE) if count == 1 else message(UNITS, count=count)


def _render_value(
    name: str,
    value: Any,
    translate: Translate,
    label: Translate | None = None,
    number: FormatNumber | None = None,
) -> str:
    if isinstance(value, Message):
        return value.render(translate, label, number)
    if isinstance(value, list | tuple):
        separator = translate(LIST_SEPARATORS.get(name, ", "))
        return separator.join(
            _render_value(name, item, translate, label, number) for item in value
        )
    if number is not None and name in NUMBER_PARAMS:
        text = str(value)
        if NUMBER.fullmatch(text):
            return number(text)
    if label is not None and name in ("step", "criterion"):
        return label(str(value))
    if label is not None and name == "counts":
        # "stock 5, status 1": each step name followed by its count.
        return STEP_COUNT.sub(lambda found: f"{label(found[1])} {found[2]}", str(value))
    return str(value)


_PLAIN = frozenset((str, int, float, bool, type(None)))


def _value_to_json(value: Any) -> Any:
    if isinstance(value, Message):
        return {"message": value.to_json()}
    if isinstance(value, list | tuple):
        return [_value_to_json(item) for item in value]
    return value


def _value_from_json(value: Any) -> Any:
    if isinstance(value, dict) and "message" in value:
        return Message.from_json(value["message"])
    if isinstance(value, list):
        return [_value_from_json(item) for item in value]
    return value


# Stored English text back to messages ------------------------------------


@lru_cache(maxsize=1)
def _patterns() -> list[tuple[str, re.Pattern]]:
    """Compile one fully anchored pattern per template, longest template first.

    The template that is only a list parameter is left out, because it
    matches any text.
    """
    patterns = []
    for code, template in MESSAGES.items():
        parts = re.split(r"%\((\w+)\)s", template)
        regex = ""
        seen = set()
        for position, part in enumerate(parts):
            if position % 2 and part in seen:
                # A parameter used twice must have the same text both times.
                regex += f"(?P={part})"
            elif position % 2:
                regex += f"(?P<{part}>.+?)"
                seen.add(part)
            else:
                regex += re.escape(part)
        patterns.append((code, re.compile(f"^{regex}$", re.DOTALL)))
    patterns.sort(key=lambda pair: -len(MESSAGES[pair[0]]))
    return [pair for pair in patterns if pair[0] != STOCK_SHORTAGES]


def parse_message(text: str) -> Message | None:
    """Return the message whose English template `text` fills, or None."""
    for code, pattern in _patterns():
        found = pattern.match(text)
        if found is None:
            continue
        params: dict[str, Any] = {}
        for name, value in found.groupdict().items():
            params[name] = _parse_value(name, value)
        return Message(code, params)
    return None


def _parse_value(name: str, value: str) -> Any:
    # A list parameter is split first, because its first item's template can
    # also match the whole list.
    separator = LIST_SEPARATORS.get(name)
    if separator and separator in value:
        items = [parse_message(item) for item in value.split(separator)]
        if all(item is not None for item in items):
            return items
    if name == "reason" and ", " in value:
        # Shortages of several SKUs are joined by commas. They are split
        # first, because the first shortage's template also matches the whole
        # list and would take the rest as its SKU.
        shortages = [parse_message(item) for item in value.split(", ")]
        if all(item is not None for item in shortages):
            return Message(STOCK_SHORTAGES, {"items": shortages})
    nested = parse_message(value) if " " in value else None
    if nested is not None:
        return nested
    return value


def translate_text(
    text: str,
    translate: Translate,
    label: Translate | None = None,
    number: FormatNumber | None = None,
) -> str:
    """Translate a stored English reason sentence by sentence.

    Runs of sentences are matched against the templates, shortest run first,
    so that a period inside a number or a parameter does not end a sentence. Text that
    matches no template is kept as it is.
    """
    if not text:
        return text
    pieces = re.split(r"(?<=\.) ", text.strip())
    output = []
    start = 0
    while start < len(pieces):
        for end in range(start + 1, len(pieces) + 1):
            found = parse_message(" ".join(pieces[start:end]))
            if found is not None:
                output.append(found.render(translate, label, number))
                start = end
                break
        else:
            output.append(pieces[start])
            start += 1
    return " ".join(output)


def candidate_reason(
    stored: Any, translate: Translate, number: FormatNumber | None = None
) -> str:
    """Render a stored candidate reason: a [code, params] list, or the English
    text that decisions stored before reasons had codes."""
    if not stored:
        return ""
    if isinstance(stored, list):
        try:
            return Message.from_json(stored).render(translate, number=number)
        except (ValueError, KeyError, TypeError):
            return str(stored)
    text = str(stored)
    found = parse_message(text)
    if found is None:
        shortages = [parse_message(item) for item in text.split(", ")]
        if all(item is not None for item in shortages):
            found = Message(STOCK_SHORTAGES, {"items": shortages})
    return found.render(translate, number=number) if found is not None else text
