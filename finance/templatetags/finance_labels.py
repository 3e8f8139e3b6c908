"""Template filters that name finance codes in the user's language."""

from django import template

from finance.models import LedgerTransaction
from finance.services.preview import ENTRY_TYPE_LABELS

register = template.Library()


@register.filter
def entry_type_label(code: str) -> str:
    """Name an entry type such as `commission`; entry types that repeat a
    transaction kind (`return`, `payout`) take the kind's label."""
    if code in ENTRY_TYPE_LABELS:
        return str(ENTRY_TYPE_LABELS[code])
    kinds = dict(LedgerTransaction.Kind.choices)
    return str(kinds.get(code, code))
