"""HTTP client for the VTEX Orders API.

Retries the answers VTEX marks as transient: 429 (throttled, honouring `Retry-After`), 5xx
and connection errors, with exponential backoff and jitter. Anything else fails
at once. The app token is sent in a header and never logged.

Every attempt sends `vtex_call_completed`, which monitoring counts.
"""

import json
import logging
import random
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import quote

import requests
from django.conf import settings
from django.dispatch import Signal
from django.utils import timezone

logger = logging.getLogger(__name__)

RETRYABLE_STATUSES = {429, 500, 502, 503, 504}
# Largest page VTEX's list endpoint serves, and the last page it will serve.
LIST_PER_PAGE = 100
LIST_MAX_PAGES = 30

# Sent after each HTTP attempt, retries included, with `method`, `path` and
# `status` (the HTTP status, or None when no response came). It is sent with
# send_robust, so a failing receiver is logged and never fails the call.
vtex_call_completed = Signal()


class VtexError(Exception):
    """A VTEX call failed; the message names the call and the cause.

    `status` is the HTTP status of the last response, or None without one.
    """

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class VtexNotFound(VtexError):
    pass


class VtexConfigurationError(VtexError):
    pass


@dataclass
class VtexResponse:
    status: int
    text: str


class VtexClient:
    def __init__(
        self,
        *,
        base_url: str,
        app_key: str,
        app_token: str,
        timeout: float = 10,
        max_attempts: int = 5,
        max_backoff: float = 60,
        session: requests.Session | None = None,
        sleep=time.sleep,
    ):
        if not base_url:
            raise VtexConfigurationError(
                "VTEX host is not configured: set VTEX_ACCOUNT (and optionally "
                "VTEX_ENVIRONMENT) or VTEX_BASE_URL."
            )
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_attempts = max(1, max_attempts)
        self.max_backoff = max_backoff
        self.sleep = sleep
        self.session = session or requests.Session()
        self.session.headers.update(
            {
                "X-VTEX-API-AppKey": app_key,
                "X-VTEX-API-AppToken": app_token,
                "Accept": "application/json",
                "Content-Type": "application/json",
            }
        )

    @classmethod
    def from_settings(cls) -> "VtexClient":
        base_url = settings.VTEX_BASE_URL
        if not base_url and settings.VTEX_ACCOUNT:
            base_url = (
                f"https://{settings.VTEX_ACCOUNT}.{settings.VTEX_ENVIRONMENT}.com.br"
            )
        return cls(
            base_url=base_url,
            app_key=settings.VTEX_APP_KEY,
            app_token=settings.VTEX_APP_TOKEN,
            timeout=settings.VTEX_TIMEOUT_SECONDS,
            max_attempts=settings.VTEX_MAX_ATTEMPTS,
            max_backoff=settings.VTEX_MAX_BACKOFF_SECONDS,
        )

    # Orders API

    def get_order_text(self, order_id: str) -> str:
        """Return the raw Get order body; the caller parses it (and may quarantine it)."""
        path = f"/api/oms/pvt/orders/{quote(order_id, safe='')}"
        return self.request("GET", path).text

    def list_orders(
        self, *, created_from: str, created_to: str, page: int, per_page: int = 100
    ) -> dict:
        params = {
            "f_creationDate": f"creationDate:[{created_from} TO {created_to}]",
            "page": page,
            "per_page": per_page,
            "orderBy": "creationDate,asc",
        }
        return self.request_json("GET", "/api/oms/pvt/orders", params=params)

    def feed_read(self, *, max_lot: int = 10) -> list[dict]:
        events = self.request_json(
            "GET", "/api/orders/feed", params={"maxlot": max_lot}
        )
        if not isinstance(events, list):
            raise VtexError(f"GET /api/orders/feed returned {type(events).__name__}")
        return events

    def feed_commit(self, handles: list[str]) -> None:
        if handles:
            self.request("POST", "/api/orders/feed", json={"handles": handles})

    def hook_config(self) -> dict:
        return self.request_json("GET", "/api/orders/hook/config")

    def feed_config(self) -> dict:
        return self.request_json("GET", "/api/orders/feed/config")

    # Transport

    def request_json(self, method: str, path: str, **kwargs):
        response = self.request(method, path, **kwargs)
        try:
            return json.loads(response.text)
        except ValueError:
            raise VtexError(
                f"{method} {path} returned a body that is not JSON "
                f"(HTTP {response.status})"
            ) from None

    def request(self, method: str, path: str, **kwargs) -> VtexResponse:
        url = self.base_url + path
        last_problem = ""
        for attempt in range(1, self.max_attempts + 1):
            try:
                response = self.session.request(
                    method, url, timeout=self.timeout, **kwargs
                )
            except (requests.ConnectionError, requests.Timeout) as error:
                vtex_call_completed.send_robust(
                    sender=VtexClient, method=method, path=path, status=None
                )
                last_problem = f"{type(error).__name__}: {error}"
                delay = self._backoff(attempt)
            else:
                vtex_call_completed.send_robust(
                    sender=VtexClient,
                    method=method,
                    path=path,
                    status=response.status_code,
                )
                if response.status_code < 400:
                    return VtexResponse(response.status_code, response.text)
                if response.status_code == 404:
                    raise VtexNotFound(
                        f"{method} {path} returned 404 Not Found", status=404
                    )
                if response.status_code not in RETRYABLE_STATUSES:
                    raise VtexError(
                        f"{method} {path} returned HTTP {response.status_code}: "
                        f"{response.text[:300]}",
                        status=response.status_code,
                    )
                last_problem = f"HTTP {response.status_code}"
                delay = self._retry_after(response) or self._backoff(attempt)
            if attempt == self.max_attempts:
                break
            logger.warning(
                "VTEX %s %s failed (%s), attempt %d of %d, retrying in %.2f s",
                method,
                path,
                last_problem,
                attempt,
                self.max_attempts,
                delay,
            )
            self.sleep(delay)
        tries = (
            "1 attempt" if self.max_attempts == 1 else f"{self.max_attempts} attempts"
        )
        raise VtexError(f"{method} {path} failed after {tries}: {last_problem}")

    def _backoff(self, attempt: int) -> float:
        """0.5 s, 1 s, 2 s … with up to 25 % jitter, capped at max_backoff."""
        base = min(self.max_backoff, 0.5 * 2 ** (attempt - 1))
        return min(self.max_backoff, base * (1 + random.random() / 4))

    def _retry_after(self, response: requests.Response) -> float | None:
        value = response.headers.get("Retry-After")
        if not value:
            return None
        try:
            seconds = float(value)
        except ValueError:
            try:
                moment = parsedate_to_datetime(value)
            except (TypeError, ValueError):
                return None
            seconds = (moment - timezone.now()).total_seconds()
        return max(0.0, min(self.max_backoff, seconds))
