from django.dispatch import Signal

# Sent after the transaction that approved a payout statement commits, with
# `statement_id`. The franchisee may then see and download it.
statement_ready = Signal()
