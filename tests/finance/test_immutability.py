"""Ledger rows are append-only: in code on every database, and by triggers on
PostgreSQL, which also check at commit that each transaction balances."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from finance.models import LedgerEntry, LedgerImmutableError, LedgerTransaction
from finance.services.posting import order_part_settle
from tests.finance.conftest import INVOICED_AT, order_make, part_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def posted(finance_network):
    order = order_make(items=[("200.00", 1)], shipping=["20.00"])
    order_part_settle(assignment_id=part_make(order, finance_network["b"]).pk)
    return LedgerTransaction.objects.get(kind="sale")


def test_code_rejects_entry_changes(posted):
    entry = posted.entries.first()
    entry.debit = Decimal("1.00")

    with pytest.raises(LedgerImmutableError):
        entry.save()
    with pytest.raises(LedgerImmutableError):
        entry.delete()
    with pytest.raises(LedgerImmutableError):
        LedgerEntry.objects.filter(pk=entry.pk).update(debit=Decimal("1.00"))
    with pytest.raises(LedgerImmutableError):
        LedgerEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(LedgerImmutableError):
        LedgerTransaction.objects.filter(pk=posted.pk).update(description="x")

    stored = LedgerEntry.objects.get(pk=entry.pk)
    assert (stored.debit, stored.credit) == (
        posted.entries.get(pk=entry.pk).debit,
        posted.entries.get(pk=entry.pk).credit,
    )


def raw(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE finance_ledgerentry SET debit = debit + 1 WHERE transaction_id = %s",
        "DELETE FROM finance_ledgerentry WHERE transaction_id = %s",
        "UPDATE finance_ledgertransaction SET description = 'x' WHERE id = %s",
        "DELETE FROM finance_ledgertransaction WHERE id = %s",
    ],
)
def test_database_rejects_changes_to_ledger(posted, sql):
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        raw(sql, [posted.pk])

    assert "ledger rows are append-only" in str(error.value)


@pytest.mark.postgres
def test_database_rejects_unbalanced_transaction_at_commit(posted):
    entry = posted.entries.first()

    with pytest.raises(IntegrityError) as error, transaction.atomic():
        unbalanced = LedgerTransaction.objects.create(
            kind="payout", idempotency_key="payout:unbalanced", occurred_at=INVOICED_AT
        )
        LedgerEntry.objects.create(
            transaction=unbalanced,
            account_id=entry.account_id,
            period_id=entry.period_id,
            entry_type="payout",
            debit=Decimal("5.00"),
        )
        # Deferred constraint triggers run at commit; this runs them now,
        # inside the test's own transaction.
        raw("SET CONSTRAINTS ALL IMMEDIATE")

    assert f"ledger transaction {unbalanced.pk} is unbalanced" in str(error.value)
    assert not LedgerTransaction.objects.filter(
        idempotency_key="payout:unbalanced"
    ).exists()


@pytest.mark.postgres
def test_database_accepts_balanced_posting(posted):
    raw("SET CONSTRAINTS ALL IMMEDIATE")

    assert posted.entries.count() == 4
