"""The split of one invoiced part of an order between the parties, per line.

The computation is pure: it takes the part's lines and the contract's terms and
returns credit-positive shares, and both the ledger postings and the settlement
preview use it. Order-level amounts are rounded once with the contract's mode
and then allocated over the lines, so line shares sum exactly to them.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from finance.allocation import ZERO, allocate, percent_of


class EntryType(StrEnum):
    SALE = "sale"
    COMMISSION = "commission"
    ROYALTY = "royalty"
    MARKETING_FUND = "marketing_fund"
    REGIONAL_CREDIT = "regional_credit"
    FULFILMENT_FEE = "fulfilment_fee"
    PICKUP_FEE = "pickup_fee"
    PAYMENT_FEE = "payment_fee"


class Party(StrEnum):
    FULFILLING_STORE = "fulfilling_store"
    CREDITED_STORE = "credited_store"
    FRANCHISOR = "franchisor"
    MARKETING_FUND = "marketing_fund"
    PAYMENT_PROVIDER = "payment_provider"


# Account purposes, as in finance.models.Account.Purpose.
STORE_PAYABLE = "store_payable"
COMMISSION_REVENUE = "commission_revenue"
ROYALTY_REVENUE = "royalty_revenue"
MARKETING_FUND = "marketing_fund"
PROVIDER_CLEARING = "provider_clearing"
PAYMENT_FEES = "payment_fees"
CHANNEL_EXPENSES = "channel_expenses"


@dataclass(frozen=True)
class Terms:
    """The contract terms the computation needs; percents are 0-100."""

    commission_merchandise_percent: Decimal = ZERO
    commission_freight_percent: Decimal = ZERO
    royalty_percent: Decimal = ZERO
    marketing_fund_percent: Decimal = ZERO
    fulfilment_fee_fixed: Decimal = ZERO
    fulfilment_fee_percent: Decimal = ZERO
    pickup_fee: Decimal = ZERO
    regional_credit_percent: Decimal = ZERO
    payment_fee_percent: Decimal = ZERO
    payment_fee_payer: str = "franchisor"
    rounding: str = "half_even"

    @classmethod
    def from_contract(cls, contract) -> "Terms":
        return cls(
            **{name: getattr(contract, name) for name in cls.__dataclass_fields__}
        )


@dataclass(frozen=True)
class SettlementLine:
    """One order line of the part: merchandise after discounts, and freight."""

    item_index: int
    quantity: int
    merchandise: Decimal
    freight: Decimal

    @property
    def paid(self) -> Decimal:
        return self.merchandise + self.freight


@dataclass(frozen=True)
class Share:
    """The amount `party` gains from one line for one entry type (negative: pays)."""

    item_index: int
    quantity: int
    entry_type: str
    party: str
    purpose: str
    amount: Decimal


@dataclass
class Settlement:
    lines: list[SettlementLine]
    shares: list[Share] = field(default_factory=list)

    @property
    def paid(self) -> Decimal:
        return sum((line.paid for line in self.lines), ZERO)

    def by_party(self) -> dict[str, dict[str, Decimal]]:
        """Amount per party and entry type, summed over the lines."""
        table: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        for share in self.shares:
            table[share.party][share.entry_type] += share.amount
        return {party: dict(types) for party, types in table.items()}

    def party_totals(self) -> dict[str, Decimal]:
        return {
            party: sum(types.values(), ZERO) for party, types in self.by_party().items()
        }

    def total_of(self, entry_type: str, party: str) -> Decimal:
        return sum(
            (
                share.amount
                for share in self.shares
                if share.entry_type == entry_type and share.party == party
            ),
            ZERO,
        )


def order_lines_build(
    *,
    gross: list[Decimal],
    discount: Decimal = ZERO,
    freight: Decimal = ZERO,
    quantities: list[int] | None = None,
    freight_weights: list[Decimal] | None = None,
) -> list[SettlementLine]:
    """Allocate an order's discount over its lines by gross value, then its
    freight by `freight_weights` (default: merchandise after discount).

    `discount` is positive and is subtracted from the lines.
    """
    if not gross:
        raise ValueError("An order needs at least one line.")
    if discount < 0 or freight < 0:
        raise ValueError("Discount and freight must not be negative.")
    if discount > sum(gross):
        raise ValueError(
            f"The discount {discount} is larger than the merchandise {sum(gross)}."
        )
    quantities = quantities or [1] * len(gross)
    discounts = allocate(discount, gross)
    merchandise = [value - cut for value, cut in zip(gross, discounts, strict=True)]
    freights = allocate(freight, freight_weights or merchandise)
    return [
        SettlementLine(index, quantity, amount, line_freight)
        for index, (quantity, amount, line_freight) in enumerate(
            zip(quantities, merchandise, freights, strict=True)
        )
    ]


def settle(
    *,
    lines: list[SettlementLine],
    terms: Terms,
    regional: bool,
    pickup: bool,
) -> Settlement:
    """Split the part's lines between the parties.

    `regional` is whether the credited store differs from the fulfilling one;
    `pickup` whether the customer collects the goods at the fulfilling store.
    """
    if not lines:
        raise ValueError("A settlement needs at least one line.")
    settlement = Settlement(lines=list(lines))
    merchandise_weights = [line.merchandise for line in lines]
    merchandise = sum(merchandise_weights, ZERO)
    freight = sum((line.freight for line in lines), ZERO)
    mode = terms.rounding

    def add(entry_type, amount, weights, parties):
        """Allocate `amount` over the lines and book it to each (party, purpose,
        sign) of `parties`."""
        if amount == 0:
            return
        for line, part in zip(lines, allocate(amount, weights), strict=True):
            for party, purpose, sign in parties:
                settlement.shares.append(
                    Share(
                        line.item_index,
                        line.quantity,
                        entry_type,
                        party,
                        purpose,
                        sign * part,
                    )
                )

    store = (Party.FULFILLING_STORE, STORE_PAYABLE)
    add(EntryType.SALE, settlement.paid, [line.paid for line in lines], [(*store, 1)])

    commission = percent_of(
        merchandise, terms.commission_merchandise_percent, mode=mode
    ) + percent_of(freight, terms.commission_freight_percent, mode=mode)
    commission_weights = [
        line.merchandise * terms.commission_merchandise_percent
        + line.freight * terms.commission_freight_percent
        for line in lines
    ]
    franchisor_gains = [(*store, -1), (Party.FRANCHISOR, COMMISSION_REVENUE, 1)]
    add(EntryType.COMMISSION, commission, commission_weights, franchisor_gains)

    royalty = percent_of(merchandise, terms.royalty_percent, mode=mode)
    add(
        EntryType.ROYALTY,
        royalty,
        merchandise_weights,
        [(*store, -1), (Party.FRANCHISOR, ROYALTY_REVENUE, 1)],
    )
    fund = percent_of(merchandise, terms.marketing_fund_percent, mode=mode)
    add(
        EntryType.MARKETING_FUND,
        fund,
        merchandise_weights,
        [(*store, -1), (Party.MARKETING_FUND, MARKETING_FUND, 1)],
    )

    franchisor_pays = (Party.FRANCHISOR, CHANNEL_EXPENSES, -1)
    if regional:
        credit = percent_of(merchandise, terms.regional_credit_percent, mode=mode)
        add(
            EntryType.REGIONAL_CREDIT,
            credit,
            merchandise_weights,
            [franchisor_pays, (Party.CREDITED_STORE, STORE_PAYABLE, 1)],
        )
    fulfilment_fee = terms.fulfilment_fee_fixed + percent_of(
        merchandise, terms.fulfilment_fee_percent, mode=mode
    )
    add(
        EntryType.FULFILMENT_FEE,
        fulfilment_fee,
        merchandise_weights,
        [franchisor_pays, (*store, 1)],
    )
    if pickup:
        add(
            EntryType.PICKUP_FEE,
            terms.pickup_fee,
            merchandise_weights,
            [franchisor_pays, (*store, 1)],
        )

    _add_payment_fee(settlement, terms, commission)
    return settlement


def payment_fee_split(
    *, fee: Decimal, payer: str, paid: Decimal, commission: Decimal
) -> tuple[Decimal, Decimal]:
    """Return the (fulfilling store, franchisor) parts of the provider's fee.

    Pro rata splits it by what each receives from the payment before other
    deductions: the store `paid - commission`, the franchisor `commission`.
    """
    if payer == "franchisor":
        return ZERO, fee
    if payer == "fulfilling_store":
        return fee, ZERO
    if payer == "pro_rata":
        store_part, franchisor_part = allocate(fee, [paid - commission, commission])
        return store_part, franchisor_part
    raise ValueError(
        f"Unknown payment fee payer {payer!r}: use franchisor, "
        "fulfilling_store or pro_rata."
    )


def _add_payment_fee(settlement: Settlement, terms: Terms, commission) -> None:
    paid = settlement.paid
    fee = percent_of(paid, terms.payment_fee_percent, mode=terms.rounding)
    if fee == 0:
        return
    store_part, franchisor_part = payment_fee_split(
        fee=fee, payer=terms.payment_fee_payer, paid=paid, commission=commission
    )
    weights = [line.paid for line in settlement.lines]
    payers = [
        (Party.FULFILLING_STORE, STORE_PAYABLE, store_part),
        (Party.FRANCHISOR, PAYMENT_FEES, franchisor_part),
    ]
    # The provider's share of a line is what the payers pay on that line, so
    # each line's fee shares sum to zero.
    provider_parts = [ZERO] * len(settlement.lines)
    for party, purpose, amount in payers:
        if amount == 0:
            continue
        parts = allocate(amount, weights)
        for position, (line, part) in enumerate(
            zip(settlement.lines, parts, strict=True)
        ):
            provider_parts[position] += part
            settlement.shares.append(
                Share(
                    line.item_index,
                    line.quantity,
                    EntryType.PAYMENT_FEE,
                    party,
                    purpose,
                    -part,
                )
            )
    for line, part in zip(settlement.lines, provider_parts, strict=True):
        settlement.shares.append(
            Share(
                line.item_index,
                line.quantity,
                EntryType.PAYMENT_FEE,
                Party.PAYMENT_PROVIDER,
                PROVIDER_CLEARING,
                part,
            )
        )
