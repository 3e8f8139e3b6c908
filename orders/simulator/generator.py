"""Live traffic: new orders at a steady rate, and open orders moving along.

Every tick the generator creates the orders due at the configured rate and
advances randomly chosen open orders by one status. Orders in
ready-for-handling or handling wait for the seller (Ponte's start-handling
call and invoice), as VTEX's do, so the generator leaves them alone.
"""

import logging
import random
import threading

logger = logging.getLogger(__name__)

TICK_SECONDS = 1.0
ADVANCES_PER_NEW_ORDER = 5


class OrderGenerator:
    def __init__(self, simulator, rate_per_minute: float, rng: random.Random):
        if rate_per_minute <= 0:
            raise ValueError(
                f"Invalid rate {rate_per_minute}: use a positive number of orders "
                "per minute."
            )
        self.simulator = simulator
        self.rate_per_minute = rate_per_minute
        self._rng = rng
        self._stopping = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name="vtex-simulator-generator", daemon=True
        )
        self._new_credit = 0.0
        self._advance_credit = 0.0

    def start(self) -> None:
        logger.info(
            "Order generator started at %.1f orders per minute", self.rate_per_minute
        )
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)
        logger.info("Order generator stopped")

    def _run(self) -> None:
        while not self._stopping.wait(TICK_SECONDS):
            try:
                self._tick()
            except Exception:
                # One bad tick must not end the traffic, so the next tick tries again.
                logger.exception("Order generator tick failed")

    def _tick(self) -> None:
        per_tick = self.rate_per_minute / 60 * TICK_SECONDS
        self._new_credit += per_tick
        while self._new_credit >= 1:
            self.simulator.create_order()
            self._new_credit -= 1

        self._advance_credit += per_tick * ADVANCES_PER_NEW_ORDER
        due = int(self._advance_credit)
        self._advance_credit -= due
        open_ids = self.simulator.buyer_side_order_ids()
        for order_id in self._rng.sample(open_ids, min(due, len(open_ids))):
            try:
                self.simulator.advance_order(order_id)
            except ValueError:
                # Ponte moved it meanwhile with start-handling or an invoice.
                continue
