"""Parse a VTEX Get order document (`GET /api/oms/pvt/orders/{orderId}`).

The parser is strict about what Ponte relies on (ids, dates, money, items) and
lenient about the rest, because real documents are inconsistent: totals need not
add up to `value`, `status` may be null or empty, `geoCoordinates` may be `[]`
or absent, `deliveryChannel` may be null. Anything that Ponte cannot store
faithfully raises `DocumentError` naming the field, and the order is quarantined.

VTEX sends money as integer cents. JSON numbers are read as `Decimal`, never as
binary floats, so `1.0` stays exact and `-43.177944183349609` keeps its digits.
"""

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

CENT = Decimal("0.01")
ORDER_ID_SUFFIX = re.compile(r"^(?P<group>.+)-(?P<suffix>\d{2})$")
# `deliveryChannel` values of an item in `shippingData.logisticsInfo`.
DELIVERY_CHANNEL = "delivery"
PICKUP_CHANNEL = "pickup-in-point"
# VTEX writes seven fractional digits (.3594140); datetime keeps six.
FRACTION = re.compile(r"(\.\d{6})\d+")


class DocumentError(ValueError):
    """The document cannot be stored; the message names the field and the problem."""


@dataclass
class ParsedItem:
    item_index: int
    unique_id: str
    sku_id: str
    product_id: str
    ref_id: str
    name: str
    seller: str
    quantity: int
    unit_multiplier: Decimal
    measurement_unit: str
    list_price: Decimal | None
    price: Decimal
    selling_price: Decimal
    is_gift: bool
    delivery_channel: str = ""
    selected_sla: str = ""
    shipping_estimate: str = ""
    shipping_estimate_date: datetime | None = None
    shipping_price: Decimal = Decimal("0.00")
    warehouse_id: str = ""
    dock_id: str = ""
    pickup_point_id: str = ""


@dataclass
class ParsedTotal:
    total_id: str
    name: str
    value: Decimal


@dataclass
class ParsedPayment:
    transaction_id: str
    payment_id: str
    payment_system: str
    payment_system_name: str
    group: str
    value: Decimal
    installments: int
    tid: str


@dataclass
class ParsedPackage:
    invoice_number: str
    invoice_key: str
    invoice_value: Decimal
    invoice_type: str
    issuance_date: datetime | None
    courier: str
    tracking_number: str
    tracking_url: str


@dataclass
class ParsedOrder:
    vtex_order_id: str
    order_group: str
    sequence: str
    status: str
    status_description: str
    origin: str
    sales_channel: str
    affiliate_id: str
    seller_order_id: str
    hostname: str
    is_completed: bool
    creation_date: datetime
    last_change: datetime
    authorized_date: datetime | None
    invoiced_date: datetime | None
    value_cents: int
    total: Decimal
    items_total: Decimal
    discounts_total: Decimal
    shipping_total: Decimal
    tax_total: Decimal
    client_name: str
    client_email: str
    client_document: str
    is_corporate: bool
    corporate_name: str
    corporate_document: str
    postal_code: str
    city: str
    state: str
    country: str
    latitude: Decimal | None
    longitude: Decimal | None
    sales_associate: str
    raw: dict
    items: list[ParsedItem] = field(default_factory=list)
    totals: list[ParsedTotal] = field(default_factory=list)
    payments: list[ParsedPayment] = field(default_factory=list)
    packages: list[ParsedPackage] = field(default_factory=list)
    seller_ids: list[str] = field(default_factory=list)
    # SHA-256 of the body as received, set by the caller that has the body.
    raw_sha256: str = ""

    @property
    def has_delivery(self) -> bool:
        return any(item.delivery_channel == DELIVERY_CHANNEL for item in self.items)

    @property
    def has_pickup(self) -> bool:
        return any(item.delivery_channel == PICKUP_CHANNEL for item in self.items)


def document_loads(text: str | bytes) -> dict:
    """Decode a JSON body with exact decimals; raise DocumentError if it is not an object."""
    try:
        data = json.loads(text, parse_float=Decimal)
    except (ValueError, TypeError) as error:
        raise DocumentError(f"body is not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise DocumentError(
            f"body is a JSON {type(data).__name__}, expected an order object"
        )
    return data


class _Reader:
    """Typed access to one JSON object, with the field path in every error."""

    def __init__(self, data: Any, path: str):
        if not isinstance(data, dict):
            raise DocumentError(f"{path}: expected an object, got {_kind(data)}")
        self.data = data
        self.path = path

    def _at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def child(self, key: str, required: bool = False) -> "_Reader | None":
        value = self.data.get(key)
        if value is None:
            if required:
                raise DocumentError(f"{self._at(key)}: missing")
            return None
        return _Reader(value, self._at(key))

    def children(self, key: str, required: bool = False) -> list["_Reader"]:
        value = self.data.get(key)
        if value is None:
            if required:
                raise DocumentError(f"{self._at(key)}: missing")
            return []
        if not isinstance(value, list):
            raise DocumentError(f"{self._at(key)}: expected a list, got {_kind(value)}")
        return [
            _Reader(entry, f"{self._at(key)}[{i}]") for i, entry in enumerate(value)
        ]

    def text(self, key: str, required: bool = False, default: str = "") -> str:
        value = self.data.get(key)
        if value is None:
            if required:
                raise DocumentError(f"{self._at(key)}: missing")
            return default
        if isinstance(value, bool | dict | list):
            raise DocumentError(f"{self._at(key)}: expected text, got {_kind(value)}")
        text = str(value)
        if required and not text.strip():
            raise DocumentError(f"{self._at(key)}: empty")
        return text

    def flag(self, key: str, default: bool = False) -> bool:
        value = self.data.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise DocumentError(
                f"{self._at(key)}: expected true or false, got {value!r}"
            )
        return value

    def integer(self, key: str, required: bool = False, default: int = 0) -> int:
        value = self.data.get(key)
        if value is None:
            if required:
                raise DocumentError(f"{self._at(key)}: missing")
            return default
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            raise DocumentError(f"{self._at(key)}: expected an integer, got {value!r}")
        if value != int(value):
            raise DocumentError(f"{self._at(key)}: expected an integer, got {value}")
        return int(value)

    def cents(self, key: str, required: bool = False) -> Decimal | None:
        """Read integer cents as BRL, exactly: 123456 -> Decimal('1234.56')."""
        if self.data.get(key) is None and not required:
            return None
        return (Decimal(self.integer(key, required=True)) / 100).quantize(CENT)

    def decimal(self, key: str, default: Decimal) -> Decimal:
        value = self.data.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
            raise DocumentError(f"{self._at(key)}: expected a number, got {value!r}")
        try:
            return Decimal(value)
        except InvalidOperation:
            raise DocumentError(
                f"{self._at(key)}: expected a number, got {value!r}"
            ) from None

    def moment(self, key: str, required: bool = False) -> datetime | None:
        value = self.data.get(key)
        if value is None or value == "":
            if required:
                raise DocumentError(f"{self._at(key)}: missing")
            return None
        if not isinstance(value, str):
            raise DocumentError(f"{self._at(key)}: expected a date, got {value!r}")
        return parse_vtex_datetime(value, self._at(key))


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "a list", str: "text", bool: "a boolean"}.get(
        type(value), "a number"
    )


def parse_vtex_datetime(value: str, path: str = "date") -> datetime:
    """Parse VTEX's ISO 8601 dates: seven fractional digits, `Z` or an offset.

    A date without an offset is rejected, because VTEX always sends one and a
    naive time would be read in the wrong zone.
    """
    text = FRACTION.sub(r"\1", value.strip())
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise DocumentError(f"{path}: invalid date {value!r}") from None
    if moment.tzinfo is None:
        raise DocumentError(f"{path}: date {value!r} has no UTC offset")
    return moment


def parse_order_document(document: dict) -> ParsedOrder:
    root = _Reader(document, "")
    order_id = root.text("orderId", required=True)
    value_cents = root.integer("value", required=True)
    if value_cents < 0:
        raise DocumentError(f"value: negative order value {value_cents}")
    totals = _parse_totals(root)
    totals_by_id = {total.total_id: total.value for total in totals}
    client = root.child("clientProfileData")
    shipping = root.child("shippingData")
    address = shipping.child("address") if shipping else None
    longitude, latitude = _parse_coordinates(address)
    items = _parse_items(root)
    _attach_logistics(items, shipping)

    return ParsedOrder(
        vtex_order_id=order_id,
        order_group=root.text("orderGroup") or _order_group_from_id(order_id),
        sequence=root.text("sequence"),
        status=root.text("status"),
        status_description=root.text("statusDescription"),
        origin=root.text("origin"),
        sales_channel=root.text("salesChannel"),
        affiliate_id=root.text("affiliateId"),
        seller_order_id=root.text("sellerOrderId"),
        hostname=root.text("hostname"),
        is_completed=root.flag("isCompleted", default=True),
        creation_date=root.moment("creationDate", required=True),
        last_change=root.moment("lastChange", required=True),
        authorized_date=root.moment("authorizedDate"),
        invoiced_date=root.moment("invoicedDate"),
        value_cents=value_cents,
        total=(Decimal(value_cents) / 100).quantize(CENT),
        items_total=totals_by_id.get("Items", Decimal("0.00")),
        discounts_total=totals_by_id.get("Discounts", Decimal("0.00")),
        shipping_total=totals_by_id.get("Shipping", Decimal("0.00")),
        tax_total=totals_by_id.get("Tax", Decimal("0.00")),
        client_name=_client_name(client),
        client_email=client.text("email") if client else "",
        client_document=client.text("document") if client else "",
        is_corporate=client.flag("isCorporate") if client else False,
        corporate_name=client.text("corporateName") if client else "",
        corporate_document=client.text("corporateDocument") if client else "",
        postal_code=address.text("postalCode") if address else "",
        city=address.text("city") if address else "",
        state=address.text("state") if address else "",
        country=address.text("country") if address else "",
        latitude=latitude,
        longitude=longitude,
        sales_associate=_sales_associate(root),
        raw=document,
        items=items,
        totals=totals,
        payments=_parse_payments(root),
        packages=_parse_packages(root),
        seller_ids=[seller.text("id") for seller in root.children("sellers")],
    )


def _order_group_from_id(order_id: str) -> str:
    match = ORDER_ID_SUFFIX.match(order_id)
    return match.group("group") if match else order_id


def _client_name(client: _Reader | None) -> str:
    if client is None:
        return ""
    return " ".join(
        part for part in (client.text("firstName"), client.text("lastName")) if part
    )


def _sales_associate(root: _Reader) -> str:
    """Return the assisted-sale code from `marketingData.utmiCampaign`.

    NOTE: the field is where published order documents carry a sales
    associate's code; other stores may use another marketing field.
    """
    marketing = root.child("marketingData")
    if marketing is None:
        return ""
    return marketing.text("utmiCampaign")[:100]


def _parse_totals(root: _Reader) -> list[ParsedTotal]:
    totals: dict[str, ParsedTotal] = {}
    for entry in root.children("totals"):
        total_id = entry.text("id", required=True)
        # Totals are keyed by id; `name` is localised ("Total dos Itens").
        totals[total_id] = ParsedTotal(
            total_id=total_id,
            name=entry.text("name"),
            value=entry.cents("value", required=True),
        )
    return list(totals.values())


def _parse_coordinates(
    address: _Reader | None,
) -> tuple[Decimal | None, Decimal | None]:
    """Return (longitude, latitude): VTEX's `geoCoordinates` is longitude first."""
    if address is None:
        return None, None
    points = address.data.get("geoCoordinates")
    if points is None or points == []:
        return None, None
    path = f"{address.path}.geoCoordinates"
    if not isinstance(points, list) or len(points) != 2:
        raise DocumentError(f"{path}: expected [longitude, latitude], got {points!r}")
    try:
        longitude, latitude = (Decimal(str(point)) for point in points)
    except InvalidOperation:
        raise DocumentError(f"{path}: expected numbers, got {points!r}") from None
    if not (-180 <= longitude <= 180 and -90 <= latitude <= 90):
        raise DocumentError(f"{path}: coordinates out of range: {points!r}")
    quantum = Decimal("0.000000001")
    return longitude.quantize(quantum), latitude.quantize(quantum)


def _parse_items(root: _Reader) -> list[ParsedItem]:
    items = []
    for index, entry in enumerate(root.children("items", required=True)):
        quantity = entry.integer("quantity", required=True)
        if quantity < 0:
            raise DocumentError(f"{entry.path}.quantity: negative quantity {quantity}")
        items.append(
            ParsedItem(
                item_index=index,
                unique_id=entry.text("uniqueId"),
                sku_id=entry.text("id", required=True),
                product_id=entry.text("productId"),
                ref_id=entry.text("refId"),
                name=entry.text("name")[:300],
                seller=entry.text("seller"),
                quantity=quantity,
                unit_multiplier=entry.decimal("unitMultiplier", Decimal(1)),
                measurement_unit=entry.text("measurementUnit"),
                list_price=entry.cents("listPrice"),
                price=entry.cents("price", required=True),
                selling_price=entry.cents("sellingPrice")
                if entry.has("sellingPrice")
                else entry.cents("price", required=True),
                is_gift=entry.flag("isGift"),
            )
        )
    return items


def _attach_logistics(items: list[ParsedItem], shipping: _Reader | None) -> None:
    if shipping is None:
        return
    for entry in shipping.children("logisticsInfo"):
        index = entry.integer("itemIndex", required=True)
        if not 0 <= index < len(items):
            raise DocumentError(
                f"{entry.path}.itemIndex: {index} names no item "
                f"(the order has {len(items)})"
            )
        item = items[index]
        item.delivery_channel = entry.text("deliveryChannel")
        item.selected_sla = entry.text("selectedSla")
        item.shipping_estimate = entry.text("shippingEstimate")
        item.shipping_estimate_date = entry.moment("shippingEstimateDate")
        item.shipping_price = entry.cents("price") or Decimal("0.00")
        item.pickup_point_id = entry.text("pickupPointId")
        delivery_ids = entry.children("deliveryIds")
        if delivery_ids:
            item.warehouse_id = delivery_ids[0].text("warehouseId")
            item.dock_id = delivery_ids[0].text("dockId")


def _parse_payments(root: _Reader) -> list[ParsedPayment]:
    payment_data = root.child("paymentData")
    if payment_data is None:
        return []
    payments = []
    for transaction in payment_data.children("transactions"):
        for payment in transaction.children("payments"):
            payments.append(
                ParsedPayment(
                    transaction_id=transaction.text("transactionId"),
                    payment_id=payment.text("id"),
                    payment_system=payment.text("paymentSystem"),
                    payment_system_name=payment.text("paymentSystemName"),
                    group=payment.text("group"),
                    value=payment.cents("value") or Decimal("0.00"),
                    installments=payment.integer("installments", default=1),
                    tid=payment.text("tid"),
                )
            )
    return payments


def _parse_packages(root: _Reader) -> list[ParsedPackage]:
    attachment = root.child("packageAttachment")
    if attachment is None:
        return []
    return [
        ParsedPackage(
            invoice_number=package.text("invoiceNumber"),
            invoice_key=package.text("invoiceKey"),
            invoice_value=package.cents("invoiceValue") or Decimal("0.00"),
            invoice_type=package.text("type"),
            issuance_date=package.moment("issuanceDate"),
            courier=package.text("courier"),
            tracking_number=package.text("trackingNumber"),
            tracking_url=package.text("trackingUrl"),
        )
        for package in attachment.children("packages")
    ]
