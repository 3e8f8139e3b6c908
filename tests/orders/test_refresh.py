"""order_store_document: the upsert behind every way an order arrives."""

from decimal import Decimal

import pytest

from orders.models import (
    Order,
    OrderItem,
    OrderLocation,
    OrderStatusChange,
    QuarantinedDocument,
)
from orders.services.refresh import Outcome, order_store_document
from tests.orders.documents import vtex_document, vtex_text

ORDER_ID = "1480140512345-01"


def store(document, source="hook"):
    return order_store_document(
        vtex_order_id=document["orderId"], text=vtex_text(document), source=source
    )


@pytest.mark.django_db
def test_store_creates_order_with_children():
    outcome = store(vtex_document("delivery-sao-paulo"))

    order = Order.objects.get(vtex_order_id=ORDER_ID)
    assert outcome is Outcome.CREATED
    assert order.total == Decimal("1234.56")
    assert order.status == "ready-for-handling"
    assert order.items.count() == 3
    assert {t.total_id for t in order.totals.all()} == {
        "Items",
        "Discounts",
        "Shipping",
        "Tax",
    }
    assert order.payments.get().installments == 3
    assert order.raw["orderId"] == ORDER_ID


@pytest.mark.django_db
def test_store_keeps_total_when_lines_disagree():
    store(vtex_document("delivery-sao-paulo", value=1160))

    order = Order.objects.get(vtex_order_id=ORDER_ID)
    assert order.total == Decimal("11.60")
    assert order.value_cents == 1160


@pytest.mark.django_db
def test_store_records_first_status():
    store(vtex_document("delivery-sao-paulo"))

    change = OrderStatusChange.objects.get()
    assert change.from_status == ""
    assert change.to_status == "ready-for-handling"
    assert change.changed_at.isoformat() == "2026-11-27T13:09:45.765432+00:00"


@pytest.mark.django_db
def test_store_same_document_three_times_changes_nothing():
    document = vtex_document("delivery-sao-paulo")

    outcomes = [store(document) for _ in range(3)]

    assert outcomes == [Outcome.CREATED, Outcome.UNCHANGED, Outcome.UNCHANGED]
    assert Order.objects.count() == 1
    assert OrderStatusChange.objects.count() == 1
    assert OrderItem.objects.count() == 3


@pytest.mark.django_db
def test_store_moves_status_forward_and_records_it():
    store(vtex_document("delivery-sao-paulo"))
    newer = vtex_document(
        "delivery-sao-paulo",
        status="handling",
        lastChange="2026-11-27T14:00:00.0000000+00:00",
    )

    outcome = store(newer, source="feed")

    order = Order.objects.get()
    assert outcome is Outcome.UPDATED
    assert order.status == "handling"
    assert list(
        order.status_changes.values_list("from_status", "to_status", "source")
    ) == [
        ("", "ready-for-handling", "hook"),
        ("ready-for-handling", "handling", "feed"),
    ]
    assert order.items.count() == 3


@pytest.mark.django_db
def test_store_ignores_older_last_change():
    newer = vtex_document(
        "delivery-sao-paulo",
        status="handling",
        lastChange="2026-11-27T14:00:00.0000000+00:00",
    )
    store(newer)

    outcome = store(vtex_document("delivery-sao-paulo"))

    order = Order.objects.get()
    assert outcome is Outcome.STALE
    assert order.status == "handling"
    assert OrderStatusChange.objects.count() == 1


@pytest.mark.django_db
def test_store_never_rewinds_terminal_status():
    store(
        vtex_document(
            "delivery-sao-paulo",
            status="invoiced",
            lastChange="2026-11-28T10:00:00.0000000+00:00",
        )
    )

    store(
        vtex_document(
            "delivery-sao-paulo",
            status="handling",
            lastChange="2026-11-29T10:00:00.0000000+00:00",
        )
    )

    order = Order.objects.get()
    assert order.status == "invoiced"
    assert order.status_changes.count() == 1


@pytest.mark.django_db
def test_store_quarantines_malformed_document_and_writes_no_order():
    document = vtex_document("delivery-sao-paulo", value="muito")

    outcome = store(document)

    quarantined = QuarantinedDocument.objects.get()
    assert outcome is Outcome.QUARANTINED
    assert quarantined.vtex_order_id == ORDER_ID
    assert quarantined.reason == "value: expected an integer, got 'muito'"
    assert '"value": "muito"' in quarantined.payload
    assert Order.objects.count() == 0
    assert OrderItem.objects.count() == 0


@pytest.mark.django_db
def test_store_quarantines_body_that_is_not_json():
    outcome = order_store_document(
        vtex_order_id="999-01", text="<html>erro</html>", source="feed"
    )

    quarantined = QuarantinedDocument.objects.get()
    assert outcome is Outcome.QUARANTINED
    assert quarantined.reason.startswith("body is not valid JSON")
    assert quarantined.payload == "<html>erro</html>"
    assert Order.objects.count() == 0


@pytest.mark.django_db
def test_store_quarantine_counts_repeated_failures():
    document = vtex_document("delivery-sao-paulo", lastChange=None)

    store(document)
    store(document)

    quarantined = QuarantinedDocument.objects.get()
    assert quarantined.attempts == 2
    assert quarantined.reason == "lastChange: missing"


@pytest.mark.django_db
def test_store_fixed_document_leaves_quarantine():
    store(vtex_document("delivery-sao-paulo", value=None))

    outcome = store(vtex_document("delivery-sao-paulo"))

    assert outcome is Outcome.CREATED
    assert QuarantinedDocument.objects.count() == 0


@pytest.mark.django_db
def test_store_rejects_document_for_another_order():
    document = vtex_document("delivery-sao-paulo")

    outcome = order_store_document(
        vtex_order_id="outro-01", text=vtex_text(document), source="hook"
    )

    assert outcome is Outcome.QUARANTINED
    assert QuarantinedDocument.objects.get().reason == (
        "orderId: the document is for '1480140512345-01', expected 'outro-01'"
    )
    assert Order.objects.count() == 0


@pytest.mark.django_db
def test_store_links_named_locations(store_a, store_b):
    store(vtex_document("delivery-sao-paulo"))
    store(vtex_document("pickup-corporate"))

    links = set(
        OrderLocation.objects.values_list(
            "order__vtex_order_id", "location__code", "reason"
        )
    )
    assert links == {
        (ORDER_ID, "loja-a", "warehouse"),
        (ORDER_ID, "loja-a", "dock"),
        ("v502977431pnt-02", "loja-b", "warehouse"),
        ("v502977431pnt-02", "loja-b", "dock"),
        ("v502977431pnt-02", "loja-b", "pickup_point"),
    }


@pytest.mark.django_db
def test_store_split_orders_are_separate_orders():
    first = vtex_document("pickup-corporate", orderId="v502977431pnt-01")
    second = vtex_document("pickup-corporate")

    store(first)
    store(second)

    assert list(
        Order.objects.order_by("vtex_order_id").values_list(
            "vtex_order_id", "order_group"
        )
    ) == [
        ("v502977431pnt-01", "v502977431pnt"),
        ("v502977431pnt-02", "v502977431pnt"),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fixture", "has_delivery", "has_pickup"),
    [("delivery-sao-paulo", True, False), ("pickup-corporate", False, True)],
)
def test_store_records_delivery_flags(fixture, has_delivery, has_pickup):
    document = vtex_document(fixture)
    store(document)

    order = Order.objects.get(vtex_order_id=document["orderId"])
    assert order.has_delivery is has_delivery
    assert order.has_pickup is has_pickup


@pytest.mark.django_db
def test_unknown_status_stored_with_warning(caplog):
    with caplog.at_level("WARNING", logger="orders.services.refresh"):
        outcome = store(vtex_document("delivery-sao-paulo", status="teleported"))

    assert outcome is Outcome.CREATED
    assert Order.objects.get(vtex_order_id=ORDER_ID).status == "teleported"
    assert (
        f"VTEX order {ORDER_ID} has status 'teleported', which Ponte does not know"
        in (caplog.text)
    )
