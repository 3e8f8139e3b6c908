"""Checks on a return's date and on a repeated return id, in the service."""

from datetime import UTC, date, datetime, timedelta

import pytest

from finance.models import LedgerEntry, LedgerTransaction, LineShare
from finance.services.ledger import LedgerError
from finance.services.posting import order_part_settle
from finance.services.reversals import order_return_settle, return_date_check
from tests.finance.conftest import order_make, part_make
from tests.i18n import pt_br

pytestmark = pytest.mark.django_db
# 23:00 on 15 March 2026 in São Paulo (UTC-3), already 16 March in UTC.
NOW = datetime(2026, 3, 16, 2, 0, tzinfo=UTC)
AFTER_TODAY = (
    "The return date %(date)s is after today, %(today)s. Enter the date the "
    "goods came back."
)
BEFORE_INVOICE = (
    "The return date %(date)s is before %(invoiced)s, when the part was "
    "invoiced. Enter the date the goods came back."
)
REPLAY_DIFFERS = (
    "Return %(id)s was already posted with different content "
    "(%(differences)s). Register a different return under a new id."
)
QUANTITY_DIFFERS = "item %(index)s: quantity posted %(posted)s, requested %(requested)s"
DATE_DIFFERS = "date: posted %(posted)s, requested %(requested)s"


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW)


@pytest.fixture
def settled(finance_network):
    """Two lines invoiced by store B on 2 March 2026 at 15:00 in São Paulo."""
    order = order_make(
        items=[("100.00", 3), ("50.00", 2)],
        shipping=["25.00", "0.00"],
        postal_code="01310-100",
    )
    outcome = order_part_settle(assignment_id=part_make(order, finance_network["b"]).pk)
    return outcome.roles


def local_midnight(day: str) -> datetime:
    """Return midnight of an ISO day in São Paulo (UTC-3, no daylight saving)."""
    return datetime.fromisoformat(day).replace(tzinfo=UTC) + timedelta(hours=3)


def written() -> tuple[int, int, int]:
    return (
        LedgerTransaction.objects.count(),
        LedgerEntry.objects.count(),
        LineShare.objects.count(),
    )


def settle_return(roles, *, lines=((0, 1),), day="2026-03-10", return_id="NFD-1"):
    return order_return_settle(
        roles=roles,
        return_id=return_id,
        lines=list(lines),
        occurred_at=local_midnight(day),
    )


@pytest.mark.parametrize(
    ("day", "message", "params"),
    [
        (
            "2026-03-16",
            AFTER_TODAY,
            {"date": "16/03/2026", "today": "15/03/2026"},
        ),
        (
            "2030-01-01",
            AFTER_TODAY,
            {"date": "01/01/2030", "today": "15/03/2026"},
        ),
        (
            "2026-03-01",
            BEFORE_INVOICE,
            {"date": "01/03/2026", "invoiced": "02/03/2026"},
        ),
    ],
)
def test_return_date_out_of_range(settled, day, message, params):
    before = written()

    with pytest.raises(LedgerError) as error:
        settle_return(settled, day=day)

    assert str(error.value) == pt_br(message, **params)
    assert written() == before


@pytest.mark.parametrize("day", ["2026-03-02", "2026-03-15"])
def test_return_date_bounds_accepted(settled, day):
    posted = settle_return(settled, day=day)

    assert posted.kind == "return"
    assert posted.occurred_at == local_midnight(day)


def test_date_check_without_sale():
    return_date_check(returned_on=date(2020, 1, 1), invoiced_on=None)

    with pytest.raises(LedgerError) as error:
        return_date_check(returned_on=date(2026, 3, 16), invoiced_on=None)

    assert str(error.value) == pt_br(AFTER_TODAY, date="16/03/2026", today="15/03/2026")


def test_identical_replay_returns_posted(settled):
    posted = settle_return(settled, lines=[(0, 1), (1, 2)])
    before = written()

    again = settle_return(settled, lines=[(1, 2), (0, 1), (1, 0)])

    assert again == posted
    assert written() == before


@pytest.mark.parametrize(
    ("changes", "differences"),
    [
        (
            {"lines": [(0, 2)]},
            [(QUANTITY_DIFFERS, {"index": 0, "posted": 1, "requested": 2})],
        ),
        (
            {"lines": [(0, 1), (1, 1)]},
            [(QUANTITY_DIFFERS, {"index": 1, "posted": 0, "requested": 1})],
        ),
        (
            {"day": "2026-03-11"},
            [(DATE_DIFFERS, {"posted": "10/03/2026", "requested": "11/03/2026"})],
        ),
        (
            {"lines": [(1, 1)], "day": "2026-03-12"},
            [
                (QUANTITY_DIFFERS, {"index": 0, "posted": 1, "requested": 0}),
                (QUANTITY_DIFFERS, {"index": 1, "posted": 0, "requested": 1}),
                (DATE_DIFFERS, {"posted": "10/03/2026", "requested": "12/03/2026"}),
            ],
        ),
    ],
)
def test_changed_replay_rejected(settled, changes, differences):
    settle_return(settled)
    before = written()

    with pytest.raises(LedgerError) as error:
        settle_return(settled, **changes)

    listed = "; ".join(pt_br(message, **params) for message, params in differences)
    assert str(error.value) == pt_br(REPLAY_DIFFERS, id="NFD-1", differences=listed)
    assert written() == before


def test_changed_replay_names_stripped_id(settled):
    settle_return(settled)

    with pytest.raises(LedgerError) as error:
        settle_return(settled, return_id="  NFD-1 ", lines=[(0, 2)])

    listed = pt_br(QUANTITY_DIFFERS, index=0, posted=1, requested=2)
    assert str(error.value) == pt_br(REPLAY_DIFFERS, id="NFD-1", differences=listed)
