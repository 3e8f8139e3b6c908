from django.dispatch import Signal

# Sent after the transaction that opened alerts commits, with `alert_ids`.
# monitoring sends neither signal yet (docs/api.md, "Webhooks", lists the
# one-line sends it needs).
alerts_opened = Signal()
# Sent after the transaction that resolved alerts commits, with `alert_ids`.
alerts_resolved = Signal()
