"""Routing reasons in the user's language: numbers in its format, address
placement notes translated, and explanations that agree with the table."""

from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from orders.models import Order
from orders.services.refresh import order_store_document
from routing import explanations
from routing.engine import messages as m
from routing.engine.geo import locate
from routing.models import RoutingDecision, RoutingPolicy, StockLevel
from routing.services.routing import orders_route
from routing.views import routing_decision_context
from tests.i18n import pt_br
from tests.orders.documents import vtex_document, vtex_text


def in_language(language: str, function, *args):
    with translation.override(language):
        return function(*args)


# Numbers


def test_candidate_reason_number_in_portuguese():
    row = {"reason": ["distance_over", {"distance": "12.5", "limit": "10"}]}

    text = in_language("pt-br", explanations.row_reason, row)

    assert text == pt_br(m.MESSAGES[m.DISTANCE_OVER], distance="12,5", limit="10")


def test_candidate_reason_number_in_english():
    row = {"reason": ["distance_over", {"distance": "12.5", "limit": "10"}]}

    text = in_language("en", explanations.row_reason, row)

    assert text == "12.5 km away, over the 10 km limit"


def test_promise_reason_numbers_in_portuguese():
    params = {
        "arrival": "14/03/2025 10:00",
        "promised": "13/03/2025 18:00",
        "opens": "13/03/2025 08:00",
        "lead_time": "2.5",
        "transit": "1.5",
    }
    row = {"reason": ["promise_late", params]}

    text = in_language("pt-br", explanations.row_reason, row)

    expected = pt_br(
        m.MESSAGES[m.PROMISE_LATE], **{**params, "lead_time": "2,5", "transit": "1,5"}
    )
    assert text == expected
    assert "1.5" not in text


def test_decision_reason_numbers_in_portuguese():
    stored = (
        "Routed to loja-a (12.5 km): score 0.912 against 0.700 for loja-b, "
        "decided mostly by distance."
    )

    text = in_language("pt-br", explanations.translate_reason, stored)

    score_won = pt_br(
        m.MESSAGES[m.SCORE_WON],
        score="0,912",
        other_score="0,700",
        other="loja-b",
        criterion=pt_br("Distance"),
    )
    assert text == pt_br(
        m.MESSAGES[m.ROUTED_TO],
        code="loja-a",
        distance=pt_br(m.MESSAGES[m.KM], km="12,5"),
        explanation=score_won,
    )


def test_decision_reason_numbers_in_english():
    stored = "Routed to loja-a (12.5 km): the only candidate."

    assert in_language("en", explanations.translate_reason, stored) == stored


def test_codes_that_look_like_numbers_stay():
    # A SKU is a code, not a number, even when it is written like one.
    message = m.message(m.STOCK_SHORT_ONE, in_stock=0, sku="12.5")

    text = message.render(number=lambda value: "formatted")

    assert text == "formatted of 1 unit of SKU 12.5 in stock"


def test_stored_parameters_keep_decimal_point():
    message = m.message(m.DISTANCE_OVER, distance="12.5", limit="10")

    assert message.to_json() == ["distance_over", {"distance": "12.5", "limit": "10"}]
    assert message.english() == "12.5 km away, over the 10 km limit"


# Address placement notes


def test_city_note_in_portuguese():
    note = locate(None, None, "", "Niterói", "RJ", "Customer").note

    text = in_language("pt-br", explanations.translate_reason, note)

    assert text == pt_br(
        m.MESSAGES[m.PLACED_CITY],
        missing=pt_br(m.MESSAGES[m.CUSTOMER_NO_COORDINATES]),
        city="Niterói",
        state="RJ",
    )


def test_swapped_note_in_portuguese():
    note = locate(-46.63, -23.55, "", "", "", "Customer").note

    text = in_language("pt-br", explanations.translate_reason, note)

    assert text == pt_br(
        m.MESSAGES[m.CUSTOMER_SWAPPED], latitude="-46,63", longitude="-23,55"
    )


def test_location_capital_note_in_portuguese():
    # 14780-000 is Barretos, SP, which has no city range: the capital is used.
    note = locate(1.0, 1.0, "14780-000", "", "", "Location loja-a").note

    text = in_language("pt-br", explanations.translate_reason, note)

    assert text == pt_br(
        m.MESSAGES[m.PLACED_POSTAL_CAPITAL],
        missing=pt_br(
            m.MESSAGES[m.LOCATION_OUTSIDE], code="loja-a", latitude="1", longitude="1"
        ),
        city="São Paulo",
        state="SP",
        postal_code="14780-000",
    )


def test_note_followed_by_reason_in_portuguese():
    note = locate(None, None, "", "Mossoró", "RN", "Customer").note
    stored = f"Routed to loja-a (2.5 km): the only candidate. {note}"

    text = in_language("pt-br", explanations.translate_reason, stored)

    placed = pt_br(
        m.MESSAGES[m.PLACED_CAPITAL],
        missing=pt_br(m.MESSAGES[m.CUSTOMER_NO_COORDINATES]),
        city="Natal",
        state="RN",
    )
    assert text.endswith(" " + placed)
    assert "2,5 km" in text


@pytest.mark.parametrize(
    "args",
    [
        (-46.63, -23.55, "", "", "", "Customer"),
        (-46.63, -23.55, "", "", "", "Location loja-a"),
        (0.0, 0.0, "20040-020", "", "", "Customer"),
        (None, None, "14780-000", "", "", "Location loja-a"),
        (None, None, "", "Niterói", "RJ", "Location loja-a"),
        (None, None, "", "Mossoró", "RN", "Customer"),
    ],
)
def test_every_note_parses_back(args):
    note = locate(*args).note

    parsed = m.parse_message(note)

    assert parsed is not None
    assert parsed.english() == note


# Explanations against the candidate table


def route_split_order(*, prefer_fewer_parts: bool, min_part_value: str = "0"):
    """Route the three-line São Paulo order when store A (near) has only
    line 0 in stock, store C (Campinas) has lines 1 and 2, and store B (Belo
    Horizonte, far) has every line."""
    RoutingPolicy.objects.update(
        prefer_fewer_parts=prefer_fewer_parts, min_part_value=Decimal(min_part_value)
    )
    document = vtex_document("delivery-sao-paulo")
    order_store_document(
        vtex_order_id=document["orderId"], text=vtex_text(document), source="hook"
    )
    order = Order.objects.get(vtex_order_id=document["orderId"])
    orders_route(order_ids=[order.pk], triggered_by="hook")
    return RoutingDecision.objects.get(order=order)


@pytest.fixture
def split_stock(network):
    StockLevel.objects.filter(
        location=network["a"], sku_id__in=["3107", "9000"]
    ).update(quantity=0)
    StockLevel.objects.filter(location=network["c"], sku_id="2001").update(quantity=0)
    return network


def scores(decision) -> dict[str, float]:
    rows = explanations.decision_table(decision)["rows"]
    return {row["code"]: row["total_score"] for row in rows}


@pytest.mark.django_db
def test_fewer_parts_winner_explains_higher_scores(split_stock, policy, hq_user):
    decision = route_split_order(prefer_fewer_parts=True)

    text = in_language("pt-br", explanations.decision_explanation, decision, hq_user)

    by_code = scores(decision)
    assert by_code["loja-a"] > by_code["loja-b"]
    assert by_code["loja-c"] > by_code["loja-b"]
    with translation.override("pt-br"):
        expected = translation.ngettext(
            "%(locations)s scored higher but holds only part of the order, "
            "and the policy prefers fewer parts, so a location that holds "
            "every unit wins over any split.",
            "%(locations)s scored higher but hold only part of the order, "
            "and the policy prefers fewer parts, so a location that holds "
            "every unit wins over any split.",
            2,
        ) % {"locations": "loja-a, loja-c"}
    assert text.endswith(" " + expected)


@pytest.mark.django_db
def test_part_minimum_winner_explains_higher_scores(split_stock, policy, hq_user):
    decision = route_split_order(prefer_fewer_parts=False, min_part_value="1000")

    text = in_language("pt-br", explanations.decision_explanation, decision, hq_user)

    with translation.override("pt-br"):
        expected = translation.ngettext(
            "%(locations)s scored higher but holds only part of the order, "
            "and no split with it fits the policy: at most %(max_parts)s "
            "parts, each with whole lines and worth at least %(minimum)s.",
            "%(locations)s scored higher but hold only part of the order, "
            "and no split with them fits the policy: at most %(max_parts)s "
            "parts, each with whole lines and worth at least %(minimum)s.",
            2,
        ) % {"locations": "loja-a, loja-c", "max_parts": 2, "minimum": "R$ 1.000,00"}
    assert text.endswith(" " + expected)


@pytest.mark.django_db
def test_top_scorer_chosen_adds_nothing(split_stock, policy, hq_user):
    decision = route_split_order(prefer_fewer_parts=False)

    text = in_language("en", explanations.decision_explanation, decision, hq_user)

    assert decision.deciding_step == "distance"
    assert text == "Sent to Loja A, Loja C, decided by the step “Distance”."


@pytest.mark.django_db
def test_store_explanation_omits_higher_scores(split_stock, policy, manager_a):
    decision = route_split_order(prefer_fewer_parts=True)

    text = in_language("en", explanations.decision_explanation, decision, manager_a)

    assert "scored higher" not in text
    assert "Your store loja-a" in text


@pytest.mark.django_db
def test_table_marks_outscoring_finalists(split_stock, policy):
    decision = route_split_order(prefer_fewer_parts=True)

    rows = explanations.decision_table(decision)["rows"]

    marked = {row["code"]: row["outscored_chosen"] for row in rows}
    assert marked == {"loja-a": True, "loja-b": False, "loja-c": True}


@pytest.mark.django_db
def test_order_page_explains_outscoring_finalists(split_stock, policy, hq_user):
    decision = route_split_order(prefer_fewer_parts=True)

    with translation.override("en"):
        html = render_to_string(
            "routing/_decision.html",
            {"routing": routing_decision_context(decision, hq_user), "user": hq_user},
        )

    assert html.count("Finalist with a higher score, not chosen (see above)") == 2
    assert "loja-a, loja-c scored higher but hold only part of the order" in html


def test_joined_shortages_translate_as_a_list():
    text = (
        "Pickup location sp-moema cannot fulfil the order itself (stock: 0 of 1 "
        "unit of SKU 2002 in stock, 0 of 1 unit of SKU 2018 in stock), so the "
        "order is routed as a delivery to its address (transfer)."
    )

    with translation.override("pt-br"):
        translated = explanations.translate_reason(text)

    assert "in stock" not in translated
    assert "0 de 1 unidade do SKU 2002 em estoque, 0 de 1 unidade do SKU 2018" in (
        translated
    )
