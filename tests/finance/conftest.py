"""A franchisor, two franchisee stores under the worked-example contract, and
helpers that build invoiced order parts as rows."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import translation

from finance.models import Contract
from franchises.models import LegalEntity
from orders.models import OrderItem
from routing.models import Assignment, AssignmentLine, RoutingDecision
from routing.services.nfe import nfe_check_digit
from tests.factories import LegalEntityFactory, make_cnpj
from tests.orders.factories import OrderFactory

INVOICED_AT = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
# São Paulo postal codes 01000-000 to 05999-999 are store A's region.
REGION_A = [["01000-000", "05999-999"]]

# Commission 12 % on merchandise (0 % on freight, as the worked amounts imply),
# royalty 5 %, marketing fund 2 %, regional credit 4 %, pickup fee R$ 5,00, a
# 3 % payment fee borne by the franchisor, half-even rounding.
EXAMPLE_TERMS = {
    "commission_merchandise_percent": Decimal("12"),
    "commission_freight_percent": Decimal("0"),
    "royalty_percent": Decimal("5"),
    "marketing_fund_percent": Decimal("2"),
    "regional_credit_percent": Decimal("4"),
    "pickup_fee": Decimal("5.00"),
    "payment_fee_percent": Decimal("3"),
    "payment_fee_payer": Contract.FeePayer.FRANCHISOR,
    "rounding": Contract.Rounding.HALF_EVEN,
}


@pytest.fixture(autouse=True)
def portuguese_active():
    """Activate pt-BR, the default language, in which the tests check service
    messages. An earlier request with `Accept-Language: en` leaves English
    active in the test thread otherwise."""
    with translation.override("pt-br"):
        yield


def nfe_key(cnpj: str, number: int = 123) -> str:
    """A well-formed NF-e access key issued by `cnpj`."""
    first = f"352603{cnpj}55001{number:09d}112345678"
    return first + str(nfe_check_digit(first))


@pytest.fixture
def franchisor(db):
    return LegalEntityFactory(
        cnpj=make_cnpj(1),
        legal_name="Ponte Franquias S.A.",
        kind=LegalEntity.Kind.FRANCHISOR,
        payment_account_id="re_franqueadora",
    )


@pytest.fixture
def contracts(store_a, store_b):
    return {
        store.code: Contract.objects.create(
            legal_entity=store.legal_entity,
            valid_from=date(2026, 1, 1),
            **EXAMPLE_TERMS,
        )
        for store in (store_a, store_b)
    }


@pytest.fixture
def finance_network(franchisor, store_a, store_b, contracts):
    store_a.service_postal_ranges = REGION_A
    store_a.save()
    return {"a": store_a, "b": store_b, "franchisor": franchisor}


def order_make(
    *,
    items: list[tuple[str, int]],
    shipping: list[str] | None = None,
    discount: str = "0.00",
    postal_code: str = "30140-071",
    delivery_channel: str = "delivery",
    **fields,
):
    """An order with items given as (unit price, quantity) and per-item freight."""
    shipping = shipping or ["0.00"] * len(items)
    items_total = sum(Decimal(price) * quantity for price, quantity in items)
    shipping_total = sum(Decimal(value) for value in shipping)
    total = items_total - Decimal(discount) + shipping_total
    order = OrderFactory(
        total=total,
        items_total=items_total,
        discounts_total=-Decimal(discount),
        shipping_total=shipping_total,
        postal_code=postal_code,
        **fields,
    )
    for index, ((price, quantity), freight) in enumerate(
        zip(items, shipping, strict=True)
    ):
        OrderItem.objects.create(
            order=order,
            item_index=index,
            sku_id=str(2000 + index),
            name=f"Item {index}",
            quantity=quantity,
            price=Decimal(price),
            selling_price=Decimal(price),
            shipping_price=Decimal(freight),
            delivery_channel=delivery_channel,
        )
    return order


def part_make(order, location, *, lines=None, state="invoiced", number=123):
    """An assignment of the order to `location`, invoiced by its legal entity.

    `lines` are (item index, quantity); by default every item whole.
    """
    if lines is None:
        lines = list(order.items.values_list("item_index", "quantity"))
    decision = RoutingDecision.objects.create(
        order=order, status="routed", triggered_by="test"
    )
    value = order.total
    assignment = Assignment.objects.create(
        order=order,
        decision=decision,
        location=location,
        state=state,
        value=value,
        offered_at=INVOICED_AT - timedelta(hours=2),
        expires_at=INVOICED_AT - timedelta(hours=1),
        invoiced_at=INVOICED_AT if state in ("invoiced", "delivered") else None,
        invoice_number=str(number),
        invoice_key=nfe_key(location.legal_entity.cnpj, number),
        invoice_value=value,
    )
    for index, quantity in lines:
        sku = order.items.get(item_index=index).sku_id
        AssignmentLine.objects.create(
            assignment=assignment, item_index=index, sku_id=sku, quantity=quantity
        )
    return assignment
