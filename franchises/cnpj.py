"""CNPJ validation, numeric and alphanumeric.

From July 2026 the Receita Federal issues CNPJs whose first 12 characters may be
letters A-Z or digits; the last 2 stay numeric check digits. Each check digit is
mod 11 over the preceding characters, each valued at its ASCII code minus 48
(so '0'..'9' are 0..9 and 'A'..'Z' are 17..42), with weights 5,4,3,2,9,8,7,6,5,4,3,2
for the first digit and 6,5,4,3,2,9,8,7,6,5,4,3,2 for the second. A remainder
below 2 gives the digit 0, otherwise the digit is 11 minus the remainder.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

FIRST_WEIGHTS = (5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)
SECOND_WEIGHTS = (6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)
SHAPE = re.compile(r"^[0-9A-Z]{12}[0-9]{2}$")
# Dots, slash and dash of the printed mask, and surrounding whitespace.
MASK_CHARACTERS = re.compile(r"[.\-/\s]")


def cnpj_normalize(value: str) -> str:
    """Strip the mask and upper-case: '12.abc.345/01de-35' -> '12ABC34501DE35'."""
    return MASK_CHARACTERS.sub("", value or "").upper()


def cnpj_check_digit(base: str, weights: tuple[int, ...]) -> int:
    total = sum(
        (ord(char) - 48) * weight for char, weight in zip(base, weights, strict=False)
    )
    remainder = total % 11
    return 0 if remainder < 2 else 11 - remainder


def cnpj_is_valid(value: str) -> bool:
    cnpj = cnpj_normalize(value)
    if not SHAPE.match(cnpj):
        return False
    # A repeated character passes the arithmetic but is never issued.
    if len(set(cnpj)) == 1:
        return False
    first = cnpj_check_digit(cnpj[:12], FIRST_WEIGHTS)
    second = cnpj_check_digit(cnpj[:12] + str(first), SECOND_WEIGHTS)
    return cnpj[12:] == f"{first}{second}"


def cnpj_mask(value: str) -> str:
    """Format 14 characters as AA.AAA.AAA/AAAA-DD; other lengths are returned as is."""
    cnpj = cnpj_normalize(value)
    if len(cnpj) != 14:
        return value
    return f"{cnpj[:2]}.{cnpj[2:5]}.{cnpj[5:8]}/{cnpj[8:12]}-{cnpj[12:]}"


def validate_cnpj(value: str) -> None:
    cnpj = cnpj_normalize(value)
    if not SHAPE.match(cnpj):
        raise ValidationError(
            _(
                "Invalid CNPJ %(value)s: expected 12 letters or digits followed by "
                "2 check digits."
            ),
            code="cnpj_format",
            params={"value": value},
        )
    if not cnpj_is_valid(cnpj):
        raise ValidationError(
            _("Invalid CNPJ %(value)s: the check digits do not match."),
            code="cnpj_check_digits",
            params={"value": value},
        )
