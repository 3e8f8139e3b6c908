"""Rows for monitoring tests: assignments at given moments, without routing."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache

from monitoring.models import SlaRule
from orders.simulator import VtexSimulator
from routing.models import Assignment, RoutingDecision
from tests.orders.conftest import APP_KEY, APP_TOKEN
from tests.orders.factories import OrderFactory


@pytest.fixture
def vtex(settings):
    """The VTEX simulator on loopback, with the client's settings pointing at it."""
    simulator = VtexSimulator(seed=7, app_key=APP_KEY, app_token=APP_TOKEN)
    server = simulator.serve(host="127.0.0.1", port=0)
    settings.VTEX_BASE_URL = server.url
    settings.VTEX_APP_KEY = APP_KEY
    settings.VTEX_APP_TOKEN = APP_TOKEN
    yield simulator
    server.shutdown()


@pytest.fixture(autouse=True)
def clear_cache():
    cache.clear()
    yield
    cache.clear()


def make_assignment(
    location,
    *,
    offered_at: datetime,
    state: str = Assignment.State.OFFERED,
    value: str = "100.00",
    order=None,
    **fields,
) -> Assignment:
    order = order or OrderFactory(linked_to=[location])
    decision = RoutingDecision.objects.create(
        order=order, status="routed", triggered_by="test"
    )
    fields.setdefault("expires_at", offered_at + timedelta(minutes=30))
    return Assignment.objects.create(
        order=order,
        decision=decision,
        location=location,
        state=state,
        value=Decimal(value),
        offered_at=offered_at,
        **fields,
    )


def make_rule(kind: str, **fields) -> SlaRule:
    fields.setdefault("name", kind)
    return SlaRule.objects.create(kind=kind, **fields)
