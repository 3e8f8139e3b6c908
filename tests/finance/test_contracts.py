"""Contracts: validity without overlaps, edited by HQ finance with history."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from finance.models import Contract
from finance.services.contracts import contract_in_force, contract_save
from franchises.models import Membership
from tests.factories import MembershipFactory, UserFactory
from tests.i18n import pt_br

pytestmark = pytest.mark.django_db
OVERLAP_MESSAGE = (
    "The validity overlaps contract %(other)s of the same legal entity; end that "
    "contract first or change the dates."
)


@pytest.fixture
def finance_client(client):
    user = UserFactory(username="financeiro")
    MembershipFactory(user=user, role=Membership.Role.HQ_FINANCE, location=None)
    client.force_login(user)
    return client


def test_contract_in_force_by_date(store_a):
    entity = store_a.legal_entity
    old = Contract.objects.create(
        legal_entity=entity, valid_from=date(2025, 1, 1), valid_until=date(2026, 1, 1)
    )
    new = Contract.objects.create(legal_entity=entity, valid_from=date(2026, 1, 1))

    assert contract_in_force(legal_entity=entity, day=date(2025, 12, 31)) == old
    assert contract_in_force(legal_entity=entity, day=date(2026, 1, 1)) == new
    assert contract_in_force(legal_entity=entity, day=date(2024, 12, 31)) is None


@pytest.mark.parametrize(
    ("valid_from", "valid_until"),
    [
        (date(2025, 6, 1), None),
        (date(2025, 6, 1), date(2026, 2, 1)),
        (date(2026, 3, 1), date(2026, 4, 1)),
        (date(2025, 1, 1), date(2025, 12, 31)),
    ],
)
def test_overlapping_validity_rejected(store_a, valid_from, valid_until):
    entity = store_a.legal_entity
    existing = Contract.objects.create(
        legal_entity=entity, valid_from=date(2025, 12, 1)
    )

    with pytest.raises(ValidationError) as error:
        contract_save(
            contract=Contract(
                legal_entity=entity, valid_from=valid_from, valid_until=valid_until
            )
        )

    assert error.value.messages == [pt_br(OVERLAP_MESSAGE, other=existing)]
    assert Contract.objects.count() == 1


def test_adjacent_validity_accepted(store_a, store_b):
    entity = store_a.legal_entity
    Contract.objects.create(legal_entity=entity, valid_from=date(2025, 12, 1))
    Contract.objects.create(
        legal_entity=store_b.legal_entity, valid_from=date(2025, 1, 1)
    )

    saved = contract_save(
        contract=Contract(
            legal_entity=entity,
            valid_from=date(2025, 1, 1),
            valid_until=date(2025, 12, 1),
        )
    )

    assert saved.pk is not None


def test_end_before_start_rejected(store_a):
    with pytest.raises(ValidationError) as error:
        contract_save(
            contract=Contract(
                legal_entity=store_a.legal_entity,
                valid_from=date(2026, 1, 1),
                valid_until=date(2026, 1, 1),
            )
        )

    assert error.value.message_dict["valid_until"] == [
        pt_br("The end date must be after the start date.")
    ]
    assert Contract.objects.count() == 0


def test_percent_over_hundred_rejected(store_a):
    with pytest.raises(ValidationError) as error:
        contract_save(
            contract=Contract(
                legal_entity=store_a.legal_entity,
                valid_from=date(2026, 1, 1),
                royalty_percent=Decimal("101"),
            )
        )

    assert "contract_royalty_percent_range" in str(error.value)
    assert Contract.objects.count() == 0


def test_finance_edits_contract_in_admin_with_history(finance_client, store_a):
    contract = Contract.objects.create(
        legal_entity=store_a.legal_entity, valid_from=date(2026, 1, 1)
    )
    url = reverse("admin:finance_contract_change", args=[contract.pk])
    form = {
        field: getattr(contract, field)
        for field in (
            "commission_merchandise_percent",
            "commission_freight_percent",
            "marketing_fund_percent",
            "fulfilment_fee_fixed",
            "fulfilment_fee_percent",
            "pickup_fee",
            "regional_credit_percent",
            "payment_fee_percent",
            "payment_fee_payer",
            "rounding",
            "settlement_period",
        )
    }
    form.update(
        legal_entity=store_a.legal_entity.pk,
        valid_from="01/01/2026",
        valid_until="",
        royalty_percent="5.5",
        notes="",
    )

    response = finance_client.post(url, form)

    assert response.status_code == 302, response.context["adminform"].form.errors
    contract.refresh_from_db()
    assert contract.royalty_percent == Decimal("5.5")
    history = contract.history.order_by("history_id")
    assert [record.royalty_percent for record in history] == [
        Decimal("0"),
        Decimal("5.5"),
    ]
    assert history.last().history_user.username == "financeiro"


def test_admin_rejects_overlap_and_writes_nothing(finance_client, store_a):
    existing = Contract.objects.create(
        legal_entity=store_a.legal_entity, valid_from=date(2026, 1, 1)
    )
    url = reverse("admin:finance_contract_add")
    form = {
        "legal_entity": store_a.legal_entity.pk,
        "valid_from": "01/06/2026",
        "valid_until": "",
        "commission_merchandise_percent": "12",
        "commission_freight_percent": "0",
        "royalty_percent": "5",
        "marketing_fund_percent": "2",
        "fulfilment_fee_fixed": "0",
        "fulfilment_fee_percent": "0",
        "pickup_fee": "5",
        "regional_credit_percent": "4",
        "payment_fee_percent": "3",
        "payment_fee_payer": "franchisor",
        "rounding": "half_even",
        "settlement_period": "monthly",
        "notes": "",
    }

    response = finance_client.post(url, form)

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        pt_br(OVERLAP_MESSAGE, other=existing)
    ]
    assert Contract.objects.count() == 1


def test_operations_role_cannot_edit_contracts(client):
    user = UserFactory(username="ops")
    MembershipFactory(user=user, role=Membership.Role.HQ_OPS, location=None)
    client.force_login(user)

    assert client.get(reverse("admin:finance_contract_changelist")).status_code == 200
    assert client.get(reverse("admin:finance_contract_add")).status_code == 403
