"""HQ finance's review of payout statements: review, approve, mark paid.

Each step is a compare-and-swap on the statement's status and writes a
StatementEvent with the user and time in the same transaction.
"""

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from finance.models_statements import PayoutStatement, StatementEvent
from finance.services.ledger import LedgerError
from finance.services.manual import payout_post, user_may_approve
from finance.signals import statement_ready

logger = logging.getLogger(__name__)

Status = PayoutStatement.Status
Action = StatementEvent.Action


class StatementError(Exception):
    """A statement step that is not allowed; the message says why."""


def _check_may_approve(user) -> None:
    if not user_may_approve(user):
        raise StatementError(
            _(
                "%(user)s may not review, approve or pay statements: only HQ finance may."
            )
            % {"user": user}
        )


def _step(*, statement_id: int, user, source: str, target: str, action: str, **fields):
    _check_may_approve(user)
    now = timezone.now()
    stamp = {f"{action}_at": now, f"{action}_by": user}
    with transaction.atomic():
        changed = PayoutStatement.objects.filter(pk=statement_id, status=source).update(
            status=target, updated_at=now, **stamp, **fields
        )
        statement = PayoutStatement.objects.get(pk=statement_id)
        if not changed:
            raise StatementError(
                _(
                    "Statement %(statement)s is %(status)s; this step needs a "
                    "statement that is %(expected)s."
                )
                % {
                    "statement": statement,
                    "status": statement.get_status_display(),
                    "expected": Status(source).label,
                }
            )
        StatementEvent.objects.create(statement=statement, action=action, user=user)
    logger.info("Statement %s %s by user %s", statement_id, action, user.pk)
    return statement


def statement_review(*, statement_id: int, user) -> PayoutStatement:
    return _step(
        statement_id=statement_id,
        user=user,
        source=Status.TO_REVIEW,
        target=Status.REVIEWED,
        action=Action.REVIEWED,
    )


def statement_approve(*, statement_id: int, user) -> PayoutStatement:
    """Approve a reviewed statement and announce it as ready once committed."""
    with transaction.atomic():
        statement = _step(
            statement_id=statement_id,
            user=user,
            source=Status.REVIEWED,
            target=Status.APPROVED,
            action=Action.APPROVED,
        )
        transaction.on_commit(
            lambda: statement_ready.send(
                sender=PayoutStatement, statement_id=statement_id
            )
        )
    return statement


def statement_mark_paid(*, statement_id: int, user) -> PayoutStatement:
    """Mark an approved statement paid and post the payout to the ledger.

    The payout (reference `statement-<id>`) lowers what is owed to the entity
    in the current open period. A statement with nothing to pay posts nothing.
    """
    _check_may_approve(user)
    with transaction.atomic():
        statement = PayoutStatement.objects.select_related("legal_entity").get(
            pk=statement_id
        )
        payout = None
        if statement.status == Status.APPROVED and statement.amount_to_pay > 0:
            try:
                payout = payout_post(
                    legal_entity=statement.legal_entity,
                    amount=statement.amount_to_pay,
                    reference=f"statement-{statement.pk}",
                    occurred_at=timezone.now(),
                    created_by=user,
                )
            except LedgerError as error:
                raise StatementError(str(error)) from error
        return _step(
            statement_id=statement_id,
            user=user,
            source=Status.APPROVED,
            target=Status.PAID,
            action=Action.PAID,
            payout=payout,
        )
