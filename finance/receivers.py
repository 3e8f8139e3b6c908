"""Signal receivers that queue ledger postings. Both signals arrive after the
sender's transaction committed, so the rows they name are visible."""

from django.dispatch import receiver

from orders.signals import orders_stored
from routing.signals import assignment_moved, assignments_moved

INVOICED = "invoiced"
# Orders checked for cancellation per task.
CANCEL_BATCH = 500


@receiver(assignment_moved)
def settle_invoiced_assignment(sender, assignment_id, from_state, to_state, **kwargs):
    if to_state != INVOICED:
        return
    from finance.tasks import order_part_settle_task

    order_part_settle_task.delay(assignment_id)


@receiver(assignments_moved)
def settle_invoiced_assignments(sender, moves, **kwargs):
    for assignment_id, from_state, to_state in moves:
        settle_invoiced_assignment(sender, assignment_id, from_state, to_state)


@receiver(orders_stored)
def settle_canceled_orders(sender, order_ids, **kwargs):
    from finance.tasks import orders_cancel_settle_task

    order_ids = list(order_ids)
    for start in range(0, len(order_ids), CANCEL_BATCH):
        orders_cancel_settle_task.delay(order_ids[start : start + CANCEL_BATCH])
