import pytest

from orders.models import Order, OrderStatusChange
from orders.services.feed import feed_drain
from orders.vtex.client import VtexClient
from tests.orders.conftest import DAY
from tests.orders.documents import vtex_document, vtex_plain


def handles_of(simulator):
    return list(simulator.committed_handles)


@pytest.mark.django_db
def test_feed_stores_orders_and_commits_every_handle(vtex):
    ids = vtex.generate_orders(count=25, start=DAY, end=DAY.replace(hour=23))

    summary = feed_drain(client=VtexClient.from_settings())

    assert set(Order.objects.values_list("vtex_order_id", flat=True)) == set(ids)
    assert summary.committed == summary.events
    assert summary.failed == 0
    assert feed_drain(client=VtexClient.from_settings()).events == 0


@pytest.mark.django_db
def test_feed_event_delivered_twice_stores_one_order(vtex):
    document = vtex_document("delivery-sao-paulo")
    vtex.put_document(vtex_plain(document))
    vtex.add_feed_event(document["orderId"], duplicate=True)

    summary = feed_drain(client=VtexClient.from_settings())

    assert Order.objects.count() == 1
    assert OrderStatusChange.objects.count() == 1
    assert summary.events >= 2
    assert summary.committed == summary.events


@pytest.mark.django_db
def test_feed_commits_handle_only_after_order_is_stored(vtex):
    document = vtex_document("delivery-sao-paulo")
    vtex.put_document(vtex_plain(document))
    committed_while_missing = []
    original_commit = VtexClient.feed_commit

    def commit_and_check(client, handles):
        stored = Order.objects.filter(vtex_order_id=document["orderId"]).exists()
        committed_while_missing.extend(h for h in handles if not stored)
        original_commit(client, handles)

    client = VtexClient.from_settings()
    client.feed_commit = lambda handles: commit_and_check(client, handles)

    feed_drain(client=client)

    assert committed_while_missing == []
    assert len(handles_of(vtex)) >= 1


@pytest.mark.django_db
def test_feed_leaves_handle_uncommitted_when_vtex_fails(vtex, settings):
    settings.VTEX_MAX_ATTEMPTS = 2
    document = vtex_document("delivery-sao-paulo")
    vtex.put_document(vtex_plain(document))
    vtex.inject_fault(status=503, count=2, path_prefix="/api/oms/pvt/orders/")

    summary = feed_drain(client=VtexClient.from_settings())

    assert summary.failed == 1
    assert summary.committed == 0
    assert handles_of(vtex) == []
    assert Order.objects.count() == 0


@pytest.mark.django_db
def test_feed_commits_ignored_stale_event(vtex):
    newer = vtex_document(
        "delivery-sao-paulo",
        status="handling",
        lastChange="2026-11-27T14:00:00.0000000+00:00",
    )
    vtex.put_document(vtex_plain(newer))
    feed_drain(client=VtexClient.from_settings())
    committed_before = len(handles_of(vtex))
    vtex.add_feed_event(newer["orderId"])

    summary = feed_drain(client=VtexClient.from_settings())

    assert summary.committed == summary.events
    assert len(handles_of(vtex)) == committed_before + summary.events
    assert Order.objects.get().status == "handling"


@pytest.mark.django_db
def test_feed_quarantines_malformed_document_and_continues(vtex):
    vtex.put_document('{"orderId": "quebrado-01", "value": ', order_id="quebrado-01")
    good = vtex_document("delivery-sao-paulo")
    vtex.put_document(vtex_plain(good))

    summary = feed_drain(client=VtexClient.from_settings())

    from orders.models import QuarantinedDocument

    assert QuarantinedDocument.objects.get().vtex_order_id == "quebrado-01"
    assert Order.objects.get().vtex_order_id == good["orderId"]
    assert summary.committed == summary.events
