from django.dispatch import Signal

# Sent after the transaction that opened alerts commits, with `alert_ids`.
# monitoring does not send it yet; see docs/api.md, "Events".
alerts_opened = Signal()
# Sent after the transaction that resolved alerts commits, with `alert_ids`.
alerts_resolved = Signal()
# Sent after the transaction that stored payout statements commits, with
# `statement_ids`.
statements_ready = Signal()
