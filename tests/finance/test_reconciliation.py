"""Importing payment-provider statements and matching them to the ledger."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from finance.models import LedgerTransaction, SuspenseItem
from finance.models_statements import (
    PayableMatch,
    ProviderPayable,
    ProviderStatementImport,
)
from finance.services.ledger import EntryLine, LedgerError, account_get
from finance.services.posting import order_part_settle
from finance.services.reconciliation import (
    ProviderStatementInvalid,
    RowError,
    provider_statement_import,
    suspense_resolve,
)
from franchises.models import Membership
from tests.factories import MembershipFactory, UserFactory
from tests.finance.conftest import order_make, part_make
from tests.i18n import pt_br

pytestmark = pytest.mark.django_db

HEADER = "id,date,type,amount,order_reference\n"


@pytest.fixture
def order(finance_network):
    """Store B's order of 220,00 paid, with a 6,60 provider fee."""
    order = order_make(items=[("100.00", 2)], shipping=["20.00"])
    order_part_settle(assignment_id=part_make(order, finance_network["b"]).pk)
    return order


@pytest.fixture
def finance_users(db):
    author = UserFactory(username="financeiro-1", is_staff=True)
    approver = UserFactory(username="financeiro-2")
    for user in (author, approver):
        MembershipFactory(user=user, role=Membership.Role.HQ_FINANCE, location=None)
    return author, approver


def import_text(text: str, name: str = "pagarme.csv"):
    with translation.override("en"):
        return provider_statement_import(content=text.encode(), file_name=name)


def written() -> tuple[int, int, int, int]:
    return (
        ProviderStatementImport.objects.count(),
        ProviderPayable.objects.count(),
        PayableMatch.objects.count(),
        SuspenseItem.objects.count(),
    )


def test_credit_and_fee_match_ledger(order):
    source = import_text(
        HEADER
        + f"P1,2026-03-03,credit,220.00,{order.vtex_order_id}\n"
        + f'F1,03/03/2026,fee,"6,60",{order.vtex_order_id}\n'
    )

    credit = ProviderPayable.objects.get(payable_id="P1")
    fee = ProviderPayable.objects.get(payable_id="F1")
    assert source.rows == 2
    assert source.payables_created == 2
    assert source.matched == 2
    assert source.sent_to_suspense == 0
    assert credit.status == ProviderPayable.Status.MATCHED
    assert [entry.debit for entry in credit.entries.all()] == [Decimal("220.00")]
    assert [entry.transaction.kind for entry in credit.entries.all()] == ["sale"]
    assert [entry.credit for entry in fee.entries.all()] == [Decimal("6.60")]
    assert not SuspenseItem.objects.exists()


def test_amount_mismatch_goes_to_suspense(order):
    import_text(HEADER + f"P1,2026-03-03,credit,219.00,{order.vtex_order_id}\n")

    item = SuspenseItem.objects.get()
    assert item.reason == SuspenseItem.Reason.AMOUNT_MISMATCH
    assert item.reference == "payable:P1"
    assert item.order == order
    assert item.amount == Decimal("219.00")
    assert item.expected_amount == Decimal("220.00")
    assert item.details == (
        f"Payable P1 of R$219.00 differs from the R$220.00 of order "
        f"{order.vtex_order_id}'s unmatched Credit entries."
    )
    assert ProviderPayable.objects.get().status == ProviderPayable.Status.SUSPENSE
    assert not PayableMatch.objects.exists()


def test_unknown_order_goes_to_suspense(order):
    import_text(HEADER + "P1,2026-03-03,credit,10.00,NAO-EXISTE\n")

    item = SuspenseItem.objects.get()
    assert item.reason == SuspenseItem.Reason.UNMATCHED_PAYABLE
    assert item.order is None
    assert item.expected_amount is None
    assert item.details == "No order NAO-EXISTE exists."


def test_refund_without_reversal_goes_to_suspense(order):
    import_text(HEADER + f"R1,2026-03-05,refund,50.00,{order.vtex_order_id}\n")

    item = SuspenseItem.objects.get()
    assert item.reason == SuspenseItem.Reason.UNMATCHED_PAYABLE
    assert item.details == (
        f"Order {order.vtex_order_id} has no unmatched ledger entry for a "
        "payable of type Refund."
    )


def test_second_credit_for_same_sale_unmatched(order):
    import_text(
        HEADER
        + f"P1,2026-03-03,credit,220.00,{order.vtex_order_id}\n"
        + f"P2,2026-03-04,credit,220.00,{order.vtex_order_id}\n"
    )

    assert ProviderPayable.objects.get(payable_id="P1").status == "matched"
    assert ProviderPayable.objects.get(payable_id="P2").status == "suspense"
    assert SuspenseItem.objects.get().reference == "payable:P2"


def test_same_file_twice_posts_nothing_new(order):
    text = (
        HEADER
        + f"P1,2026-03-03,credit,220.00,{order.vtex_order_id}\n"
        + "P9,2026-03-03,credit,10.00,NAO-EXISTE\n"
    )
    import_text(text)
    payables = list(ProviderPayable.objects.values())
    matches = list(PayableMatch.objects.values())
    suspense = list(SuspenseItem.objects.values())

    second = import_text(text)

    assert second.payables_created == 0
    assert second.payables_repeated == 2
    assert second.matched == 0
    assert second.sent_to_suspense == 0
    assert list(ProviderPayable.objects.values()) == payables
    assert list(PayableMatch.objects.values()) == matches
    assert list(SuspenseItem.objects.values()) == suspense


def test_malformed_rows_import_nothing(order):
    text = (
        HEADER
        + f"P1,2026-03-03,credit,220.00,{order.vtex_order_id}\n"
        + "P2,2026-02-30,credit,1.00,X\n"
        + "P3,2026-03-03,bonus,1.00,X\n"
        + "P4,2026-03-03,credit,-1.00,X\n"
        + "P5,2026-03-03,credit,0,X\n"
        + ",2026-03-03,credit,1.00,\n"
        + "P1,2026-03-03,credit,1.00,X\n"
        + "P7,2026-03-03,credit\n"
        + "P8,2026-03-03,fee,1.234,X\n"
    )

    with pytest.raises(ProviderStatementInvalid) as error:
        import_text(text)

    assert error.value.errors == [
        RowError(
            3, "date", "2026-02-30", "not a date; write it as 2026-03-31 or 31/03/2026"
        ),
        RowError(
            4, "type", "bonus", "unknown type; use credit, refund, chargeback or fee"
        ),
        RowError(5, "amount", "-1.00", "not an amount; write it as 1234.56 or 1234,56"),
        RowError(6, "amount", "0", "must be above zero"),
        RowError(7, "id", "", "missing"),
        RowError(7, "order_reference", "", "missing"),
        RowError(8, "id", "P1", "repeats row 2"),
        RowError(9, "", "P7,2026-03-03,credit", "expected 5 fields, got 3"),
        RowError(
            10, "amount", "1.234", "not an amount; write it as 1234.56 or 1234,56"
        ),
    ]
    assert str(error.value) == "The file has 9 errors; nothing was imported."
    assert written() == (0, 0, 0, 0)


@pytest.mark.parametrize(
    ("content", "errors"),
    [
        (
            b"id,date,kind,amount\nP1,2026-03-03,credit,1.00\n",
            [
                RowError(1, "type", "", "missing column"),
                RowError(1, "order_reference", "", "missing column"),
            ],
        ),
        (HEADER.encode(), [RowError(2, "", "", "the file has no payables")]),
        (
            HEADER.encode() + b"P1,2026-03-03,credit,1.00,Pedido\xe7\n",
            [
                RowError(
                    0,
                    "",
                    "",
                    "the file is not UTF-8 text (invalid continuation byte)",
                )
            ],
        ),
    ],
)
def test_invalid_file_imports_nothing(order, content, errors):
    with translation.override("en"), pytest.raises(ProviderStatementInvalid) as error:
        provider_statement_import(content=content, file_name="bad.csv")

    assert error.value.errors == errors
    assert written() == (0, 0, 0, 0)


def test_semicolon_file_accepted(order):
    source = import_text(
        "id;date;type;amount;order_reference\n"
        f"P1;03/03/2026;credit;220,00;{order.vtex_order_id}\n"
    )

    assert source.matched == 1


def test_suspense_resolved_by_adjustment(order, finance_users, finance_network):
    author, approver = finance_users
    import_text(HEADER + f"P1,2026-03-03,credit,219.00,{order.vtex_order_id}\n")
    item = SuspenseItem.objects.get()
    franchisor = finance_network["franchisor"]
    entries = [
        EntryLine(
            account_get(legal_entity=franchisor, purpose="payment_fees"),
            "adjustment",
            debit=Decimal("1.00"),
        ),
        EntryLine(
            account_get(legal_entity=franchisor, purpose="provider_clearing"),
            "adjustment",
            credit=Decimal("1.00"),
        ),
    ]

    resolved = suspense_resolve(
        item_id=item.pk,
        entries=entries,
        reason="Provider withheld R$ 1,00",
        created_by=author,
        approved_by=approver,
    )

    adjustment = LedgerTransaction.objects.get(kind="adjustment")
    assert resolved.status == SuspenseItem.Status.RESOLVED
    assert resolved.resolved_by == author
    assert resolved.resolved_at is not None
    assert adjustment.idempotency_key == f"adjustment:suspense-{item.pk}"
    assert adjustment.approved_by == approver

    with pytest.raises(LedgerError) as error:
        suspense_resolve(
            item_id=item.pk,
            entries=entries,
            reason="again",
            created_by=author,
            approved_by=approver,
        )
    assert str(error.value) == pt_br(
        "Suspense item %(item)s is already resolved.", item=item
    )
    assert LedgerTransaction.objects.filter(kind="adjustment").count() == 1


def test_suspense_resolve_needs_other_approver(order, finance_users, finance_network):
    author, _approver = finance_users
    import_text(HEADER + "P1,2026-03-03,credit,10.00,NAO-EXISTE\n")
    item = SuspenseItem.objects.get()
    franchisor = finance_network["franchisor"]

    with translation.override("en"), pytest.raises(LedgerError) as error:
        suspense_resolve(
            item_id=item.pk,
            entries=[
                EntryLine(
                    account_get(legal_entity=franchisor, purpose="payment_fees"),
                    "adjustment",
                    debit=Decimal("10.00"),
                ),
                EntryLine(
                    account_get(legal_entity=franchisor, purpose="provider_clearing"),
                    "adjustment",
                    credit=Decimal("10.00"),
                ),
            ],
            reason="Unknown payable",
            created_by=author,
            approved_by=author,
        )

    item.refresh_from_db()
    assert str(error.value) == (
        "The approver must be someone other than the author of the adjustment."
    )
    assert item.status == SuspenseItem.Status.OPEN
    assert not LedgerTransaction.objects.filter(kind="adjustment").exists()


def test_page_upload_imports_file(client, order, hq_user):
    client.force_login(hq_user)
    upload = SimpleUploadedFile(
        "pagarme.csv",
        (HEADER + f"P1,2026-03-03,credit,220.00,{order.vtex_order_id}\n").encode(),
    )

    response = client.post(reverse("finance:reconciliation"), {"file": upload})

    assert response.status_code == 302
    assert ProviderPayable.objects.get().status == ProviderPayable.Status.MATCHED


def test_page_lists_bad_rows(client, order, hq_user):
    client.force_login(hq_user)
    upload = SimpleUploadedFile(
        "bad.csv", (HEADER + "P1,2026-03-03,bonus,1.00,X\n").encode()
    )

    response = client.post(
        reverse("finance:reconciliation"),
        {"file": upload},
        headers={"accept-language": "en"},
    )

    assert response.status_code == 200
    assert response.context["errors"] == [
        RowError(
            2, "type", "bonus", "unknown type; use credit, refund, chargeback or fee"
        )
    ]
    assert written() == (0, 0, 0, 0)


def test_pages_hidden_from_stores(client, order, manager_b):
    import_text(HEADER + "P1,2026-03-03,credit,10.00,NAO-EXISTE\n")
    item = SuspenseItem.objects.get()
    client.force_login(manager_b)
    upload = SimpleUploadedFile(
        "p.csv", (HEADER + "P2,2026-03-03,credit,1.00,X\n").encode()
    )

    upload_response = client.post(reverse("finance:reconciliation"), {"file": upload})
    resolve_response = client.get(reverse("finance:suspense_resolve", args=[item.pk]))

    assert upload_response.status_code == 404
    assert resolve_response.status_code == 404
    assert not ProviderPayable.objects.filter(payable_id="P2").exists()


def test_resolve_page_posts_adjustment(client, order, finance_users, finance_network):
    author, approver = finance_users
    import_text(HEADER + "P1,2026-03-03,credit,10.00,NAO-EXISTE\n")
    item = SuspenseItem.objects.get()
    franchisor = finance_network["franchisor"]
    fees = account_get(legal_entity=franchisor, purpose="payment_fees")
    clearing = account_get(legal_entity=franchisor, purpose="provider_clearing")
    client.force_login(author)

    response = client.post(
        reverse("finance:suspense_resolve", args=[item.pk]),
        {
            "reason": "Unknown payable booked as a fee",
            "approver": approver.pk,
            "account_0": fees.pk,
            "debit_0": "10,00",
            "account_1": clearing.pk,
            "credit_1": "10,00",
        },
    )

    item.refresh_from_db()
    assert response.status_code == 302
    assert item.status == SuspenseItem.Status.RESOLVED


def test_admin_upload_imports_file(client, order, finance_users):
    author, _approver = finance_users
    client.force_login(author)
    url = reverse("admin:finance_providerstatementimport_upload")
    upload = SimpleUploadedFile(
        "pagarme.csv",
        (HEADER + f"P1,2026-03-03,credit,220.00,{order.vtex_order_id}\n").encode(),
    )

    page = client.get(url)
    response = client.post(url, {"file": upload})

    assert page.status_code == 200
    assert response.status_code == 302
    assert ProviderStatementImport.objects.get().matched == 1
