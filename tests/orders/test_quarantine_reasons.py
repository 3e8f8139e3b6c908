"""Quarantine reasons read in Portuguese, with VTEX's paths and values kept."""

import pytest
from django.utils import translation

from orders.quarantine_reasons import FORMS, reason_translated
from orders.vtex.parser import DocumentError, document_loads, parse_order_document
from tests.orders.documents import vtex_document, vtex_text


def in_portuguese(reason: str) -> str:
    with translation.override("pt-br"):
        return reason_translated(reason)


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("value: missing", "value: ausente"),
        (
            "items[0].quantity: expected an integer, got '1'",
            "items[0].quantity: esperava-se um número inteiro, veio '1'",
        ),
        (
            "clientProfileData: expected an object, got a list",
            "clientProfileData: esperava-se um objeto, veio uma lista",
        ),
        (
            "body is not valid JSON: Unterminated string starting at: line 1 "
            "column 37 (char 36)",
            "o corpo não é JSON válido: Unterminated string starting at: line 1 "
            "column 37 (char 36)",
        ),
        (
            "orderId: the document is for '1-01', expected '2-01'",
            "orderId: o documento é do pedido '1-01'; esperava-se '2-01'",
        ),
    ],
)
def test_reason_translated(reason, expected):
    assert in_portuguese(reason) == expected


def test_unknown_reason_kept_as_stored():
    assert in_portuguese("something new went wrong") == "something new went wrong"


def test_every_form_has_a_translation():
    with translation.override("pt-br"):
        missing = [
            template
            for _pattern, template in FORMS
            if translation.gettext(template) == template
        ]

    assert missing == []


@pytest.mark.parametrize(
    "change",
    [
        {"value": None},
        {"items": "not a list"},
        {"creationDate": "2026-11-27T13:09:45"},
    ],
)
def test_parser_reasons_match_a_form(change):
    document = vtex_document("delivery-sao-paulo")
    document.update(change)
    with pytest.raises(DocumentError) as caught:
        parse_order_document(document_loads(vtex_text(document)))

    reason = str(caught.value)

    assert in_portuguese(reason) != reason


def test_body_of_wrong_type_names_its_kind():
    reason = "body is a JSON list, expected an order object"

    assert in_portuguese(reason) == (
        "o corpo em JSON é uma lista; esperava-se o objeto de um pedido"
    )
