"""The settlement preview: what each party would get for an order, posting nothing."""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from finance.allocation import ZERO
from finance.models import Contract
from finance.settlement import (
    EntryType,
    Party,
    Settlement,
    Terms,
    order_lines_build,
    settle,
)
from franchises.models import LegalEntity, Location

ENTRY_TYPE_LABELS = {
    EntryType.SALE: gettext_lazy("Sale"),
    EntryType.COMMISSION: gettext_lazy("Commission"),
    EntryType.ROYALTY: gettext_lazy("Royalty"),
    EntryType.MARKETING_FUND: gettext_lazy("Marketing fund"),
    EntryType.REGIONAL_CREDIT: gettext_lazy("Regional credit"),
    EntryType.FULFILMENT_FEE: gettext_lazy("Fulfilment fee"),
    EntryType.PICKUP_FEE: gettext_lazy("Pickup fee"),
    EntryType.PAYMENT_FEE: gettext_lazy("Payment fee"),
}
PARTY_ORDER = (
    Party.FULFILLING_STORE,
    Party.CREDITED_STORE,
    Party.FRANCHISOR,
    Party.MARKETING_FUND,
    Party.PAYMENT_PROVIDER,
)


@dataclass(frozen=True)
class PreviewRow:
    party: str
    label: str
    amounts: list[Decimal]  # one per entry type of the preview's columns
    total: Decimal


@dataclass(frozen=True)
class Preview:
    settlement: Settlement
    entry_types: list[str]
    rows: list[PreviewRow]
    column_totals: list[Decimal]
    paid: Decimal

    @property
    def column_labels(self) -> list[str]:
        return [ENTRY_TYPE_LABELS[entry_type] for entry_type in self.entry_types]


def settlement_preview(
    *,
    lines: list[Decimal],
    discount: Decimal,
    freight: Decimal,
    fulfilling: Location,
    credited: Location,
    pickup: bool,
    contract: Contract,
) -> Preview:
    """Compute every party's amount per entry type for one order part.

    `lines` are the items' values before the order discount; the discount is
    allocated over them by value and the freight by value after discount.
    Raises ValueError with a message when the input cannot be settled.
    """
    order_lines = order_lines_build(gross=lines, discount=discount, freight=freight)
    settlement = settle(
        lines=order_lines,
        terms=Terms.from_contract(contract),
        regional=credited.pk != fulfilling.pk,
        pickup=pickup,
    )
    by_party = settlement.by_party()
    entry_types = [
        entry_type
        for entry_type in EntryType
        if any(entry_type in types for types in by_party.values())
    ]
    labels = _party_labels(fulfilling=fulfilling, credited=credited)
    rows = []
    for party in PARTY_ORDER:
        if party not in by_party:
            continue
        amounts = [by_party[party].get(entry_type, ZERO) for entry_type in entry_types]
        rows.append(PreviewRow(party, labels[party], amounts, sum(amounts, ZERO)))
    column_totals = [
        sum((row.amounts[position] for row in rows), ZERO)
        for position in range(len(entry_types))
    ]
    return Preview(settlement, entry_types, rows, column_totals, settlement.paid)


def _party_labels(*, fulfilling: Location, credited: Location) -> dict[str, str]:
    franchisor = (
        LegalEntity.objects.filter(kind=LegalEntity.Kind.FRANCHISOR)
        .order_by("pk")
        .first()
    )
    franchisor_name = str(franchisor) if franchisor else _("Franchisor")
    return {
        Party.FULFILLING_STORE: _("%(store)s (fulfilling)") % {"store": fulfilling},
        Party.CREDITED_STORE: _("%(store)s (credited)") % {"store": credited},
        Party.FRANCHISOR: franchisor_name,
        Party.MARKETING_FUND: _("Marketing fund"),
        Party.PAYMENT_PROVIDER: _("Payment provider"),
    }
