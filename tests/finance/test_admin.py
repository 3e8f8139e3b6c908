"""Finance in the admin: the finance role's permissions and manual adjustments."""

from decimal import Decimal

import pytest
from django.urls import reverse

from finance.models import LedgerEntry, LedgerTransaction
from finance.services.ledger import account_get
from franchises.models import Membership
from tests.factories import MembershipFactory, UserFactory
from tests.i18n import pt_br

pytestmark = pytest.mark.django_db


def hq(role, username):
    user = UserFactory(username=username)
    MembershipFactory(user=user, role=role, location=None)
    user.refresh_from_db()
    return user


@pytest.fixture
def accounts(franchisor):
    return (
        account_get(legal_entity=franchisor, purpose="payment_fees"),
        account_get(legal_entity=franchisor, purpose="provider_clearing"),
    )


def adjustment_form(accounts, approver, **changes):
    fees, clearing = accounts
    form = {
        "reference": "aj-100",
        "reason": "Tarifa estornada pelo provedor",
        "approver": approver.pk,
        "account_0": fees.pk,
        "debit_0": "3,50",
        "account_1": clearing.pk,
        "credit_1": "3,50",
    }
    form.update(changes)
    return form


def test_finance_posts_adjustment_in_admin(client, accounts):
    author = hq(Membership.Role.HQ_FINANCE, "financeiro-1")
    approver = hq(Membership.Role.HQ_FINANCE, "financeiro-2")
    client.force_login(author)
    url = reverse("admin:finance_ledgertransaction_adjustment")

    response = client.post(url, adjustment_form(accounts, approver))

    posted = LedgerTransaction.objects.get()
    assert response.status_code == 302
    assert posted.reason == "Tarifa estornada pelo provedor"
    assert posted.approved_by == approver
    assert posted.created_by == author
    assert sorted(posted.entries.values_list("debit", "credit")) == [
        (Decimal("0.00"), Decimal("3.50")),
        (Decimal("3.50"), Decimal("0.00")),
    ]


def test_unbalanced_adjustment_writes_nothing(client, accounts):
    author = hq(Membership.Role.HQ_FINANCE, "financeiro-1")
    approver = hq(Membership.Role.HQ_FINANCE, "financeiro-2")
    client.force_login(author)
    url = reverse("admin:finance_ledgertransaction_adjustment")

    response = client.post(url, adjustment_form(accounts, approver, credit_1="3,40"))

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        pt_br(
            "The transaction is unbalanced: debits %(debit)s, credits %(credit)s.",
            debit="R$ 3,50",
            credit="R$ 3,40",
        )
    ]
    assert LedgerTransaction.objects.count() == 0
    assert LedgerEntry.objects.count() == 0


def test_author_cannot_approve_own_adjustment(client, accounts):
    author = hq(Membership.Role.HQ_FINANCE, "financeiro-1")
    client.force_login(author)
    url = reverse("admin:finance_ledgertransaction_adjustment")

    response = client.post(url, adjustment_form(accounts, author))

    assert "approver" in response.context["form"].errors
    assert LedgerTransaction.objects.count() == 0


def test_operations_cannot_post_adjustments(client, accounts):
    client.force_login(hq(Membership.Role.HQ_OPS, "ops"))

    response = client.get(reverse("admin:finance_ledgertransaction_adjustment"))

    assert response.status_code == 403


def test_ledger_is_read_only_in_admin(client):
    client.force_login(hq(Membership.Role.HQ_FINANCE, "financeiro"))

    assert (
        client.get(reverse("admin:finance_ledgerentry_changelist")).status_code == 200
    )
    assert client.get(reverse("admin:finance_ledgerentry_add")).status_code == 403
    assert client.get(reverse("admin:finance_ledgertransaction_add")).status_code == 403
