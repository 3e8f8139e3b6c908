from django.dispatch import Signal

# Sent after the transaction that stored orders commits, with
# `order_ids` (primary keys of orders created or updated) and `source`.
orders_stored = Signal()
