"""Posting rules for invoiced order parts and for cancellations.

An invoiced part posts one transaction per business event (sale with its
commission, royalty, marketing fund, regional credit, fulfilment fee, pickup
fee, payment fee), each keyed by `<VTEX order id>:<event>:<part>`, and stores
the line shares it posted. Repeating any call posts nothing new.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from finance.allocation import ZERO, allocate
from finance.models import (
    Account,
    LedgerTransaction,
    LineShare,
    OrderRoles,
    SuspenseItem,
)
from finance.services.ledger import (
    EntryLine,
    LedgerError,
    account_get,
    entries_from_amounts,
    franchisor_entity,
    transaction_post,
)
from finance.services.roles import order_roles_freeze
from finance.settlement import (
    EntryType,
    Party,
    Settlement,
    SettlementLine,
    Terms,
    settle,
)

logger = logging.getLogger(__name__)

PICKUP_CHANNEL = "pickup-in-point"
Kind = LedgerTransaction.Kind
# Entry types each posted transaction carries; the sale includes the commission.
KIND_ENTRY_TYPES = {
    Kind.SALE: (EntryType.SALE, EntryType.COMMISSION),
    Kind.ROYALTY: (EntryType.ROYALTY,),
    Kind.MARKETING_FUND: (EntryType.MARKETING_FUND,),
    Kind.REGIONAL_CREDIT: (EntryType.REGIONAL_CREDIT,),
    Kind.FULFILMENT_FEE: (EntryType.FULFILMENT_FEE,),
    Kind.PICKUP_FEE: (EntryType.PICKUP_FEE,),
    Kind.PAYMENT_FEE: (EntryType.PAYMENT_FEE,),
}


class SettlementInputError(LedgerError):
    """An order whose amounts cannot be settled as stored."""


@dataclass(frozen=True)
class PartOutcome:
    roles: OrderRoles | None
    posted: int
    suspense: SuspenseItem | None = None


def part_key(roles: OrderRoles) -> str:
    """Return the part of an idempotency key that names the invoiced part."""
    if roles.assignment_id:
        return f"a{roles.assignment_id}"
    return f"r{roles.pk}"


def transaction_key(order, kind: str, roles: OrderRoles, suffix: str = "") -> str:
    key = f"{order.vtex_order_id}:{kind}:{part_key(roles)}"
    return f"{key}:{suffix}" if suffix else key


def order_line_amounts(order) -> list[SettlementLine]:
    """Return each item's merchandise (after discounts and tax) and freight.

    VTEX's `Items` total is allocated over the items by price x quantity x unit
    multiplier, the `Discounts` and `Tax` totals by that merchandise value, and
    `Shipping` by the items' own shipping prices (or by merchandise when VTEX
    sends none). Raises SettlementInputError when the result differs from the
    order total.
    """
    items = list(order.items.order_by("item_index"))
    if not items:
        raise SettlementInputError(f"Order {order.vtex_order_id} has no items.")
    weights = [item.price * item.quantity * item.unit_multiplier for item in items]
    gross = allocate(order.items_total, [max(weight, ZERO) for weight in weights])
    adjustment = order.discounts_total + order.tax_total
    merchandise = [
        value + part
        for value, part in zip(gross, allocate(adjustment, gross), strict=True)
    ]
    if any(value < 0 for value in merchandise):
        raise SettlementInputError(
            f"Order {order.vtex_order_id}: discounts exceed an item's value."
        )
    shipping_weights = [item.shipping_price for item in items]
    if not any(shipping_weights):
        shipping_weights = merchandise
    freight = allocate(order.shipping_total, shipping_weights)
    lines = [
        SettlementLine(item.item_index, item.quantity, amount, line_freight)
        for item, amount, line_freight in zip(items, merchandise, freight, strict=True)
    ]
    paid = sum((line.paid for line in lines), ZERO)
    if paid != order.total:
        raise SettlementInputError(
            f"Order {order.vtex_order_id}: items, discounts, tax and shipping add up "
            f"to {paid}, but the order total is {order.total}."
        )
    return lines


def assignment_lines(assignment, order_lines: list[SettlementLine]):
    """Return the assignment's share of each order line it contains.

    A line split between parts is allocated by units over the order's live
    assignments (and the units no live assignment holds), so the parts of a
    line sum to the line.
    """
    from routing.models import Assignment, AssignmentLine

    by_index = {line.item_index: line for line in order_lines}
    live_lines = list(
        AssignmentLine.objects.filter(
            assignment__order_id=assignment.order_id,
            assignment__state__in=Assignment.LIVE_STATES,
        )
        .exclude(assignment=assignment)
        .values_list("assignment_id", "item_index", "quantity")
    )
    part_lines = []
    for line in assignment.lines.order_by("item_index"):
        whole = by_index.get(line.item_index)
        if whole is None:
            raise SettlementInputError(
                f"Assignment {assignment.pk} holds item {line.item_index}, which "
                f"order {assignment.order.vtex_order_id} does not have."
            )
        others = sorted(
            (assignment_id, quantity)
            for assignment_id, index, quantity in live_lines
            if index == line.item_index
        )
        holders = sorted([(assignment.pk, line.quantity), *others])
        units = [quantity for _id, quantity in holders]
        unheld = whole.quantity - sum(units)
        if unheld < 0:
            raise SettlementInputError(
                f"Order {assignment.order.vtex_order_id}: item {line.item_index} "
                f"has {whole.quantity} units but assignments hold {sum(units)}."
            )
        weights = [Decimal(quantity) for quantity in [*units, unheld]]
        position = [assignment_id for assignment_id, _q in holders].index(assignment.pk)
        merchandise = allocate(whole.merchandise, weights)[position]
        freight = allocate(whole.freight, weights)[position]
        part_lines.append(
            SettlementLine(line.item_index, line.quantity, merchandise, freight)
        )
    return part_lines


def share_account(roles: OrderRoles, party: str, purpose: str, franchisor):
    """Return the account and location that a share of `party` posts to."""
    if party == Party.FULFILLING_STORE:
        location = roles.fulfilling_location
        return account_get(
            legal_entity=location.legal_entity, purpose=purpose
        ), location
    if party == Party.CREDITED_STORE:
        location = roles.credited_location
        return account_get(
            legal_entity=location.legal_entity, purpose=purpose
        ), location
    if party == Party.PAYMENT_PROVIDER:
        entity = roles.collecting_entity or franchisor
        return account_get(legal_entity=entity, purpose=purpose), None
    return account_get(legal_entity=franchisor, purpose=purpose), None


def suspense_record(*, reference: str, reason: str, order, details: str, amount=None):
    item, created = SuspenseItem.objects.get_or_create(
        reference=reference,
        defaults={
            "reason": reason,
            "order": order,
            "details": details,
            "amount": amount,
        },
    )
    if created:
        logger.warning(
            "Order %s put in suspense (%s): %s", order.vtex_order_id, reason, details
        )
    return item


def order_part_settle(*, assignment_id: int) -> PartOutcome:
    """Freeze the roles of an invoiced assignment and post its transactions.

    An order without a contract in force, without a franchisor or whose
    amounts do not add up goes to the suspense list instead, and nothing is
    posted for it. A part whose order VTEX already canceled is reversed at once.
    """
    from routing.models import Assignment

    # NOTE: only parts invoiced through routing assignments reach this point;
    # an order that VTEX invoices without an assignment is never posted.
    with transaction.atomic():
        assignment = (
            Assignment.objects.select_for_update()
            .select_related("order", "location__legal_entity")
            .get(pk=assignment_id)
        )
        if assignment.state not in (
            Assignment.State.INVOICED,
            Assignment.State.DELIVERED,
        ):
            logger.info(
                "Assignment %s is %s, not invoiced; nothing to post",
                assignment_id,
                assignment.state,
            )
            return PartOutcome(roles=None, posted=0)
        roles = order_roles_freeze(assignment=assignment)
        outcome = _roles_settle(roles, occurred_at=assignment.invoiced_at)
        if outcome.suspense is None and assignment.order.status == "canceled":
            order_cancel_settle(order_id=assignment.order_id)
    return outcome


def _roles_settle(roles: OrderRoles, *, occurred_at) -> PartOutcome:
    order = roles.order
    sale_key = transaction_key(order, Kind.SALE, roles)
    if LedgerTransaction.objects.filter(idempotency_key=sale_key).exists():
        return PartOutcome(roles=roles, posted=0)

    reference = f"{order.vtex_order_id}:sale:{part_key(roles)}"
    try:
        franchisor = franchisor_entity()
    except LedgerError as error:
        item = suspense_record(
            reference=reference,
            reason=SuspenseItem.Reason.NO_ACCOUNT_SETUP,
            order=order,
            details=str(error),
        )
        return PartOutcome(roles=roles, posted=0, suspense=item)
    if roles.contract is None:
        item = suspense_record(
            reference=reference,
            reason=SuspenseItem.Reason.NO_CONTRACT,
            order=order,
            details=(
                f"No contract of {roles.fulfilling_location.legal_entity} is in "
                f"force on {timezone.localtime(order.creation_date).date()}, the "
                "order's creation date."
            ),
        )
        return PartOutcome(roles=roles, posted=0, suspense=item)
    try:
        lines = assignment_lines(roles.assignment, order_line_amounts(order))
    except SettlementInputError as error:
        item = suspense_record(
            reference=reference,
            reason=SuspenseItem.Reason.AMOUNT_MISMATCH,
            order=order,
            details=str(error),
            amount=order.total,
        )
        return PartOutcome(roles=roles, posted=0, suspense=item)

    pickup = order.items.filter(
        item_index__in=[line.item_index for line in lines],
        delivery_channel=PICKUP_CHANNEL,
    ).exists()
    settlement = settle(
        lines=lines,
        terms=Terms.from_contract(roles.contract),
        regional=roles.credited_location_id != roles.fulfilling_location_id,
        pickup=pickup,
    )
    posted = settlement_post(
        roles=roles,
        settlement=settlement,
        occurred_at=occurred_at,
        franchisor=franchisor,
    )
    return PartOutcome(roles=roles, posted=posted)


def settlement_post(*, roles, settlement: Settlement, occurred_at, franchisor) -> int:
    """Post one transaction per event kind of the settlement and store its
    shares; return how many transactions this call created."""
    order = roles.order
    resolved = []
    for share in settlement.shares:
        account, location = share_account(roles, share.party, share.purpose, franchisor)
        resolved.append((share, account, location))

    posted = 0
    sale = None
    for kind, entry_types in KIND_ENTRY_TYPES.items():
        kind_shares = [row for row in resolved if row[0].entry_type in entry_types]
        amounts: dict[tuple[Account, str, object], Decimal] = defaultdict(Decimal)
        for share, account, location in kind_shares:
            amounts[(account, share.entry_type, location)] += share.amount
        entries = entries_from_amounts(amounts)
        if kind == Kind.SALE:
            clearing = account_get(
                legal_entity=roles.collecting_entity or franchisor,
                purpose=Account.Purpose.PROVIDER_CLEARING,
            )
            entries.append(EntryLine(clearing, EntryType.SALE, debit=settlement.paid))
        if not entries:
            continue
        posted_transaction, created = transaction_post(
            kind=kind,
            idempotency_key=transaction_key(order, kind, roles),
            occurred_at=occurred_at,
            entries=entries,
            order=order,
            roles=roles,
            original=None if kind == Kind.SALE else sale,
            description=f"{Kind(kind).label} · {order.vtex_order_id}",
        )
        if kind == Kind.SALE:
            sale = posted_transaction
        if not created:
            continue
        posted += 1
        LineShare.objects.bulk_create(
            [
                LineShare(
                    roles=roles,
                    transaction=posted_transaction,
                    item_index=share.item_index,
                    quantity=share.quantity,
                    entry_type=share.entry_type,
                    account=account,
                    location=location,
                    amount=share.amount,
                )
                for share, account, location in kind_shares
            ]
        )
    return posted


def order_cancel_settle(*, order_id: int) -> int:
    """Reverse every posted part of an order VTEX canceled; return how many
    cancellation transactions this call posted."""
    from finance.services.reversals import remaining_shares, shares_reverse
    from orders.models import Order

    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.status != "canceled":
            return 0
        posted = 0
        for roles in OrderRoles.objects.filter(order=order).order_by("pk"):
            sale = LedgerTransaction.objects.filter(
                idempotency_key=transaction_key(order, Kind.SALE, roles)
            ).first()
            if sale is None:
                continue
            key = transaction_key(order, Kind.CANCELLATION, roles)
            if LedgerTransaction.objects.filter(idempotency_key=key).exists():
                continue
            # NOTE: this reverses the payment fee too, which assumes the
            # provider refunds its fee when a payment is canceled.
            remaining = remaining_shares(roles)
            created = shares_reverse(
                kind=Kind.CANCELLATION,
                key=key,
                roles_lines={(roles, index): None for index in remaining[roles.pk]},
                occurred_at=order.last_change,
                original=sale,
                balancing=Account.Purpose.PROVIDER_CLEARING,
            )
            posted += int(created)
    return posted
