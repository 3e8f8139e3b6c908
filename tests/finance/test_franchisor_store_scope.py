"""A store the franchisor owns does not see the franchisor's own ledger."""

from datetime import date

import pytest
from django.urls import reverse

from finance.models import Contract, LedgerEntry
from finance.models_statements import PayoutStatement, PeriodCloseRun
from finance.selectors import visible_entries
from finance.selectors_statements import visible_statements
from finance.services.periods import period_close_run
from finance.services.posting import order_part_settle
from franchises.models import Membership
from tests.factories import LocationFactory, MembershipFactory, UserFactory
from tests.finance.conftest import EXAMPLE_TERMS, order_make, part_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_store(finance_network):
    franchisor = finance_network["franchisor"]
    Contract.objects.create(
        legal_entity=franchisor, valid_from=date(2026, 1, 1), **EXAMPLE_TERMS
    )
    return LocationFactory(code="loja-propria", legal_entity=franchisor)


@pytest.fixture
def own_store_manager(own_store):
    user = UserFactory(username="gerente-propria")
    MembershipFactory(user=user, role=Membership.Role.STORE_MANAGER, location=own_store)
    return user


@pytest.fixture
def settled(finance_network, own_store):
    """One order fulfilled by store B and one by the franchisor's own store."""
    order_part_settle(
        assignment_id=part_make(
            order_make(items=[("200.00", 1)]), finance_network["b"]
        ).pk
    )
    order_part_settle(
        assignment_id=part_make(order_make(items=[("100.00", 1)]), own_store).pk
    )


def test_own_store_sees_only_entries_of_its_location(
    settled, own_store, own_store_manager
):
    entries = visible_entries(own_store_manager)

    assert entries.exists()
    assert set(entries.values_list("location_id", flat=True)) == {own_store.pk}
    assert LedgerEntry.objects.filter(
        location__isnull=True,
        account__legal_entity__kind="franchisor",
    ).exists()


def test_own_store_gets_404_on_franchisor_statement(
    client, settled, finance_network, own_store_manager
):
    period_close_run(run_id=PeriodCloseRun.objects.create(cutoff=date(2026, 3, 31)).pk)
    statement = PayoutStatement.objects.get(legal_entity=finance_network["franchisor"])
    client.force_login(own_store_manager)

    response = client.get(reverse("finance:statement", kwargs={"pk": statement.pk}))

    assert response.status_code == 404
    assert not visible_statements(own_store_manager).exists()


def test_franchisee_manager_still_sees_entity_entries(settled, finance_network):
    user = UserFactory(username="gerente-b-financeiro")
    MembershipFactory(
        user=user,
        role=Membership.Role.STORE_MANAGER,
        location=finance_network["b"],
    )

    entries = visible_entries(user)

    assert entries.filter(location=finance_network["b"]).exists()
    assert not entries.filter(account__legal_entity__kind="franchisor").exists()
