"""Admin of the network: every registered page opens, CNPJ input and display."""

import pytest
from django.contrib import admin
from django.urls import reverse

from franchises.models import LegalEntity, Membership
from orders.admin import ViewOnlyMixin
from tests.factories import LegalEntityFactory, UserFactory, make_cnpj

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client):
    user = UserFactory(username="admin", is_staff=True, is_superuser=True)
    # UserFactory sets the password without saving it, and Django ends a session
    # whose password hash differs from the stored one.
    user.save(update_fields=["password"])
    client.force_login(user)
    return client


def admin_url(model, view: str, *args) -> str:
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def test_admin_pages_open_for_superuser_outside_orders(
    superuser_client, manager_a, hq_user
):
    models = [
        model for model in admin.site._registry if model._meta.app_label != "orders"
    ]

    assert LegalEntity in models
    for model in models:
        model_admin = admin.site._registry[model]
        changelist = superuser_client.get(admin_url(model, "changelist"))
        add = superuser_client.get(admin_url(model, "add"))
        instance = model.objects.first()

        assert changelist.status_code == 200, model
        # View-only admins (records that come from VTEX or from the
        # workflow) refuse the add form.
        expected_add = 403 if isinstance(model_admin, ViewOnlyMixin) else 200
        assert add.status_code == expected_add, model
        if instance is not None:
            change = superuser_client.get(admin_url(model, "change", instance.pk))
            assert change.status_code == 200, model
        if hasattr(model_admin, "history_view") and instance is not None:
            history = superuser_client.get(admin_url(model, "history", instance.pk))
            assert history.status_code == 200, model


def test_legal_entity_admin_accepts_masked_cnpj(superuser_client):
    cnpj = make_cnpj(42)
    masked = f"{cnpj[:2]}.{cnpj[2:5]}.{cnpj[5:8]}/{cnpj[8:12]}-{cnpj[12:]}"

    response = superuser_client.post(
        admin_url(LegalEntity, "add"),
        {
            "cnpj": masked,
            "legal_name": "Franquia Centro Ltda",
            "trade_name": "Franquia Centro",
            "kind": LegalEntity.Kind.FRANCHISEE,
            "locations-TOTAL_FORMS": "0",
            "locations-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    assert LegalEntity.objects.get().cnpj == cnpj


def test_legal_entity_admin_accepts_alphanumeric_cnpj(superuser_client):
    response = superuser_client.post(
        admin_url(LegalEntity, "add"),
        {
            "cnpj": "12.abc.345/01de-35",
            "legal_name": "Franquia Alfa Ltda",
            "kind": LegalEntity.Kind.FRANCHISEE,
            "locations-TOTAL_FORMS": "0",
            "locations-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    assert LegalEntity.objects.get().cnpj == "12ABC34501DE35"


def test_legal_entity_admin_rejects_wrong_check_digits(superuser_client):
    response = superuser_client.post(
        admin_url(LegalEntity, "add"),
        {
            "cnpj": "12.345.678/0001-00",
            "legal_name": "Franquia Errada Ltda",
            "kind": LegalEntity.Kind.FRANCHISEE,
            "locations-TOTAL_FORMS": "0",
            "locations-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert (
        "CNPJ inválido 12345678000100: os dígitos verificadores não conferem."
        in response.content.decode()
    )
    assert not LegalEntity.objects.exists()


def test_legal_entity_admin_shows_masked_cnpj(superuser_client):
    entity = LegalEntityFactory()

    changelist = superuser_client.get(admin_url(LegalEntity, "changelist"))
    change = superuser_client.get(admin_url(LegalEntity, "change", entity.pk))

    assert entity.cnpj_masked in changelist.content.decode()
    assert f'value="{entity.cnpj_masked}"' in change.content.decode()


def test_legal_entity_admin_finds_masked_cnpj(superuser_client):
    target = LegalEntityFactory()
    LegalEntityFactory()

    response = superuser_client.get(
        admin_url(LegalEntity, "changelist"), {"q": target.cnpj_masked}
    )

    assert response.context["cl"].result_count == 1
    assert list(response.context["cl"].result_list) == [target]


def test_legal_entity_admin_change_is_recorded_in_history(superuser_client):
    entity = LegalEntityFactory(legal_name="Nome Antigo Ltda")

    response = superuser_client.post(
        admin_url(LegalEntity, "change", entity.pk),
        {
            "cnpj": entity.cnpj_masked,
            "legal_name": "Nome Novo Ltda",
            "kind": entity.kind,
            "locations-TOTAL_FORMS": "0",
            "locations-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    latest = entity.history.first()
    assert latest.legal_name == "Nome Novo Ltda"
    assert latest.history_user.username == "admin"


def test_user_admin_adds_store_membership_inline(superuser_client, store_a):
    user = UserFactory(username="vendedora")

    response = superuser_client.post(
        admin_url(type(user), "change", user.pk),
        {
            "username": "vendedora",
            "is_active": "on",
            "date_joined_0": "01/03/2026",
            "date_joined_1": "09:00:00",
            "initial-date_joined_0": "01/03/2026",
            "initial-date_joined_1": "09:00:00",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-0-role": Membership.Role.STORE_STAFF,
            "memberships-0-location": str(store_a.pk),
        },
    )

    assert response.status_code == 302
    membership = Membership.objects.get(user=user)
    assert membership.role == Membership.Role.STORE_STAFF
    assert membership.location == store_a


def test_user_admin_rejects_store_role_without_scope(superuser_client):
    user = UserFactory(username="sem-loja")

    response = superuser_client.post(
        admin_url(type(user), "change", user.pk),
        {
            "username": "sem-loja",
            "is_active": "on",
            "date_joined_0": "01/03/2026",
            "date_joined_1": "09:00:00",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-0-role": Membership.Role.STORE_MANAGER,
        },
    )

    assert response.status_code == 200
    assert (
        "Papéis de loja precisam de exatamente uma unidade ou uma empresa."
        in response.content.decode()
    )
    assert not Membership.objects.filter(user=user).exists()
