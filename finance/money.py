"""Amounts in reais as finance and API messages show them."""

from decimal import Decimal, InvalidOperation

from django.utils import formats
from django.utils.translation import pgettext


def money_format(value) -> str:
    """Format an amount in reais for the active language: `R$ 182,01` in pt-BR.

    Unlike `orders_display.brl`, an amount with digits beyond the centavo
    keeps them (`R$ 1,005`), so a message about an invalid amount shows the
    value as given. A value that is not a number is returned as text.
    """
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    if not amount.is_finite():
        return str(value)

    places = max(2, -amount.as_tuple().exponent)
    digits = formats.number_format(
        abs(amount), decimal_pos=places, use_l10n=True, force_grouping=True
    )
    text = pgettext("money", "R$%(amount)s") % {"amount": digits}
    if amount < 0:
        return f"-{text}"
    return text
