"""Reasons stored as codes or English text, rendered in the user's language."""

import pytest
from django.template.loader import render_to_string
from django.utils.translation import gettext

from franchises.models import Location, Membership
from orders.models import Order
from orders.services.refresh import order_store_document
from routing import explanations
from routing.candidate_rows import COLUMNS, rows_pack, rows_unpack
from routing.engine import Step, route
from routing.engine import messages as m
from routing.models import RoutingDecision
from routing.services.routing import orders_route
from routing.views import routing_decision_context
from tests.factories import LocationFactory, MembershipFactory
from tests.orders.documents import vtex_document, vtex_text
from tests.routing.engine.builders import (
    CAMPINAS,
    candidate,
    line,
    order,
    policy,
    split_policy,
)
from tests.routing.test_pages import decided_between, make_assignment

# pt-BR forms of a few templates, standing in for the project's catalogue.
PT = {
    m.MESSAGES[m.STOCK_NONE_ONE]: "a unidade pedida não está em estoque",
    m.MESSAGES[m.DAILY_FULL]: "aceitou %(taken)s de %(daily)s pedidos permitidos hoje",
    m.MESSAGES[m.ROUTED_TO]: "Roteado para %(code)s (%(distance)s): %(explanation)s.",
    m.MESSAGES[m.KM]: "%(km)s km",
    m.MESSAGES[m.ONLY_CANDIDATE]: "ser a única candidata",
    m.MESSAGES[m.FILTERS_REMOVED]: (
        "Os filtros removeram %(removed)s de %(total)s unidades (%(counts)s)."
    ),
    m.MESSAGES[m.STOCK_SHORT_ONE]: "%(in_stock)s de 1 unidade do SKU %(sku)s",
    "Routed": "Roteado",
    "VTEX hook": "Hook da VTEX",
}


def portuguese(text: str) -> str:
    return PT.get(text, text)


@pytest.fixture
def in_portuguese(monkeypatch):
    monkeypatch.setattr(explanations, "gettext", portuguese)


def test_message_english_matches_template():
    message = m.message(m.DAILY_FULL, taken=3, daily=3)

    assert message.english() == "accepted 3 of 3 orders allowed today"
    assert message.render(portuguese) == "aceitou 3 de 3 pedidos permitidos hoje"


def test_message_round_trips_through_json():
    message = m.message(
        m.STOCK_SHORTAGES,
        items=[m.message(m.STOCK_SHORT_ONE, in_stock=0, sku="2001")],
    )

    assert m.Message.from_json(message.to_json()) == message


def test_message_rejects_unknown_code():
    with pytest.raises(ValueError, match="unknown message code 'nope'"):
        m.Message("nope")


@pytest.mark.parametrize("code", sorted(m.MESSAGES))
def test_every_template_parses_back(code):
    if code == m.STOCK_SHORTAGES:
        pytest.skip("a list parameter alone has no words of its own to match")
    names = m.re.findall(r"%\((\w+)\)s", m.MESSAGES[code])
    params = {name: f"x{position}" for position, name in enumerate(names)}
    message = m.Message(code, params)

    assert m.parse_message(message.english()) == message


def test_translate_text_translates_each_sentence():
    text = (
        "Routed to loja-a (2.5 km): the only candidate. "
        "Filters removed 2 of 3 locations (stock 2)."
    )

    assert m.translate_text(text, portuguese) == (
        "Roteado para loja-a (2.5 km): ser a única candidata. "
        "Os filtros removeram 2 de 3 unidades (stock 2)."
    )


def test_translate_text_reads_split_reason():
    decision = route(
        order([line(0, "2001"), line(1, "3107", quantity=2)]),
        [
            candidate(1, "one", {"2001": 1}),
            candidate(2, "two", {"3107": 2}, at=CAMPINAS),
        ],
        split_policy(Step("criterion", "distance")),
    )
    english = [sentence.english() for sentence in decision.sentences]

    parsed = [m.parse_message(sentence) for sentence in english]

    assert decision.reason.startswith("Split into 2 parts: one takes line 0")
    assert [message.code for message in parsed] == [
        message.code for message in decision.sentences
    ]
    assert len(parsed[0].params["parts"]) == 2
    assert [message.english() for message in parsed] == english


def test_translate_text_keeps_unknown_sentences():
    text = "Customer coordinates lie outside Brazil. Filters removed 1 of 2 locations (stock 1)."

    assert m.translate_text(text, portuguese) == (
        "Customer coordinates lie outside Brazil. "
        "Os filtros removeram 1 de 2 unidades (stock 1)."
    )


def test_candidate_reason_reads_old_english_text():
    assert m.candidate_reason("none of the 1 unit ordered in stock", portuguese) == (
        "a unidade pedida não está em estoque"
    )
    assert m.candidate_reason("daily capacity 50 of 50 used", portuguese) == (
        "daily capacity 50 of 50 used"
    )


def test_candidate_reason_reads_stored_code():
    stored = ["daily_full", {"taken": 7, "daily": 7}]

    assert m.candidate_reason(stored, portuguese) == (
        "aceitou 7 de 7 pedidos permitidos hoje"
    )


def test_rows_pack_keeps_every_candidate():
    decision = route(
        order(),
        [
            candidate(1, "near"),
            candidate(2, "empty", {}),
            candidate(3, "full", at=CAMPINAS, daily_capacity=1, accepted_today=1),
        ],
        policy(),
    )

    packed = rows_pack(decision.candidates)
    rows = rows_unpack(packed)

    assert [row["code"] for row in rows] == [r.code for r in decision.candidates]
    assert packed[-1]["location_id"] is None
    by_code = {row["code"]: row for row in rows}
    assert by_code["near"]["chosen"] is True
    assert by_code["empty"]["rejected_by"] == "stock"
    assert by_code["empty"]["reason"] == [
        "stock_shortages",
        {"items": [{"message": ["stock_short_one", {"in_stock": 0, "sku": "2001"}]}]},
    ]
    assert by_code["empty"]["scores"] == {}
    assert by_code["full"]["capacity_left"] == 0


@pytest.mark.django_db
def test_table_translates_stored_reason_codes(hq_user, store_a, store_b, in_portuguese):
    assignment = make_assignment(store_a)
    decision = assignment.decision
    decision.candidates = [
        {
            "location_id": store_a.pk,
            "code": store_a.code,
            "finalist": True,
            "chosen": True,
            "scores": {"distance": 1.0},
            "total_score": 1.0,
        },
        {
            "location_id": None,
            "packed": {
                "columns": list(COLUMNS),
                "steps": ["stock"],
                "reasons": [["stock_none_one", {}]],
                "rows": [[store_b.pk, store_b.code, 12.0, 0.0, None, 0, 0]],
            },
        },
    ]
    decision.status, decision.triggered_by = "routed", "hook"
    decision.save()

    html = render_to_string(
        "routing/_decision.html",
        {"routing": routing_decision_context(decision, hq_user)},
    )

    assert "a unidade pedida não está em estoque" in html
    assert "Roteado" in html
    assert "Hook da VTEX" in html
    assert ">routed<" not in html


@pytest.mark.django_db
def test_store_explanation_translates_own_reason(store_a, store_b, in_portuguese):
    store_c = LocationFactory(code="loja-c", name="Loja C")
    manager_c = MembershipFactory(
        role=Membership.Role.STORE_MANAGER, location=store_c
    ).user
    decision = decided_between(store_a, store_b, store_c)
    rows = decision.candidates
    rows[2].pop("rejected_reason")
    rows[2]["reason"] = ["daily_full", {"taken": 50, "daily": 50}]
    decision.save(update_fields=["candidates"])

    explanation = explanations.decision_explanation(decision, manager_c)

    assert "aceitou 50 de 50 pedidos permitidos hoje" in explanation
    assert "0.934" not in explanation


@pytest.mark.django_db
def test_old_decision_still_renders(hq_user, store_a, store_b):
    store_c = LocationFactory(code="loja-c", name="Loja C")
    decision = decided_between(store_a, store_b, store_c)

    table = explanations.decision_table(RoutingDecision.objects.get(pk=decision.pk))

    assert [row["code"] for row in table["rows"]] == ["loja-a", "loja-b", "loja-c"]
    assert table["rows"][2]["reason_text"] == "daily capacity 50 of 50 used"
    assert table["score_names"] == [gettext("Distance")]


@pytest.mark.django_db
def test_routed_order_page_shows_full_table(network, policy, hq_user):
    Location.objects.filter(pk=network["c"].pk).update(ships_from_store=False)
    document = vtex_document("delivery-sao-paulo")
    order_store_document(
        vtex_order_id=document["orderId"], text=vtex_text(document), source="hook"
    )
    order = Order.objects.get(vtex_order_id=document["orderId"])
    orders_route(order_ids=[order.pk], triggered_by="hook")
    decision = RoutingDecision.objects.get(order=order)

    html = render_to_string(
        "routing/_decision.html",
        {"routing": routing_decision_context(decision, hq_user)},
    )

    for code in ("loja-a", "loja-b", "loja-c"):
        assert code in html
    assert gettext("Routed") in html
    assert gettext("VTEX hook") in html
    assert gettext(m.MESSAGES[m.NO_SHIPPING]) in html


def test_rows_pack_keeps_finalist_scores():
    decision = route(
        order(),
        [candidate(1, "near"), candidate(2, "far", at=CAMPINAS)],
        policy(Step("criterion", "distance")),
    )

    rows = rows_unpack(rows_pack(decision.candidates))

    assert [row["code"] for row in rows] == ["near", "far"]
    assert rows[0]["chosen"] is True
    assert rows[1]["chosen"] is False
    assert rows[1]["finalist"] is True
    assert rows[1]["scores"] == {"distance": 0.0}
    assert rows[1]["total_score"] == 0.0
    assert rows[1]["rejected_by"] is None
    assert rows[1]["reason"] is None
