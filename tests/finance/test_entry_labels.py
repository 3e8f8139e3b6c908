"""Ledger pages name entry types, not their codes."""

import pytest
from django.urls import reverse

from finance.services.posting import order_part_settle
from franchises.models import Membership
from tests.factories import MembershipFactory, UserFactory
from tests.finance.conftest import order_make, part_make
from tests.i18n import pt_br

pytestmark = pytest.mark.django_db


def test_entry_list_shows_entry_type_labels(client, finance_network):
    store_b = finance_network["b"]
    order_part_settle(
        assignment_id=part_make(order_make(items=[("200.00", 1)]), store_b).pk
    )
    user = UserFactory(username="gerente-b-rotulos")
    MembershipFactory(user=user, role=Membership.Role.STORE_MANAGER, location=store_b)
    client.force_login(user)

    content = client.get(reverse("finance:entries")).content.decode()

    assert f"<td>{pt_br('Sale')}</td>" in content
    assert f"<td>{pt_br('Commission')}</td>" in content
    assert "<td>sale</td>" not in content
    assert "<td>commission</td>" not in content
