from django.dispatch import Signal

# Sent after the transaction that opened alerts commits, with `alert_ids`.
alerts_opened = Signal()
# Sent after the transaction that resolved alerts commits, with `alert_ids`,
# whether the condition cleared or a user resolved them.
alerts_resolved = Signal()
