"""Feed v3: a queue of order events with a visibility timeout, like VTEX's.

VTEX's ERP integration FAQ says the feed runs on Amazon SQS standard queues,
so this queue follows SQS: a retrieved event hides for the visibility
timeout and comes back unless committed, and each retrieval hands out a new
handle. Order is not guaranteed and the same change may arrive twice.
NOTE: only the latest handle of an event commits it here, and an older one
is accepted and ignored. That is the strict reading of SQS receipt handles,
not behaviour observed at VTEX.
"""

import base64
import heapq
import random
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime

from orders.simulator.dates import event_date

# VTEX's feed guide configures a 240 s visibility timeout in its examples and
# drops events after 4 days (345,600 s, the minimum retention) even if they
# were never committed.
DEFAULT_VISIBILITY_TIMEOUT = 240.0
RETENTION_SECONDS = 345600
MAX_LOT = 10


@dataclass(frozen=True)
class FeedEvent:
    """One order change, as the feed and the hook describe it."""

    event_id: str
    order_id: str
    state: str | None
    last_state: str | None
    last_change: datetime
    current_change: datetime


@dataclass
class _Entry:
    number: int
    event: FeedEvent
    enqueued_at: float
    available_at: datetime
    visible_at: float = 0.0
    handle: str | None = None
    committed: bool = False


class FeedQueue:
    """Thread-safe queue of feed events, measured on a monotonic clock."""

    def __init__(
        self,
        visibility_timeout: float,
        rng: random.Random,
        clock=time.monotonic,
    ):
        self.visibility_timeout = visibility_timeout
        self._rng = rng
        self._clock = clock
        self._lock = threading.Lock()
        self._visible: deque[_Entry] = deque()
        # (visible_at, number, entry): the number breaks ties between equal times.
        self._hidden: list[tuple[float, int, _Entry]] = []
        self._by_handle: dict[str, _Entry] = {}
        self._numbers = 0
        self._pending = 0

    def put(self, event: FeedEvent, available_at: datetime) -> None:
        with self._lock:
            self._numbers += 1
            entry = _Entry(self._numbers, event, self._clock(), available_at)
            self._visible.append(entry)
            self._pending += 1

    def receive(self, max_count: int) -> list[dict]:
        """Hand out up to `max_count` visible events and hide them."""
        with self._lock:
            now = self._clock()
            self._reveal_expired(now)
            lot = []
            while self._visible and len(lot) < max_count:
                entry = self._visible.popleft()
                if entry.committed:
                    continue
                if now - entry.enqueued_at > RETENTION_SECONDS:
                    self._drop(entry)
                    continue
                lot.append(self._hand_out(entry, now))
            return lot

    def commit(self, handles: list[str]) -> list[str]:
        """Remove the events of these handles, and return the handles that did.

        A stale or unknown handle is ignored.
        """
        committed = []
        with self._lock:
            for handle in handles:
                entry = self._by_handle.pop(handle, None)
                if entry is None or entry.committed:
                    continue
                entry.committed = True
                self._pending -= 1
                committed.append(handle)
        return committed

    @property
    def quantity(self) -> int:
        """Events not committed yet, hidden ones included."""
        with self._lock:
            return self._pending

    def oldest_age_seconds(self) -> float:
        with self._lock:
            ages = [
                self._clock() - entry.enqueued_at
                for entry in self._visible
                if not entry.committed
            ]
            ages += [
                self._clock() - entry.enqueued_at
                for _, _, entry in self._hidden
                if not entry.committed
            ]
            return max(ages, default=0.0)

    def _reveal_expired(self, now: float) -> None:
        # Expired events go to the front: they are the oldest ones waiting.
        revealed = []
        while self._hidden and self._hidden[0][0] <= now:
            _, _, entry = heapq.heappop(self._hidden)
            if not entry.committed:
                revealed.append(entry)
        self._visible.extendleft(reversed(revealed))

    def _hand_out(self, entry: _Entry, now: float) -> dict:
        if entry.handle is not None:
            # A new retrieval makes the previous handle stale, as in SQS.
            self._by_handle.pop(entry.handle, None)
        entry.handle = self._new_handle()
        entry.visible_at = now + self.visibility_timeout
        self._by_handle[entry.handle] = entry
        heapq.heappush(self._hidden, (entry.visible_at, entry.number, entry))
        return event_json(entry.event, entry.handle, entry.available_at)

    def _drop(self, entry: _Entry) -> None:
        entry.committed = True
        self._pending -= 1
        if entry.handle is not None:
            self._by_handle.pop(entry.handle, None)

    def _new_handle(self) -> str:
        # Shaped like an SQS receipt handle: "AQEB" and base64 text.
        noise = self._rng.getrandbits(384).to_bytes(48, "big")
        return "AQEB" + base64.b64encode(noise).decode()


def event_json(event: FeedEvent, handle: str, available_at: datetime) -> dict:
    return {
        "eventId": event.event_id,
        "handle": handle,
        "domain": "Marketplace",
        "state": event.state,
        "lastState": event.last_state,
        "orderId": event.order_id,
        "lastChange": event_date(event.last_change),
        "currentChange": event_date(event.current_change),
        "availableDate": event_date(available_at),
    }
