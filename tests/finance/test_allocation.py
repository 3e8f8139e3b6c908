"""Largest-remainder allocation and the contract's rounding modes."""

from decimal import Decimal

import pytest

from finance.allocation import allocate, money_sum, percent_of, round_money


def amounts(*values: str) -> list[Decimal]:
    return [Decimal(value) for value in values]


def test_coupon_allocated_by_item_value():
    parts = allocate(Decimal("10.00"), amounts("99.90", "49.90", "19.90"))

    assert parts == amounts("5.89", "2.94", "1.17")


def test_freight_over_equal_items_gives_first_the_extra_centavo():
    parts = allocate(Decimal("10.00"), amounts("1", "1", "1"))

    assert parts == amounts("3.34", "3.33", "3.33")


def test_five_centavos_split_seventy_thirty():
    assert allocate(Decimal("0.05"), amounts("70", "30")) == amounts("0.04", "0.01")


def test_tie_goes_to_larger_weight_before_position():
    # Both remainders are half a centavo; the larger weight wins although it
    # comes second.
    assert allocate(Decimal("0.05"), amounts("30", "70")) == amounts("0.01", "0.04")


def test_parts_always_sum_to_whole():
    weights = amounts("0.01", "333.33", "7", "0", "12.5", "999999.99")
    for total in amounts("0.00", "0.01", "0.07", "1.00", "123456.78"):
        assert sum(allocate(total, weights)) == total


def test_zero_weights_split_equally():
    assert allocate(Decimal("0.10"), amounts("0", "0", "0")) == amounts(
        "0.04", "0.03", "0.03"
    )


def test_negative_total_is_negated_split():
    assert allocate(Decimal("-10.00"), amounts("1", "1", "1")) == amounts(
        "-3.34", "-3.33", "-3.33"
    )


@pytest.mark.parametrize(
    ("total", "weights", "message"),
    [
        ("1.00", [], "Cannot allocate an amount over no parts."),
        ("1.00", ["1", "-1"], "Allocation weights must not be negative: "),
        ("1.001", ["1"], "The amount to allocate must be in centavos: 1.001"),
    ],
)
def test_allocate_rejects_invalid_input(total, weights, message):
    with pytest.raises(ValueError) as error:
        allocate(Decimal(total), amounts(*weights))

    assert str(error.value).startswith(message)


def test_two_and_a_half_percent_of_101_by_mode():
    assert percent_of(Decimal("101.00"), Decimal("2.5")) == Decimal("2.52")
    assert percent_of(Decimal("101.00"), Decimal("2.5"), mode="half_even") == Decimal(
        "2.52"
    )
    assert percent_of(Decimal("101.00"), Decimal("2.5"), mode="half_up") == Decimal(
        "2.53"
    )


def test_round_money_rejects_unknown_mode():
    with pytest.raises(ValueError) as error:
        round_money(Decimal("1.005"), mode="ceiling")

    assert (
        str(error.value) == "Unknown rounding mode 'ceiling': use half_even or half_up."
    )


def test_money_sum_quantizes_float_noise():
    assert money_sum(4.44089209850063e-16) == Decimal("0.00")
    assert money_sum(None) == Decimal("0.00")
    assert money_sum(Decimal("12.3")) == Decimal("12.30")


def test_large_amounts_still_sum_exactly():
    total = Decimal("999999999999.99")
    weights = amounts("333333333333.33", "333333333333.33", "333333333333.34", "0.01")

    parts = allocate(total, weights)

    assert sum(parts) == total
    assert all(part >= 0 for part in parts)
