"""The worked examples of the contract terms, as exact Decimals.

Contract: commission 12 % on merchandise, royalty 5 % and marketing fund 2 %
of merchandise, regional credit 4 % of merchandise, pickup fee R$ 5,00,
half-even rounding, a 3 % payment fee borne by the franchisor.
"""

from dataclasses import replace
from decimal import Decimal

from finance.settlement import (
    EntryType,
    Party,
    SettlementLine,
    Terms,
    order_lines_build,
    payment_fee_split,
    settle,
)
from tests.finance.conftest import EXAMPLE_TERMS

TERMS = Terms(**EXAMPLE_TERMS)


def one_line(merchandise: str, freight: str) -> list[SettlementLine]:
    return [SettlementLine(0, 1, Decimal(merchandise), Decimal(freight))]


def test_store_sold_and_shipped():
    settlement = settle(
        lines=one_line("200.00", "20.00"), terms=TERMS, regional=False, pickup=False
    )
    totals = settlement.party_totals()

    assert totals[Party.FULFILLING_STORE] == Decimal("182.00")
    assert settlement.total_of(EntryType.COMMISSION, Party.FRANCHISOR) == Decimal(
        "24.00"
    )
    assert settlement.total_of(EntryType.PAYMENT_FEE, Party.FRANCHISOR) == Decimal(
        "-6.60"
    )
    assert settlement.total_of(EntryType.ROYALTY, Party.FRANCHISOR) == Decimal("10.00")
    assert totals[Party.FRANCHISOR] == Decimal("27.40")
    assert totals[Party.MARKETING_FUND] == Decimal("4.00")
    assert totals[Party.PAYMENT_PROVIDER] == Decimal("6.60")
    assert Party.CREDITED_STORE not in totals
    assert sum(totals.values()) == Decimal("220.00")


def test_other_store_ships_into_credited_region():
    settlement = settle(
        lines=one_line("300.00", "25.00"), terms=TERMS, regional=True, pickup=False
    )
    totals = settlement.party_totals()
    by_party = settlement.by_party()

    assert totals[Party.FULFILLING_STORE] == Decimal("268.00")
    assert totals[Party.CREDITED_STORE] == Decimal("12.00")
    assert by_party[Party.FRANCHISOR] == {
        EntryType.COMMISSION: Decimal("36.00"),
        EntryType.REGIONAL_CREDIT: Decimal("-12.00"),
        EntryType.PAYMENT_FEE: Decimal("-9.75"),
        EntryType.ROYALTY: Decimal("15.00"),
    }
    assert totals[Party.MARKETING_FUND] == Decimal("6.00")
    assert totals[Party.PAYMENT_PROVIDER] == Decimal("9.75")
    assert sum(totals.values()) == Decimal("325.00")


def test_coupon_and_freight_allocated_over_lines():
    lines = order_lines_build(
        gross=[Decimal("99.90"), Decimal("49.90"), Decimal("19.90")],
        discount=Decimal("10.00"),
    )
    equal = order_lines_build(gross=[Decimal("50.00")] * 3, freight=Decimal("10.00"))

    assert [line.merchandise for line in lines] == [
        Decimal("94.01"),
        Decimal("46.96"),
        Decimal("18.73"),
    ]
    assert [line.freight for line in equal] == [
        Decimal("3.34"),
        Decimal("3.33"),
        Decimal("3.33"),
    ]


def test_contract_rounding_mode_decides_royalty():
    lines = one_line("101.00", "0.00")
    half_even = replace(TERMS, royalty_percent=Decimal("2.5"))
    half_up = replace(half_even, rounding="half_up")

    even = settle(lines=lines, terms=half_even, regional=False, pickup=False)
    up = settle(lines=lines, terms=half_up, regional=False, pickup=False)

    assert even.total_of(EntryType.ROYALTY, Party.FRANCHISOR) == Decimal("2.52")
    assert up.total_of(EntryType.ROYALTY, Party.FRANCHISOR) == Decimal("2.53")


def test_pro_rata_fee_and_small_split():
    store, franchisor = payment_fee_split(
        fee=Decimal("9.75"),
        payer="pro_rata",
        paid=Decimal("325.00"),
        commission=Decimal("36.00"),
    )

    assert (store, franchisor) == (Decimal("8.67"), Decimal("1.08"))


def test_pro_rata_payer_in_a_settlement():
    terms = replace(TERMS, payment_fee_payer="pro_rata")
    settlement = settle(
        lines=one_line("300.00", "25.00"), terms=terms, regional=True, pickup=False
    )

    assert settlement.total_of(
        EntryType.PAYMENT_FEE, Party.FULFILLING_STORE
    ) == Decimal("-8.67")
    assert settlement.total_of(EntryType.PAYMENT_FEE, Party.FRANCHISOR) == Decimal(
        "-1.08"
    )
    assert settlement.party_totals()[Party.FULFILLING_STORE] == Decimal("259.33")
    assert sum(settlement.party_totals().values()) == Decimal("325.00")


def test_fulfilling_store_pays_whole_fee():
    terms = replace(TERMS, payment_fee_payer="fulfilling_store")
    settlement = settle(
        lines=one_line("200.00", "20.00"), terms=terms, regional=False, pickup=False
    )

    assert settlement.party_totals()[Party.FULFILLING_STORE] == Decimal("175.40")
    assert settlement.party_totals()[Party.FRANCHISOR] == Decimal("34.00")


def test_freight_commission_applies_when_set():
    # With 12 % on freight as well, example 1's commission grows by 2,40.
    terms = replace(TERMS, commission_freight_percent=Decimal("12"))
    settlement = settle(
        lines=one_line("200.00", "20.00"), terms=terms, regional=False, pickup=False
    )

    assert settlement.total_of(EntryType.COMMISSION, Party.FRANCHISOR) == Decimal(
        "26.40"
    )
    assert settlement.party_totals()[Party.FULFILLING_STORE] == Decimal("179.60")


def test_pickup_and_fulfilment_fees_paid_by_franchisor():
    terms = replace(
        TERMS,
        fulfilment_fee_fixed=Decimal("2.00"),
        fulfilment_fee_percent=Decimal("1"),
    )
    settlement = settle(
        lines=one_line("200.00", "0.00"), terms=terms, regional=False, pickup=True
    )
    by_party = settlement.by_party()

    assert by_party[Party.FULFILLING_STORE][EntryType.FULFILMENT_FEE] == Decimal("4.00")
    assert by_party[Party.FULFILLING_STORE][EntryType.PICKUP_FEE] == Decimal("5.00")
    assert by_party[Party.FRANCHISOR][EntryType.FULFILMENT_FEE] == Decimal("-4.00")
    assert by_party[Party.FRANCHISOR][EntryType.PICKUP_FEE] == Decimal("-5.00")


def test_line_shares_sum_to_each_line_paid():
    lines = order_lines_build(
        gross=[Decimal("99.90"), Decimal("49.90"), Decimal("19.90")],
        discount=Decimal("10.00"),
        freight=Decimal("12.35"),
    )
    terms = replace(TERMS, payment_fee_payer="pro_rata")
    settlement = settle(lines=lines, terms=terms, regional=True, pickup=True)

    for line in lines:
        shares = [
            s.amount for s in settlement.shares if s.item_index == line.item_index
        ]
        assert sum(shares) == line.paid
    for entry_type in EntryType:
        if entry_type == EntryType.SALE:
            continue
        assert (
            sum(s.amount for s in settlement.shares if s.entry_type == entry_type) == 0
        )
