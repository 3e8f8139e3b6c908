from django.db import transaction
from django.dispatch import Signal

# Sent after the transaction that moved an assignment commits, with
# `assignment_id`, `from_state` and `to_state`. Every single transition made
# through routing's services sends it once.
assignment_moved = Signal()

# Sent once after the transaction that moved many assignments commits (a
# routing batch's offers), with `moves`: a list of (assignment_id,
# from_state, to_state). Those moves do not also send `assignment_moved`, so
# every receiver listens to both.
assignments_moved = Signal()


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


def assignments_moved_on_commit(moves: list[tuple[int, str, str]]) -> None:
    """Send `assignments_moved` for many transitions once the transaction
    commits. An empty list sends nothing."""
    from routing.models import Assignment

    if moves:
        moves = list(moves)
        transaction.on_commit(
            lambda: assignments_moved.send(sender=Assignment, moves=moves)
        )
