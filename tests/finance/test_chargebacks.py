"""Chargebacks from provider statements: the hold on import, then won or lost
from the admin or the reconciliation page."""

from decimal import Decimal

import pytest
from django.db.models import Sum
from django.urls import reverse

from finance.models import LedgerEntry, LedgerTransaction, LineShare, SuspenseItem
from finance.models_statements import PayableMatch, ProviderPayable
from finance.services.ledger import account_get
from finance.services.posting import order_part_settle
from finance.services.reconciliation import (
    ProviderStatementInvalid,
    RowError,
    provider_statement_import,
)
from franchises.models import Membership
from tests.factories import MembershipFactory, UserFactory
from tests.finance.conftest import order_make, part_make
from tests.i18n import pt_br

pytestmark = pytest.mark.django_db

HEADER = "id,date,type,amount,order_reference\n"


@pytest.fixture
def settled(finance_network):
    """Example 2's order with three units of one item: store B ships 300,00
    plus 25,00 freight into store A's region."""
    order = order_make(
        items=[("100.00", 3)], shipping=["25.00"], postal_code="01310-100"
    )
    outcome = order_part_settle(assignment_id=part_make(order, finance_network["b"]).pk)
    return outcome.roles


@pytest.fixture
def finance_user(db):
    user = UserFactory(username="financeiro-1", is_staff=True)
    MembershipFactory(user=user, role=Membership.Role.HQ_FINANCE, location=None)
    return user


def import_text(text: str):
    return provider_statement_import(content=text.encode(), file_name="pagarme.csv")


def chargeback_row(payable_id: str, amount: str, order_id: str) -> str:
    return f"{payable_id},2026-03-10,chargeback,{amount},{order_id}\n"


def written() -> tuple[int, int, int, int]:
    return (
        LedgerTransaction.objects.count(),
        ProviderPayable.objects.count(),
        PayableMatch.objects.count(),
        SuspenseItem.objects.count(),
    )


def balance(entity, purpose: str) -> Decimal:
    """Debits minus credits of one account."""
    account = account_get(legal_entity=entity, purpose=purpose)
    totals = LedgerEntry.objects.filter(account=account).aggregate(
        debit=Sum("debit"), credit=Sum("credit")
    )
    return (totals["debit"] or Decimal(0)) - (totals["credit"] or Decimal(0))


def assert_every_transaction_balances():
    for posted in LedgerTransaction.objects.all():
        totals = posted.entries.aggregate(debit=Sum("debit"), credit=Sum("credit"))
        assert totals["debit"] == totals["credit"], posted.idempotency_key


def shares_by_group(posted) -> dict[tuple[str, str], Decimal]:
    rows = (
        LineShare.objects.filter(transaction=posted)
        .values("entry_type", "account__purpose")
        .annotate(total=Sum("amount"))
    )
    return {(row["entry_type"], row["account__purpose"]): row["total"] for row in rows}


def test_import_posts_hold_and_matches(settled, finance_network):
    order_id = settled.order.vtex_order_id
    franchisor = finance_network["franchisor"]

    source = import_text(HEADER + chargeback_row("CB1", "65.00", order_id))

    held = LedgerTransaction.objects.get(kind="chargeback_held")
    payable = ProviderPayable.objects.get(payable_id="CB1")
    clearing_entry = held.entries.get(account__purpose="provider_clearing")
    assert source.matched == 1
    assert source.sent_to_suspense == 0
    assert held.idempotency_key == "chargeback:CB1:held"
    assert held.order == settled.order
    assert clearing_entry.credit == Decimal("65.00")
    assert payable.status == ProviderPayable.Status.MATCHED
    assert list(payable.entries.all()) == [clearing_entry]
    assert balance(franchisor, "chargebacks_held") == Decimal("65.00")
    assert_every_transaction_balances()


def test_duplicate_import_posts_nothing(settled):
    text = HEADER + chargeback_row("CB1", "65.00", settled.order.vtex_order_id)
    import_text(text)
    before = written()

    again = import_text(text)

    assert again.payables_created == 0
    assert again.payables_repeated == 1
    assert written() == before
    assert LedgerTransaction.objects.filter(kind="chargeback_held").count() == 1


def test_chargeback_above_sale_goes_to_suspense(settled):
    order_id = settled.order.vtex_order_id
    before = LedgerTransaction.objects.count()

    source = import_text(HEADER + chargeback_row("CB9", "325.01", order_id))

    item = SuspenseItem.objects.get()
    error = pt_br(
        "Invalid chargeback amount %(amount)s for order %(order)s: it must "
        "be positive and at most the %(paid)s still settled.",
        amount="R$ 325,01",
        order=order_id,
        paid="R$ 325,00",
    )
    assert source.sent_to_suspense == 1
    assert LedgerTransaction.objects.count() == before
    assert item.reference == "payable:CB9"
    assert item.reason == SuspenseItem.Reason.AMOUNT_MISMATCH
    assert item.order == settled.order
    assert item.amount == Decimal("325.01")
    assert item.details == pt_br("The chargeback was not held: %(error)s", error=error)
    assert ProviderPayable.objects.get().status == ProviderPayable.Status.SUSPENSE


def test_chargeback_of_unknown_order_goes_to_suspense(settled):
    before = LedgerTransaction.objects.count()

    import_text(HEADER + chargeback_row("CB9", "10.00", "NAO-EXISTE"))

    item = SuspenseItem.objects.get()
    assert LedgerTransaction.objects.count() == before
    assert item.reason == SuspenseItem.Reason.UNMATCHED_PAYABLE
    assert item.details == pt_br("No order %(order)s exists.", order="NAO-EXISTE")


@pytest.mark.parametrize(
    ("row", "error"),
    [
        (
            "CB1,2026-03-10,chargeback,65.0x,{order}\n",
            RowError(
                2, "amount", "65.0x", "not an amount; write it as 1234.56 or 1234,56"
            ),
        ),
        (
            "CB1,2026-03-10,chargeback,0.00,{order}\n",
            RowError(2, "amount", "0.00", "must be above zero"),
        ),
        (
            "CB1,2026-13-10,chargeback,65.00,{order}\n",
            RowError(
                2,
                "date",
                "2026-13-10",
                "not a date; write it as 2026-03-31 or 31/03/2026",
            ),
        ),
        (
            "CB1,2026-03-10,chargeback,65.00,\n",
            RowError(2, "order_reference", "", "missing"),
        ),
    ],
)
def test_bad_chargeback_row_writes_nothing(settled, row, error):
    before = written()
    text = HEADER + row.format(order=settled.order.vtex_order_id)

    with pytest.raises(ProviderStatementInvalid) as raised:
        import_text(text)

    expected = RowError(error.row, error.column, error.value, pt_br(error.reason))
    assert raised.value.errors == [expected]
    assert written() == before


def admin_action(client, action: str, payable_ids: list[str]):
    url = reverse("admin:finance_providerpayable_changelist")
    selected = ProviderPayable.objects.filter(payable_id__in=payable_ids)
    return client.post(
        url,
        {"action": action, "_selected_action": [p.pk for p in selected]},
    )


def test_admin_lost_reverses_shares_pro_rata(
    client, settled, finance_network, finance_user
):
    import_text(HEADER + chargeback_row("CB1", "65.00", settled.order.vtex_order_id))
    franchisor = finance_network["franchisor"]
    client.force_login(finance_user)

    response = admin_action(client, "chargeback_lost", ["CB1"])

    lost = LedgerTransaction.objects.get(kind="chargeback_lost")
    held = LedgerTransaction.objects.get(kind="chargeback_held")
    assert response.status_code == 302
    assert lost.idempotency_key == "chargeback:CB1:lost"
    assert lost.original == held
    assert lost.created_by == finance_user
    # 65,00 of 325,00 is a fifth of each stored share: commission 36,00,
    # royalty 15,00, fund 6,00, regional credit 12,00 and the fee 9,75. The
    # credit to chargebacks held balances the sale's 65,00.
    assert shares_by_group(lost) == {
        ("sale", "store_payable"): Decimal("-65.00"),
        ("commission", "store_payable"): Decimal("7.20"),
        ("commission", "commission_revenue"): Decimal("-7.20"),
        ("royalty", "store_payable"): Decimal("3.00"),
        ("royalty", "royalty_revenue"): Decimal("-3.00"),
        ("marketing_fund", "store_payable"): Decimal("1.20"),
        ("marketing_fund", "marketing_fund"): Decimal("-1.20"),
        ("regional_credit", "store_payable"): Decimal("-2.40"),
        ("regional_credit", "channel_expenses"): Decimal("2.40"),
        ("payment_fee", "payment_fees"): Decimal("1.95"),
        ("payment_fee", "provider_clearing"): Decimal("-1.95"),
    }
    assert sum(shares_by_group(lost).values()) == Decimal("-65.00")
    assert balance(franchisor, "chargebacks_held") == Decimal("0.00")
    assert_every_transaction_balances()


def test_admin_resolving_twice_posts_once(client, settled, finance_user):
    import_text(HEADER + chargeback_row("CB1", "65.00", settled.order.vtex_order_id))
    client.force_login(finance_user)
    admin_action(client, "chargeback_lost", ["CB1"])
    before = written()

    admin_action(client, "chargeback_lost", ["CB1"])
    other = admin_action(client, "chargeback_won", ["CB1"])

    flashed = [str(m) for m in other.wsgi_request._messages]
    assert written() == before
    assert (
        pt_br("The chargeback of payable %(id)s was already lost.", id="CB1") in flashed
    )


def test_admin_rejects_payable_of_other_type(client, settled, finance_user):
    import_text(HEADER + f"C1,2026-03-10,credit,325.00,{settled.order.vtex_order_id}\n")
    client.force_login(finance_user)
    before = written()

    response = admin_action(client, "chargeback_won", ["C1"])

    flashed = [str(m) for m in response.wsgi_request._messages]
    assert written() == before
    assert pt_br("Payable %(id)s is not a chargeback.", id="C1") in flashed


def test_page_won_returns_money_to_clearing(
    client, settled, finance_network, finance_user
):
    import_text(HEADER + chargeback_row("CB1", "65.00", settled.order.vtex_order_id))
    franchisor = finance_network["franchisor"]
    clearing_before_hold = balance(franchisor, "provider_clearing") + Decimal("65.00")
    client.force_login(finance_user)
    url = reverse("finance:reconciliation")

    page = client.get(url)
    response = client.post(url, {"chargeback": "CB1", "outcome": "won"})
    again = client.post(url, {"chargeback": "CB1", "outcome": "won"})

    won = LedgerTransaction.objects.get(kind="chargeback_won")
    assert page.context["chargebacks"][0][0] == "CB1"
    assert page.context["chargebacks"][0][1].held_amount == Decimal("65.00")
    assert response.status_code == 302
    assert again.status_code == 302
    assert LedgerTransaction.objects.filter(kind="chargeback_won").count() == 1
    assert won.created_by == finance_user
    assert won.original.kind == "chargeback_held"
    assert balance(franchisor, "provider_clearing") == clearing_before_hold
    assert balance(franchisor, "chargebacks_held") == Decimal("0.00")
    assert not LineShare.objects.filter(transaction=won).exists()
    assert list(client.get(url).context["chargebacks"]) == []
    assert_every_transaction_balances()


def test_page_rejects_unknown_outcome(client, settled, finance_user):
    import_text(HEADER + chargeback_row("CB1", "65.00", settled.order.vtex_order_id))
    client.force_login(finance_user)
    before = written()

    response = client.post(
        reverse("finance:reconciliation"), {"chargeback": "CB1", "outcome": "maybe"}
    )

    flashed = [str(m) for m in response.wsgi_request._messages]
    assert written() == before
    assert (
        pt_br("Invalid outcome %(outcome)s; choose won or lost.", outcome="maybe")
        in flashed
    )


def test_store_user_cannot_resolve(client, settled, manager_b, hq_user):
    import_text(HEADER + chargeback_row("CB1", "65.00", settled.order.vtex_order_id))
    manager_b.is_staff = True
    manager_b.save()
    before = written()
    url = reverse("finance:reconciliation")
    data = {"chargeback": "CB1", "outcome": "lost"}

    client.force_login(manager_b)
    store_page = client.post(url, data)
    store_admin = admin_action(client, "chargeback_lost", ["CB1"])
    hq_user.is_staff = True
    hq_user.save()
    client.force_login(hq_user)
    operations_page = client.post(url, data)
    operations_admin = admin_action(client, "chargeback_lost", ["CB1"])

    assert store_page.status_code == 404
    assert store_admin.status_code == 403
    assert operations_page.status_code == 403
    # The action is not offered to HQ operations, so the list page is shown.
    assert operations_admin.status_code == 200
    assert written() == before
