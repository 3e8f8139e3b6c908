"""A routing task also routes the orders still waiting to be routed."""

from unittest import mock

import psycopg
import pytest
from django.db import connection

from orders.models import Order
from orders.services.refresh import order_store_document
from routing.models import Assignment, RoutingCase
from routing.services.routing import orders_route
from routing.tasks import orders_route_task
from tests.orders.documents import vtex_document, vtex_text


@pytest.fixture
def unrouted(django_capture_on_commit_callbacks):
    """Store a document without running the routing task it queues."""

    def unrouted(order_id: str, **fields) -> Order:
        document = vtex_document("delivery-sao-paulo", orderId=order_id, **fields)
        with django_capture_on_commit_callbacks(execute=False):
            order_store_document(
                vtex_order_id=order_id, text=vtex_text(document), source="hook"
            )
        return Order.objects.get(vtex_order_id=order_id)

    return unrouted


@pytest.mark.django_db
def test_task_routes_waiting_orders_too(network, policy, unrouted):
    waiting = unrouted("1480140500001-01")
    unpaid = unrouted("1480140500002-01", status="payment-pending")
    arrived = unrouted("1480140500003-01")

    counts = orders_route_task.apply(args=[[arrived.pk], "hook"]).get()

    assert counts["routed"] == 2
    assert RoutingCase.objects.filter(order=waiting).exists()
    assert RoutingCase.objects.filter(order=arrived).exists()
    assert not RoutingCase.objects.filter(order=unpaid).exists()
    assert Assignment.objects.get(order=waiting).decision.triggered_by == "hook"


@pytest.mark.django_db
def test_waiting_orders_taken_oldest_first(network, policy, unrouted):
    oldest = unrouted("1480140500001-01")
    newer = unrouted("1480140500002-01")
    arrived = unrouted("1480140500003-01")

    orders_route(order_ids=[arrived.pk], triggered_by="hook", take_waiting=1)

    assert RoutingCase.objects.filter(order=oldest).exists()
    assert not RoutingCase.objects.filter(order=newer).exists()


@pytest.mark.django_db
def test_routed_orders_are_not_taken_again(network, policy, unrouted):
    first = unrouted("1480140500001-01")
    orders_route(order_ids=[first.pk], triggered_by="hook")
    arrived = unrouted("1480140500002-01")

    counts = orders_route(order_ids=[arrived.pk], triggered_by="hook", take_waiting=5)

    assert counts["routed"] == 1
    assert Assignment.objects.filter(order=first).count() == 1


@pytest.mark.django_db
def test_task_without_new_orders_drains_waiting(network, policy, unrouted):
    waiting = unrouted("1480140500001-01")

    counts = orders_route_task.apply(args=[[], "sync"]).get()

    assert counts["routed"] == 1
    assert RoutingCase.objects.get(order=waiting).status == "routed"


@pytest.mark.django_db(transaction=True)
def test_orders_locked_elsewhere_are_left_waiting(network, policy, unrouted):
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED needs PostgreSQL")
    # Outside a test transaction the stored orders' routing task would run
    # at once, so it is not queued.
    with mock.patch.object(orders_route_task, "delay"):
        locked = unrouted("1480140500001-01")
        arrived = unrouted("1480140500002-01")
    settings = connection.settings_dict
    other = psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        password=settings["PASSWORD"],
        dbname=settings["NAME"],
    )
    with connection.cursor() as cursor:
        # Waiting for the lock instead of skipping the order fails the test.
        cursor.execute("SET lock_timeout = '2s'")
    try:
        other.execute(
            "SELECT id FROM orders_order WHERE id = %s FOR UPDATE",
            [locked.pk],
        )
        counts = orders_route(
            order_ids=[arrived.pk], triggered_by="hook", take_waiting=5
        )
    finally:
        other.rollback()
        other.close()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")

    assert counts["routed"] == 1
    assert not RoutingCase.objects.filter(order=locked).exists()
    assert RoutingCase.objects.filter(order=arrived).exists()
