"""At-least-once inputs, exactly-once effects."""

import threading
import time

import pytest
from django.db import connection

from orders.models import Order, OrderItem, OrderStatusChange
from orders.services.feed import feed_drain
from orders.services.refresh import order_store_document
from orders.vtex.client import VtexClient
from tests.orders.conftest import APP_KEY, APP_TOKEN, DAY
from tests.orders.documents import vtex_document, vtex_text


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_refreshes_store_one_order():
    document = vtex_document("delivery-sao-paulo")
    text = vtex_text(document)
    barrier = threading.Barrier(4)
    outcomes = []

    def refresh():
        barrier.wait()
        try:
            outcomes.append(
                order_store_document(
                    vtex_order_id=document["orderId"], text=text, source="hook"
                )
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=refresh) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["created", "unchanged", "unchanged", "unchanged"]
    assert Order.objects.count() == 1
    assert OrderItem.objects.count() == 3
    assert OrderStatusChange.objects.count() == 1


class CrashBeforeCommit(Exception):
    pass


@pytest.mark.django_db
def test_feed_worker_killed_before_commit_loses_nothing(simulator, settings):
    simulator.feed.visibility_timeout = 0.5
    server = simulator.serve(host="127.0.0.1", port=0)
    try:
        client = VtexClient(base_url=server.url, app_key=APP_KEY, app_token=APP_TOKEN)
        ids = simulator.generate_orders(count=12, start=DAY, end=DAY.replace(hour=23))

        def crash(handles):
            raise CrashBeforeCommit

        crashing = VtexClient(base_url=server.url, app_key=APP_KEY, app_token=APP_TOKEN)
        crashing.feed_commit = crash
        with pytest.raises(CrashBeforeCommit):
            feed_drain(client=crashing)
        assert simulator.committed_handles == []

        time.sleep(0.6)
        summary = feed_drain(client=client)
    finally:
        server.shutdown()

    assert set(Order.objects.values_list("vtex_order_id", flat=True)) == set(ids)
    assert summary.committed == summary.events
    assert OrderStatusChange.objects.filter(to_status="").count() == 0
