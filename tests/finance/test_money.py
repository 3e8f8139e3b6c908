"""Amounts in finance messages, formatted for the active language."""

from decimal import Decimal

import pytest
from django.utils import translation

from finance.money import money_format


@pytest.mark.parametrize(
    ("value", "pt_br_text", "english_text"),
    [
        (Decimal("182.01"), "R$ 182,01", "R$182.01"),
        (Decimal("1234567.5"), "R$ 1.234.567,50", "R$1,234,567.50"),
        (Decimal("0"), "R$ 0,00", "R$0.00"),
        (Decimal("-3.00"), "-R$ 3,00", "-R$3.00"),
        (Decimal("1.005"), "R$ 1,005", "R$1.005"),
        ("99.9", "R$ 99,90", "R$99.90"),
    ],
)
def test_money_format_follows_language(value, pt_br_text, english_text):
    with translation.override("pt-br"):
        assert money_format(value) == pt_br_text
    with translation.override("en"):
        assert money_format(value) == english_text


def test_money_format_keeps_non_numbers():
    assert money_format("abc") == "abc"
    assert money_format(None) == "None"
