from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from franchises.models import Location, TimeStampedModel

MONEY = {"max_digits": 14, "decimal_places": 2}

# VTEX ends an order's life in these statuses; anything that happens after them
# (a return, a chargeback) is a financial adjustment, never a status rewind.
TERMINAL_STATUSES = ("invoiced", "canceled")


class DocumentField(models.JSONField):
    """A JSONField for whole VTEX documents.

    Defining `get_placeholder` keeps Django's PostgreSQL bulk insert on plain
    VALUES rows: its UNNEST form would pass the documents as one text-format
    array, and escaping every quote of every document costs more than the
    insert itself.
    """

    def get_placeholder(self, value, compiler, connection):
        return "%s"


class Order(TimeStampedModel):
    """One VTEX order as its last stored Get order document describes it.

    Split orders share an `order_group` and each suffix (`-01`, `-02`) is its own
    order. Amounts are BRL: VTEX sends integer cents, converted exactly.
    """

    vtex_order_id = models.CharField(_("VTEX order id"), max_length=64, unique=True)
    order_group = models.CharField(_("order group"), max_length=64, db_index=True)
    sequence = models.CharField(_("sequence"), max_length=32, blank=True)
    # As VTEX spells it; empty when VTEX sends null (an incomplete order).
    status = models.CharField(_("status"), max_length=40, blank=True, db_index=True)
    status_description = models.CharField(
        _("status description"), max_length=100, blank=True
    )
    origin = models.CharField(_("origin"), max_length=40, blank=True)
    sales_channel = models.CharField(_("sales channel"), max_length=20, blank=True)
    affiliate_id = models.CharField(_("affiliate id"), max_length=40, blank=True)
    seller_order_id = models.CharField(_("seller order id"), max_length=64, blank=True)
    hostname = models.CharField(_("account"), max_length=100, blank=True)
    is_completed = models.BooleanField(_("completed"), default=True)
    creation_date = models.DateTimeField(_("created at VTEX"), db_index=True)
    last_change = models.DateTimeField(_("last change at VTEX"))
    authorized_date = models.DateTimeField(_("authorized at"), null=True, blank=True)
    invoiced_date = models.DateTimeField(_("invoiced at"), null=True, blank=True)
    # `value` of the document, in cents, kept beside its BRL conversion.
    value_cents = models.BigIntegerField(_("value in cents"))
    total = models.DecimalField(_("total"), **MONEY)
    items_total = models.DecimalField(_("items"), default=0, **MONEY)
    discounts_total = models.DecimalField(_("discounts"), default=0, **MONEY)
    shipping_total = models.DecimalField(_("shipping"), default=0, **MONEY)
    tax_total = models.DecimalField(_("tax"), default=0, **MONEY)
    client_name = models.CharField(_("customer name"), max_length=200, blank=True)
    client_email = models.CharField(_("customer e-mail"), max_length=254, blank=True)
    client_document = models.CharField(
        _("customer document"), max_length=30, blank=True
    )
    is_corporate = models.BooleanField(_("corporate buyer"), default=False)
    corporate_name = models.CharField(_("company name"), max_length=200, blank=True)
    corporate_document = models.CharField(
        _("company document"), max_length=30, blank=True
    )
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    state = models.CharField(_("state"), max_length=40, blank=True)
    country = models.CharField(_("country"), max_length=3, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=12, decimal_places=9, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=12, decimal_places=9, null=True, blank=True
    )
    sales_associate = models.CharField(_("sales associate"), max_length=100, blank=True)
    raw = DocumentField(_("VTEX document"))
    # SHA-256 of the canonical JSON of `raw`, so a repeated document is a no-op.
    raw_sha256 = models.CharField(_("document hash"), max_length=64)
    # Whether any item ships to the customer or waits for pickup, kept on the
    # order so that the order list neither joins nor sorts over items.
    has_delivery = models.BooleanField(_("ships to the customer"), default=False)
    has_pickup = models.BooleanField(_("pickup in point"), default=False)
    locations = models.ManyToManyField(
        Location,
        through="OrderLocation",
        related_name="orders",
        verbose_name=_("locations"),
    )

    class Meta:
        ordering = ["-creation_date", "-id"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        indexes = [
            models.Index(fields=["status", "-creation_date"]),
            models.Index(fields=["sales_channel", "-creation_date"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(value_cents__gte=0), name="order_value_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.vtex_order_id

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES


class OrderLocation(models.Model):
    """A reason a location may see an order.

    Until routing assigns orders, the link comes from the VTEX document: the
    warehouse or dock that ships an item, the pickup point, the white-label seller.
    """

    class Reason(models.TextChoices):
        WAREHOUSE = "warehouse", _("Ships from its warehouse")
        DOCK = "dock", _("Ships from its dock")
        PICKUP_POINT = "pickup_point", _("Pickup point")
        SELLER = "seller", _("White-label seller")
        ASSIGNED = "assigned", _("Offered a part")
        CREDITED = "credited", _("Credited with the sale")

    # Links derived from the VTEX document, rebuilt on every refresh; other
    # links (routing assignments) belong to their own app.
    DOCUMENT_REASONS = (
        Reason.WAREHOUSE,
        Reason.DOCK,
        Reason.PICKUP_POINT,
        Reason.SELLER,
    )

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="location_links"
    )
    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, related_name="order_links"
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)

    class Meta:
        verbose_name = _("order location")
        verbose_name_plural = _("order locations")
        ordering = ["order_id", "location_id", "reason"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "location", "reason"], name="order_location_unique"
            ),
        ]
        indexes = [models.Index(fields=["location", "order"])]


class OrderItem(models.Model):
    """An item line with the delivery VTEX chose for it (`logisticsInfo[itemIndex]`)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    item_index = models.PositiveIntegerField(_("index"))
    unique_id = models.CharField(_("unique id"), max_length=100, blank=True)
    sku_id = models.CharField(_("SKU"), max_length=40)
    product_id = models.CharField(_("product"), max_length=40, blank=True)
    ref_id = models.CharField(_("reference"), max_length=100, blank=True)
    name = models.CharField(_("name"), max_length=300)
    seller = models.CharField(_("seller"), max_length=100, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"))
    # Fractional for weighed goods: 0.25 means each unit is a quarter of a kilo.
    unit_multiplier = models.DecimalField(
        _("unit multiplier"), max_digits=12, decimal_places=4, default=1
    )
    measurement_unit = models.CharField(_("unit"), max_length=10, blank=True)
    list_price = models.DecimalField(_("list price"), null=True, blank=True, **MONEY)
    price = models.DecimalField(_("price"), **MONEY)
    selling_price = models.DecimalField(_("selling price"), **MONEY)
    is_gift = models.BooleanField(_("gift"), default=False)
    delivery_channel = models.CharField(
        _("delivery channel"), max_length=20, blank=True
    )
    selected_sla = models.CharField(_("shipping method"), max_length=100, blank=True)
    # As VTEX writes it: "3bd" (business days), "8d", "4h".
    shipping_estimate = models.CharField(
        _("shipping estimate"), max_length=20, blank=True
    )
    shipping_estimate_date = models.DateTimeField(
        _("estimated delivery"), null=True, blank=True
    )
    shipping_price = models.DecimalField(_("shipping price"), default=0, **MONEY)
    warehouse_id = models.CharField(_("warehouse"), max_length=100, blank=True)
    dock_id = models.CharField(_("dock"), max_length=100, blank=True)
    pickup_point_id = models.CharField(_("pickup point"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("order item")
        verbose_name_plural = _("order items")
        ordering = ["order_id", "item_index"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "item_index"], name="order_item_unique_index"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id} × {self.quantity}"


class OrderTotal(models.Model):
    """A line of `totals`, keyed by its `id` (Items, Discounts, Shipping, Tax…)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="totals")
    total_id = models.CharField(_("id"), max_length=40)
    name = models.CharField(_("name"), max_length=100, blank=True)
    value = models.DecimalField(_("value"), **MONEY)

    class Meta:
        verbose_name = _("order total")
        verbose_name_plural = _("order totals")
        ordering = ["order_id", "total_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "total_id"], name="order_total_unique_id"
            ),
        ]


class OrderPayment(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="payments")
    transaction_id = models.CharField(_("transaction"), max_length=100, blank=True)
    payment_id = models.CharField(_("payment id"), max_length=100)
    payment_system = models.CharField(_("payment system"), max_length=20, blank=True)
    payment_system_name = models.CharField(_("method"), max_length=100, blank=True)
    group = models.CharField(_("group"), max_length=50, blank=True)
    value = models.DecimalField(_("value"), **MONEY)
    installments = models.PositiveIntegerField(_("installments"), default=1)
    tid = models.CharField(_("TID"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("order payment")
        verbose_name_plural = _("order payments")
        ordering = ["order_id", "id"]


class OrderPackage(models.Model):
    """An invoice (`packageAttachment.packages`): output for sales, input for returns."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="packages")
    invoice_number = models.CharField(_("invoice number"), max_length=50, blank=True)
    invoice_key = models.CharField(_("NF-e key"), max_length=60, blank=True)
    invoice_value = models.DecimalField(_("invoice value"), default=0, **MONEY)
    invoice_type = models.CharField(_("type"), max_length=10, blank=True)
    issuance_date = models.DateTimeField(_("issued at"), null=True, blank=True)
    courier = models.CharField(_("carrier"), max_length=100, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=100, blank=True)
    tracking_url = models.CharField(_("tracking URL"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("order package")
        verbose_name_plural = _("order packages")
        ordering = ["order_id", "id"]


class OrderStatusChange(models.Model):
    """Append-only history of an order's VTEX status, for SLA measurement."""

    class Source(models.TextChoices):
        HOOK = "hook", _("Hook")
        FEED = "feed", _("Feed")
        BACKFILL = "backfill", _("Backfill")
        RECONCILE = "reconcile", _("Reconciliation")
        MANUAL = "manual", _("Manual")

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(_("from"), max_length=40, blank=True)
    to_status = models.CharField(_("to"), max_length=40, blank=True)
    # VTEX's lastChange of the document that carried the new status.
    changed_at = models.DateTimeField(_("changed at"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)

    class Meta:
        ordering = ["order_id", "changed_at", "id"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        indexes = [models.Index(fields=["to_status", "changed_at"])]


class QuarantinedDocument(TimeStampedModel):
    """A VTEX document that could not be parsed, kept with the reason.

    The order id is unique: a document that fails again updates the row, and a
    later refresh that parses deletes it.
    """

    vtex_order_id = models.CharField(_("VTEX order id"), max_length=64, unique=True)
    reason = models.TextField(_("reason"))
    # The body as received; text, because a malformed body may not be JSON.
    payload = models.TextField(_("payload"))
    payload_sha256 = models.CharField(_("payload hash"), max_length=64)
    source = models.CharField(
        _("source"), max_length=20, choices=OrderStatusChange.Source.choices
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=1)

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("quarantined document")
        verbose_name_plural = _("quarantined documents")

    def __str__(self) -> str:
        return self.vtex_order_id


class HookNotification(models.Model):
    """A received VTEX hook call, unique per order and change, to drop repeats."""

    vtex_order_id = models.CharField(_("VTEX order id"), max_length=64)
    state = models.CharField(_("state"), max_length=40, blank=True)
    last_state = models.CharField(_("last state"), max_length=40, blank=True)
    current_change = models.CharField(_("current change"), max_length=64)
    domain = models.CharField(_("domain"), max_length=20, blank=True)
    payload = models.JSONField(_("payload"))
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("hook notification")
        verbose_name_plural = _("hook notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["vtex_order_id", "state", "current_change"],
                name="hook_notification_unique_change",
            ),
        ]


class VtexOutboxCall(TimeStampedModel):
    """A pending write to VTEX (start-handling, invoice), sent by a task.

    The idempotency key is unique, so one business event is queued once, and a
    call that VTEX accepted is never sent again.
    """

    class Kind(models.TextChoices):
        START_HANDLING = "start_handling", _("Start handling")
        INVOICE = "invoice", _("Invoice")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="outbox_calls"
    )
    path = models.CharField(_("path"), max_length=300)
    body = models.JSONField(_("body"), default=dict, blank=True)
    idempotency_key = models.CharField(
        _("idempotency key"), max_length=200, unique=True
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("VTEX outbox call")
        verbose_name_plural = _("VTEX outbox calls")
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return self.idempotency_key
