"""Posting invoiced parts: roles, the worked examples in the ledger, replays,
balance, suspense and late periods."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import translation

from finance.models import (
    Account,
    Contract,
    LedgerEntry,
    LedgerTransaction,
    LineShare,
    OrderRoles,
    SalesCode,
    SettlementPeriod,
    SuspenseItem,
)
from finance.services.ledger import (
    EntryLine,
    LedgerError,
    PeriodClosedError,
    account_get,
    transaction_post,
)
from finance.services.posting import order_cancel_settle, order_part_settle
from franchises.access import visible_orders
from orders.models import OrderLocation
from tests.factories import LocationFactory
from tests.finance.conftest import INVOICED_AT, nfe_key, order_make, part_make
from tests.i18n import pt_br

pytestmark = pytest.mark.django_db


def balance(entity, purpose) -> Decimal:
    totals = LedgerEntry.objects.filter(
        account__legal_entity=entity, account__purpose=purpose
    ).aggregate(debit=Sum("debit"), credit=Sum("credit"))
    return Decimal(totals["credit"] or 0) - Decimal(totals["debit"] or 0)


def assert_every_transaction_balances():
    for posted in LedgerTransaction.objects.all():
        entries = list(posted.entries.all())
        assert len(entries) >= 2, posted
        assert sum(e.debit for e in entries) == sum(e.credit for e in entries), posted


def share_total(roles) -> Decimal:
    return Decimal(
        LineShare.objects.filter(roles=roles).aggregate(total=Sum("amount"))["total"]
    ).quantize(Decimal("0.01"))


def test_credited_store_sees_the_order_it_earns_a_credit_on(finance_network, manager_a):
    store_a, store_b = finance_network["a"], finance_network["b"]
    order = order_make(
        items=[("300.00", 1)], shipping=["25.00"], postal_code="01310-100"
    )
    assignment = part_make(order, store_b)
    assert not visible_orders(manager_a).filter(pk=order.pk).exists()

    order_part_settle(assignment_id=assignment.pk)
    order_part_settle(assignment_id=assignment.pk)

    assert visible_orders(manager_a).filter(pk=order.pk).exists()
    assert list(
        OrderLocation.objects.filter(order=order, location=store_a).values_list(
            "reason", flat=True
        )
    ) == [OrderLocation.Reason.CREDITED]


def test_store_sold_and_shipped_posts_example_one(finance_network):
    store_b, franchisor = finance_network["b"], finance_network["franchisor"]
    order = order_make(items=[("200.00", 1)], shipping=["20.00"])
    assignment = part_make(order, store_b)

    outcome = order_part_settle(assignment_id=assignment.pk)

    entity = store_b.legal_entity
    assert outcome.posted == 4
    assert outcome.roles.credited_location == store_b
    assert outcome.roles.credit_reason == OrderRoles.CreditReason.FULFILMENT
    assert balance(entity, "store_payable") == Decimal("182.00")
    assert balance(franchisor, "commission_revenue") == Decimal("24.00")
    assert balance(franchisor, "payment_fees") == Decimal("-6.60")
    assert balance(franchisor, "royalty_revenue") == Decimal("10.00")
    assert balance(franchisor, "marketing_fund") == Decimal("4.00")
    assert balance(franchisor, "provider_clearing") == Decimal("-213.40")
    assert share_total(outcome.roles) == Decimal("220.00")
    assert_every_transaction_balances()


def test_regional_sale_posts_example_two(finance_network):
    store_a, store_b = finance_network["a"], finance_network["b"]
    franchisor = finance_network["franchisor"]
    order = order_make(
        items=[("300.00", 1)], shipping=["25.00"], postal_code="01310-100"
    )
    assignment = part_make(order, store_b)

    outcome = order_part_settle(assignment_id=assignment.pk)

    roles = outcome.roles
    assert roles.credited_location == store_a
    assert roles.credit_reason == OrderRoles.CreditReason.REGION
    assert roles.invoicing_cnpj == store_b.legal_entity.cnpj
    assert roles.cnpj_mismatch is False
    assert roles.collecting_entity == franchisor
    assert roles.collecting_payment_account == "re_franqueadora"
    assert balance(store_b.legal_entity, "store_payable") == Decimal("268.00")
    assert balance(store_a.legal_entity, "store_payable") == Decimal("12.00")
    assert balance(franchisor, "commission_revenue") == Decimal("36.00")
    assert balance(franchisor, "channel_expenses") == Decimal("-12.00")
    assert balance(franchisor, "payment_fees") == Decimal("-9.75")
    assert balance(franchisor, "royalty_revenue") == Decimal("15.00")
    assert balance(franchisor, "marketing_fund") == Decimal("6.00")
    assert share_total(roles) == Decimal("325.00")
    kinds = set(LedgerTransaction.objects.values_list("kind", flat=True))
    assert kinds == {
        "sale",
        "royalty",
        "marketing_fund",
        "regional_credit",
        "payment_fee",
    }
    regional = LedgerEntry.objects.get(
        transaction__kind="regional_credit", credit__gt=0
    )
    assert regional.location == store_a


def test_replayed_events_post_each_transaction_once(finance_network):
    store_b = finance_network["b"]
    order = order_make(
        items=[("120.00", 2), ("35.50", 1)],
        shipping=["10.00", "5.00"],
        postal_code="01310-100",
        status="canceled",
    )
    assignment = part_make(order, store_b)

    # Out of order: the cancellation arrives before the invoice.
    assert order_cancel_settle(order_id=order.pk) == 0
    order_part_settle(assignment_id=assignment.pk)
    posted = LedgerTransaction.objects.count()
    for _ in range(3):
        order_part_settle(assignment_id=assignment.pk)
        order_cancel_settle(order_id=order.pk)

    assert LedgerTransaction.objects.count() == posted
    assert LedgerTransaction.objects.filter(kind="sale").count() == 1
    assert LedgerTransaction.objects.filter(kind="cancellation").count() == 1
    roles = OrderRoles.objects.get(assignment=assignment)
    assert share_total(roles) == Decimal("0.00")
    for purpose in Account.Purpose.values:
        for account in Account.objects.filter(purpose=purpose):
            assert balance(account.legal_entity, purpose) == Decimal("0.00"), account
    assert_every_transaction_balances()


def test_split_order_shares_sum_to_total(finance_network):
    store_a, store_b = finance_network["a"], finance_network["b"]
    order = order_make(
        items=[("99.90", 3), ("49.90", 1), ("19.90", 2)],
        shipping=["7.00", "3.00", "2.35"],
        discount="10.00",
    )
    first = part_make(order, store_a, lines=[(0, 2), (1, 1)], number=1)
    second = part_make(order, store_b, lines=[(0, 1), (2, 2)], number=2)

    order_part_settle(assignment_id=second.pk)
    order_part_settle(assignment_id=first.pk)

    totals = [share_total(roles) for roles in OrderRoles.objects.filter(order=order)]
    assert sum(totals) == order.total
    assert_every_transaction_balances()


def test_sales_code_credits_assisted_sale(finance_network):
    store_a, store_b = finance_network["a"], finance_network["b"]
    SalesCode.objects.create(code="VEND-042", location=store_a)
    order = order_make(items=[("100.00", 1)], sales_associate="vend-042")

    outcome = order_part_settle(assignment_id=part_make(order, store_b).pk)

    assert outcome.roles.credited_location == store_a
    assert outcome.roles.credit_reason == OrderRoles.CreditReason.SALES_CODE


def test_white_label_seller_is_credited(finance_network):
    store_b = finance_network["b"]
    seller_store = LocationFactory(
        code="loja-wl", vtex_seller_id="lojawl", legal_entity=store_b.legal_entity
    )
    order = order_make(items=[("100.00", 1)], postal_code="01310-100")
    order.items.update(seller="lojawl")

    outcome = order_part_settle(assignment_id=part_make(order, store_b).pk)

    assert outcome.roles.credited_location == seller_store
    assert outcome.roles.credit_reason == OrderRoles.CreditReason.SELLER


def test_invoice_from_other_cnpj_is_flagged(finance_network):
    store_a, store_b = finance_network["a"], finance_network["b"]
    order = order_make(items=[("100.00", 1)])
    assignment = part_make(order, store_b)
    assignment.invoice_key = nfe_key(store_a.legal_entity.cnpj)
    assignment.save()

    outcome = order_part_settle(assignment_id=assignment.pk)

    assert outcome.roles.invoicing_cnpj == store_a.legal_entity.cnpj
    assert outcome.roles.cnpj_mismatch is True


def test_roles_stay_frozen_after_changes(finance_network):
    store_a, store_b = finance_network["a"], finance_network["b"]
    order = order_make(items=[("100.00", 1)], postal_code="01310-100")
    assignment = part_make(order, store_b)
    order_part_settle(assignment_id=assignment.pk)
    store_a.service_postal_ranges = []
    store_a.save()

    order_part_settle(assignment_id=assignment.pk)

    assert OrderRoles.objects.get(assignment=assignment).credited_location == store_a
    assert OrderRoles.objects.count() == 1


def test_part_without_contract_goes_to_suspense(franchisor, store_b):
    order = order_make(items=[("100.00", 1)])
    assignment = part_make(order, store_b)

    outcome = order_part_settle(assignment_id=assignment.pk)
    again = order_part_settle(assignment_id=assignment.pk)

    assert outcome.suspense.reason == SuspenseItem.Reason.NO_CONTRACT
    assert again.suspense == outcome.suspense
    assert SuspenseItem.objects.count() == 1
    assert str(store_b.legal_entity) in outcome.suspense.details
    assert LedgerTransaction.objects.count() == 0


def test_totals_that_disagree_go_to_suspense(finance_network):
    order = order_make(items=[("100.00", 1)])
    order.total = Decimal("101.00")
    order.save()

    outcome = order_part_settle(assignment_id=part_make(order, finance_network["b"]).pk)

    assert outcome.suspense.reason == SuspenseItem.Reason.AMOUNT_MISMATCH
    assert outcome.suspense.details == (
        f"Order {order.vtex_order_id}: items, discounts, tax and shipping add up "
        "to 100.00, but the order total is 101.00."
    )
    assert LedgerTransaction.objects.count() == 0


def test_missing_franchisor_goes_to_suspense(store_b, contracts):
    order = order_make(items=[("100.00", 1)])

    outcome = order_part_settle(assignment_id=part_make(order, store_b).pk)

    assert outcome.suspense.reason == SuspenseItem.Reason.NO_ACCOUNT_SETUP
    assert LedgerTransaction.objects.count() == 0


def test_part_not_invoiced_posts_nothing(finance_network):
    order = order_make(items=[("100.00", 1)])
    assignment = part_make(order, finance_network["b"], state="shipped")

    outcome = order_part_settle(assignment_id=assignment.pk)

    assert outcome.posted == 0
    assert OrderRoles.objects.count() == 0
    assert LedgerTransaction.objects.count() == 0


def test_late_event_posts_into_open_period(finance_network):
    store_b = finance_network["b"]
    first = order_make(items=[("100.00", 1)])
    order_part_settle(assignment_id=part_make(first, store_b, number=1).pk)
    march = SettlementPeriod.objects.get(
        legal_entity=store_b.legal_entity, starts_on=date(2026, 3, 1)
    )
    SettlementPeriod.objects.filter(pk=march.pk).update(status="closed")

    late = order_make(items=[("50.00", 1)])
    order_part_settle(assignment_id=part_make(late, store_b, number=2).pk)

    sale = LedgerTransaction.objects.get(order=late, kind="sale")
    assert sale.is_late is True
    assert sale.occurred_at == INVOICED_AT
    store_periods = {
        entry.period
        for entry in sale.entries.filter(account__legal_entity=store_b.legal_entity)
    }
    assert len(store_periods) == 1
    (store_period,) = store_periods
    assert store_period.status == "open"
    assert store_period.starts_on > march.ends_on
    # The franchisor's own March period is still open, so its entries stay there.
    franchisor_entry = sale.entries.exclude(account__legal_entity=store_b.legal_entity)
    assert {entry.period.starts_on for entry in franchisor_entry} == {date(2026, 3, 1)}


def test_posting_into_closed_period_is_rejected(finance_network):
    franchisor = finance_network["franchisor"]
    closed = SettlementPeriod.objects.create(
        legal_entity=franchisor,
        starts_on=date(2026, 2, 1),
        ends_on=date(2026, 2, 28),
        status="closed",
    )
    cash = account_get(legal_entity=franchisor, purpose="cash")
    fees = account_get(legal_entity=franchisor, purpose="payment_fees")

    with pytest.raises(PeriodClosedError) as error, translation.override("en"):
        transaction_post(
            kind="adjustment",
            idempotency_key="adjustment:fev",
            occurred_at=INVOICED_AT - timedelta(days=20),
            entries=[
                EntryLine(cash, "adjustment", debit=Decimal("1.00")),
                EntryLine(fees, "adjustment", credit=Decimal("1.00")),
            ],
            period=closed,
            reason="teste",
        )

    assert str(error.value) == (
        f"Settlement period {closed} is Closed; post into an open period instead."
    )
    assert LedgerTransaction.objects.count() == 0


# In `params`, "account" is the purpose of the franchisor's account that the
# message names.
@pytest.mark.parametrize(
    ("entries", "message", "params"),
    [
        (
            [("cash", "1.00", "0")],
            "A transaction needs at least two entries; got %(count)d.",
            {"count": 1},
        ),
        (
            [("cash", "1.00", "0"), ("payment_fees", "0", "0.99")],
            "The transaction is unbalanced: debits %(debit)s, credits %(credit)s.",
            {"debit": "R$ 1,00", "credit": "R$ 0,99"},
        ),
        (
            [("cash", "1.00", "1.00"), ("payment_fees", "0", "0")],
            "Each entry is either a debit or a credit: %(account)s has %(debit)s "
            "and %(credit)s.",
            {"account": "cash", "debit": "R$ 1,00", "credit": "R$ 1,00"},
        ),
        (
            [("cash", "1.001", "0"), ("payment_fees", "0", "1.001")],
            "Invalid amount %(amount)s on %(account)s: amounts are positive and in "
            "centavos.",
            {"amount": "R$ 1,001", "account": "cash"},
        ),
    ],
)
def test_unbalanced_or_invalid_entries_rejected(
    finance_network, entries, message, params
):
    franchisor = finance_network["franchisor"]
    if "account" in params:
        params = {
            **params,
            "account": account_get(legal_entity=franchisor, purpose=params["account"]),
        }
    lines = [
        EntryLine(
            account_get(legal_entity=franchisor, purpose=purpose),
            "adjustment",
            debit=Decimal(debit),
            credit=Decimal(credit),
        )
        for purpose, debit, credit in entries
    ]

    with pytest.raises(LedgerError) as error:
        transaction_post(
            kind="adjustment",
            idempotency_key="adjustment:x",
            occurred_at=INVOICED_AT,
            entries=lines,
        )

    assert str(error.value) == pt_br(message, **params)
    assert LedgerTransaction.objects.count() == 0
    assert LedgerEntry.objects.count() == 0


def test_period_length_follows_contract(finance_network):
    from finance.services.ledger import period_for

    store_b = finance_network["b"]
    contract = store_b.legal_entity.contracts.get()
    contract.settlement_period = "weekly"
    contract.save()

    period = period_for(legal_entity=store_b.legal_entity, day=date(2026, 3, 4))

    assert (period.starts_on, period.ends_on) == (date(2026, 3, 2), date(2026, 3, 8))


def test_pickup_order_posts_pickup_and_fulfilment_fees(finance_network):
    store_b, franchisor = finance_network["b"], finance_network["franchisor"]
    Contract.objects.filter(legal_entity=store_b.legal_entity).update(
        fulfilment_fee_fixed=Decimal("2.00"), fulfilment_fee_percent=Decimal("1")
    )
    order = order_make(items=[("200.00", 1)], delivery_channel="pickup-in-point")

    order_part_settle(assignment_id=part_make(order, store_b).pk)

    pickup = LedgerTransaction.objects.get(kind="pickup_fee")
    fulfilment = LedgerTransaction.objects.get(kind="fulfilment_fee")
    assert pickup.entries.get(credit__gt=0).credit == Decimal("5.00")
    assert pickup.entries.get(credit__gt=0).account.legal_entity == store_b.legal_entity
    assert fulfilment.entries.get(credit__gt=0).credit == Decimal("4.00")
    # 200,00 - 24,00 - 10,00 - 4,00 + 5,00 + 4,00
    assert balance(store_b.legal_entity, "store_payable") == Decimal("171.00")
    assert balance(franchisor, "channel_expenses") == Decimal("-9.00")
