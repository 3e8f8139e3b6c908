"""The routing task retries a batch that the database rolled back."""

from unittest import mock

import pytest
from django.db import OperationalError

from config.celery import app
from routing.tasks import ROUTE_RETRIES, orders_route_task


@pytest.fixture
def retries_run_eagerly():
    """Let eager retries run again instead of raising celery's Retry."""
    propagates = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = propagates


def test_deadlocked_batch_is_routed_again(retries_run_eagerly):
    routed = {"routed": 2, "exception": 0, "canceled": 0, "skipped": 0}
    with mock.patch(
        "routing.tasks.orders_route",
        side_effect=[OperationalError("deadlock detected"), routed],
    ) as route:
        outcome = orders_route_task.apply(args=[[1, 2]])

    assert outcome.get() == routed
    assert route.call_count == 2


def test_batch_gives_up_after_its_retries(retries_run_eagerly):
    with mock.patch(
        "routing.tasks.orders_route", side_effect=OperationalError("connection lost")
    ) as route:
        outcome = orders_route_task.apply(args=[[1]])

    assert outcome.state == "FAILURE"
    assert isinstance(outcome.result, OperationalError)
    assert route.call_count == ROUTE_RETRIES + 1
