"""The ledger pages and the settlement preview, seen by each persona."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from finance.models import Contract, LedgerTransaction
from finance.services.posting import order_part_settle
from tests.finance.conftest import EXAMPLE_TERMS, order_make, part_make
from tests.i18n import pt_br

pytestmark = pytest.mark.django_db


@pytest.fixture
def regional_sale(finance_network):
    """Example 2: store B ships into store A's region."""
    order = order_make(
        items=[("300.00", 1)], shipping=["25.00"], postal_code="01310-100"
    )
    order_part_settle(assignment_id=part_make(order, finance_network["b"]).pk)
    return order


def transaction_url(kind: str) -> str:
    posted = LedgerTransaction.objects.get(kind=kind)
    return reverse("finance:transaction", args=[posted.pk])


def test_store_sees_only_its_own_entries(client, manager_a, regional_sale):
    client.force_login(manager_a)

    response = client.get(reverse("finance:entries"))

    entries = list(response.context["page"].object_list)
    assert response.status_code == 200
    assert [(entry.entry_type, entry.credit) for entry in entries] == [
        ("regional_credit", Decimal("12.00"))
    ]


def test_fulfilling_store_sees_its_sale_entries(client, manager_b, regional_sale):
    client.force_login(manager_b)

    response = client.get(reverse("finance:entries"))

    entries = list(response.context["page"].object_list)
    assert {entry.account.legal_entity_id for entry in entries} == {
        regional_sale.assignments.get().location.legal_entity_id
    }
    assert sum(e.credit for e in entries) - sum(e.debit for e in entries) == Decimal(
        "268.00"
    )


def test_other_store_gets_404_for_transaction(client, manager_a, regional_sale):
    client.force_login(manager_a)

    sale = client.get(transaction_url("sale"))
    credit = client.get(transaction_url("regional_credit"))

    assert sale.status_code == 404
    assert credit.status_code == 200
    # The franchisor's side of the regional credit stays hidden.
    assert [entry.account.purpose for entry in credit.context["entries"]] == [
        "store_payable"
    ]


def test_hq_sees_every_entry(client, hq_user, regional_sale):
    client.force_login(hq_user)

    response = client.get(transaction_url("sale"))

    assert response.status_code == 200
    assert len(response.context["entries"]) == 4


def test_entry_list_queries_do_not_grow_with_rows(client, hq_user, finance_network):
    client.force_login(hq_user)
    order_part_settle(
        assignment_id=part_make(
            order_make(items=[("10.00", 1)]), finance_network["b"]
        ).pk
    )
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("finance:entries"))
    for number in range(2, 6):
        order = order_make(items=[("10.00", 1)], postal_code="01310-100")
        order_part_settle(
            assignment_id=part_make(order, finance_network["b"], number=number).pk
        )

    with CaptureQueriesContext(connection) as many:
        client.get(reverse("finance:entries"))

    assert len(many) == len(few)


def preview_form(store_a, store_b, contract, **changes):
    form = {
        "lines": "300,00",
        "discount": "0",
        "freight": "25,00",
        "fulfilling": store_b.pk,
        "credited": store_a.pk,
        "contract": contract.pk,
    }
    form.update(changes)
    return form


def test_preview_shows_example_two_and_posts_nothing(client, hq_user, finance_network):
    store_a, store_b = finance_network["a"], finance_network["b"]
    contract = store_b.legal_entity.contracts.get()
    client.force_login(hq_user)

    response = client.post(
        reverse("finance:preview"), preview_form(store_a, store_b, contract)
    )

    preview = response.context["preview"]
    totals = {row.party: row.total for row in preview.rows}
    assert response.status_code == 200
    assert totals == {
        "fulfilling_store": Decimal("268.00"),
        "credited_store": Decimal("12.00"),
        "franchisor": Decimal("29.25"),
        "marketing_fund": Decimal("6.00"),
        "payment_provider": Decimal("9.75"),
    }
    assert preview.paid == Decimal("325.00")
    assert sum(preview.column_totals) == Decimal("325.00")
    assert "R$" in response.content.decode()
    assert LedgerTransaction.objects.count() == 0


def test_preview_allocates_coupon(client, hq_user, finance_network):
    store_a = finance_network["a"]
    contract = Contract.objects.create(
        legal_entity=finance_network["franchisor"],
        valid_from=date(2026, 1, 1),
        **EXAMPLE_TERMS,
    )
    client.force_login(hq_user)

    response = client.post(
        reverse("finance:preview"),
        preview_form(
            store_a,
            store_a,
            contract,
            lines="99,90\n49,90\n19,90",
            discount="10,00",
            freight="0",
        ),
    )

    lines = response.context["preview"].settlement.lines
    assert [line.merchandise for line in lines] == [
        Decimal("94.01"),
        Decimal("46.96"),
        Decimal("18.73"),
    ]


@pytest.mark.parametrize(
    ("changes", "field", "message", "params"),
    [
        ({"lines": ""}, "lines", "This field is required.", {}),
        (
            {"lines": "10,00\nabc"},
            "lines",
            "Line %(number)d: %(value)s is not an amount; write it as 99,90.",
            {"number": 2, "value": "abc"},
        ),
        ({"lines": "0\n0"}, "lines", "At least one line must be above zero.", {}),
        (
            {"lines": "5,00", "discount": "6,00"},
            "discount",
            "The discount %(discount)s exceeds the lines' total %(total)s.",
            {"discount": "R$ 6,00", "total": "R$ 5,00"},
        ),
    ],
)
def test_preview_rejects_invalid_input(
    client, hq_user, finance_network, changes, field, message, params
):
    store_a, store_b = finance_network["a"], finance_network["b"]
    contract = store_b.legal_entity.contracts.get()
    client.force_login(hq_user)

    response = client.post(
        reverse("finance:preview"), preview_form(store_a, store_b, contract, **changes)
    )

    assert response.status_code == 200
    assert response.context["preview"] is None
    assert response.context["form"].errors[field] == [pt_br(message, **params)]
    assert LedgerTransaction.objects.count() == 0


def test_preview_is_hq_only(client, manager_a):
    client.force_login(manager_a)

    assert client.get(reverse("finance:preview")).status_code == 404


def test_pages_need_login(client):
    response = client.get(reverse("finance:entries"))

    assert response.status_code == 302
