"""HQ finance's review of payout statements: review, approve, mark paid."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from finance.models import LedgerTransaction, SettlementPeriod
from finance.models_statements import PayoutStatement, PeriodCloseRun, StatementEvent
from finance.services.periods import period_close_run
from finance.services.posting import order_part_settle
from finance.services.statements import (
    StatementError,
    statement_approve,
    statement_mark_paid,
    statement_review,
)
from franchises.models import Membership
from tests.factories import LocationFactory, MembershipFactory, UserFactory
from tests.finance.conftest import order_make, part_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def finance_user(db):
    user = UserFactory(username="financeiro", is_staff=True)
    MembershipFactory(user=user, role=Membership.Role.HQ_FINANCE, location=None)
    return user


@pytest.fixture
def statement(finance_network):
    order = order_make(items=[("100.00", 2)], shipping=["20.00"])
    order_part_settle(assignment_id=part_make(order, finance_network["b"]).pk)
    run = PeriodCloseRun.objects.create(cutoff=date(2026, 3, 31))
    period_close_run(run_id=run.pk)
    return PayoutStatement.objects.get(legal_entity=finance_network["b"].legal_entity)


def test_review_approve_pay_records_each_step(statement, finance_user):
    statement_review(statement_id=statement.pk, user=finance_user)
    statement_approve(statement_id=statement.pk, user=finance_user)
    paid = statement_mark_paid(statement_id=statement.pk, user=finance_user)

    actions = list(
        StatementEvent.objects.filter(statement=statement).values_list(
            "action", "user__username"
        )
    )
    assert paid.status == PayoutStatement.Status.PAID
    assert paid.reviewed_by == finance_user
    assert paid.approved_by == finance_user
    assert paid.paid_by == finance_user
    assert paid.reviewed_at is not None
    assert paid.approved_at is not None
    assert paid.paid_at is not None
    assert actions == [
        ("created", None),
        ("reviewed", "financeiro"),
        ("approved", "financeiro"),
        ("paid", "financeiro"),
    ]
    assert paid.payout.kind == LedgerTransaction.Kind.PAYOUT
    assert paid.payout.idempotency_key == f"payout:statement-{statement.pk}"
    payout_entry = paid.payout.entries.get(debit__gt=0)
    assert payout_entry.debit == Decimal("182.00")
    assert payout_entry.period.status == SettlementPeriod.Status.OPEN


def test_paid_statement_opens_next_period_settled(statement, finance_user):
    statement_review(statement_id=statement.pk, user=finance_user)
    statement_approve(statement_id=statement.pk, user=finance_user)
    paid = statement_mark_paid(statement_id=statement.pk, user=finance_user)
    payout_period = paid.payout.entries.get(debit__gt=0).period

    run = PeriodCloseRun.objects.create(cutoff=payout_period.ends_on)
    period_close_run(run_id=run.pk)

    following = PayoutStatement.objects.get(period=payout_period)
    assert following.opening_balance == Decimal("182.00")
    assert following.entries_total == Decimal("-182.00")
    assert following.closing_balance == Decimal("0.00")
    assert following.amount_to_pay == Decimal("0.00")


def test_step_out_of_order_rejected(statement, finance_user):
    with translation.override("en"), pytest.raises(StatementError) as error:
        statement_approve(statement_id=statement.pk, user=finance_user)

    statement.refresh_from_db()
    assert str(error.value) == (
        f"Statement {statement} is To review; this step needs a statement that "
        "is Reviewed."
    )
    assert statement.status == PayoutStatement.Status.TO_REVIEW
    assert statement.events.count() == 1


def test_store_manager_cannot_review(statement, manager_b):
    with translation.override("en"), pytest.raises(StatementError) as error:
        statement_review(statement_id=statement.pk, user=manager_b)

    statement.refresh_from_db()
    assert str(error.value) == (
        "gerente-b may not review, approve or pay statements: only HQ finance may."
    )
    assert statement.status == PayoutStatement.Status.TO_REVIEW
    assert statement.reviewed_by is None


def test_zero_statement_paid_without_payout(finance_network, finance_user):
    entity = finance_network["a"].legal_entity
    SettlementPeriod.objects.create(
        legal_entity=entity, starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 31)
    )
    period_close_run(run_id=PeriodCloseRun.objects.create(cutoff=date(2026, 3, 31)).pk)
    statement = PayoutStatement.objects.get(legal_entity=entity)
    statement_review(statement_id=statement.pk, user=finance_user)
    statement_approve(statement_id=statement.pk, user=finance_user)

    paid = statement_mark_paid(statement_id=statement.pk, user=finance_user)

    assert paid.status == PayoutStatement.Status.PAID
    assert paid.payout is None
    assert not LedgerTransaction.objects.filter(kind="payout").exists()


def test_admin_actions_move_statement(client, statement, finance_user):
    client.force_login(finance_user)
    url = reverse("admin:finance_payoutstatement_changelist")

    for action in ("review", "approve", "mark_paid"):
        response = client.post(
            url, {"action": action, "_selected_action": [statement.pk]}
        )
        assert response.status_code == 302

    statement.refresh_from_db()
    assert statement.status == PayoutStatement.Status.PAID
    assert statement.paid_by == finance_user


def test_admin_statement_pages_render(client, statement, finance_user):
    client.force_login(finance_user)

    listing = client.get(reverse("admin:finance_payoutstatement_changelist"))
    detail = client.get(
        reverse("admin:finance_payoutstatement_change", args=[statement.pk])
    )
    runs = client.get(reverse("admin:finance_periodcloserun_changelist"))

    assert listing.status_code == 200
    assert detail.status_code == 200
    assert runs.status_code == 200


def test_approval_notifies_each_location_once(
    statement, finance_user, finance_network, django_capture_on_commit_callbacks
):
    from monitoring.models import Notification

    second = LocationFactory(
        code="loja-b2", legal_entity=finance_network["b"].legal_entity
    )
    statement_review(statement_id=statement.pk, user=finance_user)
    with django_capture_on_commit_callbacks(execute=True):
        statement_approve(statement_id=statement.pk, user=finance_user)

    notified = Notification.objects.filter(kind="statement_ready")
    assert sorted(notified.values_list("location_id", flat=True)) == sorted(
        [finance_network["b"].pk, second.pk]
    )
    assert all(
        notification.payload["statement"] == statement.pk for notification in notified
    )
