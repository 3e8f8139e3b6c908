"""Returns and chargebacks reverse the stored line shares pro rata."""

from decimal import Decimal

import pytest
from django.db.models import Sum

from finance.models import Contract, LedgerEntry, LedgerTransaction, LineShare
from finance.services.ledger import LedgerError
from finance.services.posting import order_part_settle
from finance.services.reversals import (
    chargeback_hold,
    chargeback_resolve,
    order_return_settle,
)
from tests.finance.conftest import INVOICED_AT, order_make, part_make
from tests.i18n import pt_br

pytestmark = pytest.mark.django_db
UNITS_LEFT = (
    "Item %(index)s of order %(order)s has %(left)s units left to return; "
    "%(qty)s requested."
)
INVALID_CHARGEBACK = (
    "Invalid chargeback amount %(amount)s for order %(order)s: it must be "
    "positive and at most the %(paid)s still settled."
)


@pytest.fixture
def settled(finance_network):
    """Example 2's order with three units of one item: store B ships into
    store A's region."""
    order = order_make(
        items=[("100.00", 3)], shipping=["25.00"], postal_code="01310-100"
    )
    outcome = order_part_settle(assignment_id=part_make(order, finance_network["b"]).pk)
    return outcome.roles


def shares_of(roles, entry_type: str | None = None) -> Decimal:
    rows = LineShare.objects.filter(roles=roles)
    if entry_type:
        rows = rows.filter(entry_type=entry_type)
    return Decimal(rows.aggregate(total=Sum("amount"))["total"]).quantize(
        Decimal("0.01")
    )


def assert_balanced(posted):
    entries = list(posted.entries.all())
    assert sum(e.debit for e in entries) == sum(e.credit for e in entries)


def test_return_of_one_unit_reverses_a_third(settled):
    posted = order_return_settle(
        roles=settled, return_id="NFD-1", lines=[(0, 1)], occurred_at=INVOICED_AT
    )

    assert posted.kind == "return"
    assert posted.original.kind == "sale"
    assert_balanced(posted)
    # 325,00 paid; a third of the sale share is 108,33.
    assert shares_of(settled) == Decimal("216.67")
    assert shares_of(settled, "commission") == Decimal("0.00")
    commission = LineShare.objects.filter(
        roles=settled, entry_type="commission", transaction=posted, amount__gt=0
    ).get()
    assert commission.amount == Decimal("12.00")


def test_returning_every_unit_reverses_everything(settled):
    order_return_settle(
        roles=settled, return_id="NFD-1", lines=[(0, 1)], occurred_at=INVOICED_AT
    )
    order_return_settle(
        roles=settled, return_id="NFD-2", lines=[(0, 2)], occurred_at=INVOICED_AT
    )

    assert shares_of(settled) == Decimal("0.00")
    for entry_type in ("sale", "commission", "royalty", "payment_fee"):
        rows = LineShare.objects.filter(roles=settled, entry_type=entry_type)
        per_account = rows.values("account_id").annotate(total=Sum("amount"))
        for row in per_account:
            assert Decimal(row["total"]).quantize(Decimal("0.01")) == 0, entry_type


def test_return_uses_stored_shares_not_todays_contract(settled):
    Contract.objects.filter(pk=settled.contract_id).update(
        commission_merchandise_percent=Decimal("50")
    )

    posted = order_return_settle(
        roles=settled, return_id="NFD-1", lines=[(0, 3)], occurred_at=INVOICED_AT
    )

    reversed_commission = LedgerEntry.objects.get(
        transaction=posted, entry_type="commission", debit__gt=0
    )
    assert reversed_commission.debit == Decimal("36.00")


def test_repeated_return_posts_once(settled):
    for _ in range(2):
        order_return_settle(
            roles=settled, return_id="NFD-1", lines=[(0, 1)], occurred_at=INVOICED_AT
        )

    assert LedgerTransaction.objects.filter(kind="return").count() == 1


@pytest.mark.parametrize(
    ("return_id", "lines", "message", "params"),
    [
        (
            "",
            [(0, 1)],
            "A return needs an id, such as its input invoice number.",
            {},
        ),
        ("NFD-9", [], "A return needs at least one line.", {}),
        (
            "NFD-9",
            [(0, 0)],
            "Returned quantity of item %(index)s must be positive, got %(qty)s.",
            {"index": 0, "qty": 0},
        ),
        ("NFD-9", [(0, 4)], UNITS_LEFT, {"index": 0, "left": 3, "qty": 4}),
        ("NFD-9", [(0, 2), (0, 2)], UNITS_LEFT, {"index": 0, "left": 3, "qty": 4}),
        ("NFD-9", [(7, 1)], UNITS_LEFT, {"index": 7, "left": 0, "qty": 1}),
    ],
)
def test_invalid_return_rejected(settled, return_id, lines, message, params):
    before = LedgerTransaction.objects.count(), LineShare.objects.count()

    with pytest.raises(LedgerError) as error:
        order_return_settle(
            roles=settled, return_id=return_id, lines=lines, occurred_at=INVOICED_AT
        )

    # Messages without an %(order)s placeholder ignore the order id.
    expected = pt_br(message, order=settled.order.vtex_order_id, **params)
    assert str(error.value) == expected
    assert (LedgerTransaction.objects.count(), LineShare.objects.count()) == before


def test_chargeback_held_then_lost_reverses_pro_rata(settled):
    franchisor = settled.collecting_entity
    held = chargeback_hold(
        order=settled.order,
        payable_id="pay-77",
        amount=Decimal("65.00"),
        occurred_at=INVOICED_AT,
    )
    lost = chargeback_resolve(payable_id="pay-77", won=False, occurred_at=INVOICED_AT)

    assert_balanced(held)
    assert_balanced(lost)
    assert lost.original == held
    # 65,00 of 325,00 is a fifth: the sale share falls by exactly 65,00.
    assert shares_of(settled) == Decimal("260.00")
    assert shares_of(settled, "sale") == Decimal("260.00")
    held_balance = LedgerEntry.objects.filter(
        account__legal_entity=franchisor, account__purpose="chargebacks_held"
    ).aggregate(debit=Sum("debit"), credit=Sum("credit"))
    assert Decimal(held_balance["debit"]) == Decimal(held_balance["credit"])


def test_chargeback_won_returns_money(settled):
    chargeback_hold(
        order=settled.order,
        payable_id="pay-78",
        amount=Decimal("10.00"),
        occurred_at=INVOICED_AT,
    )
    won = chargeback_resolve(payable_id="pay-78", won=True, occurred_at=INVOICED_AT)
    again = chargeback_resolve(payable_id="pay-78", won=True, occurred_at=INVOICED_AT)

    assert won == again
    assert_balanced(won)
    assert shares_of(settled) == Decimal("325.00")
    with pytest.raises(LedgerError) as error:
        chargeback_resolve(payable_id="pay-78", won=False, occurred_at=INVOICED_AT)
    assert str(error.value) == pt_br(
        "The chargeback of payable %(id)s was already won.", id="pay-78"
    )


@pytest.mark.parametrize(
    ("payable_id", "amount", "shown", "message"),
    [
        ("", "1.00", "", "A chargeback needs the provider's payable id."),
        ("pay-1", "0.00", "R$ 0,00", INVALID_CHARGEBACK),
        ("pay-1", "325.01", "R$ 325,01", INVALID_CHARGEBACK),
    ],
)
def test_invalid_chargeback_rejected(settled, payable_id, amount, shown, message):
    before = LedgerTransaction.objects.count()

    with pytest.raises(LedgerError) as error:
        chargeback_hold(
            order=settled.order,
            payable_id=payable_id,
            amount=Decimal(amount),
            occurred_at=INVOICED_AT,
        )

    # The payable id message has no placeholders, so the parameters leave it as is.
    expected = pt_br(
        message, amount=shown, order=settled.order.vtex_order_id, paid="R$ 325,00"
    )
    assert str(error.value) == expected
    assert LedgerTransaction.objects.count() == before


def test_resolving_unknown_chargeback_rejected(settled):
    with pytest.raises(LedgerError) as error:
        chargeback_resolve(payable_id="nope", won=True, occurred_at=INVOICED_AT)

    assert str(error.value) == pt_br(
        "No chargeback is held for payable %(id)s.", id="nope"
    )


def test_reversing_entries_point_at_originals(settled):
    posted = order_return_settle(
        roles=settled, return_id="NFD-1", lines=[(0, 1)], occurred_at=INVOICED_AT
    )

    for entry in posted.entries.exclude(entry_type="return"):
        original = entry.original_entry
        assert original is not None, entry.entry_type
        assert original.account_id == entry.account_id
        assert original.entry_type == entry.entry_type
        assert original.transaction.roles == settled
