"""Returns and chargebacks: reversing stored line shares pro rata.

A reversal never recomputes shares from today's contract. It takes what is
left of each stored share (the sale's shares minus earlier reversals) and
reverses a fraction of it. Within each entry type the credits and debits are
reversed by the same amount, so every reversal stays balanced.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from finance.allocation import ZERO, allocate, money_sum, round_money
from finance.models import (
    Account,
    LedgerEntry,
    LedgerTransaction,
    LineShare,
    OrderRoles,
)
from finance.money import money_format
from finance.services.ledger import (
    EntryLine,
    LedgerError,
    account_get,
    entries_from_amounts,
    franchisor_entity,
    transaction_post,
)
from finance.settlement import EntryType
from franchises.models import Location

logger = logging.getLogger(__name__)
Kind = LedgerTransaction.Kind
# Kinds an invoiced part posts, whose entries reversals point back at.
POSTED_KINDS = (
    Kind.SALE,
    Kind.ROYALTY,
    Kind.MARKETING_FUND,
    Kind.REGIONAL_CREDIT,
    Kind.FULFILMENT_FEE,
    Kind.PICKUP_FEE,
    Kind.PAYMENT_FEE,
)
GroupKey = tuple[int, str, int | None]  # account id, entry type, location id


@dataclass(frozen=True)
class LineReversal:
    """How much of one line's remaining shares to reverse: `numerator` /
    `denominator` of each, or all of them when `numerator` is None.

    `sale_amount`, when given, is the exact sale amount to reverse, and
    `quantity` the units leaving the line.
    """

    numerator: Decimal | None = None
    denominator: Decimal | None = None
    quantity: int = 0
    sale_amount: Decimal | None = None


def remaining_shares(
    roles: OrderRoles,
) -> dict[int, dict[int, dict[GroupKey, Decimal]]]:
    """Return what is left of each share of the part: {roles id: {item index: {group:
    amount}}}, without groups that are fully reversed."""
    rows = (
        LineShare.objects.filter(roles=roles)
        .values("item_index", "account_id", "entry_type", "location_id")
        .annotate(total=Sum("amount"))
        .order_by("item_index", "entry_type", "account_id", "location_id")
    )
    remaining: dict[int, dict[GroupKey, Decimal]] = defaultdict(dict)
    for row in rows:
        total = money_sum(row["total"])
        if total:
            key = (row["account_id"], row["entry_type"], row["location_id"])
            remaining[row["item_index"]][key] = total
    return {roles.pk: dict(remaining)}


def remaining_units(roles: OrderRoles) -> dict[int, int]:
    rows = (
        LineShare.objects.filter(roles=roles, entry_type=EntryType.SALE)
        .values("item_index")
        .annotate(units=Sum("quantity"))
    )
    return {row["item_index"]: row["units"] for row in rows}


def remaining_sale(roles: OrderRoles) -> dict[int, Decimal]:
    rows = (
        LineShare.objects.filter(roles=roles, entry_type=EntryType.SALE)
        .values("item_index")
        .annotate(total=Sum("amount"))
        .order_by("item_index")
    )
    totals = {row["item_index"]: money_sum(row["total"]) for row in rows}
    return {index: total for index, total in totals.items() if total}


def _type_reversal(
    groups: dict[GroupKey, Decimal], spec: LineReversal, *, is_sale: bool, mode: str
) -> dict[GroupKey, Decimal]:
    """Credit-positive amounts that reverse `spec`'s part of one entry type."""
    if spec.numerator is None:
        return {key: -amount for key, amount in groups.items() if amount}
    positives = {key: amount for key, amount in groups.items() if amount > 0}
    negatives = {key: -amount for key, amount in groups.items() if amount < 0}
    credit_total = sum(positives.values(), ZERO)
    debit_total = sum(negatives.values(), ZERO)
    ratio = spec.numerator / spec.denominator
    if is_sale and spec.sale_amount is not None:
        take_credit = spec.sale_amount
    else:
        take_credit = round_money(credit_total * ratio, mode=mode)
    if credit_total == debit_total:
        take_debit = take_credit
    else:
        take_debit = round_money(debit_total * ratio, mode=mode)

    result: dict[GroupKey, Decimal] = {}
    for side, total, sign in ((positives, take_credit, -1), (negatives, take_debit, 1)):
        if not side or total == 0:
            continue
        keys = sorted(side)
        for key, part in zip(
            keys, allocate(total, [side[k] for k in keys]), strict=True
        ):
            if part:
                result[key] = sign * part
    return result


def _group_of(entry: EntryLine) -> GroupKey:
    location_id = entry.location.pk if entry.location else None
    return (entry.account.pk, entry.entry_type, location_id)


def _original_entries(all_roles) -> dict[GroupKey, LedgerEntry]:
    """Return the first posted entry of each group in the parts' own postings,
    which a reversing entry points at."""
    entries = LedgerEntry.objects.filter(
        transaction__roles__in=all_roles,
        transaction__kind__in=POSTED_KINDS,
    ).order_by("id")
    originals: dict[GroupKey, LedgerEntry] = {}
    for entry in entries:
        originals.setdefault(
            (entry.account_id, entry.entry_type, entry.location_id), entry
        )
    return originals


def shares_reverse(
    *,
    kind: str,
    key: str,
    roles_lines: dict[tuple[OrderRoles, int], LineReversal | None],
    occurred_at: datetime,
    original: LedgerTransaction | None,
    balancing: str,
    reason: str = "",
    created_by=None,
) -> bool:
    """Post one transaction that reverses part of the stored shares of the
    given (roles, item index) lines. A credit to the collecting entity's
    `balancing` account balances it. Returns whether this call posted it."""
    if LedgerTransaction.objects.filter(idempotency_key=key).exists():
        return False
    franchisor = franchisor_entity()
    amounts: dict[GroupKey, Decimal] = defaultdict(Decimal)
    share_rows = []
    balancing_accounts: dict[int, Account] = {}
    balancing_total: dict[int, Decimal] = defaultdict(Decimal)
    for (roles, index), spec in roles_lines.items():
        spec = spec or LineReversal()
        mode = roles.contract.rounding if roles.contract else "half_even"
        groups = remaining_shares(roles)[roles.pk].get(index, {})
        by_type: dict[str, dict[GroupKey, Decimal]] = defaultdict(dict)
        for group, amount in groups.items():
            by_type[group[1]][group] = amount
        for entry_type, type_groups in sorted(by_type.items()):
            reversal = _type_reversal(
                type_groups,
                spec,
                is_sale=entry_type == EntryType.SALE,
                mode=mode,
            )
            for group, amount in reversal.items():
                amounts[group] += amount
                share_rows.append((roles, index, -spec.quantity, group, amount))
        entity = roles.collecting_entity or franchisor
        balancing_accounts[entity.pk] = account_get(
            legal_entity=entity, purpose=balancing
        )
        balancing_total[entity.pk] -= sum(
            (row[4] for row in share_rows if row[0] is roles and row[1] == index),
            ZERO,
        )

    accounts = Account.objects.in_bulk({group[0] for group in amounts})
    originals = _original_entries({roles for roles, _index in roles_lines})
    locations = Location.objects.in_bulk(
        {group[2] for group in amounts if group[2] is not None}
    )
    entries = [
        replace(entry, original_entry=originals.get(_group_of(entry)))
        for entry in entries_from_amounts(
            {
                (accounts[account_id], entry_type, locations.get(location_id)): amount
                for (account_id, entry_type, location_id), amount in amounts.items()
            }
        )
    ]
    for entity_pk, total in balancing_total.items():
        if total > 0:
            entries.append(EntryLine(balancing_accounts[entity_pk], kind, credit=total))
        elif total < 0:
            entries.append(EntryLine(balancing_accounts[entity_pk], kind, debit=-total))
    if not entries:
        return False
    first_roles = next(iter(roles_lines))[0]
    posted, created = transaction_post(
        kind=kind,
        idempotency_key=key,
        occurred_at=occurred_at,
        entries=entries,
        order=first_roles.order,
        roles=first_roles if len({r.pk for r, _i in roles_lines}) == 1 else None,
        original=original,
        reason=reason,
        created_by=created_by,
        description=f"{Kind(kind).label} · {first_roles.order.vtex_order_id}",
    )
    if created:
        LineShare.objects.bulk_create(
            [
                LineShare(
                    roles=roles,
                    transaction=posted,
                    item_index=index,
                    quantity=quantity,
                    entry_type=group[1],
                    account=accounts[group[0]],
                    location=locations.get(group[2]),
                    amount=amount,
                )
                for roles, index, quantity, group, amount in share_rows
            ]
        )
    return created


def order_return_settle(
    *,
    roles: OrderRoles,
    return_id: str,
    lines: list[tuple[int, int]],
    occurred_at: datetime,
    created_by=None,
) -> LedgerTransaction:
    """Reverse the shares of returned units of one invoiced part, pro rata to
    the units each line still has.

    The return date (`occurred_at` in the project's time zone) must fall
    between the day the part was invoiced and today. A repeated `return_id`
    with the same lines and date returns the posted transaction and posts
    nothing. With other lines or another date it raises LedgerError naming
    what differs. `created_by` is the user who registered the return, or None
    when code posts it.
    """
    from finance.services.posting import transaction_key

    order = roles.order
    return_id = (return_id or "").strip()
    if not return_id:
        raise LedgerError(_("A return needs an id, such as its input invoice number."))
    key = transaction_key(order, Kind.RETURN, roles, return_id)
    with transaction.atomic():
        # The row lock serialises returns of one part, so a replay finds the
        # transaction that an earlier request with the same id posted.
        OrderRoles.objects.select_for_update().filter(pk=roles.pk).first()
        existing = LedgerTransaction.objects.filter(idempotency_key=key).first()
        if existing:
            _return_replay_check(existing, return_id, lines, occurred_at)
            return existing

        units = remaining_units(roles)
        specs = _return_specs(order, units, lines)
        sale = LedgerTransaction.objects.get(
            idempotency_key=transaction_key(order, Kind.SALE, roles)
        )
        return_date_check(
            returned_on=project_date(occurred_at),
            invoiced_on=project_date(sale.occurred_at),
        )
        shares_reverse(
            kind=Kind.RETURN,
            key=key,
            roles_lines={(roles, index): spec for index, spec in specs.items()},
            occurred_at=occurred_at,
            original=sale,
            balancing=Account.Purpose.PROVIDER_CLEARING,
            created_by=created_by,
        )
    return LedgerTransaction.objects.get(idempotency_key=key)


def project_date(moment: datetime) -> date:
    """Return the calendar day of `moment` in the project's time zone
    (settings.TIME_ZONE), whatever time zone the request activated."""
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


def return_date_check(*, returned_on: date, invoiced_on: date | None) -> None:
    """Raise LedgerError unless a return dated `returned_on` is no later than
    today and no earlier than `invoiced_on`, the day its part was invoiced.

    Pass None for `invoiced_on` when the part has no posted sale yet.
    """
    today = project_date(timezone.now())
    if returned_on > today:
        raise LedgerError(
            _(
                "The return date %(date)s is after today, %(today)s. Enter the "
                "date the goods came back."
            )
            % {"date": _date_text(returned_on), "today": _date_text(today)}
        )
    if invoiced_on is not None and returned_on < invoiced_on:
        raise LedgerError(
            _(
                "The return date %(date)s is before %(invoiced)s, when the part "
                "was invoiced. Enter the date the goods came back."
            )
            % {"date": _date_text(returned_on), "invoiced": _date_text(invoiced_on)}
        )


def _date_text(day: date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def _return_replay_check(
    posted: LedgerTransaction,
    return_id: str,
    lines: list[tuple[int, int]],
    occurred_at: datetime,
) -> None:
    """Raise LedgerError naming each difference between a posted return and a
    new request with its id. A line with zero units counts as no line."""
    rows = (
        LineShare.objects.filter(transaction=posted, entry_type=EntryType.SALE)
        .values("item_index")
        .annotate(units=Sum("quantity"))
    )
    posted_units = {row["item_index"]: -row["units"] for row in rows}
    requested_units: dict[int, int] = defaultdict(int)
    for index, quantity in lines:
        requested_units[index] += quantity

    differences = []
    for index in sorted(set(posted_units) | set(requested_units)):
        posted_quantity = posted_units.get(index, 0)
        requested_quantity = requested_units.get(index, 0)
        if posted_quantity != requested_quantity:
            differences.append(
                _("item %(index)s: quantity posted %(posted)s, requested %(requested)s")
                % {
                    "index": index,
                    "posted": posted_quantity,
                    "requested": requested_quantity,
                }
            )
    posted_on = project_date(posted.occurred_at)
    requested_on = project_date(occurred_at)
    if posted_on != requested_on:
        differences.append(
            _("date: posted %(posted)s, requested %(requested)s")
            % {"posted": _date_text(posted_on), "requested": _date_text(requested_on)}
        )
    if differences:
        raise LedgerError(
            _(
                "Return %(id)s was already posted with different content "
                "(%(differences)s). Register a different return under a new id."
            )
            % {"id": return_id, "differences": "; ".join(differences)}
        )


def _return_specs(order, units: dict[int, int], lines) -> dict[int, LineReversal]:
    if not lines:
        raise LedgerError(_("A return needs at least one line."))
    if not units:
        raise LedgerError(
            _("Order %(order)s has no posted sale for this part to return.")
            % {"order": order.vtex_order_id}
        )
    requested: dict[int, int] = defaultdict(int)
    for index, quantity in lines:
        if quantity <= 0:
            raise LedgerError(
                _("Returned quantity of item %(index)s must be positive, got %(qty)s.")
                % {"index": index, "qty": quantity}
            )
        requested[index] += quantity
    specs = {}
    for index, quantity in sorted(requested.items()):
        left = units.get(index, 0)
        if quantity > left:
            raise LedgerError(
                _(
                    "Item %(index)s of order %(order)s has %(left)s units left to "
                    "return; %(qty)s requested."
                )
                % {
                    "index": index,
                    "order": order.vtex_order_id,
                    "left": left,
                    "qty": quantity,
                }
            )
        if quantity == left:
            specs[index] = LineReversal(quantity=quantity)
        else:
            specs[index] = LineReversal(
                numerator=Decimal(quantity),
                denominator=Decimal(left),
                quantity=quantity,
            )
    return specs


def chargeback_key(payable_id: str, outcome: str) -> str:
    return f"chargeback:{payable_id}:{outcome}"


def chargeback_hold(
    *, order, payable_id: str, amount: Decimal, occurred_at: datetime
) -> LedgerTransaction:
    """Post the hold of a disputed amount that the provider withheld.

    The amount moves from the collecting entity's provider clearing account to
    its chargebacks-held account. A repeated `payable_id` returns the
    transaction posted first.
    """
    payable_id = (payable_id or "").strip()
    if not payable_id:
        raise LedgerError(_("A chargeback needs the provider's payable id."))

    key = chargeback_key(payable_id, "held")
    existing = LedgerTransaction.objects.filter(idempotency_key=key).first()
    if existing:
        return existing

    all_roles = list(OrderRoles.objects.filter(order=order).order_by("pk"))
    paid = sum((sum(remaining_sale(r).values(), ZERO) for r in all_roles), ZERO)
    if amount <= 0 or amount > paid:
        raise LedgerError(
            _(
                "Invalid chargeback amount %(amount)s for order %(order)s: it must "
                "be positive and at most the %(paid)s still settled."
            )
            % {
                "amount": money_format(amount),
                "order": order.vtex_order_id,
                "paid": money_format(paid),
            }
        )

    entity = all_roles[0].collecting_entity or franchisor_entity()
    held_account = account_get(
        legal_entity=entity, purpose=Account.Purpose.CHARGEBACKS_HELD
    )
    clearing_account = account_get(
        legal_entity=entity, purpose=Account.Purpose.PROVIDER_CLEARING
    )

    posted, _created = transaction_post(
        kind=Kind.CHARGEBACK_HELD,
        idempotency_key=key,
        occurred_at=occurred_at,
        entries=[
            EntryLine(held_account, Kind.CHARGEBACK_HELD, debit=amount),
            EntryLine(clearing_account, Kind.CHARGEBACK_HELD, credit=amount),
        ],
        order=order,
        description=f"{Kind.CHARGEBACK_HELD.label} · {payable_id}",
    )
    return posted


def chargebacks_held_open():
    """Return the held chargebacks that are neither won nor lost yet, oldest
    first, each annotated with its `held_amount`."""
    return (
        LedgerTransaction.objects.filter(kind=Kind.CHARGEBACK_HELD)
        .exclude(corrections__kind__in=(Kind.CHARGEBACK_WON, Kind.CHARGEBACK_LOST))
        .select_related("order")
        .annotate(held_amount=Sum("entries__debit"))
        .order_by("occurred_at", "id")
    )


def chargeback_payable_id(held: LedgerTransaction) -> str:
    """Return the provider's payable id of a chargeback-held transaction."""
    return held.idempotency_key.removeprefix("chargeback:").removesuffix(":held")


def chargeback_resolve(
    *, payable_id: str, won: bool, occurred_at: datetime, resolved_by=None
) -> LedgerTransaction:
    """Settle a held chargeback. Won: the provider pays the amount back. Lost:
    the order's stored shares are reversed pro rata for the amount.

    The posted transaction stores `resolved_by` as its author and its posting
    time. Resolving again with the same outcome returns the stored transaction
    and posts nothing; the other outcome raises LedgerError.
    """
    with transaction.atomic():
        # The row lock serialises two resolutions of one chargeback, so the
        # second finds the first one's transaction and posts nothing.
        held = (
            LedgerTransaction.objects.select_for_update()
            .filter(idempotency_key=chargeback_key(payable_id, "held"))
            .first()
        )
        if held is None:
            raise LedgerError(
                _("No chargeback is held for payable %(id)s.") % {"id": payable_id}
            )
        posted = _chargeback_settle(held, payable_id, won, occurred_at, resolved_by)
    return posted


def _chargeback_settle(held, payable_id, won, occurred_at, resolved_by):
    outcome, other = ("won", "lost") if won else ("lost", "won")
    key = chargeback_key(payable_id, outcome)
    existing = LedgerTransaction.objects.filter(idempotency_key=key).first()
    if existing:
        return existing
    if LedgerTransaction.objects.filter(
        idempotency_key=chargeback_key(payable_id, other)
    ).exists():
        if won:
            message = _("The chargeback of payable %(id)s was already lost.")
        else:
            message = _("The chargeback of payable %(id)s was already won.")
        raise LedgerError(message % {"id": payable_id})
    held_entry = held.entries.get(debit__gt=0)
    amount = held_entry.debit
    if won:
        clearing = account_get(
            legal_entity=held_entry.account.legal_entity,
            purpose=Account.Purpose.PROVIDER_CLEARING,
        )
        posted, _created = transaction_post(
            kind=Kind.CHARGEBACK_WON,
            idempotency_key=key,
            occurred_at=occurred_at,
            entries=[
                EntryLine(clearing, Kind.CHARGEBACK_WON, debit=amount),
                EntryLine(held_entry.account, Kind.CHARGEBACK_WON, credit=amount),
            ],
            order=held.order,
            original=held,
            created_by=resolved_by,
            description=f"{Kind.CHARGEBACK_WON.label} · {payable_id}",
        )
        logger.info("Chargeback of payable %s won", payable_id)
        return posted
    _chargeback_lose(held, key, amount, occurred_at, resolved_by)
    logger.info("Chargeback of payable %s lost", payable_id)
    return LedgerTransaction.objects.get(idempotency_key=key)


def _chargeback_lose(held, key, amount, occurred_at, resolved_by) -> None:
    lines = []
    for roles in OrderRoles.objects.filter(order=held.order).order_by("pk"):
        for index, sale in sorted(remaining_sale(roles).items()):
            lines.append((roles, index, sale))
    settled = sum((sale for _r, _i, sale in lines), ZERO)
    if amount > settled:
        raise LedgerError(
            _(
                "The chargeback of %(amount)s exceeds the %(settled)s still settled "
                "for order %(order)s; post a manual adjustment instead."
            )
            % {
                "amount": money_format(amount),
                "settled": money_format(settled),
                "order": held.order.vtex_order_id,
            }
        )
    parts = allocate(amount, [sale for _r, _i, sale in lines])
    roles_lines = {}
    for (roles, index, sale), part in zip(lines, parts, strict=True):
        if part == 0:
            continue
        if part == sale:
            roles_lines[(roles, index)] = LineReversal()
        else:
            roles_lines[(roles, index)] = LineReversal(
                numerator=part, denominator=sale, sale_amount=part
            )
    shares_reverse(
        kind=Kind.CHARGEBACK_LOST,
        key=key,
        roles_lines=roles_lines,
        occurred_at=occurred_at,
        original=held,
        balancing=Account.Purpose.CHARGEBACKS_HELD,
        created_by=resolved_by,
    )
