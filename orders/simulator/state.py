"""The simulated VTEX account: its orders, feed, hook, faults and what Ponte sent.

Everything lives in memory behind one lock, so the HTTP threads, the order
generator and test code can use one simulator at once. Each order keeps its
document as serialised JSON plus its list row, and is parsed only while a
change is applied, so a GET returns stored bytes.
"""

import bisect
import gc
import hmac
import json
import random
import threading
import time
from datetime import UTC, datetime, timedelta

from orders.simulator import flow, listing
from orders.simulator.dates import document_date
from orders.simulator.documents import DocumentFactory, DraftOrder, apply_status
from orders.simulator.faults import FaultInjector
from orders.simulator.feed import (
    DEFAULT_VISIBILITY_TIMEOUT,
    MAX_LOT,
    RETENTION_SECONDS,
    FeedEvent,
    FeedQueue,
)
from orders.simulator.fiscal import (
    add_package,
    invoice_package,
    invoiced_value,
    package_from_request,
    validate_invoice_request,
)
from orders.simulator.hooks import HOOK_TOKEN_HEADER, HookSender, hook_payload
from orders.simulator.inventory import Balance, Inventory
from orders.simulator.network import BY_CODE, DCS
from orders.simulator.records import (
    OrderNotFound,
    OrderRecord,
    SimulatorError,
    location_code_of,
    parse_or_none,
)

# Changes get distinct, increasing lastChange values at least this far apart.
MIN_CHANGE_STEP = timedelta(milliseconds=1)


class VtexSimulator:
    """An in-memory VTEX account that serves the endpoints Ponte uses.

    With `app_key` and `app_token` set, HTTP requests must carry them in the
    X-VTEX-API-AppKey and X-VTEX-API-AppToken headers.
    """

    def __init__(
        self,
        seed: int = 1,
        app_key: str | None = None,
        app_token: str | None = None,
        *,
        account: str = "ponte",
        visibility_timeout: float = DEFAULT_VISIBILITY_TIMEOUT,
        duplicate_rate: float = 0.05,
        index_lag_seconds: float = 0.0,
        max_recorded_requests: int = 200_000,
    ):
        self.seed = seed
        self.app_key = app_key
        self.app_token = app_token
        self.account = account
        self.duplicate_rate = duplicate_rate
        self.index_lag_seconds = index_lag_seconds
        self.max_recorded_requests = max_recorded_requests

        self.committed_handles: list[str] = []
        # The latest requests as (method, path with query string) and their
        # response statuses, in order. `request_count` counts every request.
        self.requests: list[tuple[str, str]] = []
        self.response_statuses: list[int] = []
        self.request_count = 0
        self.start_handling_calls: list[dict] = []
        self.invoices: list[dict] = []

        self._lock = threading.RLock()
        self._orders: dict[str, OrderRecord] = {}
        # (creationDate, orderId) of listable orders, kept sorted.
        self._by_creation: list[tuple[datetime, str]] = []
        self._rng = random.Random(seed)
        self._events_rng = random.Random(seed * 7919 + 1)
        self._factory = DocumentFactory(self._rng, account)
        self._invoice_numbers = 100000
        self.feed = FeedQueue(visibility_timeout, random.Random(seed * 7919 + 2))
        self.faults = FaultInjector(random.Random(seed * 7919 + 3))
        self.hooks = HookSender()
        self.inventory = Inventory(seed)
        self._generator = None

    # Orders -----------------------------------------------------------------

    def generate_orders(self, count: int, start: datetime, end: datetime) -> list[str]:
        """Create `count` orders created in [start, end); return their ids.

        Each order is moved along its status path as far as its timeline
        reaches before `end`, and gets one feed event for its current status.
        No hook is sent for these orders.
        """
        if start.tzinfo is None or end.tzinfo is None or start >= end:
            raise ValueError(
                f"Invalid window {start!r} to {end!r}: use time-zone aware "
                "datetimes with start before end."
            )
        # Documents are trees of small dicts without cycles, so the cycle
        # collector only slows bulk generation down. It doubled the time for
        # 20,000 orders on a 2-core test machine. It runs again afterwards.
        collecting = gc.isenabled()
        gc.disable()
        try:
            with self._lock:
                return self._generate(count, start, end)
        finally:
            if collecting:
                gc.enable()

    def _generate(self, count: int, start: datetime, end: datetime) -> list[str]:
        span = (end - start).total_seconds()
        moments = sorted(self._rng.random() * span for _ in range(count))
        ids: list[str] = []
        for offset in moments:
            if len(ids) >= count:
                break
            created_at = start + timedelta(seconds=offset)
            drafts = self._factory.draw_group(created_at)
            times = self._factory.step_times(drafts[0].path, created_at)
            for draft in drafts[: count - len(ids)]:
                ids.append(self._add_history(draft, times, end))
        return ids

    def create_order(self, created_at: datetime | None = None) -> list[str]:
        """Create one purchase now, send its hook and return its one or two ids."""
        with self._lock:
            created_at = created_at or datetime.now(UTC)
            ids = []
            for draft in self._factory.draw_group(created_at):
                record = self._store(draft, created_at)
                record.settle()
                self._announce(record, notify=True)
                ids.append(record.order_id)
            return ids

    def put_document(
        self, document: dict | str | bytes, order_id: str | None = None
    ) -> str:
        """Store a custom document, or a raw (possibly malformed) body for `order_id`.

        A dict is served as JSON, and a str or bytes body is served exactly as
        given. The order replaces any order with the same id and gets a feed
        event. Returns the order id.
        """
        if isinstance(document, dict):
            order_id = order_id or document.get("orderId")
            if not order_id:
                raise ValueError(
                    "Missing orderId: pass order_id or set document['orderId']."
                )
            return self._put_parsed(order_id, json.loads(json.dumps(document)))
        if not order_id:
            raise ValueError(
                "Missing order_id: a raw body needs the id to serve it under."
            )
        raw = document.encode() if isinstance(document, str) else bytes(document)
        return self._put_raw(order_id, raw)

    def get_document(self, order_id: str) -> dict:
        """Return a copy of the order's current document."""
        with self._lock:
            record = self._record(order_id)
            if record.is_raw:
                raise ValueError(f"Order {order_id} has a raw body, not a document.")
            return json.loads(record.body)

    def order_ids(self) -> list[str]:
        with self._lock:
            return list(self._orders)

    def advance_order(self, order_id: str) -> dict:
        """Move the order to the next status of its path and return the new document."""
        with self._lock:
            record = self._record(order_id)
            if not record.can_advance:
                raise ValueError(
                    f"Order {order_id} cannot advance from status {record.status!r}: "
                    "it is terminal, incomplete or a raw body."
                )
            self._change_status(record, record.path[record.step + 1])
            return json.loads(record.body)

    def add_feed_event(self, order_id: str, duplicate: bool = False) -> dict:
        """Enqueue a feed event for the order's latest change.

        With `duplicate`, the event repeats the last one (same eventId), as
        when VTEX redelivers a change. Otherwise it gets a new eventId.
        """
        with self._lock:
            record = self._record(order_id)
            if duplicate and record.last_event is not None:
                event = record.last_event
            else:
                event = self._new_event(record)
                record.last_event = event
            self.feed.put(event, datetime.now(UTC))
            return {
                "eventId": event.event_id,
                "orderId": event.order_id,
                "state": event.state,
                "lastState": event.last_state,
            }

    # Faults and hook --------------------------------------------------------

    def inject_fault(
        self,
        status: int = 429,
        count: int = 1,
        retry_after: int | None = 1,
        path_prefix: str = "/api/oms/pvt/orders",
        after: int = 0,
    ) -> None:
        """Fail the next `count` requests under `path_prefix`.

        The first `after` matching requests pass. The status may be 429, which
        carries Retry-After, or 500, 502, 503 or 504.
        """
        self.faults.add(status, count, retry_after, path_prefix, after)

    def set_fault_rates(self, rate_429: float = 0.0, rate_5xx: float = 0.0) -> None:
        """Fail this fraction of API requests with 429 or a random 5xx."""
        self.faults.set_rates(rate_429, rate_5xx)

    def set_hook(self, url: str | None, token: str | None = None) -> None:
        """Send a notification to `url` (loopback only) on every status change."""
        self.hooks.configure(url, token)

    def wait_for_hooks(self, timeout: float = 5.0) -> bool:
        return self.hooks.wait(timeout)

    # Inventory --------------------------------------------------------------

    def set_inventory(
        self,
        sku_id: str,
        warehouse_id: str,
        total_quantity: int,
        *,
        reserved_quantity: int = 0,
        has_unlimited_quantity: bool = False,
        lead_time: str = "00:00:00",
        warehouse_name: str | None = None,
    ) -> None:
        """Serve this balance for the SKU in the warehouse from now on.

        A warehouse outside the demo network is added to the SKU's balances,
        as when VTEX has a warehouse that Ponte has no location for.
        """
        location = next(
            (loc for loc in BY_CODE.values() if loc.warehouse_id == warehouse_id),
            None,
        )
        name = warehouse_name or (location.name if location else warehouse_id)
        self.inventory.set_balance(
            sku_id,
            Balance(
                warehouse_id,
                name,
                total_quantity,
                reserved_quantity,
                has_unlimited_quantity,
                lead_time,
            ),
        )

    # Server and generator ---------------------------------------------------

    def serve(self, host: str = "127.0.0.1", port: int = 0):
        """Start the HTTP API in a daemon thread; return the running server."""
        from orders.simulator.server import SimulatorServer

        return SimulatorServer(self, host, port)

    def start_generator(
        self,
        rate_per_minute: float,
        hook_url: str | None = None,
        hook_token: str | None = None,
    ) -> None:
        """Create orders and move open ones along, in a background thread."""
        from orders.simulator.generator import OrderGenerator

        if hook_url is not None:
            self.set_hook(hook_url, hook_token)
        self.stop_generator()
        seed = self.seed * 7919 + 4
        self._generator = OrderGenerator(self, rate_per_minute, random.Random(seed))
        self._generator.start()

    def stop_generator(self) -> None:
        if self._generator is not None:
            self._generator.stop()
            self._generator = None

    def open_order_ids(self) -> list[str]:
        """Orders that can still advance along their path."""
        with self._lock:
            return [
                record.order_id
                for record in self._orders.values()
                if record.can_advance
            ]

    def buyer_side_order_ids(self) -> list[str]:
        """Open orders whose next move is VTEX's or the buyer's: not those in
        ready-for-handling or handling, which wait for the seller's
        start-handling call or invoice, as in VTEX."""
        with self._lock:
            return [
                record.order_id
                for record in self._orders.values()
                if record.can_advance and record.status not in flow.SELLER_MOVES
            ]

    def stats(self) -> dict:
        with self._lock:
            by_status: dict[str, int] = {}
            for record in self._orders.values():
                key = str(record.status)
                by_status[key] = by_status.get(key, 0) + 1
            return {
                "orders": len(self._orders),
                "by_status": by_status,
                "feed_pending": self.feed.quantity,
                "requests": self.request_count,
                "hooks_sent": self.hooks.sent,
                "hooks_failed": self.hooks.failed,
                "invoices": len(self.invoices),
                "start_handling_calls": len(self.start_handling_calls),
            }

    # HTTP API ---------------------------------------------------------------

    def is_authorized(self, app_key: str | None, app_token: str | None) -> bool:
        if self.app_key is None and self.app_token is None:
            return True
        return hmac.compare_digest(app_key or "", self.app_key or "") and (
            hmac.compare_digest(app_token or "", self.app_token or "")
        )

    def record_request(self, method: str, target: str) -> None:
        with self._lock:
            self.request_count += 1
            self.requests.append((method, target))
            if len(self.requests) > self.max_recorded_requests:
                del self.requests[: len(self.requests) // 2]

    def record_response(self, status: int) -> None:
        with self._lock:
            self.response_statuses.append(status)
            if len(self.response_statuses) > self.max_recorded_requests:
                del self.response_statuses[: len(self.response_statuses) // 2]

    def order_body(self, order_id: str) -> bytes:
        with self._lock:
            return self._record(order_id).body

    def list_orders(self, params: dict) -> dict:
        try:
            page, per_page = listing.page_and_size(params)
            window = listing.creation_window(params)
            descending = listing.is_descending(params)
            statuses = listing.status_filter(params)
        except listing.ListRequestError as error:
            raise SimulatorError(400, str(error)) from None

        with self._lock:
            now = time.monotonic()
            rows = []
            for _, order_id in self._window_keys(window):
                record = self._orders[order_id]
                if record.indexed_at > now:
                    continue
                if statuses is not None and record.status not in statuses:
                    continue
                rows.append(record.row)
        if descending:
            rows.reverse()
        return listing.list_response(rows, page, per_page)

    def feed_items(self, maxlot: str | None) -> list[dict]:
        # NOTE: VTEX does not document the default lot size, so 10 (the
        # maximum) is used here.
        try:
            lot = int(maxlot) if maxlot not in (None, "") else MAX_LOT
        except ValueError:
            lot = 0
        if not 1 <= lot <= MAX_LOT:
            raise SimulatorError(
                400, f"Invalid maxlot {maxlot!r}: use a number from 1 to {MAX_LOT}."
            )
        return self.feed.receive(lot)

    def feed_commit(self, body) -> dict:
        handles = body.get("handles") if isinstance(body, dict) else None
        if not isinstance(handles, list) or not all(
            isinstance(h, str) for h in handles
        ):
            raise SimulatorError(
                400, 'Invalid body: expected {"handles": ["<handle>", ...]}.'
            )
        committed = self.feed.commit(handles)
        with self._lock:
            self.committed_handles.extend(committed)
        return {}

    def feed_config(self) -> dict:
        return {
            "filter": {
                "type": "FromWorkflow",
                "status": sorted(flow.STATUS_DESCRIPTIONS),
            },
            "queue": {
                "visibilityTimeoutInSeconds": _whole(self.feed.visibility_timeout),
                "messageRetentionPeriodInSeconds": RETENTION_SECONDS,
            },
            "quantity": self.feed.quantity,
            "approximateAgeOfOldestMessageInSeconds": self.feed.oldest_age_seconds(),
        }

    def hook_config(self) -> dict:
        if self.hooks.url is None:
            # NOTE: modelled as 404 because VTEX does not document its response
            # when no hook is configured.
            raise SimulatorError(404, "No hook is configured for this app key.")
        headers = {HOOK_TOKEN_HEADER: self.hooks.token} if self.hooks.token else {}
        return {
            "filter": {
                "type": "FromWorkflow",
                "status": sorted(flow.STATUS_DESCRIPTIONS),
            },
            "hook": {"url": self.hooks.url, "headers": headers},
        }

    def inventory_for_sku(self, sku_id: str) -> dict:
        """Return the body of List inventory by SKU for one SKU."""
        if not self.inventory.has_sku(sku_id):
            # NOTE: modelled as 404 because VTEX does not document its response
            # for a SKU id that does not exist.
            raise SimulatorError(404, f"SKU {sku_id} not found.")
        balances = self.inventory.balances(sku_id)
        return {"skuId": sku_id, "balance": [b.as_vtex() for b in balances]}

    def start_handling(self, order_id: str) -> None:
        """Move a ready-for-handling order to handling; repeat calls are no-ops."""
        with self._lock:
            record = self._record(order_id)
            status = record.status
            self.start_handling_calls.append(
                {"order_id": order_id, "status": status, "at": datetime.now(UTC)}
            )
            if status == flow.HANDLING:
                return
            if status != flow.READY_FOR_HANDLING:
                raise SimulatorError(
                    409,
                    f"Order {order_id} is in status {status!r}; start-handling "
                    "needs ready-for-handling.",
                )
            self._change_status(record, flow.HANDLING)

    def invoice(self, order_id: str, body) -> dict:
        """Store an invoice; the order becomes invoiced once outputs cover its value."""
        validate_invoice_request(body)
        with self._lock:
            record = self._record(order_id)
            status = record.status
            allowed = (flow.READY_FOR_HANDLING, flow.HANDLING, flow.INVOICED)
            if body["type"] == "Input":
                allowed = (flow.INVOICED,)
            if record.is_raw or status not in allowed:
                raise SimulatorError(
                    409,
                    f"Order {order_id} is in status {status!r}; a {body['type']} "
                    f"invoice needs one of {', '.join(allowed)}.",
                )

            receipt = {
                "date": document_date(datetime.now(UTC)),
                "orderId": order_id,
                "receipt": f"{self._events_rng.getrandbits(128):032x}",
            }
            self.invoices.append({"order_id": order_id, "body": body, **receipt})
            document = record.open()
            try:
                add_package(document, package_from_request(document, body))
                covered = invoiced_value(document) >= document["value"]
                if body["type"] == "Output" and status != flow.INVOICED and covered:
                    self._change_status(record, flow.INVOICED)
            finally:
                record.settle()
            return receipt

    # Internals --------------------------------------------------------------

    def _record(self, order_id: str) -> OrderRecord:
        record = self._orders.get(order_id)
        if record is None:
            raise OrderNotFound(order_id)
        return record

    def _window_keys(self, window) -> list[tuple[datetime, str]]:
        if window is None:
            return list(self._by_creation)
        start, end = window
        low = bisect.bisect_left(self._by_creation, (start, ""))
        high = bisect.bisect_right(self._by_creation, (end, "\uffff"))
        return self._by_creation[low:high]

    def _index(self, record: OrderRecord) -> None:
        if record.created_at is not None:
            bisect.insort(self._by_creation, (record.created_at, record.order_id))

    def _unindex(self, order_id: str) -> OrderRecord | None:
        previous = self._orders.pop(order_id, None)
        if previous is not None and previous.created_at is not None:
            key = (previous.created_at, order_id)
            position = bisect.bisect_left(self._by_creation, key)
            if position < len(self._by_creation) and self._by_creation[position] == key:
                del self._by_creation[position]
        return previous

    def _store(self, draft: DraftOrder, created_at: datetime) -> OrderRecord:
        """Store a new order with its document open; `settle` must follow."""
        order_id = draft.document["orderId"]
        self._unindex(order_id)
        record = OrderRecord(
            order_id=order_id,
            status=draft.document["status"],
            body=None,
            document=draft.document,
            is_raw=False,
            location_code=draft.location_code,
            path=draft.path,
            step=0,
            created_at=created_at,
            last_change=created_at,
            last_state=None,
            previous_change=created_at,
            indexed_at=time.monotonic() + self.index_lag_seconds,
        )
        self._orders[order_id] = record
        self._index(record)
        return record

    def _add_history(
        self, draft: DraftOrder, times: list[datetime], end: datetime
    ) -> str:
        record = self._store(draft, times[0])
        for step in range(1, len(draft.path)):
            if times[step] >= end:
                break
            self._apply(record, step, times[step])
        record.settle()
        self._announce(record, notify=False)
        return record.order_id

    def _apply(self, record: OrderRecord, step: int, at: datetime) -> None:
        status = record.path[step]
        document = record.open()
        apply_status(document, status, at)
        if status == flow.INVOICED and not invoiced_value(document):
            # Orders stored by put_document may name no demo location.
            issuer = BY_CODE.get(record.location_code) or DCS[0]
            self._invoice_numbers += 1
            package = invoice_package(
                document, issuer, at, self._invoice_numbers, self._rng
            )
            add_package(document, package)
        record.last_state = record.status
        record.status = status
        record.step = step
        record.previous_change = record.last_change
        record.last_change = at

    def _change_status(self, record: OrderRecord, status: str) -> None:
        at = max(datetime.now(UTC), record.last_change + MIN_CHANGE_STEP)
        if status in record.path[record.step + 1 :]:
            step = record.path.index(status, record.step + 1)
        else:
            record.path = (*record.path[: record.step + 1], status)
            step = record.step + 1
        self._apply(record, step, at)
        record.settle()
        self._announce(record, notify=True)

    def _announce(self, record: OrderRecord, notify: bool) -> None:
        event = self._new_event(record)
        record.last_event = event
        available_at = datetime.now(UTC)
        self.feed.put(event, available_at)
        # VTEX delivers at least once: sometimes the same change twice.
        if self._events_rng.random() < self.duplicate_rate:
            self.feed.put(event, available_at)
        if notify:
            key = self.app_key or f"vtexappkey-{self.account}-SIMULATOR"
            self.hooks.send(hook_payload(event, self.account, key))

    def _new_event(self, record: OrderRecord) -> FeedEvent:
        return FeedEvent(
            event_id=f"{self._events_rng.getrandbits(128):032X}",
            order_id=record.order_id,
            state=record.status,
            last_state=record.last_state or "",
            last_change=record.previous_change,
            current_change=record.last_change,
        )

    def _put_parsed(self, order_id: str, document: dict) -> str:
        document["orderId"] = order_id
        status = document.get("status")
        path, step = (status,), 0
        for candidate in (flow.FULFILLED, flow.CANCELED_BY_BUYER):
            if status in candidate:
                path, step = candidate, candidate.index(status)
                break
        created_at = parse_or_none(document.get("creationDate"))
        last_change = parse_or_none(document.get("lastChange")) or datetime.now(UTC)
        with self._lock:
            previous = self._unindex(order_id)
            record = OrderRecord(
                order_id=order_id,
                status=status,
                body=None,
                document=document,
                is_raw=False,
                location_code=location_code_of(document),
                path=path,
                step=step,
                created_at=created_at,
                last_change=last_change,
                last_state=previous.status if previous else None,
                previous_change=previous.last_change if previous else last_change,
                indexed_at=time.monotonic() + self.index_lag_seconds,
            )
            record.settle()
            self._orders[order_id] = record
            self._index(record)
            self._announce(record, notify=False)
        return order_id

    def _put_raw(self, order_id: str, raw: bytes) -> str:
        now = datetime.now(UTC)
        with self._lock:
            previous = self._unindex(order_id)
            record = OrderRecord(
                order_id=order_id,
                status=None,
                body=raw,
                document=None,
                is_raw=True,
                location_code=None,
                path=(None,),
                step=0,
                created_at=None,
                last_change=now,
                last_state=previous.status if previous else None,
                previous_change=previous.last_change if previous else now,
                indexed_at=time.monotonic() + self.index_lag_seconds,
            )
            self._orders[order_id] = record
            self._announce(record, notify=False)
        return order_id


def _whole(seconds: float) -> int | float:
    """Return whole seconds as an int, as VTEX writes them."""
    return int(seconds) if float(seconds).is_integer() else seconds
