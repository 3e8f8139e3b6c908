"""Closing settlement periods into payout statements, late events and carry-forward."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import translation

from finance.models import LedgerEntry, LedgerTransaction, OrderRoles, SettlementPeriod
from finance.models_statements import (
    PayoutStatement,
    PeriodCloseRun,
    StatementEvent,
    StatementLine,
)
from finance.services.ledger import (
    EntryLine,
    PeriodClosedError,
    account_get,
    transaction_post,
)
from finance.services.periods import (
    period_close_run,
    period_close_run_start,
    periods_close,
)
from finance.services.posting import order_cancel_settle, order_part_settle
from finance.services.reversals import order_return_settle
from tests.finance.conftest import INVOICED_AT, order_make, part_make

pytestmark = pytest.mark.django_db

MARCH_END = date(2026, 3, 31)
LATE_IN_MARCH = datetime(2026, 3, 20, 15, 0, tzinfo=UTC)


@pytest.fixture
def settled(finance_network):
    """Store B sold and fulfilled R$ 200,00 plus R$ 20,00 freight in March: it
    keeps 182,00 after commission (24,00), royalty (10,00) and fund (4,00)."""
    order = order_make(items=[("100.00", 2)], shipping=["20.00"])
    order_part_settle(assignment_id=part_make(order, finance_network["b"]).pk)
    return order


def close_through(cutoff: date) -> PeriodCloseRun:
    run = PeriodCloseRun.objects.create(cutoff=cutoff)
    return period_close_run(run_id=run.pk)


def statement_of(location, starts_on: date) -> PayoutStatement:
    return PayoutStatement.objects.get(
        legal_entity=location.legal_entity, period__starts_on=starts_on
    )


def entry_snapshot(period: SettlementPeriod) -> tuple:
    totals = LedgerEntry.objects.filter(period=period).aggregate(
        debit=Sum("debit"), credit=Sum("credit")
    )
    return LedgerEntry.objects.filter(period=period).count(), totals


def test_close_creates_statement_with_lines(settled, finance_network):
    store_b = finance_network["b"]

    run = close_through(MARCH_END)

    statement = statement_of(store_b, date(2026, 3, 1))
    assert run.status == PeriodCloseRun.Status.FINISHED
    assert run.periods_closed == run.periods_total
    assert statement.opening_balance == Decimal("0.00")
    assert statement.entries_total == Decimal("182.00")
    assert statement.closing_balance == Decimal("182.00")
    assert statement.amount_to_pay == Decimal("182.00")
    assert statement.period.status == SettlementPeriod.Status.CLOSED
    assert statement.period.closed_at is not None
    lines = {
        (line.kind, line.entry_type): (line.debit, line.credit)
        for line in statement.lines.all()
    }
    assert lines == {
        ("sale", "sale"): (Decimal("0.00"), Decimal("220.00")),
        ("sale", "commission"): (Decimal("24.00"), Decimal("0.00")),
        ("royalty", "royalty"): (Decimal("10.00"), Decimal("0.00")),
        ("marketing_fund", "marketing_fund"): (Decimal("4.00"), Decimal("0.00")),
    }
    assert StatementEvent.objects.filter(
        statement=statement, action=StatementEvent.Action.CREATED
    ).exists()


def test_statement_closing_is_opening_plus_entries(settled, finance_network):
    close_through(MARCH_END)

    for statement in PayoutStatement.objects.all():
        lines_total = sum((line.amount for line in statement.lines.all()), Decimal(0))
        assert statement.entries_total == lines_total
        assert statement.closing_balance == (
            statement.opening_balance + statement.entries_total
        )


def test_closing_twice_is_noop(settled, finance_network):
    close_through(MARCH_END)
    statements = list(PayoutStatement.objects.values())
    lines = list(StatementLine.objects.values())

    second = close_through(MARCH_END)

    assert second.periods_total == 0
    assert second.statements_created == 0
    assert list(PayoutStatement.objects.values()) == statements
    assert list(StatementLine.objects.values()) == lines
    assert periods_close(period_ids=[statements[0]["period_id"]]) == 0


def test_repeated_task_for_finished_run_does_nothing(settled):
    run = close_through(MARCH_END)

    again = period_close_run(run_id=run.pk)

    assert again.status == PeriodCloseRun.Status.FINISHED
    assert again.statements_created == run.statements_created


def test_close_run_start_queues_job(
    settled, hq_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run = period_close_run_start(cutoff=MARCH_END, requested_by=hq_user)

    run.refresh_from_db()
    assert run.status == PeriodCloseRun.Status.FINISHED
    assert run.requested_by == hq_user
    assert run.percent_done == 100
    assert run.statements_created == PayoutStatement.objects.count()


def test_posting_into_closed_period_rejected(settled, finance_network):
    close_through(MARCH_END)
    store_b = finance_network["b"]
    march = SettlementPeriod.objects.get(
        legal_entity=store_b.legal_entity, starts_on=date(2026, 3, 1)
    )
    before = entry_snapshot(march)
    transactions = LedgerTransaction.objects.count()

    with translation.override("en"), pytest.raises(PeriodClosedError) as error:
        transaction_post(
            kind="adjustment",
            idempotency_key="adjustment:closed-period",
            occurred_at=LATE_IN_MARCH,
            period=march,
            entries=[
                EntryLine(
                    account_get(
                        legal_entity=store_b.legal_entity, purpose="store_payable"
                    ),
                    "adjustment",
                    credit=Decimal("1.00"),
                ),
                EntryLine(
                    account_get(legal_entity=store_b.legal_entity, purpose="cash"),
                    "adjustment",
                    debit=Decimal("1.00"),
                ),
            ],
        )

    assert str(error.value) == (
        f"Settlement period {march} is Closed; post into an open period instead."
    )
    assert entry_snapshot(march) == before
    assert LedgerTransaction.objects.count() == transactions


def test_cancellation_after_close_is_late_adjustment(settled, finance_network):
    store_b = finance_network["b"]
    close_through(MARCH_END)
    march = statement_of(store_b, date(2026, 3, 1))
    march_before = entry_snapshot(march.period)
    statement_before = PayoutStatement.objects.filter(pk=march.pk).values().get()

    settled.status = "canceled"
    settled.last_change = LATE_IN_MARCH
    settled.save()
    assert order_cancel_settle(order_id=settled.pk) == 1

    cancellation = LedgerTransaction.objects.get(kind="cancellation")
    sale = LedgerTransaction.objects.get(kind="sale")
    periods = {entry.period for entry in cancellation.entries.all()}
    assert cancellation.is_late
    assert cancellation.original == sale
    assert all(period.status == SettlementPeriod.Status.OPEN for period in periods)
    assert march.period not in periods
    assert entry_snapshot(march.period) == march_before
    assert PayoutStatement.objects.filter(pk=march.pk).values().get() == (
        statement_before
    )

    open_period = next(
        period for period in periods if period.legal_entity == store_b.legal_entity
    )
    close_through(open_period.ends_on)
    adjusted = PayoutStatement.objects.get(period=open_period)
    late_lines = adjusted.lines.filter(is_late=True, kind="cancellation")
    assert adjusted.opening_balance == Decimal("182.00")
    assert adjusted.entries_total == Decimal("-182.00")
    assert adjusted.closing_balance == Decimal("0.00")
    assert adjusted.amount_to_pay == Decimal("0.00")
    assert late_lines.exists()
    assert sum((line.amount for line in late_lines), Decimal(0)) == Decimal("-182.00")


def test_return_after_close_is_late_adjustment(settled, finance_network):
    store_b = finance_network["b"]
    close_through(MARCH_END)
    march = statement_of(store_b, date(2026, 3, 1))
    march_before = entry_snapshot(march.period)

    posted = order_return_settle(
        roles=OrderRoles.objects.get(order=settled),
        return_id="NFD-1",
        lines=[(0, 1)],
        occurred_at=LATE_IN_MARCH,
    )

    assert posted.is_late
    assert posted.original.kind == "sale"
    assert not posted.entries.filter(period=march.period).exists()
    assert entry_snapshot(march.period) == march_before
    assert march.period.entries.filter(transaction=posted).count() == 0


def test_negative_balance_pays_zero_and_carries_forward(finance_network, hq_user):
    store_a = finance_network["a"]
    entity = store_a.legal_entity
    transaction_post(
        kind="adjustment",
        idempotency_key="adjustment:shop-window",
        occurred_at=INVOICED_AT,
        entries=[
            EntryLine(
                account_get(legal_entity=entity, purpose="store_payable"),
                "adjustment",
                debit=Decimal("30.00"),
            ),
            EntryLine(
                account_get(legal_entity=entity, purpose="cash"),
                "adjustment",
                credit=Decimal("30.00"),
            ),
        ],
        reason="Shop-window material charged to the store",
        approved_by=hq_user,
    )
    close_through(MARCH_END)
    march = statement_of(store_a, date(2026, 3, 1))

    SettlementPeriod.objects.create(
        legal_entity=entity, starts_on=date(2026, 4, 1), ends_on=date(2026, 4, 30)
    )
    close_through(date(2026, 4, 30))
    april = statement_of(store_a, date(2026, 4, 1))

    assert march.closing_balance == Decimal("-30.00")
    assert march.amount_to_pay == Decimal("0.00")
    assert april.opening_balance == Decimal("-30.00")
    assert april.entries_total == Decimal("0.00")
    assert april.closing_balance == Decimal("-30.00")
    assert april.amount_to_pay == Decimal("0.00")


def test_unpaid_statement_is_not_paid_twice(settled, finance_network):
    store_b = finance_network["b"]
    close_through(MARCH_END)
    SettlementPeriod.objects.create(
        legal_entity=store_b.legal_entity,
        starts_on=date(2026, 4, 1),
        ends_on=date(2026, 4, 30),
    )

    close_through(date(2026, 4, 30))

    april = statement_of(store_b, date(2026, 4, 1))
    assert april.opening_balance == Decimal("182.00")
    assert april.closing_balance == Decimal("182.00")
    assert april.amount_to_pay == Decimal("0.00")


def test_periods_close_in_order_within_one_run(settled, finance_network):
    store_b = finance_network["b"]
    SettlementPeriod.objects.create(
        legal_entity=store_b.legal_entity,
        starts_on=date(2026, 4, 1),
        ends_on=date(2026, 4, 30),
    )

    run = close_through(date(2026, 4, 30))

    april = statement_of(store_b, date(2026, 4, 1))
    assert run.statements_created == PayoutStatement.objects.count()
    assert april.opening_balance == Decimal("182.00")


@pytest.mark.postgres
def test_database_rejects_entry_in_closed_period(settled, finance_network):
    from django.db import IntegrityError, transaction

    close_through(MARCH_END)
    sale = LedgerTransaction.objects.get(kind="sale")
    entry = sale.entries.first()
    before = entry_snapshot(entry.period)

    with pytest.raises(IntegrityError) as error, transaction.atomic():
        LedgerEntry.objects.create(
            transaction=sale,
            account=entry.account,
            period=entry.period,
            entry_type="adjustment",
            credit=Decimal("1.00"),
        )

    assert "ledger entries go into an open period" in str(error.value)
    assert entry_snapshot(entry.period) == before
