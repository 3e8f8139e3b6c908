"""Exact money arithmetic: percent rounding and largest-remainder allocation.

Every split in the ledger goes through `allocate`, so the parts of an amount
always sum to the amount itself, to the centavo.
"""

from collections.abc import Sequence
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, localcontext

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
ROUNDING_MODES = {"half_even": ROUND_HALF_EVEN, "half_up": ROUND_HALF_UP}


def money_sum(value) -> Decimal:
    """Convert a database SUM of money to exact centavos.

    SQLite adds decimals as floating point, so a sum can come back as 1e-16
    instead of 0; money sums of at most 14 digits are far from that error.
    """
    if value is None:
        return ZERO
    return Decimal(value).quantize(CENT)


def round_money(value: Decimal, *, mode: str = "half_even") -> Decimal:
    """Round to centavos with the contract's mode (`half_even` or `half_up`)."""
    try:
        rounding = ROUNDING_MODES[mode]
    except KeyError:
        raise ValueError(
            f"Unknown rounding mode {mode!r}: use half_even or half_up."
        ) from None
    return value.quantize(CENT, rounding=rounding)


def percent_of(base: Decimal, percent: Decimal, *, mode: str = "half_even") -> Decimal:
    """Return `percent` % of `base`, rounded to centavos."""
    return round_money(base * percent / 100, mode=mode)


def allocate(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split `total` in proportion to `weights`, in centavos, summing exactly.

    Each part first gets its exact share rounded towards zero; the centavos left
    over go one each to the parts with the largest remainders. Ties go to the
    larger weight, then to the earlier position, so the result is deterministic.
    When every weight is zero the parts are equal. A negative total is split as
    its absolute value and negated. Weights must not be negative.
    """
    if not weights:
        raise ValueError("Cannot allocate an amount over no parts.")
    if any(weight < 0 for weight in weights):
        raise ValueError(f"Allocation weights must not be negative: {list(weights)}")
    if total != total.quantize(CENT):
        raise ValueError(f"The amount to allocate must be in centavos: {total}")
    if total < 0:
        return [-part for part in allocate(-total, weights)]

    weights = [Decimal(weight) for weight in weights]
    weight_sum = sum(weights)
    if weight_sum == 0:
        weights = [Decimal(1)] * len(weights)
        weight_sum = Decimal(len(weights))

    cents = int(total / CENT)
    # Products of 14-digit amounts and weights exceed the default 28 digits,
    # and a rounded share could floor one centavo too high.
    with localcontext() as context:
        context.prec = 80
        exact = [Decimal(cents) * weight / weight_sum for weight in weights]
        floors = [int(share.to_integral_value(rounding=ROUND_DOWN)) for share in exact]
    left_over = cents - sum(floors)
    order = sorted(
        range(len(weights)),
        key=lambda i: (-(exact[i] - floors[i]), -weights[i], i),
    )
    for i in order[:left_over]:
        floors[i] += 1
    return [Decimal(part) * CENT for part in floors]
