from django.db import transaction
from django.dispatch import Signal

# Sent after the transaction that moved an assignment commits, with
# `assignment_id`, `from_state` and `to_state`. Every transition made through
# routing's services sends it once.
assignment_moved = Signal()


def assignment_moved_on_commit(assignment_id: int, from_state: str, to_state: str):
    """Send `assignment_moved` for one transition once the transaction commits."""
    from routing.models import Assignment

    transaction.on_commit(
        lambda: assignment_moved.send(
            sender=Assignment,
            assignment_id=assignment_id,
            from_state=from_state,
            to_state=to_state,
        )
    )
