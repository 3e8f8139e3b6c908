"""Portuguese labels of routing: one noun for an assignment ("atribuição",
feminine) and the forms that agree with it."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from api.models import Integration
from routing.admin import policy_step_history
from routing.models import (
    Assignment,
    AssignmentEvent,
    AssignmentLine,
    PolicyStep,
    RoutingPolicy,
    StockSnapshot,
)
from routing.services.policies import policy_new_draft
from tests.i18n import pt_br
from tests.routing.test_pages import detail_url, log_in, make_assignment

# Every assignment state in pt-BR, agreeing with "atribuição".
STATE_LABELS = {
    "offered": "Oferecida",
    "accepted": "Aceita",
    "rejected": "Recusada",
    "expired": "Vencida",
    "picking": "Em separação",
    "ready_for_pickup": "Pronta para retirada",
    "shipped": "Enviada",
    "invoiced": "Faturada",
    "delivered": "Entregue",
    "canceled": "Cancelada",
}


def in_portuguese(value) -> str:
    with translation.override("pt-br"):
        return str(value)


@pytest.mark.parametrize(("state", "label"), sorted(STATE_LABELS.items()))
def test_assignment_state_label_agrees(state, label):
    assert in_portuguese(Assignment.State(state).label) == label


def test_order_status_keeps_masculine():
    # An order ("pedido") is masculine, so its statuses stay apart.
    assert pt_br("Invoiced") == "Faturado"
    assert pt_br("Canceled") == "Cancelado"


def test_invoiced_at_agrees_with_assignment():
    field = Assignment._meta.get_field("invoiced_at")

    assert in_portuguese(field.verbose_name) == "faturada em"


def test_nfe_key_label_capitalised():
    assert pt_br("NF-e key") == "Chave da NF-e"


@pytest.mark.parametrize(
    ("model", "name"),
    [
        (AssignmentEvent, "evento da atribuição"),
        (AssignmentLine, "linha da atribuição"),
        (PolicyStep, "etapa da política"),
        (StockSnapshot, "contagem de estoque"),
    ],
)
def test_routing_model_names_translated(model, name):
    assert in_portuguese(model._meta.verbose_name) == name


def test_policy_step_kind_is_noun():
    assert in_portuguese(PolicyStep.Kind.FILTER.label) == "Filtro"
    # The filter button of list pages is a verb and keeps its form.
    assert pt_br("Filter") == "Filtrar"


def test_admin_message_agrees_with_integration():
    with translation.override("pt-br"):
        message = gettext("The {name} “{obj}” was added successfully.").format(
            name=Integration._meta.verbose_name, obj="ERP"
        )

    assert message == "Cadastro salvo: sistema integrado “ERP”."


def test_admin_message_has_no_gendered_article():
    with translation.override("pt-br"):
        message = gettext("The {name} “{obj}” was changed successfully.").format(
            name=RoutingPolicy._meta.verbose_name, obj="Padrão"
        )

    assert message == "Alterações salvas: política de roteamento “Padrão”."


@pytest.mark.django_db
def test_admin_page_uses_project_wording(admin_client):
    group = Group.objects.create(name="Lojas")
    url = reverse("admin:auth_group_delete", args=[group.pk])

    response = admin_client.post(url, {"post": "yes"}, follow=True)

    messages = [str(message) for message in response.context["messages"]]
    assert messages == ["Exclusão concluída: grupo “Lojas”."]
    assert not Group.objects.filter(pk=group.pk).exists()


@pytest.mark.django_db
def test_assignment_page_shows_agreeing_state(client, manager_a, store_a):
    assignment = make_assignment(store_a, state=Assignment.State.INVOICED)
    log_in(client, manager_a)

    page = client.get(detail_url(assignment)).content.decode()

    assert ">Faturada<" in page
    assert ">Faturado<" not in page


@pytest.mark.django_db
def test_invoiced_date_label_agrees(client, manager_a, store_a):
    assignment = make_assignment(
        store_a, state=Assignment.State.INVOICED, invoiced_at=timezone.now()
    )
    log_in(client, manager_a)

    page = client.get(detail_url(assignment)).content.decode()

    assert "<dt>Faturada</dt>" in page
    assert "<dt>Faturado</dt>" not in page


@pytest.mark.django_db
def test_step_history_actions_agree(policy, admin_user):
    draft = policy_new_draft(policy=policy)
    step = draft.steps.get(name="distance")
    step.weight = Decimal("3")
    step.save()
    draft.steps.get(name="status").delete()

    with translation.override("pt-br"):
        rows = policy_step_history(policy_id=draft.pk)
        actions = {(row["record"].name, str(row["action"])) for row in rows}

    assert ("status", "Removida") in actions
    assert ("distance", "Alterada") in actions
    assert ("distance", "Adicionada") in actions
    assert not any(action == "Criado em" for _name, action in actions)


@pytest.mark.django_db
def test_assignment_named_with_state_label(store_a):
    assignment = make_assignment(store_a, state=Assignment.State.INVOICED)

    with translation.override("pt-br"):
        name = str(assignment)

    assert name == f"Atribuição {assignment.pk} (Faturada)"
