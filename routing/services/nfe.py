"""Checks on an invoice that a store records: the NF-e access key and the
invoice value against the part it covers.

The access key has 44 digits, in this order: cUF (2 digits, the IBGE code of
the issuer's state), AAMM (4, year and month of issue), the issuer's CNPJ
(14), the model (2, 55 for NF-e and 65 for NFC-e), series (3), number (9),
emission type (1), a random code (8) and cDV (1). cDV is a mod-11 check digit
over the other 43, weighted 2 to 9 from the right, and 0 when the remainder
is 0 or 1. Source: "Chave de Acesso do Documento Fiscal Eletrônico",
kb.dynamicca.com.br, which lists the fields and the IBGE state codes.

Since July 2026 a CNPJ may carry letters in its first 12 characters, and so
may positions 7-18 of the key. Every character then counts as its ASCII code
minus 48, the same rule as the CNPJ's own check digits (`franchises.cnpj`),
which leaves keys made of digits unchanged.
"""

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from django.db.models import F, Sum
from django.utils.translation import gettext as _

from orders.models import OrderItem
from orders.templatetags.orders_display import brl

NFE_KEY_LENGTH = 44
# IBGE codes of the 26 states and the Federal District.
UF_CODES = frozenset(
    {
        "11", "12", "13", "14", "15", "16", "17",
        "21", "22", "23", "24", "25", "26", "27", "28", "29",
        "31", "32", "33", "35",
        "41", "42", "43",
        "50", "51", "52", "53",
    }
)  # fmt: skip
NFE_MODELS = ("55", "65")
# Digits everywhere but the root and branch of the issuer's CNPJ.
NFE_KEY_SHAPE = re.compile(r"^[0-9]{6}[0-9A-Z]{12}[0-9]{26}$")
CENT = Decimal("0.01")
# The invoice may differ from the part's value by this share of the largest
# value it may have, or by MIN_INVOICE_TOLERANCE when that is more, to absorb
# rounding of discounts and freight split over items.
INVOICE_TOLERANCE_SHARE = Decimal("0.01")
MIN_INVOICE_TOLERANCE = Decimal("0.50")


# An invoice number as VTEX takes it.
INVOICE_NUMBER = re.compile(r"^[0-9A-Za-z]{1,50}$")


class InvoiceError(ValueError):
    """Raised with a message for the store when an invoice is implausible."""


def nfe_check_digit(first_43_characters: str) -> int:
    total = 0
    weight = 2
    for character in reversed(first_43_characters):
        total += (ord(character) - 48) * weight
        weight = 2 if weight == 9 else weight + 1
    remainder = total % 11
    return 0 if remainder < 2 else 11 - remainder


def nfe_key_check(key: str) -> str:
    """Return the key, upper-cased, when it is a well-formed NF-e or NFC-e
    access key, and raise InvoiceError naming the first part that is wrong
    otherwise."""
    key = key.upper()
    if len(key) != NFE_KEY_LENGTH:
        raise InvoiceError(
            _("Invalid NF-e key: expected 44 characters, got %(count)d.")
            % {"count": len(key)}
        )
    if not NFE_KEY_SHAPE.match(key):
        raise InvoiceError(
            _(
                "Invalid NF-e key: only digits are allowed, except letters A-Z "
                "in the issuer's CNPJ (positions 7-18)."
            )
        )
    if key[:2] not in UF_CODES:
        raise InvoiceError(
            _(
                "Invalid NF-e key: %(code)s in positions 1-2 is not the IBGE code "
                "of a Brazilian state, such as 35 for SP."
            )
            % {"code": key[:2]}
        )
    if not 1 <= int(key[4:6]) <= 12:
        raise InvoiceError(
            _(
                "Invalid NF-e key: positions 3-6 must be the year and month of "
                "issue (YYMM), but %(value)s has no month %(month)s."
            )
            % {"value": key[2:6], "month": key[4:6]}
        )
    if key[20:22] not in NFE_MODELS:
        raise InvoiceError(
            _(
                "Invalid NF-e key: the model in positions 21-22 is %(model)s, "
                "but only 55 (NF-e) and 65 (NFC-e) are accepted."
            )
            % {"model": key[20:22]}
        )
    if nfe_check_digit(key[:-1]) != int(key[-1]):
        raise InvoiceError(
            _(
                "Invalid NF-e key: its check digit does not match; "
                "copy the key again from the DANFE."
            )
        )
    return key


def nfe_key_issuer_cnpj(key: str) -> str:
    """Return the issuer's CNPJ, positions 7-20 of a checked key."""
    return key[6:20]


@dataclass(frozen=True)
class InvoiceRange:
    """The invoice values accepted for a part, in reais."""

    merchandise: Decimal
    freight_share: Decimal
    low: Decimal
    high: Decimal


def invoice_range(*, assignment) -> InvoiceRange:
    """Return the values an invoice of this part may have.

    The part's merchandise is `Assignment.value` (selling prices times units).
    Its freight share is the order's shipping total times the part's share of
    the order's merchandise, rounded half-even to the cent. An NF-e may carry
    the freight or leave it to a separate transport document, so the range
    runs from the merchandise alone to the merchandise plus the freight share,
    widened on both sides by the tolerance.
    """
    order = assignment.order
    merchandise = assignment.value
    order_merchandise = OrderItem.objects.filter(order_id=order.pk).aggregate(
        total=Sum(F("selling_price") * F("quantity"))
    )["total"] or Decimal(0)
    shipping = order.shipping_total or Decimal(0)
    if order_merchandise > 0:
        freight_share = shipping * merchandise / order_merchandise
    else:
        freight_share = shipping
    freight_share = freight_share.quantize(CENT, rounding=ROUND_HALF_EVEN)

    high = merchandise + freight_share
    tolerance = max(
        (high * INVOICE_TOLERANCE_SHARE).quantize(CENT, rounding=ROUND_HALF_EVEN),
        MIN_INVOICE_TOLERANCE,
    )
    return InvoiceRange(
        merchandise=merchandise,
        freight_share=freight_share,
        low=max(merchandise - tolerance, CENT),
        high=high + tolerance,
    )


def invoice_number_check(number: str) -> str:
    """Return the invoice number without surrounding spaces, or raise
    InvoiceError unless it is 1 to 50 letters and digits, as VTEX takes it."""
    number = number.strip()
    if not INVOICE_NUMBER.match(number):
        raise InvoiceError(
            _("Invalid invoice number “%(value)s”: use letters and digits only.")
            % {"value": number}
        )
    return number


def invoice_value_check(*, assignment, value: Decimal) -> Decimal:
    """Return the value when it is above zero and fits `invoice_range`, or
    raise InvoiceError with the accepted range."""
    if value <= 0:
        raise InvoiceError(_("The invoice value must be greater than zero."))
    accepted = invoice_range(assignment=assignment)
    if accepted.low <= value <= accepted.high:
        return value
    raise InvoiceError(
        _(
            "The invoice value %(value)s does not match this part: expected "
            "between %(low)s and %(high)s (items %(merchandise)s plus up to "
            "%(freight)s of freight). Check the total on the DANFE."
        )
        % {
            "value": brl(value),
            "low": brl(accepted.low),
            "high": brl(accepted.high),
            "merchandise": brl(accepted.merchandise),
            "freight": brl(accepted.freight_share),
        }
    )
