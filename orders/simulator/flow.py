"""VTEX order statuses as the OMS spells them, and the paths orders take.

The simulator moves each order along one path chosen when the order is
created. `invoiced` and `canceled` are terminal in VTEX. An incomplete order
has a null status and never moves.
"""

ORDER_CREATED = "order-created"
PAYMENT_PENDING = "payment-pending"
PAYMENT_APPROVED = "payment-approved"
WINDOW_TO_CANCEL = "window-to-cancel"
READY_FOR_HANDLING = "ready-for-handling"
HANDLING = "handling"
INVOICED = "invoiced"
# `cancel` is the short step while VTEX cancels; `canceled` is final.
CANCEL = "cancel"
CANCELED = "canceled"

TERMINAL_STATUSES = frozenset({INVOICED, CANCELED})
# Statuses an order leaves only when the seller acts: start-handling moves it
# from ready-for-handling to handling, the invoice from handling to invoiced.
SELLER_MOVES = frozenset({READY_FOR_HANDLING, HANDLING})

FULFILLED = (
    ORDER_CREATED,
    PAYMENT_PENDING,
    PAYMENT_APPROVED,
    WINDOW_TO_CANCEL,
    READY_FOR_HANDLING,
    HANDLING,
    INVOICED,
)
PAYMENT_NOT_APPROVED = (ORDER_CREATED, PAYMENT_PENDING, CANCEL, CANCELED)
CANCELED_BY_BUYER = (
    ORDER_CREATED,
    PAYMENT_PENDING,
    PAYMENT_APPROVED,
    WINDOW_TO_CANCEL,
    CANCEL,
    CANCELED,
)
INCOMPLETE = (None,)

# (path, weight in percent)
PATHS = (
    (FULFILLED, 88),
    (PAYMENT_NOT_APPROVED, 5),
    (CANCELED_BY_BUYER, 5),
    (INCOMPLETE, 2),
)

# Seconds an order usually waits before leaving each status: (minimum, maximum).
DWELL_SECONDS = {
    ORDER_CREATED: (20, 90),
    PAYMENT_PENDING: (60, 3 * 3600),
    PAYMENT_APPROVED: (10, 60),
    WINDOW_TO_CANCEL: (1800, 1900),
    READY_FOR_HANDLING: (600, 6 * 3600),
    HANDLING: (3600, 30 * 3600),
    CANCEL: (30, 300),
}

# Portuguese labels as the VTEX Admin shows them. The field is deprecated;
# NOTE: only "Preparando Entrega" (handling) was checked against a real
# document, the others are the usual Admin wording.
STATUS_DESCRIPTIONS = {
    ORDER_CREATED: "Processando",
    PAYMENT_PENDING: "Pagamento Pendente",
    PAYMENT_APPROVED: "Pagamento Aprovado",
    WINDOW_TO_CANCEL: "Carência para Cancelamento",
    READY_FOR_HANDLING: "Pronto para o manuseio",
    HANDLING: "Preparando Entrega",
    INVOICED: "Faturado",
    CANCEL: "Cancelando",
    CANCELED: "Cancelado",
}
