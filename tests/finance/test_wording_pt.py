"""Finance page wording in pt-BR."""

import pytest
from django.urls import reverse

from franchises.models import Membership
from tests.factories import MembershipFactory, UserFactory
from tests.i18n import pt_br

pytestmark = pytest.mark.django_db

CLOSE_HELP = (
    "Closing runs in the background: each period becomes closing, its payout "
    "statement is computed and the period is closed. Closing a period twice "
    "changes nothing."
)


@pytest.fixture
def finance_user(db):
    user = UserFactory(username="financeiro")
    MembershipFactory(user=user, role=Membership.Role.HQ_FINANCE, location=None)
    return user


def test_close_help_text_in_portuguese():
    assert pt_br(CLOSE_HELP) == (
        "O fechamento roda em segundo plano: cada período passa à situação "
        "“Em fechamento”, seu extrato de repasse é calculado e o período é "
        "fechado. Fechar um período duas vezes não muda nada."
    )


def test_close_page_shows_help_text(client, finance_user):
    client.force_login(finance_user)

    content = client.get(reverse("finance:period_close")).content.decode()

    assert f'<p class="lead">{pt_br(CLOSE_HELP)}</p>' in content
    assert "passa a em fechamento" not in content
