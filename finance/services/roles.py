"""The four roles of an invoiced order part, decided once and then frozen."""

import logging
import re

from django.db import IntegrityError, transaction
from django.utils import timezone

from finance.models import OrderRoles, SalesCode
from finance.services.contracts import contract_in_force
from finance.services.ledger import local_date
from franchises.models import LegalEntity, Location
from orders.models import OrderLocation

logger = logging.getLogger(__name__)

# VTEX names the marketplace's own seller "1"; other seller ids are white-label
# sellers, matched to `Location.vtex_seller_id`.
MARKETPLACE_SELLER_ID = "1"
NON_DIGITS = re.compile(r"\D")


def postal_code_number(value: str) -> int | None:
    """Return the 8 digits of a CEP as a number, or None for another length."""
    digits = NON_DIGITS.sub("", value or "")
    return int(digits) if len(digits) == 8 else None


def region_store(postal_code: str) -> Location | None:
    """Return the store whose `service_postal_ranges` contain the postal code.

    When several regions overlap, the store with the lowest code wins, so the
    choice does not depend on row order.
    """
    number = postal_code_number(postal_code)
    if number is None:
        return None
    stores = Location.objects.filter(kind=Location.Kind.STORE).exclude(
        service_postal_ranges=[]
    )
    for store in stores.order_by("code"):
        for entry in store.service_postal_ranges:
            if not (isinstance(entry, list | tuple) and len(entry) == 2):
                logger.warning(
                    "Location %s has an invalid service range %r; skipped",
                    store.pk,
                    entry,
                )
                continue
            low, high = (postal_code_number(str(bound)) for bound in entry)
            if low is not None and high is not None and low <= number <= high:
                return store
    return None


def seller_location(order) -> Location | None:
    """Return the location of the order's white-label seller, if any."""
    seller_ids = {
        seller
        for seller in order.items.values_list("seller", flat=True)
        if seller and seller != MARKETPLACE_SELLER_ID
    }
    if not seller_ids:
        return None
    return (
        Location.objects.filter(vtex_seller_id__in=seller_ids).order_by("code").first()
    )


def sales_code_location(code: str) -> Location | None:
    """Return the store of a sales associate's or seller's code: a `SalesCode`
    row first, then a location whose own code is the same."""
    code = code.strip()
    if not code:
        return None
    mapped = SalesCode.objects.filter(code__iexact=code).select_related("location")
    if mapped.exists():
        return mapped.first().location
    return Location.objects.filter(code__iexact=code).first()


def credited_store(order, *, fulfilling: Location) -> tuple[Location, str]:
    """Return the store credited with the sale and the rule that chose it."""
    reasons = OrderRoles.CreditReason
    by_code = sales_code_location(order.sales_associate)
    if by_code:
        return by_code, reasons.SALES_CODE
    by_seller = seller_location(order)
    if by_seller:
        return by_seller, reasons.SELLER
    by_region = region_store(order.postal_code)
    if by_region:
        return by_region, reasons.REGION
    return fulfilling, reasons.FULFILMENT


def invoice_issuer_cnpj(invoice_key: str) -> str:
    """Return the issuer's CNPJ in an NF-e access key (characters 7 to 20 of 44)."""
    return invoice_key[6:20] if len(invoice_key) == 44 else ""


def collecting_account(order) -> tuple[LegalEntity | None, str]:
    """Return the legal entity whose payment account collected the money.

    A white-label seller with a payment account collects its own sales;
    otherwise the franchisor collects.
    """
    seller = seller_location(order)
    if seller and seller.legal_entity.payment_account_id:
        return seller.legal_entity, seller.legal_entity.payment_account_id
    franchisor = (
        LegalEntity.objects.filter(kind=LegalEntity.Kind.FRANCHISOR)
        .order_by("pk")
        .first()
    )
    if franchisor is None:
        return None, ""
    return franchisor, franchisor.payment_account_id


def order_roles_freeze(*, assignment) -> OrderRoles:
    """Return the roles of an invoiced assignment, deciding them the first time.

    Later calls return the stored row unchanged, even when the order, the
    network or the contracts changed since.
    """
    stored = OrderRoles.objects.filter(assignment=assignment).first()
    if stored:
        return stored
    order = assignment.order
    fulfilling = assignment.location
    credited, reason = credited_store(order, fulfilling=fulfilling)
    issuer = invoice_issuer_cnpj(assignment.invoice_key)
    collecting_entity, payment_account = collecting_account(order)
    contract = contract_in_force(
        legal_entity=fulfilling.legal_entity, day=local_date(order.creation_date)
    )
    mismatch = bool(issuer) and issuer != fulfilling.legal_entity.cnpj
    try:
        with transaction.atomic():
            roles = OrderRoles.objects.create(
                order=order,
                assignment=assignment,
                credited_location=credited,
                credit_reason=reason,
                fulfilling_location=fulfilling,
                invoice_key=assignment.invoice_key,
                invoicing_cnpj=issuer,
                cnpj_mismatch=mismatch,
                collecting_entity=collecting_entity,
                collecting_payment_account=payment_account,
                contract=contract,
                frozen_at=timezone.now(),
            )
    except IntegrityError:
        # Another worker froze the same assignment first.
        return OrderRoles.objects.get(assignment=assignment)
    if credited is not None:
        # The credited store sees the order it earns a regional credit on.
        OrderLocation.objects.bulk_create(
            [
                OrderLocation(
                    order=order,
                    location=credited,
                    reason=OrderLocation.Reason.CREDITED,
                )
            ],
            ignore_conflicts=True,
        )
    if mismatch:
        logger.warning(
            "Order %s: NF-e issuer CNPJ %s differs from location %s's CNPJ %s",
            order.vtex_order_id,
            issuer,
            fulfilling.pk,
            fulfilling.legal_entity.cnpj,
        )
    return roles
