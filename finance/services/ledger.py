"""Posting to the ledger: accounts, settlement periods and balanced transactions."""

import calendar
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from finance.allocation import CENT, ZERO
from finance.models import (
    Account,
    Contract,
    LedgerEntry,
    LedgerTransaction,
    SettlementPeriod,
)
from finance.money import money_format
from franchises.models import LegalEntity, Location

logger = logging.getLogger(__name__)


class LedgerError(Exception):
    """Raised when the ledger rejects a posting, with the reason in the message."""


class PeriodClosedError(LedgerError):
    pass


@dataclass(frozen=True)
class EntryLine:
    """One entry to post: a debit or a credit, never both."""

    account: Account
    entry_type: str
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    location: Location | None = None
    original_entry: LedgerEntry | None = None


def account_get(*, legal_entity: LegalEntity, purpose: str) -> Account:
    account, _created = Account.objects.get_or_create(
        legal_entity=legal_entity, purpose=purpose
    )
    return account


def franchisor_entity() -> LegalEntity:
    """Return the franchisor, the legal entity that owns the network's accounts."""
    franchisor = (
        LegalEntity.objects.filter(kind=LegalEntity.Kind.FRANCHISOR)
        .order_by("pk")
        .first()
    )
    if franchisor is None:
        raise LedgerError(
            _(
                "No legal entity of kind franchisor exists; add the franchisor in "
                "the admin before posting to the ledger."
            )
        )
    return franchisor


def local_date(moment: datetime) -> date:
    """Return the calendar date of `moment` in the project's time zone."""
    return timezone.localtime(moment).date()


def period_bounds(*, length: str, day: date) -> tuple[date, date]:
    """Return the first and last day of the `length` period containing `day`."""
    if length == Contract.PeriodLength.WEEKLY:
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    last_day = calendar.monthrange(day.year, day.month)[1]
    if length == Contract.PeriodLength.SEMIMONTHLY:
        if day.day <= 15:
            return day.replace(day=1), day.replace(day=15)
        return day.replace(day=16), day.replace(day=last_day)
    return day.replace(day=1), day.replace(day=last_day)


def period_for(*, legal_entity: LegalEntity, day: date) -> SettlementPeriod:
    """Return the entity's period containing `day`, creating it when missing.

    Its length comes from the entity's contract in force that day (monthly
    without one). A new period is trimmed so it never overlaps a neighbour,
    which matters when a new contract changes the period length.
    """
    periods = SettlementPeriod.objects.filter(legal_entity=legal_entity)
    found = periods.filter(starts_on__lte=day, ends_on__gte=day).first()
    if found:
        return found
    from finance.services.contracts import contract_in_force

    contract = contract_in_force(legal_entity=legal_entity, day=day)
    length = contract.settlement_period if contract else Contract.PeriodLength.MONTHLY
    start, end = period_bounds(length=length, day=day)
    previous = periods.filter(ends_on__lt=day).order_by("-ends_on").first()
    following = periods.filter(starts_on__gt=day).order_by("starts_on").first()
    if previous and previous.ends_on >= start:
        start = previous.ends_on + timedelta(days=1)
    if following and following.starts_on <= end:
        end = following.starts_on - timedelta(days=1)
    period, _created = SettlementPeriod.objects.get_or_create(
        legal_entity=legal_entity, starts_on=start, defaults={"ends_on": end}
    )
    return period


def open_period_for(
    *, legal_entity: LegalEntity, day: date, today: date
) -> tuple[SettlementPeriod, bool]:
    """Return the period an event of `day` posts into, and whether it is late.

    An event whose own period is closing or closed posts into the open period
    containing `today`, or the first open one after it.
    """
    period = period_for(legal_entity=legal_entity, day=day)
    if period.status == SettlementPeriod.Status.OPEN:
        return period, False
    candidate = period_for(legal_entity=legal_entity, day=max(day, today))
    while candidate.status != SettlementPeriod.Status.OPEN:
        candidate = period_for(
            legal_entity=legal_entity, day=candidate.ends_on + timedelta(days=1)
        )
    return candidate, True


def entries_check(entries: list[EntryLine]) -> None:
    """Raise LedgerError unless the entries form one balanced transaction."""
    if len(entries) < 2:
        raise LedgerError(
            _("A transaction needs at least two entries; got %(count)d.")
            % {"count": len(entries)}
        )
    for entry in entries:
        for amount in (entry.debit, entry.credit):
            if amount < 0 or amount != amount.quantize(CENT):
                raise LedgerError(
                    _(
                        "Invalid amount %(amount)s on %(account)s: amounts are "
                        "positive and in centavos."
                    )
                    % {"amount": money_format(amount), "account": entry.account}
                )
        if (entry.debit > 0) == (entry.credit > 0):
            raise LedgerError(
                _(
                    "Each entry is either a debit or a credit: %(account)s has %(debit)s and %(credit)s."
                )
                % {
                    "account": entry.account,
                    "debit": money_format(entry.debit),
                    "credit": money_format(entry.credit),
                }
            )
    debit = sum((entry.debit for entry in entries), ZERO)
    credit = sum((entry.credit for entry in entries), ZERO)
    if debit != credit:
        raise LedgerError(
            _("The transaction is unbalanced: debits %(debit)s, credits %(credit)s.")
            % {"debit": money_format(debit), "credit": money_format(credit)}
        )


def transaction_post(
    *,
    kind: str,
    idempotency_key: str,
    occurred_at: datetime,
    entries: list[EntryLine],
    period: SettlementPeriod | None = None,
    now: datetime | None = None,
    **fields,
) -> tuple[LedgerTransaction, bool]:
    """Post one balanced transaction once per idempotency key.

    Returns the transaction and whether this call created it; a repeated key
    returns the stored transaction and posts nothing. Each entry goes into the
    period of its account's legal entity containing `occurred_at`, or, when
    that period is closing or closed, into the current open one (the
    transaction is then marked late). An explicit `period` that is not open
    raises PeriodClosedError.
    """
    existing = LedgerTransaction.objects.filter(idempotency_key=idempotency_key).first()
    if existing:
        return existing, False
    entries_check(entries)
    if period is not None and period.status != SettlementPeriod.Status.OPEN:
        raise PeriodClosedError(
            _(
                "Settlement period %(period)s is %(status)s; post into an open "
                "period instead."
            )
            % {"period": period, "status": period.get_status_display()}
        )

    day = local_date(occurred_at)
    today = local_date(now or timezone.now())
    try:
        with transaction.atomic():
            return _insert(
                kind, idempotency_key, occurred_at, entries, period, day, today, fields
            )
    except IntegrityError:
        # A concurrent call inserted the same key first.
        existing = LedgerTransaction.objects.filter(
            idempotency_key=idempotency_key
        ).first()
        if existing is None:
            raise
        return existing, False


def _insert(kind, key, occurred_at, entries, period, day, today, fields):
    periods: dict[int, SettlementPeriod] = {}
    is_late = False
    for entry in entries:
        entity = entry.account.legal_entity
        if entity.pk in periods:
            continue
        if period is not None and period.legal_entity_id == entity.pk:
            periods[entity.pk] = period
            continue
        periods[entity.pk], late = open_period_for(
            legal_entity=entity, day=day, today=today
        )
        is_late = is_late or late

    posted = LedgerTransaction.objects.create(
        kind=kind,
        idempotency_key=key,
        occurred_at=occurred_at,
        is_late=is_late,
        **fields,
    )
    LedgerEntry.objects.bulk_create(
        [
            LedgerEntry(
                transaction=posted,
                account=entry.account,
                period=periods[entry.account.legal_entity_id],
                entry_type=entry.entry_type,
                location=entry.location,
                debit=entry.debit,
                credit=entry.credit,
                original_entry=entry.original_entry,
            )
            for entry in entries
        ]
    )
    logger.info(
        "Posted ledger transaction %s (%s, key %s, %d entries%s)",
        posted.pk,
        kind,
        key,
        len(entries),
        ", late" if is_late else "",
    )
    return posted, True


def entries_from_amounts(
    amounts: dict[tuple[Account, str, Location | None], Decimal],
) -> list[EntryLine]:
    """Turn credit-positive amounts per (account, entry type, location) into
    entries, dropping zeros."""
    entries = []
    for (account, entry_type, location), amount in amounts.items():
        if amount > 0:
            entries.append(
                EntryLine(account, entry_type, credit=amount, location=location)
            )
        elif amount < 0:
            entries.append(
                EntryLine(account, entry_type, debit=-amount, location=location)
            )
    return entries
