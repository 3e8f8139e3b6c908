"""The hook sender: POSTs each order change to the configured URL.

Notifications go out from one background thread, in the order the changes
happened, so a slow or absent receiver never blocks the API. A failed POST is
counted, logged (the first failure, then one in a hundred) and dropped.
NOTE: VTEX retries failed notifications with growing intervals, but this
sender does not, so a receiver that was down must catch up from the feed.
"""

import ipaddress
import logging
import queue
import threading
import time
from urllib.parse import urlsplit

import requests

from orders.simulator.dates import event_date
from orders.simulator.feed import FeedEvent

logger = logging.getLogger(__name__)

# The name of the header carrying the shared secret, not the secret itself.
HOOK_TOKEN_HEADER = "X-Ponte-Hook-Token"  # noqa: S105
# VTEX expects the receiver to respond within 5 s.
TIMEOUT_SECONDS = 5
PING = {"hookConfig": "ping"}


def validate_hook_url(url: str) -> None:
    """Reject a URL that is not HTTP or HTTPS on a loopback address.

    The simulator exists for local demos and tests, so it only notifies this
    machine.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    is_loopback = host == "localhost"
    if not is_loopback:
        try:
            is_loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            is_loopback = False
    if parts.scheme not in ("http", "https") or not is_loopback:
        raise ValueError(
            f"Invalid hook URL {url!r}: use http:// on a loopback address, "
            "for example http://127.0.0.1:8000/vtex/hook/."
        )


def hook_payload(event: FeedEvent, account: str, app_key: str) -> dict:
    return {
        "Domain": "Marketplace",
        "OrderId": event.order_id,
        "State": event.state,
        "LastState": event.last_state,
        "LastChange": event_date(event.last_change),
        "CurrentChange": event_date(event.current_change),
        "Origin": {"Account": account, "Key": app_key},
    }


class HookSender:
    """Queue of notifications and the thread that posts them."""

    def __init__(self):
        self.url: str | None = None
        self.token: str | None = None
        self.sent = 0
        self.failed = 0
        # (order id, state, HTTP status or None, error text or None)
        self.deliveries: list[tuple] = []
        self._queue: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._session = requests.Session()

    def configure(self, url: str | None, token: str | None) -> None:
        if url is not None:
            validate_hook_url(url)
        with self._lock:
            self.url = url
            self.token = token
            if url is not None and self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="vtex-simulator-hooks", daemon=True
                )
                self._thread.start()
        # VTEX pings a new hook URL and rejects the configuration unless it
        # gets 200. Here the ping is only sent and logged, because the demo
        # starts the simulator before the server that receives the hook.
        self.send(PING)

    def send(self, payload: dict) -> None:
        if self.url is not None:
            self._queue.put((self.url, self.token, payload))

    def wait(self, timeout: float = 5.0) -> bool:
        """Wait until every queued notification was posted; False on timeout."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.005)
        return True

    def _run(self) -> None:
        while True:
            url, token, payload = self._queue.get()
            try:
                self._post(url, token, payload)
            finally:
                self._queue.task_done()

    def _post(self, url: str, token: str | None, payload: dict) -> None:
        headers = {HOOK_TOKEN_HEADER: token} if token else {}
        order_id, state = payload.get("OrderId"), payload.get("State")
        try:
            response = self._session.post(
                url, json=payload, headers=headers, timeout=TIMEOUT_SECONDS
            )
        except requests.RequestException as error:
            self.deliveries.append((order_id, state, None, str(error)))
            self._log_failure(order_id, state, str(error))
            return

        self.deliveries.append((order_id, state, response.status_code, None))
        if response.ok:
            self.sent += 1
        else:
            self._log_failure(order_id, state, f"HTTP {response.status_code}")

    def _log_failure(self, order_id: str, state: str, cause: str) -> None:
        # A receiver that is down fails every call: log the first failure and
        # then one in a hundred, with the running count.
        self.failed += 1
        if self.failed % 100 == 1:
            logger.warning(
                "Hook for order_id=%s state=%s failed: %s. Failures so far: %d",
                order_id,
                state,
                cause,
                self.failed,
            )
