"""Contracts: which one is in force, and saving one without overlaps."""

from datetime import date

from django.db import transaction
from django.db.models import Q

from finance.models import Contract
from franchises.models import LegalEntity


def contract_in_force(*, legal_entity: LegalEntity, day: date) -> Contract | None:
    """Return the entity's contract valid on `day`, or None."""
    return (
        Contract.objects.filter(legal_entity=legal_entity, valid_from__lte=day)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=day))
        .order_by("-valid_from")
        .first()
    )


def contract_save(*, contract: Contract) -> Contract:
    """Validate and save a contract, rejecting a validity that overlaps another
    contract of the same legal entity.

    The entity's row is locked first, so two overlapping contracts saved at the
    same time cannot both pass the check.
    """
    with transaction.atomic():
        LegalEntity.objects.select_for_update().filter(
            pk=contract.legal_entity_id
        ).first()
        contract.full_clean()
        contract.save()
    return contract
