"""Per-call working state shared by the filters, criteria and the search."""

from datetime import datetime
from decimal import Decimal

from routing.engine.geo import Point
from routing.engine.messages import Message
from routing.engine.types import Candidate, OrderInput, Policy

DELIVERY_MODE = "delivery"
PICKUP_MODE = "pickup"
TRANSFER_MODE = "transfer"


class CandidateState:
    """One candidate while it moves through the filters, criteria and search.

    `cover` holds, per ordered SKU in `RoutingContext.skus` order, the units the
    location can supply, capped at the ordered quantity.
    """

    __slots__ = (
        "candidate",
        "distance_km",
        "cover",
        "covered_units",
        "rejected_by",
        "rejected_reason",
        "scores",
        "total_score",
    )

    def __init__(
        self,
        candidate: Candidate,
        distance_km: float | None,
        cover: tuple[int, ...],
        covered_units: int,
    ) -> None:
        self.candidate = candidate
        self.distance_km = distance_km
        self.cover = cover
        self.covered_units = covered_units
        self.rejected_by: str | None = None
        self.rejected_reason: Message | None = None
        self.scores: dict[str, float] = {}
        self.total_score = 0.0

    @property
    def code(self) -> str:
        return self.candidate.code

    @property
    def location_id(self) -> int:
        return self.candidate.location_id


class RoutingContext:
    """The order, where it goes and what it needs, computed once per call.

    `mode` is delivery to the customer, pickup at the pickup location, or a
    transfer to the pickup location. `destination` is where parts travel to.
    """

    __slots__ = (
        "order",
        "policy",
        "mode",
        "destination",
        "customer_postal_code",
        "customer_state",
        "skus",
        "demand",
        "total_units",
        "split",
        "excluded",
        "all_states",
        "notes",
        "ready_times",
        "spill_over",
    )

    def __init__(
        self,
        *,
        order: OrderInput,
        policy: Policy,
        mode: str,
        destination: Point | None,
        customer_postal_code: int | None,
        customer_state: str | None,
        skus: tuple[str, ...],
        demand: tuple[int, ...],
        split: bool,
        excluded: frozenset[int],
    ) -> None:
        self.order = order
        self.policy = policy
        self.mode = mode
        self.destination = destination
        self.customer_postal_code = customer_postal_code
        self.customer_state = customer_state
        self.skus = skus
        self.demand = demand
        self.total_units = sum(demand)
        self.split = split
        self.excluded = excluded
        self.all_states: list[CandidateState] = []
        # Messages, or English text for notes from `routing.engine.geo`.
        self.notes: list = []
        # Set when the capacity filter's spill-over lets every location through.
        self.spill_over = False
        # (time zone, opening hours, lead time) -> (opens at, ready at) or error.
        self.ready_times: dict[tuple, tuple[datetime, datetime] | Message] = {}

    @property
    def now(self) -> datetime:
        return self.order.now

    @property
    def pickup_location_id(self) -> int | None:
        return self.order.pickup_location_id


def line_weights(order: OrderInput) -> dict[int, float]:
    """Return the per-unit weight of each line for value-weighted scores.

    Units weigh their price, and when the whole order is free every unit
    weighs 1.
    """
    total = sum((line.value for line in order.lines), Decimal(0))
    if total > 0:
        return {line.index: float(line.unit_price) for line in order.lines}
    return {line.index: 1.0 for line in order.lines}
