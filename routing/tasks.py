"""Celery tasks of routing. Each takes ids and calls a service."""

import logging

from celery import shared_task
from django.db import OperationalError

from routing.inventory_tasks import inventory_sync_task  # noqa: F401
from routing.receivers import ROUTE_BATCH
from routing.services.assignments import assignments_expire_due
from routing.services.routing import orders_route
from routing.simulation_tasks import simulation_run_task  # noqa: F401

logger = logging.getLogger(__name__)


# A batch is one transaction: a deadlock or a lost connection rolls all of it
# back. Routing it again is safe, because orders are routed once.
ROUTE_RETRIES = 5


@shared_task(
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=ROUTE_RETRIES,
)
def orders_route_task(order_ids: list[int], source: str = "sync") -> dict:
    """Route a batch of orders in one transaction (see `orders_route`), with
    other orders still waiting up to ROUTE_BATCH in all. A database error
    such as a deadlock retries the batch with backoff."""
    return orders_route(
        order_ids=order_ids,
        triggered_by=source,
        take_waiting=max(ROUTE_BATCH - len(order_ids), 0),
    )


@shared_task
def assignments_expire_task() -> int:
    """Expire offers past their acceptance deadline; each expiry re-routes."""
    expired = assignments_expire_due()
    if expired:
        logger.info("Expired %d offers", expired)
    return expired
