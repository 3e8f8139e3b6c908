"""Payouts and manual adjustments."""

from decimal import Decimal

import pytest

from finance.models import LedgerTransaction
from finance.services.ledger import EntryLine, LedgerError, account_get
from finance.services.manual import account_balance, adjustment_post, payout_post
from finance.services.posting import order_part_settle
from franchises.models import Membership
from tests.factories import MembershipFactory, UserFactory
from tests.finance.conftest import INVOICED_AT, order_make, part_make
from tests.i18n import pt_br

pytestmark = pytest.mark.django_db
INVALID_PAYOUT = (
    "Invalid payout of %(amount)s to %(entity)s: it must be positive and at most "
    "the %(owed)s owed."
)


@pytest.fixture
def finance_users(db):
    author = UserFactory(username="financeiro-1")
    approver = UserFactory(username="financeiro-2")
    for user in (author, approver):
        MembershipFactory(user=user, role=Membership.Role.HQ_FINANCE, location=None)
    return author, approver


def fee_entries(franchisor, amount="5.00"):
    return [
        EntryLine(
            account_get(legal_entity=franchisor, purpose="payment_fees"),
            "adjustment",
            debit=Decimal(amount),
        ),
        EntryLine(
            account_get(legal_entity=franchisor, purpose="provider_clearing"),
            "adjustment",
            credit=Decimal(amount),
        ),
    ]


def test_payout_reduces_what_is_owed(finance_network):
    store_b = finance_network["b"]
    order = order_make(items=[("200.00", 1)], shipping=["20.00"])
    order_part_settle(assignment_id=part_make(order, store_b).pk)
    payable = account_get(legal_entity=store_b.legal_entity, purpose="store_payable")

    posted = payout_post(
        legal_entity=store_b.legal_entity,
        amount=Decimal("182.00"),
        reference="TED-1",
        occurred_at=INVOICED_AT,
    )
    again = payout_post(
        legal_entity=store_b.legal_entity,
        amount=Decimal("182.00"),
        reference="TED-1",
        occurred_at=INVOICED_AT,
    )

    assert posted == again
    assert account_balance(payable) == Decimal("0.00")


@pytest.mark.parametrize(
    ("amount", "shown", "reference", "message"),
    [
        ("10.00", "", " ", "A payout needs a reference, such as the transfer id."),
        ("0.00", "R$ 0,00", "TED-2", INVALID_PAYOUT),
        ("182.01", "R$ 182,01", "TED-2", INVALID_PAYOUT),
    ],
)
def test_invalid_payout_rejected(finance_network, amount, shown, reference, message):
    store_b = finance_network["b"]
    order = order_make(items=[("200.00", 1)], shipping=["20.00"])
    order_part_settle(assignment_id=part_make(order, store_b).pk)
    before = LedgerTransaction.objects.count()

    with pytest.raises(LedgerError) as error:
        payout_post(
            legal_entity=store_b.legal_entity,
            amount=Decimal(amount),
            reference=reference,
            occurred_at=INVOICED_AT,
        )

    # The reference message has no placeholders, so the parameters leave it as is.
    expected = pt_br(
        message, amount=shown, entity=store_b.legal_entity, owed="R$ 182,00"
    )
    assert str(error.value) == expected
    assert LedgerTransaction.objects.count() == before


def test_adjustment_with_reason_and_approver(finance_network, finance_users):
    author, approver = finance_users

    posted = adjustment_post(
        reference="aj-1",
        entries=fee_entries(finance_network["franchisor"]),
        reason="Tarifa cobrada a mais pelo provedor",
        created_by=author,
        approved_by=approver,
        occurred_at=INVOICED_AT,
    )

    assert posted.kind == "adjustment"
    assert posted.approved_by == approver
    assert posted.created_by == author
    assert posted.entries.count() == 2


def test_invalid_adjustment_rejected(finance_network, finance_users, manager_a):
    author, approver = finance_users
    franchisor = finance_network["franchisor"]
    cases = [
        ({"reference": ""}, pt_br("An adjustment needs a reference.")),
        ({"reason": "  "}, pt_br("An adjustment needs a reason.")),
        ({"approved_by": None}, pt_br("An adjustment needs an approver.")),
        (
            {"approved_by": author},
            pt_br(
                "The approver must be someone other than the author of the adjustment."
            ),
        ),
        (
            {"approved_by": manager_a},
            pt_br(
                "%(user)s may not approve adjustments: only HQ finance may.",
                user="gerente-a",
            ),
        ),
        (
            {"entries": fee_entries(franchisor)[:1]},
            pt_br("A transaction needs at least two entries; got %(count)d.", count=1),
        ),
    ]
    for change, message in cases:
        arguments = {
            "reference": "aj-2",
            "entries": fee_entries(franchisor),
            "reason": "Ajuste",
            "created_by": author,
            "approved_by": approver,
            "occurred_at": INVOICED_AT,
            **change,
        }

        with pytest.raises(LedgerError) as error:
            adjustment_post(**arguments)

        assert str(error.value) == message
        assert LedgerTransaction.objects.count() == 0
