from datetime import UTC, datetime
from decimal import Decimal

import pytest

from orders.vtex.parser import (
    DocumentError,
    document_loads,
    parse_order_document,
    parse_vtex_datetime,
)
from tests.orders.documents import vtex_document, vtex_text


def test_parse_total_is_value_in_cents_exactly():
    parsed = parse_order_document(vtex_document("delivery-sao-paulo"))

    assert parsed.value_cents == 123456
    assert parsed.total == Decimal("1234.56")


def test_parse_total_ignores_item_lines_that_disagree():
    document = vtex_document("delivery-sao-paulo", value=1160)

    parsed = parse_order_document(document)

    assert parsed.total == Decimal("11.60")
    assert parsed.items_total == Decimal("1299.00")


def test_parse_totals_keyed_by_id_with_negative_discounts():
    parsed = parse_order_document(vtex_document("delivery-sao-paulo"))

    totals = {total.total_id: total.value for total in parsed.totals}
    assert totals == {
        "Items": Decimal("1299.00"),
        "Discounts": Decimal("-129.90"),
        "Shipping": Decimal("65.46"),
        "Tax": Decimal("0.00"),
    }
    assert parsed.discounts_total == Decimal("-129.90")


def test_parse_totals_do_not_depend_on_localised_names():
    document = vtex_document("delivery-sao-paulo")
    for total in document["totals"]:
        total["name"] = "Gesamt"

    parsed = parse_order_document(document)

    assert parsed.shipping_total == Decimal("65.46")


def test_parse_coordinates_are_longitude_first():
    parsed = parse_order_document(vtex_document("delivery-sao-paulo"))

    assert parsed.longitude == Decimal("-46.655881000")
    assert parsed.latitude == Decimal("-23.561414000")


@pytest.mark.parametrize("coordinates", [[], None])
def test_parse_empty_coordinates_give_none(coordinates):
    document = vtex_document("delivery-sao-paulo")
    document["shippingData"]["address"]["geoCoordinates"] = coordinates

    parsed = parse_order_document(document)

    assert parsed.longitude is None
    assert parsed.latitude is None


def test_parse_absent_coordinates_key_gives_none():
    document = vtex_document("delivery-sao-paulo")
    del document["shippingData"]["address"]["geoCoordinates"]

    assert parse_order_document(document).latitude is None


def test_parse_seven_fractional_digits_and_offset():
    moment = parse_vtex_datetime("2026-11-27T13:05:11.1234567+00:00")

    assert moment == datetime(2026, 11, 27, 13, 5, 11, 123456, tzinfo=UTC)


def test_parse_datetime_with_z_suffix():
    moment = parse_vtex_datetime("2024-08-28T12:15:51.399Z")

    assert moment == datetime(2024, 8, 28, 12, 15, 51, 399000, tzinfo=UTC)


def test_parse_datetime_without_offset_is_rejected():
    with pytest.raises(DocumentError, match="has no UTC offset"):
        parse_vtex_datetime("2026-11-27T13:05:11", "creationDate")


def test_parse_fractional_unit_multiplier_is_exact():
    parsed = parse_order_document(vtex_document("delivery-sao-paulo"))

    coffee = parsed.items[1]
    assert coffee.unit_multiplier == Decimal("0.25")
    assert coffee.measurement_unit == "kg"
    assert coffee.shipping_estimate == "4h"


def test_parse_free_gift():
    parsed = parse_order_document(vtex_document("delivery-sao-paulo"))

    gift = parsed.items[2]
    assert gift.is_gift is True
    assert gift.selling_price == Decimal("0.00")


def test_parse_delivery_ids_per_item():
    parsed = parse_order_document(vtex_document("delivery-sao-paulo"))

    assert [item.warehouse_id for item in parsed.items] == ["wh-a"] * 3
    assert parsed.items[0].shipping_estimate == "3bd"


def test_parse_pickup_corporate_order():
    parsed = parse_order_document(vtex_document("pickup-corporate"))

    item = parsed.items[0]
    assert item.delivery_channel == "pickup-in-point"
    assert item.pickup_point_id == "1_pp-b"
    assert parsed.is_corporate is True
    assert parsed.corporate_document == "11222333000181"
    assert parsed.client_document == ""
    assert parsed.client_email == "compras@example.com-1b.ct.vtex.com.br"
    assert parsed.sales_associate == "vendedora-0042"
    assert parsed.order_group == "v502977431pnt"
    assert parsed.seller_ids == ["lojab"]


def test_parse_invoice_package():
    parsed = parse_order_document(vtex_document("pickup-corporate"))

    package = parsed.packages[0]
    assert package.invoice_number == "NF-000123A"
    assert package.invoice_value == Decimal("259.90")
    assert package.courier == ""


def test_parse_null_status_and_delivery_channel():
    document = vtex_document("delivery-sao-paulo", status=None, isCompleted=False)
    document["shippingData"]["logisticsInfo"][0]["deliveryChannel"] = None

    parsed = parse_order_document(document)

    assert parsed.status == ""
    assert parsed.is_completed is False
    assert parsed.items[0].delivery_channel == ""


def test_parse_order_group_from_order_id():
    document = vtex_document("delivery-sao-paulo", orderGroup=None)

    assert parse_order_document(document).order_group == "1480140512345"


def test_loads_keeps_decimal_digits_exactly():
    document = document_loads('{"a": -43.177944183349609, "b": 1.0}')

    assert document["a"] == Decimal("-43.177944183349609")
    assert str(document["b"]) == "1.0"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"value": None}, "value: missing"),
        ({"value": "12.50"}, "value: expected an integer, got '12.50'"),
        ({"value": Decimal("12.5")}, "value: expected an integer, got 12.5"),
        ({"value": -5}, "value: negative order value -5"),
        ({"orderId": ""}, "orderId: empty"),
        ({"creationDate": "ontem"}, "creationDate: invalid date 'ontem'"),
        ({"lastChange": None}, "lastChange: missing"),
        ({"items": "nenhum"}, "items: expected a list, got text"),
        ({"totals": [{"id": "Items"}]}, "totals[0].value: missing"),
    ],
)
def test_parse_rejects_malformed_fields(change, message):
    document = vtex_document("delivery-sao-paulo", **change)

    with pytest.raises(DocumentError) as caught:
        parse_order_document(document)

    assert str(caught.value) == message


def test_parse_rejects_item_index_out_of_range():
    document = vtex_document("delivery-sao-paulo")
    document["shippingData"]["logisticsInfo"][0]["itemIndex"] = 7

    with pytest.raises(DocumentError) as caught:
        parse_order_document(document)

    assert str(caught.value) == (
        "shippingData.logisticsInfo[0].itemIndex: 7 names no item (the order has 3)"
    )


def test_parse_rejects_latitude_first_out_of_range():
    document = vtex_document("delivery-sao-paulo")
    document["shippingData"]["address"]["geoCoordinates"] = [-23.5, -246.6]

    with pytest.raises(DocumentError, match="coordinates out of range"):
        parse_order_document(document)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "body is not valid JSON"),
        ("[1, 2]", "body is a JSON list, expected an order object"),
    ],
)
def test_loads_rejects_bodies_that_are_not_orders(text, message):
    with pytest.raises(DocumentError, match=message):
        document_loads(text)


def test_fixture_round_trips_through_text():
    document = vtex_document("delivery-sao-paulo")

    parsed = parse_order_document(document_loads(vtex_text(document)))

    assert parsed.vtex_order_id == "1480140512345-01"
