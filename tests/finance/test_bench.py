"""The period-close benchmark on a small ledger (PostgreSQL only)."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from finance.bench import BenchDatabaseNotEmpty, period_close_bench
from finance.models import LedgerEntry, LedgerTransaction
from finance.models_statements import PayoutStatement

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def test_bench_closes_generated_ledger():
    result = period_close_bench(orders=100, entities=4)

    statements = PayoutStatement.objects.all()
    assert result["statements"] == 4
    assert result["entries"] == 600
    assert statements.count() == 4
    assert {statement.opening_balance for statement in statements} == {Decimal("0")}
    assert (
        sum(statement.entries_total for statement in statements)
        == (result["entries_total"])
    )
    assert LedgerEntry.objects.filter(account__purpose="store_payable").count() == 300


def test_bench_refuses_foreign_ledger():
    LedgerTransaction.objects.create(
        kind="payout",
        idempotency_key="payout:TED-1",
        occurred_at=datetime(2026, 3, 2, tzinfo=UTC),
    )

    with pytest.raises(BenchDatabaseNotEmpty) as error:
        period_close_bench(orders=10, entities=2)

    assert str(error.value) == (
        "The database contains 1 ledger transactions that the benchmark did not "
        "generate, and the benchmark empties the ledger; point DATABASE_URL at a "
        "benchmark-only database."
    )
    assert LedgerTransaction.objects.count() == 1
