"""Contracts for the demo network, so that invoiced parts post to the ledger."""

from datetime import date
from decimal import Decimal

from django.db import transaction

from finance.models import Contract
from franchises.models import LegalEntity

# The terms of the worked examples in docs/finance.md.
DEMO_TERMS = {
    "commission_merchandise_percent": Decimal("12"),
    "commission_freight_percent": Decimal("0"),
    "royalty_percent": Decimal("5"),
    "marketing_fund_percent": Decimal("2"),
    "regional_credit_percent": Decimal("4"),
    "pickup_fee": Decimal("5.00"),
    "payment_fee_percent": Decimal("3"),
    "payment_fee_payer": Contract.FeePayer.FRANCHISOR,
    "rounding": Contract.Rounding.HALF_EVEN,
    "settlement_period": Contract.PeriodLength.WEEKLY,
}
# A logistics partner's DC pays no royalty or marketing fund.
PARTNER_TERMS = {
    **DEMO_TERMS,
    "royalty_percent": Decimal("0"),
    "marketing_fund_percent": Decimal("0"),
}
DEMO_VALID_FROM = date(2026, 1, 1)


def demo_finance_load() -> dict[str, int]:
    """Give every legal entity without a contract the demo terms, open-ended
    from 1 January 2026. The franchisor's contract covers the stores and DCs
    it owns. Returns how many contracts were created."""
    created = 0
    with transaction.atomic():
        for entity in LegalEntity.objects.filter(contracts__isnull=True):
            if entity.kind == LegalEntity.Kind.LOGISTICS_PARTNER:
                terms = PARTNER_TERMS
            else:
                terms = DEMO_TERMS
            Contract.objects.create(
                legal_entity=entity, valid_from=DEMO_VALID_FROM, **terms
            )
            created += 1
    return {"contracts": created}
