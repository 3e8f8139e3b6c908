from django.dispatch import Signal

# Sent after the transaction that moved an assignment commits, with
# `assignment_id`, `from_state` and `to_state`. Every transition made through
# routing.services.assignments sends it once.
assignment_moved = Signal()
