"""Statement pages and exports: scoping, formats and formula escaping."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from finance.exports import spreadsheet_safe
from finance.models_statements import PayoutStatement, PeriodCloseRun
from finance.services.periods import period_close_run
from finance.services.posting import order_part_settle
from franchises.models import Membership
from tests.factories import MembershipFactory, UserFactory
from tests.finance.conftest import order_make, part_make

pytestmark = pytest.mark.django_db

FORMATS = ("csv", "xlsx", "pdf")
HOSTILE_ORDER_ID = "=2+5+cmd|'calc'!A0"


@pytest.fixture
def statement_b(finance_network):
    order = order_make(
        items=[("100.00", 2)], shipping=["20.00"], vtex_order_id=HOSTILE_ORDER_ID
    )
    order_part_settle(assignment_id=part_make(order, finance_network["b"]).pk)
    period_close_run(run_id=PeriodCloseRun.objects.create(cutoff=date(2026, 3, 31)).pk)
    return PayoutStatement.objects.get(legal_entity=finance_network["b"].legal_entity)


def statement_urls(statement) -> list[str]:
    return [
        reverse("finance:statement", args=[statement.pk]),
        reverse("finance:statement_entries", args=[statement.pk]),
        *[
            reverse("finance:statement_export", args=[statement.pk, fmt])
            for fmt in FORMATS
        ],
    ]


def test_owner_sees_statement_and_exports(client, statement_b, manager_b):
    client.force_login(manager_b)

    listing = client.get(reverse("finance:statements"))
    responses = [client.get(url) for url in statement_urls(statement_b)]

    assert listing.status_code == 200
    assert list(listing.context["page"].object_list) == [statement_b]
    assert [response.status_code for response in responses] == [200] * 5


def test_other_store_gets_404(client, statement_b, manager_a):
    client.force_login(manager_a)

    listing = client.get(reverse("finance:statements"))
    responses = [client.get(url) for url in statement_urls(statement_b)]

    assert list(listing.context["page"].object_list) == []
    assert [response.status_code for response in responses] == [404] * 5


def test_hq_sees_every_statement(client, statement_b, hq_user):
    client.force_login(hq_user)

    listing = client.get(reverse("finance:statements"))

    assert set(listing.context["page"].object_list) == set(
        PayoutStatement.objects.all()
    )


def test_anonymous_user_redirected_to_login(client, statement_b):
    response = client.get(reverse("finance:statement", args=[statement_b.pk]))

    assert response.status_code == 302
    assert "/login" in response["Location"]


def test_unknown_export_format_404(client, statement_b, manager_b):
    client.force_login(manager_b)

    response = client.get(
        reverse("finance:statement_export", args=[statement_b.pk, "doc"])
    )

    assert response.status_code == 404


def test_statement_list_queries_constant(
    client, statement_b, hq_user, django_assert_max_num_queries
):
    client.force_login(hq_user)

    with django_assert_max_num_queries(8):
        response = client.get(reverse("finance:statements"))

    assert response.status_code == 200


def test_entries_drill_down_to_orders(client, statement_b, manager_b):
    client.force_login(manager_b)

    response = client.get(
        reverse("finance:statement_entries", args=[statement_b.pk]),
        {"kind": "sale", "entry_type": "sale"},
    )

    entries = list(response.context["page"].object_list)
    assert len(entries) == 1
    assert entries[0].credit == Decimal("220.00")
    assert entries[0].transaction.order.vtex_order_id == HOSTILE_ORDER_ID


def test_csv_export_content(client, statement_b, manager_b):
    client.force_login(manager_b)

    response = client.get(
        reverse("finance:statement_export", args=[statement_b.pk, "csv"]),
        headers={"accept-language": "en"},
    )

    text = response.content.decode("utf-8")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert text.startswith("\ufeff")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment;" in response["Content-Disposition"]
    assert ["Opening balance", "0,00"] in rows
    assert ["Closing balance", "182,00"] in rows
    assert ["Amount to pay", "182,00"] in rows
    order_cells = [row[1] for row in rows if len(row) == 7]
    assert "'" + HOSTILE_ORDER_ID in order_cells
    assert HOSTILE_ORDER_ID not in order_cells


def test_xlsx_export_escapes_and_keeps_numbers(client, statement_b, manager_b):
    client.force_login(manager_b)

    response = client.get(
        reverse("finance:statement_export", args=[statement_b.pk, "xlsx"])
    )

    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    texts = [cell.value for cell in cells if isinstance(cell.value, str)]
    numbers = [cell.value for cell in cells if isinstance(cell.value, (int, float))]
    assert "'" + HOSTILE_ORDER_ID in texts
    assert not any(text.startswith("=") for text in texts)
    assert all(cell.data_type != "f" for cell in cells)
    assert 182 in numbers


def test_pdf_export_is_pdf(client, statement_b, manager_b):
    client.force_login(manager_b)

    response = client.get(
        reverse("finance:statement_export", args=[statement_b.pk, "pdf"])
    )

    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+55 11", "'+55 11"),
        ("-30,00", "'-30,00"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Loja A", "Loja A"),
        ("", ""),
        ("a=b", "a=b"),
    ],
)
def test_spreadsheet_safe(value, expected):
    assert spreadsheet_safe(value) == expected


@pytest.fixture
def finance_user(db):
    user = UserFactory(username="financeiro")
    MembershipFactory(user=user, role=Membership.Role.HQ_FINANCE, location=None)
    return user


def test_close_page_starts_run(client, finance_network, finance_user):
    client.force_login(finance_user)

    response = client.post(reverse("finance:period_close"), {"cutoff": "31/03/2026"})

    run = PeriodCloseRun.objects.get()
    assert response.status_code == 302
    assert run.cutoff == date(2026, 3, 31)
    assert run.requested_by == finance_user


def test_close_page_needs_hq_finance(client, finance_network, hq_user):
    client.force_login(hq_user)

    page = client.get(reverse("finance:period_close"))
    response = client.post(
        reverse("finance:period_close"),
        {"cutoff": "31/03/2026"},
        headers={"accept-language": "en"},
    )

    assert page.status_code == 200
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Only HQ finance may close periods; ask an HQ finance user."
    ]
    assert not PeriodCloseRun.objects.exists()


def test_close_page_rejects_invalid_date(client, finance_network, finance_user):
    client.force_login(finance_user)

    response = client.post(reverse("finance:period_close"), {"cutoff": "31/02/2026"})

    assert response.status_code == 200
    assert response.context["form"].errors["cutoff"]
    assert not PeriodCloseRun.objects.exists()


def test_close_page_hidden_from_stores(client, manager_a):
    client.force_login(manager_a)

    response = client.post(reverse("finance:period_close"), {"cutoff": "31/03/2026"})

    assert response.status_code == 404
    assert not PeriodCloseRun.objects.exists()
