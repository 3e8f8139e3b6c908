"""Injected failures: VTEX's throttling (429 with Retry-After) and 5xx errors."""

import random
import threading
from dataclasses import dataclass

THROTTLE_STATUS = 429
SERVER_ERROR_STATUSES = (500, 502, 503, 504)
# Rate-based failures hit only the VTEX API paths, never the control paths.
API_PREFIX = "/api/"


@dataclass
class Fault:
    status: int
    remaining: int
    retry_after: int | None
    path_prefix: str
    skip: int


@dataclass(frozen=True)
class Failure:
    """The response a request gets instead of its normal one."""

    status: int
    retry_after: int | None


def validate_status(status: int) -> None:
    if status != THROTTLE_STATUS and status not in SERVER_ERROR_STATUSES:
        raise ValueError(
            f"Unsupported fault status {status}: use 429 or one of "
            f"{', '.join(str(code) for code in SERVER_ERROR_STATUSES)}."
        )


class FaultInjector:
    """Decide, request by request, whether the simulator fails on purpose."""

    def __init__(self, rng: random.Random):
        self._rng = rng
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self.rate_429 = 0.0
        self.rate_5xx = 0.0

    def add(
        self,
        status: int,
        count: int,
        retry_after: int | None,
        path_prefix: str,
        after: int,
    ) -> None:
        validate_status(status)
        if count < 1 or after < 0:
            raise ValueError(
                f"Invalid fault: count must be at least 1 (got {count}) and "
                f"after at least 0 (got {after})."
            )
        if status != THROTTLE_STATUS:
            retry_after = None
        with self._lock:
            self._faults.append(Fault(status, count, retry_after, path_prefix, after))

    def set_rates(self, rate_429: float, rate_5xx: float) -> None:
        for name, rate in (("rate_429", rate_429), ("rate_5xx", rate_5xx)):
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"Invalid {name} {rate}: use a fraction from 0 to 1.")
        with self._lock:
            self.rate_429 = rate_429
            self.rate_5xx = rate_5xx

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self.rate_429 = self.rate_5xx = 0.0

    def failure_for(self, path: str) -> Failure | None:
        """Return the failure this request gets, consuming a planned fault."""
        with self._lock:
            planned = self._planned_failure(path)
            if planned is not None or not path.startswith(API_PREFIX):
                return planned
            roll = self._rng.random()
            if roll < self.rate_429:
                return Failure(THROTTLE_STATUS, 1)
            if roll < self.rate_429 + self.rate_5xx:
                return Failure(self._rng.choice(SERVER_ERROR_STATUSES), None)
            return None

    def _planned_failure(self, path: str) -> Failure | None:
        for fault in self._faults:
            if not path.startswith(fault.path_prefix):
                continue
            if fault.skip:
                fault.skip -= 1
                continue
            fault.remaining -= 1
            if fault.remaining == 0:
                self._faults.remove(fault)
            return Failure(fault.status, fault.retry_after)
        return None
