"""One stored order, its errors, and how its document is kept in memory."""

import json
from dataclasses import dataclass
from datetime import datetime

from orders.simulator import listing
from orders.simulator.dates import parse_date
from orders.simulator.feed import FeedEvent
from orders.simulator.network import BY_CODE


class SimulatorError(Exception):
    """A request the simulated API rejects, with the HTTP status it returns."""

    def __init__(self, status: int, message: str, code: str | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or str(status)


class OrderNotFound(SimulatorError, KeyError):
    def __init__(self, order_id: str):
        super().__init__(404, f"Order {order_id} not found.", code="OMS003")


def serialise(document: dict) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def parse_or_none(value) -> datetime | None:
    try:
        return parse_date(value) if isinstance(value, str) else None
    except ValueError:
        return None


@dataclass
class OrderRecord:
    """An order as the simulator stores it.

    Between changes only the serialised body and the list row are kept: a
    parsed document takes about twice the memory of its JSON text. `open`
    parses the body for a change and `settle` serialises it again.
    """

    order_id: str
    status: str | None
    # The body served by Get order; None only while a change is applied.
    body: bytes | None
    # The parsed document while a change is applied, otherwise None.
    document: dict | None
    # True for a malformed body stored by put_document; it is never parsed.
    is_raw: bool
    location_code: str | None
    path: tuple
    step: int
    # None when the document has no readable creationDate (not listed then).
    created_at: datetime | None
    last_change: datetime
    last_state: str | None
    previous_change: datetime
    # Monotonic time from which the list endpoint shows the order.
    indexed_at: float
    last_event: FeedEvent | None = None
    row: dict | None = None

    @property
    def can_advance(self) -> bool:
        return not self.is_raw and self.step + 1 < len(self.path)

    def open(self) -> dict:
        """Return the document for a change; `settle` must follow."""
        if self.is_raw:
            raise ValueError(f"Order {self.order_id} has a raw body, not a document.")
        if self.document is None:
            self.document = json.loads(self.body)
        self.body = None
        self.row = None
        return self.document

    def settle(self) -> None:
        """Serialise the changed document and rebuild its list row."""
        if self.document is None:
            return
        self.body = serialise(self.document)
        self.row = listing.summary_row(self.document)
        self.document = None


def location_code_of(document: dict) -> str | None:
    """Find the demo location whose warehouse ships the first item."""
    warehouses = {location.warehouse_id: code for code, location in BY_CODE.items()}
    for entry in (document.get("shippingData") or {}).get("logisticsInfo") or []:
        for delivery in entry.get("deliveryIds") or []:
            code = warehouses.get(delivery.get("warehouseId"))
            if code is not None:
                return code
    return None
