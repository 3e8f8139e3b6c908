"""Inputs and outputs of the routing engine.

Inputs are dataclasses of plain values (frozen, except `Candidate`, which the
engine treats as read-only) and outputs are dataclasses, so the engine needs no
database and the same inputs always give the same `Decision`.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from routing.engine.messages import Message

DELIVERY = "delivery"
PICKUP_IN_POINT = "pickup-in-point"
DELIVERY_CHANNELS = (DELIVERY, PICKUP_IN_POINT)

STATUSES = ("active", "paused", "probation")

FILTER = "filter"
CRITERION = "criterion"

ROUTED = "routed"
UNROUTABLE = "unroutable"

# Values of `Decision.deciding_step` and `CandidateResult.rejected_by` that are
# stages of the engine rather than policy steps.
SPLIT_SEARCH = "split_search"
PICKUP_LOCATION = "pickup_location"
PREFER_FEWER_PARTS = "prefer_fewer_parts"
TIE_BREAK_DISTANCE = "tie_break_distance"
TIE_BREAK_CODE = "tie_break_code"
ONLY_CANDIDATE = "only_candidate"


@dataclass(frozen=True, slots=True)
class Line:
    """One item line of an order, where `index` is the item's position in VTEX's
    `items` list."""

    index: int
    sku_id: str
    quantity: int
    unit_price: Decimal

    @property
    def value(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass(frozen=True, slots=True)
class OrderInput:
    """The order to route, with the customer's address and the promised date.

    `now` must be timezone-aware. For pickup orders `pickup_location_id` names
    the location the customer collects from.
    """

    order_id: str
    lines: tuple[Line, ...]
    value: Decimal
    latitude: float | None
    longitude: float | None
    postal_code: str
    city: str
    state: str
    delivery_channel: str
    pickup_location_id: int | None
    promised_by: datetime | None
    now: datetime
    sales_channel: str = ""


# Not frozen, because one is built per location for every order (500 per
# order in the benchmark) and frozen construction is several times slower
# (Python 3.11). The engine never changes a candidate.
@dataclass(slots=True)
class Candidate:
    """A store or DC that may fulfil the order, with its stock and counters.

    `stock` maps each SKU to its available units (on hand minus reserved).
    Capacities of 0 mean no limit. `opening_hours` lists (weekday with
    0 = Monday, "HH:MM", "HH:MM") intervals in `time_zone`, and an empty tuple
    means always open. Rates are fractions between 0 and 1.
    """

    location_id: int
    code: str
    kind: str = "store"
    status: str = "active"
    latitude: float | None = None
    longitude: float | None = None
    postal_code: str = ""
    city: str = ""
    state: str = ""
    service_postal_ranges: tuple[tuple[str, str], ...] = ()
    time_zone: str = "America/Sao_Paulo"
    opening_hours: tuple[tuple[int, str, str], ...] = ()
    lead_time_hours: float = 0.0
    ships_from_store: bool = False
    offers_pickup: bool = False
    stock: Mapping[str, int] = field(default_factory=dict)
    weeks_of_cover: Mapping[str, float] = field(default_factory=dict)
    daily_capacity: int = 0
    accepted_today: int = 0
    concurrent_capacity: int = 0
    open_assignments: int = 0
    on_time_rate: float | None = None
    rejection_rate: float | None = None
    orders_this_period: int = 0
    target_share: float | None = None
    fixed_rank: int | None = None
    cost_per_order: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Step:
    """One policy step: a filter (hard rule) or a weighted criterion (soft rule)."""

    kind: str
    name: str
    params: Mapping[str, Any] = field(default_factory=dict)
    weight: float = 1.0


@dataclass(frozen=True, slots=True)
class Policy:
    """Ordered steps plus the split controls.

    `min_part_value` applies only when an order is split into two or more parts.
    """

    steps: tuple[Step, ...]
    max_parts: int = 1
    min_part_value: Decimal = Decimal(0)
    prefer_fewer_parts: bool = True
    allow_split: bool = False


@dataclass(frozen=True, slots=True)
class Part:
    """The lines one location fulfils, as (line index, quantity) pairs.

    `value` is the sum of quantity times unit price of those units.
    """

    location_id: int
    lines: tuple[tuple[int, int], ...]
    value: Decimal
    distance_km: float | None


# Not frozen, because a decision has one row per candidate (hundreds) and a
# frozen dataclass took about five times longer to construct (Python 3.11).
@dataclass(slots=True)
class CandidateResult:
    """One row of the decision's candidate table.

    `distance_km` is the great-circle distance to where the order goes, rounded
    to the metre. `coverage` is the share of ordered units the location has in
    stock. `scores` maps each criterion to its normalised 0..1 value and
    `total_score` is their weighted mean. Both are empty or 0 for rejected
    candidates. `rejected_message` is the reason the `rejected_by` step
    removed it. `finalist` means the candidate passed every filter.
    """

    location_id: int
    code: str
    distance_km: float | None
    coverage: float
    capacity_left: int | None
    scores: Mapping[str, float]
    total_score: float
    rejected_by: str | None
    rejected_message: Message | None
    finalist: bool
    chosen: bool

    @property
    def rejected_reason(self) -> str | None:
        """The rejection reason in English."""
        message = self.rejected_message
        return None if message is None else message.english()


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome of routing one order, with every candidate passed in.

    `notes` lists adjustments the engine made to its inputs (swapped or missing
    coordinates, capacity spill-over, pickup transfer), and `reason` repeats
    them after its own sentences. `sentences` contains the sentences of `reason`
    as Messages, or as English text for the notes on placing addresses.
    """

    status: str
    parts: tuple[Part, ...]
    candidates: Sequence[CandidateResult]
    deciding_step: str
    reason: str
    notes: tuple[str, ...] = ()
    sentences: tuple = ()
