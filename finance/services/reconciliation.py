"""Reconciliation of payment-provider statements against the ledger.

A statement is a CSV file of payables with the columns `id`, `date`, `type`,
`amount` and `order_reference` (see docs/finance.md). Every row is checked
before anything is written: a file with any invalid row imports nothing and
the error lists each bad row with its column, value and reason. The payable
id is the idempotency key, so importing a file again adds nothing.

Each new payable is matched to the provider-clearing entries of its order's
transactions of the matching kind. A payable without such entries, or whose
amount differs, goes to the suspense list with the reason; HQ resolves it
with a manual adjustment (`suspense_resolve`).
"""

import csv
import io
import logging
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from finance.forms import parse_amount
from finance.models import Account, LedgerEntry, LedgerTransaction, SuspenseItem
from finance.models_statements import (
    PayableMatch,
    ProviderPayable,
    ProviderStatementImport,
)
from finance.money import money_format
from finance.services.ledger import EntryLine, LedgerError
from finance.services.manual import adjustment_post
from finance.services.reversals import chargeback_hold

logger = logging.getLogger(__name__)

COLUMNS = ("id", "date", "type", "amount", "order_reference")
Kind = LedgerTransaction.Kind
PayableType = ProviderPayable.Type
# The transactions a payable settles and the side of their provider-clearing
# entry: the provider owes the sale (a debit) and takes back refunds,
# chargebacks and its fees (credits).
MATCH_RULES = {
    PayableType.CREDIT: ((Kind.SALE,), "debit"),
    PayableType.REFUND: ((Kind.CANCELLATION, Kind.RETURN), "credit"),
    PayableType.CHARGEBACK: ((Kind.CHARGEBACK_HELD,), "credit"),
    PayableType.FEE: ((Kind.PAYMENT_FEE,), "credit"),
}
MAX_ID_LENGTH = 100


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    value: str
    reason: str


class ProviderStatementInvalid(Exception):
    """A provider statement with invalid rows; nothing of it was imported."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__(
            _("The file has %(count)d errors; nothing was imported.")
            % {"count": len(errors)}
        )


@dataclass(frozen=True)
class Payable:
    payable_id: str
    paid_on: date
    type: str
    amount: Decimal
    order_reference: str


def _parse_date(text: str) -> date | None:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _row_check(number: int, row: dict, seen: dict[str, int], errors: list) -> None:
    def error(column, reason):
        errors.append(RowError(number, column, row.get(column) or "", reason))

    payable_id = row["id"]
    if not payable_id:
        error("id", _("missing"))
    elif len(payable_id) > MAX_ID_LENGTH:
        error("id", _("longer than %(max)d characters") % {"max": MAX_ID_LENGTH})
    elif payable_id in seen:
        error("id", _("repeats row %(row)d") % {"row": seen[payable_id]})
    else:
        seen[payable_id] = number
    if _parse_date(row["date"]) is None:
        error("date", _("not a date; write it as 2026-03-31 or 31/03/2026"))
    if row["type"] not in PayableType.values:
        error("type", _("unknown type; use credit, refund, chargeback or fee"))
    amount = parse_amount(row["amount"])
    if amount is None:
        error("amount", _("not an amount; write it as 1234.56 or 1234,56"))
    elif amount == 0:
        error("amount", _("must be above zero"))
    if not row["order_reference"]:
        error("order_reference", _("missing"))
    elif len(row["order_reference"]) > MAX_ID_LENGTH:
        error(
            "order_reference",
            _("longer than %(max)d characters") % {"max": MAX_ID_LENGTH},
        )


def provider_statement_parse(content: bytes) -> list[Payable]:
    """Read and check every row; raise ProviderStatementInvalid listing each
    bad row, or return the payables."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ProviderStatementInvalid(
            [RowError(0, "", "", _("the file is not UTF-8 text (%s)") % error.reason)]
        ) from error
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [column.strip().lower() for column in next(reader, [])]
    missing = [column for column in COLUMNS if column not in header]
    if missing:
        raise ProviderStatementInvalid(
            [RowError(1, column, "", _("missing column")) for column in missing]
        )

    errors: list[RowError] = []
    rows = []
    seen: dict[str, int] = {}
    for number, fields in enumerate(reader, start=2):
        if not any(field.strip() for field in fields):
            continue
        if len(fields) != len(header):
            errors.append(
                RowError(
                    number,
                    "",
                    delimiter.join(fields),
                    _("expected %(expected)d fields, got %(count)d")
                    % {"expected": len(header), "count": len(fields)},
                )
            )
            continue
        row = {
            column: value.strip()
            for column, value in zip(header, fields, strict=True)
            if column in COLUMNS
        }
        _row_check(number, row, seen, errors)
        rows.append(row)
    if not rows and not errors:
        errors.append(RowError(2, "", "", _("the file has no payables")))
    if errors:
        raise ProviderStatementInvalid(errors)
    return [
        Payable(
            payable_id=row["id"],
            paid_on=_parse_date(row["date"]),
            type=row["type"],
            amount=parse_amount(row["amount"]),
            order_reference=row["order_reference"],
        )
        for row in rows
    ]


def provider_statement_import(
    *, content: bytes, file_name: str, uploaded_by=None
) -> ProviderStatementImport:
    """Import a provider statement and match its new payables.

    Raises ProviderStatementInvalid, having written nothing, when any row is
    invalid.
    """
    payables = provider_statement_parse(content)
    with transaction.atomic():
        source = ProviderStatementImport.objects.create(
            file_name=file_name[:255],
            rows=len(payables),
            payables_created=0,
            payables_repeated=0,
            matched=0,
            sent_to_suspense=0,
            uploaded_by=uploaded_by,
        )
        known = set(
            ProviderPayable.objects.filter(
                payable_id__in=[payable.payable_id for payable in payables]
            ).values_list("payable_id", flat=True)
        )
        counts = {"created": 0, "matched": 0, "suspense": 0}
        # NOTE: matching runs a few queries per new payable, so the import
        # time grows with the file's new rows; large files were not measured.
        for payable in payables:
            if payable.payable_id in known:
                continue
            status = _payable_store(payable, source)
            counts["created"] += 1
            counts[status] += 1
        ProviderStatementImport.objects.filter(pk=source.pk).update(
            payables_created=counts["created"],
            payables_repeated=len(payables) - counts["created"],
            matched=counts["matched"],
            sent_to_suspense=counts["suspense"],
        )
    source.refresh_from_db()
    logger.info(
        "Imported provider statement %s (%s): %d rows, %d new, %d matched, "
        "%d to suspense",
        source.pk,
        file_name,
        source.rows,
        source.payables_created,
        source.matched,
        source.sent_to_suspense,
    )
    return source


def _chargeback_post(payable: Payable, order) -> tuple[list[LedgerEntry], str]:
    """Post the hold of a chargeback payable on a settled order.

    Returns the hold's provider-clearing entry to match, or no entry and the
    reason the hold was rejected (no settled sale, or more than is left of it).
    """
    occurred_at = timezone.make_aware(datetime.combine(payable.paid_on, time.min))
    try:
        with transaction.atomic():
            held = chargeback_hold(
                order=order,
                payable_id=payable.payable_id,
                amount=payable.amount,
                occurred_at=occurred_at,
            )
    except LedgerError as error:
        return [], str(error)
    # NOTE: a hold posted for this payable id by another caller and already
    # matched by a different payable raises LedgerEntry.DoesNotExist here.
    entry = held.entries.get(
        account__purpose=Account.Purpose.PROVIDER_CLEARING,
        credit__gt=0,
        payable_match__isnull=True,
    )
    return [entry], ""


def _payable_store(payable: Payable, source) -> str:
    """Store one new payable, match it or send it to suspense; return
    "matched" or "suspense".

    A chargeback on a known order first posts its hold (`chargeback_hold`),
    which the payable then matches.
    """
    from orders.models import Order

    order = Order.objects.filter(vtex_order_id=payable.order_reference).first()
    if payable.type == PayableType.CHARGEBACK and order is not None:
        held_entries, hold_error = _chargeback_post(payable, order)
        if held_entries:
            _payable_create(payable, source, held_entries)
            return "matched"
        _payable_create(payable, source, [])
        _suspense_add(
            payable,
            order=order,
            reason=SuspenseItem.Reason.AMOUNT_MISMATCH,
            details=_("The chargeback was not held: %(error)s") % {"error": hold_error},
            candidates=[],
        )
        return "suspense"

    kinds, side = MATCH_RULES[payable.type]
    candidates = list(
        LedgerEntry.objects.filter(
            account__purpose=Account.Purpose.PROVIDER_CLEARING,
            transaction__order__vtex_order_id=payable.order_reference,
            transaction__kind__in=kinds,
            payable_match__isnull=True,
            **{f"{side}__gt": 0},
        ).order_by("id")
    )
    amounts = [getattr(entry, side) for entry in candidates]
    exact = [entry for entry in candidates if getattr(entry, side) == payable.amount]
    if exact:
        matched = exact[:1]
    elif candidates and sum(amounts) == payable.amount:
        matched = candidates
    else:
        matched = []

    _payable_create(payable, source, matched)
    if matched:
        return "matched"

    type_label = PayableType(payable.type).label
    if order is None:
        reason = SuspenseItem.Reason.UNMATCHED_PAYABLE
        details = _("No order %(order)s exists.") % {"order": payable.order_reference}
    elif not candidates:
        reason = SuspenseItem.Reason.UNMATCHED_PAYABLE
        details = _(
            "Order %(order)s has no unmatched ledger entry for a payable of type "
            "%(type)s."
        ) % {"order": payable.order_reference, "type": type_label}
    else:
        reason = SuspenseItem.Reason.AMOUNT_MISMATCH
        details = _(
            "Payable %(id)s of %(amount)s differs from the %(expected)s of order "
            "%(order)s's unmatched %(type)s entries."
        ) % {
            "id": payable.payable_id,
            "amount": money_format(payable.amount),
            "expected": money_format(sum(amounts)),
            "order": payable.order_reference,
            "type": type_label,
        }
    _suspense_add(
        payable, order=order, reason=reason, details=details, candidates=candidates
    )
    return "suspense"


def _payable_create(payable: Payable, source, matched: list[LedgerEntry]) -> None:
    stored = ProviderPayable.objects.create(
        payable_id=payable.payable_id,
        paid_on=payable.paid_on,
        type=payable.type,
        amount=payable.amount,
        order_reference=payable.order_reference,
        status=(
            ProviderPayable.Status.MATCHED
            if matched
            else ProviderPayable.Status.SUSPENSE
        ),
        source=source,
    )
    PayableMatch.objects.bulk_create(
        [PayableMatch(payable=stored, entry=entry) for entry in matched]
    )


def _suspense_add(payable: Payable, *, order, reason, details, candidates) -> None:
    amounts = [entry.debit or entry.credit for entry in candidates]
    SuspenseItem.objects.get_or_create(
        reference=f"payable:{payable.payable_id}",
        defaults={
            "reason": reason,
            "order": order,
            "amount": payable.amount,
            "expected_amount": sum(amounts) if candidates else None,
            "details": details,
            "entry": candidates[0] if candidates else None,
        },
    )
    logger.warning(
        "Payable %s sent to suspense (%s): %s", payable.payable_id, reason, details
    )


def suspense_resolve(
    *,
    item_id: int,
    entries: list[EntryLine],
    reason: str,
    created_by,
    approved_by,
) -> SuspenseItem:
    """Post the manual adjustment that settles a suspense item and mark the
    item resolved. The adjustment's reference is `suspense-<item id>`."""
    with transaction.atomic():
        item = SuspenseItem.objects.select_for_update().get(pk=item_id)
        if item.status != SuspenseItem.Status.OPEN:
            raise LedgerError(
                _("Suspense item %(item)s is already resolved.") % {"item": item}
            )
        adjustment_post(
            reference=f"suspense-{item.pk}",
            entries=entries,
            reason=reason,
            created_by=created_by,
            approved_by=approved_by,
            occurred_at=timezone.now(),
        )
        now = timezone.now()
        SuspenseItem.objects.filter(pk=item.pk, status=SuspenseItem.Status.OPEN).update(
            status=SuspenseItem.Status.RESOLVED,
            resolved_at=now,
            resolved_by=created_by,
            updated_at=now,
        )
        item.refresh_from_db()
    logger.info("Suspense item %s resolved by user %s", item.pk, created_by.pk)
    return item
