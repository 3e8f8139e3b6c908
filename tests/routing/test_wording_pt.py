"""Candidate reasons in pt-BR: location statuses by their labels and the
store-shipping reason in Portuguese, while the stored reason keeps codes."""

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from franchises.models import Location
from orders.models import Order
from orders.services.refresh import order_store_document
from routing import explanations
from routing.models import RoutingDecision
from routing.services.routing import orders_route
from routing.views import routing_decision_context
from tests.i18n import pt_br
from tests.orders.documents import vtex_document, vtex_text

PAUSED_PT = "a situação “Pausada” não é permitida (permitidas: Ativa, Em observação)"
NO_SHIPPING_PT = "a loja não envia pedidos (o envio pela loja está desativado)"


def row_reason_in(language: str, stored) -> str:
    with translation.override(language):
        return explanations.row_reason({"reason": stored})


def test_status_reason_uses_labels():
    stored = [
        "status_not_allowed",
        {"status": "paused", "allowed": "active, probation"},
    ]

    assert row_reason_in("pt-br", stored) == PAUSED_PT


def test_status_reason_from_english_text():
    stored = "status paused is not allowed (active, probation)"

    assert row_reason_in("pt-br", stored) == PAUSED_PT


def test_status_reason_in_english():
    stored = [
        "status_not_allowed",
        {"status": "paused", "allowed": "active, probation"},
    ]

    text = row_reason_in("en", stored)

    assert text == "status Paused is not allowed (Active, Probation)"


def test_unknown_status_kept_as_stored():
    stored = ["status_not_allowed", {"status": "closed", "allowed": "active"}]

    text = row_reason_in("pt-br", stored)

    assert text == "a situação “closed” não é permitida (permitidas: Ativa)"


def test_status_reason_leaves_stored_params():
    stored = [
        "status_not_allowed",
        {"status": "paused", "allowed": "active, probation"},
    ]

    row_reason_in("pt-br", stored)

    assert stored[1] == {"status": "paused", "allowed": "active, probation"}


def test_no_shipping_reason_in_portuguese():
    assert row_reason_in("pt-br", ["no_shipping", {}]) == NO_SHIPPING_PT


def test_status_label_every_choice():
    with translation.override("pt-br"):
        labels = [explanations.location_status_label(code) for code in Location.Status]

    assert labels == ["Ativa", "Pausada", "Em observação"]


@pytest.fixture
def paused_and_no_shipping(network):
    """Store B paused; store C does not ship from the store."""
    Location.objects.filter(pk=network["b"].pk).update(status=Location.Status.PAUSED)
    Location.objects.filter(pk=network["c"].pk).update(ships_from_store=False)
    Location.objects.filter(pk=network["a"].pk).update(ships_from_store=True)
    return network


@pytest.mark.django_db
def test_order_page_reasons_in_portuguese(paused_and_no_shipping, policy, hq_user):
    document = vtex_document("delivery-sao-paulo")
    order_store_document(
        vtex_order_id=document["orderId"], text=vtex_text(document), source="hook"
    )
    order = Order.objects.get(vtex_order_id=document["orderId"])
    orders_route(order_ids=[order.pk], triggered_by="hook")
    decision = RoutingDecision.objects.get(order=order)

    with translation.override("pt-br"):
        html = render_to_string(
            "routing/_decision.html",
            {"routing": routing_decision_context(decision, hq_user), "user": hq_user},
        )

    assert PAUSED_PT in html
    assert NO_SHIPPING_PT in html
    assert "paused" not in html
    assert "ship-from-store" not in html
    stored = {row["code"]: row for row in explanations.decision_table(decision)["rows"]}
    assert stored["loja-b"]["reason"][1]["status"] == "paused"


@pytest.mark.parametrize(
    ("message", "params", "expected"),
    [
        (
            "the best single location holds %(covered)s of %(units)s",
            {"covered": 3, "units": 5},
            "o melhor local sozinho tem 3 de 5",
        ),
        (
            "The pickup order names no pickup location.",
            {},
            "O pedido de retirada não informa o ponto de retirada.",
        ),
    ],
)
def test_location_not_called_unidade_beside_units(message, params, expected):
    assert pt_br(message, **params) == expected
