"""factory_boy factories for stored orders, built as rows (no VTEX parsing)."""

import hashlib
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import factory

from orders.models import (
    HookNotification,
    Order,
    OrderItem,
    OrderLocation,
    OrderPackage,
    OrderPayment,
    OrderStatusChange,
    OrderTotal,
    QuarantinedDocument,
)

CREATED = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def minimal_document(order) -> dict:
    """A small Get order document that agrees with the row's main fields."""
    return {
        "orderId": order.vtex_order_id,
        "orderGroup": order.order_group,
        "status": order.status or None,
        "salesChannel": order.sales_channel,
        "creationDate": order.creation_date.isoformat(),
        "lastChange": order.last_change.isoformat(),
        "value": order.value_cents,
    }


def document_sha256(document: dict) -> str:
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class OrderFactory(factory.django.DjangoModelFactory):
    """An order; `linked_to=[location, ...]` links it to locations by warehouse."""

    class Meta:
        model = Order
        skip_postgeneration_save = True

    vtex_order_id = factory.Sequence(lambda n: f"{1500000000000 + n}-01")
    order_group = factory.LazyAttribute(lambda o: o.vtex_order_id.rsplit("-", 1)[0])
    sequence = factory.Sequence(lambda n: str(500000 + n))
    status = "ready-for-handling"
    origin = "Marketplace"
    sales_channel = "1"
    hostname = "ponteteste"
    creation_date = factory.Sequence(lambda n: CREATED - timedelta(minutes=n))
    last_change = factory.LazyAttribute(
        lambda o: o.creation_date + timedelta(minutes=5)
    )
    total = Decimal("129.90")
    value_cents = factory.LazyAttribute(lambda o: int(Decimal(o.total) * 100))
    items_total = factory.LazyAttribute(lambda o: o.total)
    client_name = "Maria Souza"
    client_email = factory.Sequence(lambda n: f"cliente{n}-9f1c2b@ct.vtex.com.br")
    postal_code = "01310-100"
    city = "São Paulo"
    state = "SP"
    country = "BRA"
    raw = factory.LazyAttribute(minimal_document)
    raw_sha256 = factory.LazyAttribute(lambda o: document_sha256(o.raw))

    @factory.post_generation
    def linked_to(order, create, extracted, **kwargs):
        if not create or not extracted:
            return
        for location in extracted:
            OrderLocation.objects.create(
                order=order, location=location, reason=OrderLocation.Reason.WAREHOUSE
            )


class OrderLocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderLocation

    order = factory.SubFactory(OrderFactory)
    location = factory.SubFactory("tests.factories.LocationFactory")
    reason = OrderLocation.Reason.WAREHOUSE


class OrderItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderItem

    order = factory.SubFactory(OrderFactory)
    item_index = factory.Sequence(lambda n: n)
    unique_id = factory.Sequence(lambda n: f"{n:032X}")
    sku_id = factory.Sequence(lambda n: str(1000 + n))
    product_id = factory.Sequence(lambda n: str(100 + n))
    name = "Camiseta básica azul M"
    seller = "1"
    quantity = 1
    unit_multiplier = Decimal("1")
    price = Decimal("129.90")
    selling_price = Decimal("129.90")
    delivery_channel = "delivery"
    selected_sla = "Normal"
    shipping_estimate = "3bd"
    warehouse_id = "wh-a"
    dock_id = "dock-a"


class OrderTotalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderTotal

    order = factory.SubFactory(OrderFactory)
    total_id = "Items"
    name = "Total dos Itens"
    value = Decimal("129.90")


class OrderPaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderPayment

    order = factory.SubFactory(OrderFactory)
    transaction_id = factory.Sequence(lambda n: f"TX{n:030d}")
    payment_id = factory.Sequence(lambda n: f"PAY{n:029d}")
    payment_system = "125"
    payment_system_name = "Pix"
    group = "instantPayment"
    value = Decimal("129.90")
    installments = 1


class OrderPackageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderPackage

    order = factory.SubFactory(OrderFactory)
    invoice_number = factory.Sequence(lambda n: f"NF{1000 + n}")
    invoice_value = Decimal("129.90")
    invoice_type = "Output"
    issuance_date = CREATED + timedelta(days=1)
    courier = "Transportadora Exemplo"
    tracking_number = factory.Sequence(lambda n: f"BR{n:09d}")
    tracking_url = "https://rastreio.example.com/BR000000001"


class OrderStatusChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderStatusChange

    order = factory.SubFactory(OrderFactory)
    from_status = "window-to-cancel"
    to_status = "ready-for-handling"
    changed_at = CREATED + timedelta(minutes=30)
    source = OrderStatusChange.Source.HOOK


class QuarantinedDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuarantinedDocument

    vtex_order_id = factory.Sequence(lambda n: f"{1600000000000 + n}-01")
    reason = "items[0].sellingPrice: expected an integer number of cents"
    payload = factory.LazyAttribute(
        lambda o: json.dumps({"orderId": o.vtex_order_id, "items": [{"price": "x"}]})
    )
    payload_sha256 = factory.LazyAttribute(
        lambda o: hashlib.sha256(o.payload.encode()).hexdigest()
    )
    source = OrderStatusChange.Source.FEED


class HookNotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HookNotification

    vtex_order_id = factory.Sequence(lambda n: f"{1500000000000 + n}-01")
    state = "ready-for-handling"
    last_state = "window-to-cancel"
    current_change = "2026-03-02T15:30:00.0000000+00:00"
    domain = "Fulfillment"
    payload = factory.LazyAttribute(
        lambda o: {
            "Domain": o.domain,
            "OrderId": o.vtex_order_id,
            "State": o.state,
            "LastState": o.last_state,
            "CurrentChange": o.current_change,
        }
    )


def order_with_details(**kwargs) -> Order:
    """An order with two items (one for pickup), totals, a payment, an invoice
    and two status changes, as a refresh of a complete document would store."""
    order = OrderFactory(total=Decimal("1234.56"), **kwargs)
    OrderItemFactory(
        order=order,
        item_index=0,
        name="Tênis de corrida",
        quantity=2,
        price=Decimal("600.00"),
        selling_price=Decimal("600.00"),
    )
    OrderItemFactory(
        order=order,
        item_index=1,
        name="Meia esportiva (brinde)",
        price=Decimal("0"),
        selling_price=Decimal("0"),
        is_gift=True,
        delivery_channel="pickup-in-point",
        selected_sla="Retirada na loja",
        shipping_estimate="4h",
        warehouse_id="",
        pickup_point_id="1_pp-a",
    )
    for total_id, name, value in (
        ("Items", "Total dos Itens", "1200.00"),
        ("Discounts", "Total dos Descontos", "-15.44"),
        ("Shipping", "Total do Frete", "50.00"),
        ("Tax", "Total da Taxa", "0.00"),
    ):
        OrderTotalFactory(order=order, total_id=total_id, name=name, value=value)
    OrderPaymentFactory(order=order, value=order.total)
    OrderPackageFactory(order=order, invoice_value=order.total)
    OrderStatusChangeFactory(
        order=order,
        from_status="",
        to_status="payment-approved",
        changed_at=order.creation_date + timedelta(minutes=1),
    )
    OrderStatusChangeFactory(
        order=order,
        from_status="payment-approved",
        to_status="ready-for-handling",
        changed_at=order.creation_date + timedelta(minutes=31),
        source=OrderStatusChange.Source.FEED,
    )
    return order
