import pytest
from django.utils import timezone

from orders.models import Order, VtexOutboxCall
from orders.services.outbox import (
    order_invoice_enqueue,
    order_start_handling_enqueue,
    outbox_due_ids,
    outbox_send,
)
from orders.services.refresh import order_store_document
from orders.vtex.client import VtexClient
from tests.orders.conftest import APP_KEY, APP_TOKEN
from tests.orders.documents import vtex_document, vtex_plain, vtex_text


@pytest.fixture
def order(db):
    document = vtex_document("delivery-sao-paulo")
    order_store_document(
        vtex_order_id=document["orderId"], text=vtex_text(document), source="hook"
    )
    return Order.objects.get()


def client_for(settings):
    return VtexClient(
        base_url=settings.VTEX_BASE_URL,
        app_key=APP_KEY,
        app_token=APP_TOKEN,
        max_attempts=1,
    )


def invoice(order, number="NF123A"):
    return order_invoice_enqueue(
        order=order,
        invoice_number=number,
        invoice_key="3" * 44,
        invoice_value_cents=123456,
        issued_at=timezone.now(),
        items=[{"id": "2001", "quantity": 1, "price": 89910}],
        courier="Correios",
        tracking_number="BR123",
    )


def test_outbox_queues_each_event_once(order):
    first = order_start_handling_enqueue(order=order)
    second = order_start_handling_enqueue(order=order)

    assert first.pk == second.pk
    assert VtexOutboxCall.objects.count() == 1


def test_outbox_sends_start_handling_to_vtex(order, vtex, settings):
    vtex.put_document(vtex_plain(vtex_document("delivery-sao-paulo")))
    call = order_start_handling_enqueue(order=order)

    status = outbox_send(call_id=call.pk, client=client_for(settings))

    call.refresh_from_db()
    assert status == "sent"
    assert call.attempts == 1
    assert len(vtex.start_handling_calls) == 1


def test_outbox_sends_invoice_value_as_string_of_cents(order, vtex, settings):
    vtex.put_document(vtex_plain(vtex_document("delivery-sao-paulo")))
    call = invoice(order)

    outbox_send(call_id=call.pk, client=client_for(settings))
    outbox_send(call_id=call.pk, client=client_for(settings))

    assert len(vtex.invoices) == 1
    body = vtex.invoices[0]["body"]
    assert body["invoiceValue"] == "123456"
    assert body["invoiceNumber"] == "NF123A"


def test_outbox_retries_after_failure_with_backoff(order, vtex, settings):
    vtex.put_document(vtex_plain(vtex_document("delivery-sao-paulo")))
    vtex.inject_fault(status=503, count=1)
    call = order_start_handling_enqueue(order=order)

    status = outbox_send(call_id=call.pk, client=client_for(settings))

    call.refresh_from_db()
    assert status == "pending"
    assert call.last_error.endswith("HTTP 503")
    assert call.next_attempt_at > timezone.now()
    assert outbox_due_ids() == []
    assert vtex.start_handling_calls == []


def test_outbox_refused_call_fails_without_retry(order, vtex, settings):
    document = vtex_document("delivery-sao-paulo", status="invoiced")
    vtex.put_document(vtex_plain(document))
    call = order_start_handling_enqueue(order=order)

    status = outbox_send(call_id=call.pk, client=client_for(settings))

    call.refresh_from_db()
    assert status == "failed"
    assert call.attempts == 1
    assert "HTTP 409" in call.last_error
    assert outbox_due_ids() == []


def test_outbox_failure_log_names_order(order, vtex, settings, caplog):
    vtex.put_document(vtex_plain(vtex_document("delivery-sao-paulo")))
    vtex.inject_fault(status=503, count=1)
    call = order_start_handling_enqueue(order=order)

    with caplog.at_level("WARNING", logger="orders.services.outbox"):
        outbox_send(call_id=call.pk, client=client_for(settings))

    (record,) = [r for r in caplog.records if r.name == "orders.services.outbox"]
    message = record.getMessage()
    assert f"for order {order.vtex_order_id} failed" in message
    assert "outbox attempt 1 of 12 (pending)" in message
    assert "failed after 1 attempt: HTTP 503" in message
