"""Reads of the ledger scoped to what a user may see.

HQ roles see every entry. A store role sees the entries of its legal
entities' accounts, except those about another location of the entity when
its membership names one location.
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from finance.models import LedgerEntry, LedgerTransaction
from franchises.access import (
    user_is_hq,
    visible_legal_entities,
    visible_locations,
    visible_payee_entities,
)


def visible_entries(user) -> QuerySet[LedgerEntry]:
    entries = LedgerEntry.objects.all()
    if user_is_hq(user):
        return entries
    return entries.filter(
        account__legal_entity__in=visible_legal_entities(user)
    ).filter(
        Q(location__in=visible_locations(user))
        | Q(
            location__isnull=True,
            account__legal_entity__in=visible_payee_entities(user),
        )
    )


def transaction_for_user_or_404(user, *, pk: int):
    """Return the transaction and the entries of it the user may see, or 404
    when the user may see none of them."""
    entries = list(
        visible_entries(user)
        .filter(transaction_id=pk)
        .select_related("account__legal_entity", "location", "period")
        .order_by("id")
    )
    if not entries:
        raise Http404("No such transaction.")
    posted = LedgerTransaction.objects.select_related("order", "original").get(pk=pk)
    return posted, entries
