"""Reversals posted after their period closed point each reversing entry at
the entry it reverses."""

from datetime import UTC, date, datetime

import pytest

from finance.models import LedgerTransaction
from finance.models_statements import PeriodCloseRun
from finance.services.periods import period_close_run
from finance.services.posting import order_cancel_settle, order_part_settle
from finance.services.reversals import chargeback_hold, chargeback_resolve
from tests.finance.conftest import INVOICED_AT, order_make, part_make

pytestmark = pytest.mark.django_db

MARCH_END = date(2026, 3, 31)
LATE_IN_MARCH = datetime(2026, 3, 20, 15, 0, tzinfo=UTC)


@pytest.fixture
def settled(finance_network):
    """Store B ships 300,00 plus 25,00 freight into store A's region in March,
    and March is closed."""
    order = order_make(
        items=[("100.00", 3)], shipping=["25.00"], postal_code="01310-100"
    )
    outcome = order_part_settle(assignment_id=part_make(order, finance_network["b"]).pk)
    return outcome.roles


def close_march():
    run = PeriodCloseRun.objects.create(cutoff=MARCH_END)
    period_close_run(run_id=run.pk)


def assert_entries_point_at_originals(posted, roles, balancing_type):
    """Every entry but the balancing one points at the part's own entry of the
    same account, entry type and location."""
    reversing = posted.entries.exclude(entry_type=balancing_type)
    assert reversing.exists()
    for entry in reversing:
        original = entry.original_entry
        assert original is not None, (entry.account, entry.entry_type)
        assert original.account_id == entry.account_id
        assert original.entry_type == entry.entry_type
        assert original.location_id == entry.location_id
        assert original.transaction.roles == roles
        assert original.transaction.kind != posted.kind
    balancing = posted.entries.get(entry_type=balancing_type)
    assert balancing.original_entry is None


def test_late_cancellation_entries_point_at_originals(settled):
    close_march()
    order = settled.order
    order.status = "canceled"
    order.last_change = LATE_IN_MARCH
    order.save()

    assert order_cancel_settle(order_id=order.pk) == 1

    cancellation = LedgerTransaction.objects.get(kind="cancellation")
    assert cancellation.is_late
    assert cancellation.original.kind == "sale"
    assert_entries_point_at_originals(cancellation, settled, "cancellation")


def test_late_chargeback_lost_entries_point_at_originals(settled):
    chargeback_hold(
        order=settled.order,
        payable_id="CB1",
        amount=settled.order.total,
        occurred_at=INVOICED_AT,
    )
    close_march()

    lost = chargeback_resolve(payable_id="CB1", won=False, occurred_at=LATE_IN_MARCH)

    assert lost.is_late
    assert lost.original.kind == "chargeback_held"
    assert_entries_point_at_originals(lost, settled, "chargeback_lost")
