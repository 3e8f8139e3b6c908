"""Reads of payout statements scoped to what a user may see.

HQ roles may read every statement. A store role may read the statements of
the franchisee entities of its locations
(`franchises.access.visible_payee_entities`). Every statement page and export
goes through `statement_for_user_or_404`.
"""

from django.db.models import QuerySet
from django.http import Http404

from finance.models import Account, LedgerEntry
from finance.models_statements import PayoutStatement
from finance.selectors import visible_entries
from franchises.access import user_is_hq, visible_payee_entities


def visible_statements(user) -> QuerySet[PayoutStatement]:
    statements = PayoutStatement.objects.select_related("legal_entity", "period")
    if user_is_hq(user):
        return statements
    return statements.filter(legal_entity__in=visible_payee_entities(user))


def statement_for_user_or_404(user, *, pk: int) -> PayoutStatement:
    try:
        return visible_statements(user).get(pk=pk)
    except PayoutStatement.DoesNotExist:
        raise Http404("No such statement.") from None


def statement_entries(user, statement: PayoutStatement) -> QuerySet[LedgerEntry]:
    """Return the store-payable entries behind a statement that the user may
    see, with their transactions and orders, oldest first."""
    return (
        visible_entries(user)
        .filter(
            period_id=statement.period_id,
            account__legal_entity_id=statement.legal_entity_id,
            account__purpose=Account.Purpose.STORE_PAYABLE,
        )
        .select_related("transaction__order", "location")
        .order_by("transaction__occurred_at", "id")
    )
