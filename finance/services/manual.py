"""Transactions people post: payouts to franchisees and manual adjustments."""

from datetime import datetime
from decimal import Decimal

from django.db.models import Sum
from django.utils.translation import gettext as _

from finance.allocation import money_sum
from finance.models import Account, LedgerEntry, LedgerTransaction, SettlementPeriod
from finance.money import money_format
from finance.services.ledger import (
    EntryLine,
    LedgerError,
    account_get,
    franchisor_entity,
    transaction_post,
)
from franchises.models import LegalEntity, Membership

Kind = LedgerTransaction.Kind
# Roles that may approve a manual adjustment.
APPROVER_ROLES = (Membership.Role.HQ_FINANCE, Membership.Role.HQ_ADMIN)


def account_balance(account: Account) -> Decimal:
    """Credits minus debits of every entry of the account."""
    totals = LedgerEntry.objects.filter(account=account).aggregate(
        debit=Sum("debit"), credit=Sum("credit")
    )
    return money_sum(totals["credit"]) - money_sum(totals["debit"])


def payout_post(
    *,
    legal_entity: LegalEntity,
    amount: Decimal,
    reference: str,
    occurred_at: datetime,
    created_by=None,
) -> LedgerTransaction:
    """Record a transfer to a franchisee: what is owed to it falls by `amount`.

    A payout is positive and never exceeds what is owed, so a negative balance
    is never paid out. A repeated `reference` posts nothing.
    """
    reference = (reference or "").strip()
    if not reference:
        raise LedgerError(_("A payout needs a reference, such as the transfer id."))
    key = f"payout:{reference}"
    existing = LedgerTransaction.objects.filter(idempotency_key=key).first()
    if existing:
        return existing
    payable = account_get(
        legal_entity=legal_entity, purpose=Account.Purpose.STORE_PAYABLE
    )
    owed = account_balance(payable)
    if amount <= 0 or amount > owed:
        raise LedgerError(
            _(
                "Invalid payout of %(amount)s to %(entity)s: it must be positive "
                "and at most the %(owed)s owed."
            )
            % {
                "amount": money_format(amount),
                "entity": legal_entity,
                "owed": money_format(owed),
            }
        )
    cash = account_get(legal_entity=franchisor_entity(), purpose=Account.Purpose.CASH)
    posted, _created = transaction_post(
        kind=Kind.PAYOUT,
        idempotency_key=key,
        occurred_at=occurred_at,
        entries=[
            EntryLine(payable, Kind.PAYOUT, debit=amount),
            EntryLine(cash, Kind.PAYOUT, credit=amount),
        ],
        description=f"{Kind.PAYOUT.label} · {reference}",
        created_by=created_by,
    )
    return posted


def user_may_approve(user) -> bool:
    if user is None or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return user.memberships.filter(role__in=APPROVER_ROLES).exists()


def adjustment_post(
    *,
    reference: str,
    entries: list[EntryLine],
    reason: str,
    created_by,
    approved_by,
    occurred_at: datetime,
    period: SettlementPeriod | None = None,
    original: LedgerTransaction | None = None,
) -> LedgerTransaction:
    """Post a manual adjustment, approved by an HQ finance user other than its
    author. A repeated `reference` posts nothing."""
    reference = (reference or "").strip()
    reason = (reason or "").strip()
    if not reference:
        raise LedgerError(_("An adjustment needs a reference."))
    key = f"adjustment:{reference}"
    existing = LedgerTransaction.objects.filter(idempotency_key=key).first()
    if existing:
        return existing
    if not reason:
        raise LedgerError(_("An adjustment needs a reason."))
    if approved_by is None:
        raise LedgerError(_("An adjustment needs an approver."))
    if created_by is not None and approved_by.pk == created_by.pk:
        raise LedgerError(
            _("The approver must be someone other than the author of the adjustment.")
        )
    if not user_may_approve(approved_by):
        raise LedgerError(
            _("%(user)s may not approve adjustments: only HQ finance may.")
            % {"user": approved_by}
        )
    posted, _created = transaction_post(
        kind=Kind.ADJUSTMENT,
        idempotency_key=key,
        occurred_at=occurred_at,
        entries=entries,
        period=period,
        reason=reason,
        created_by=created_by,
        approved_by=approved_by,
        original=original,
        order=original.order if original else None,
        description=f"{Kind.ADJUSTMENT.label} · {reference}",
    )
    return posted
