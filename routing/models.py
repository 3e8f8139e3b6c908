from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from franchises.models import Location, TimeStampedModel
from orders.models import MONEY, Order
from routing.fields import CompressedJSONField


class StockLevel(TimeStampedModel):
    """Units of a SKU at a location now. `reserved` counts units promised to
    open assignments, so `quantity - reserved` is what routing may offer."""

    class Source(models.TextChoices):
        VTEX = "vtex", _("VTEX inventory")
        ERP = "erp", _("ERP push")
        CSV = "csv", _("CSV upload")
        REJECTION = "rejection", _("Out-of-stock rejection")
        ADJUSTMENT = "adjustment", _("Manual adjustment")

    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, related_name="stock_levels"
    )
    sku_id = models.CharField(_("SKU"), max_length=40)
    quantity = models.IntegerField(_("quantity"))
    reserved = models.IntegerField(_("reserved"), default=0)
    lead_time_hours = models.DecimalField(
        _("lead time (hours)"), max_digits=6, decimal_places=1, default=0
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)

    class Meta:
        ordering = ["location_id", "sku_id"]
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        constraints = [
            models.UniqueConstraint(
                fields=["location", "sku_id"], name="stock_level_unique_sku"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=0), name="stock_level_quantity_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(reserved__gte=0), name="stock_level_reserved_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["sku_id", "location"])]

    def __str__(self) -> str:
        return f"{self.sku_id} @ {self.location_id}: {self.quantity}"

    @property
    def available(self) -> int:
        return max(0, self.quantity - self.reserved)


class StockSnapshot(models.Model):
    """Append-only history of stock quantities, for point-in-time questions
    such as what a store held when a past order was routed."""

    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, related_name="stock_snapshots"
    )
    sku_id = models.CharField(_("SKU"), max_length=40)
    quantity = models.IntegerField(_("quantity"))
    taken_at = models.DateTimeField(_("taken at"), db_index=True)
    # The lead time the count came with; empty when it came without one, and
    # the level kept the lead time it had.
    lead_time_hours = models.DecimalField(
        _("lead time (hours)"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    source = models.CharField(
        _("source"), max_length=20, choices=StockLevel.Source.choices
    )

    class Meta:
        ordering = ["location_id", "sku_id", "taken_at"]
        verbose_name = _("stock snapshot")
        verbose_name_plural = _("stock snapshots")
        indexes = [models.Index(fields=["location", "sku_id", "taken_at"])]


class RoutingPolicy(TimeStampedModel):
    """One version of a routing policy. Versions of one policy share `key`;
    at most one version per key is active, and decisions keep the version."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        ARCHIVED = "archived", _("Archived")

    key = models.SlugField(_("key"), max_length=50)
    version = models.PositiveIntegerField(_("version"))
    name = models.CharField(_("name"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    priority = models.IntegerField(
        _("priority"),
        default=100,
        help_text=_("When several active policies match an order, the lowest wins."),
    )
    sales_channels = models.JSONField(
        _("sales channels"), default=list, blank=True, help_text=_("Empty: any.")
    )
    delivery_channels = models.JSONField(
        _("delivery channels"), default=list, blank=True, help_text=_("Empty: any.")
    )
    states = models.JSONField(
        _("customer states"), default=list, blank=True, help_text=_("Empty: any.")
    )
    min_order_value = models.DecimalField(
        _("minimum order value"), null=True, blank=True, **MONEY
    )
    max_order_value = models.DecimalField(
        _("maximum order value"), null=True, blank=True, **MONEY
    )
    allow_split = models.BooleanField(_("allow split"), default=True)
    max_parts = models.PositiveSmallIntegerField(
        _("maximum parts"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    min_part_value = models.DecimalField(_("minimum part value"), default=0, **MONEY)
    prefer_fewer_parts = models.BooleanField(_("prefer fewer parts"), default=True)
    acceptance_sla_minutes = models.PositiveIntegerField(
        _("acceptance SLA (minutes)"),
        default=30,
        validators=[MinValueValidator(1)],
    )
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["key", "-version"]
        verbose_name = _("routing policy")
        verbose_name_plural = _("routing policies")
        constraints = [
            models.UniqueConstraint(
                fields=["key", "version"], name="routing_policy_unique_version"
            ),
            models.UniqueConstraint(
                fields=["key"],
                condition=Q(status="active"),
                name="routing_policy_one_active_version",
            ),
            models.CheckConstraint(
                condition=Q(max_parts__gte=1, max_parts__lte=5),
                name="routing_policy_max_parts_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version} ({self.get_status_display()})"


class PolicyStep(models.Model):
    """A filter (hard rule) or criterion (weighted soft rule) of a policy."""

    class Kind(models.TextChoices):
        FILTER = "filter", pgettext_lazy("policy step kind", "Filter")
        CRITERION = "criterion", _("Criterion")

    policy = models.ForeignKey(
        RoutingPolicy, on_delete=models.CASCADE, related_name="steps"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("rule"), max_length=40)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    weight = models.DecimalField(
        _("weight"),
        max_digits=6,
        decimal_places=2,
        default=1,
        validators=[MinValueValidator(0)],
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["policy_id", "position"]
        verbose_name = _("policy step")
        verbose_name_plural = _("policy steps")
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "position"], name="policy_step_unique_position"
            ),
            models.CheckConstraint(
                condition=Q(weight__gte=0), name="policy_step_weight_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.name}"


class RoutingCase(TimeStampedModel):
    """Routing state of one order: created once, so an order is routed once."""

    class Status(models.TextChoices):
        ROUTED = "routed", _("Routed")
        EXCEPTION = "exception", _("No feasible location")
        CANCELED = "canceled", _("Canceled")

    order = models.OneToOneField(
        Order, on_delete=models.CASCADE, related_name="routing_case"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("routing case")
        verbose_name_plural = _("routing cases")
        indexes = [models.Index(fields=["status", "-updated_at"])]

    def __str__(self) -> str:
        return _("Routing of order %(order)s") % {"order": self.order.vtex_order_id}


class RoutingDecision(models.Model):
    """Append-only record of one run of a policy on an order (or on the
    lines a rejected part left), with every candidate and why."""

    order = models.ForeignKey(
        Order,
        on_delete=models.CASCADE,
        related_name="routing_decisions",
        verbose_name=_("order"),
    )
    policy = models.ForeignKey(
        RoutingPolicy,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decisions",
        verbose_name=_("policy"),
    )
    status = models.CharField(_("status"), max_length=12)
    deciding_step = models.CharField(_("deciding step"), max_length=40, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    excluded_location_ids = models.JSONField(_("excluded locations"), default=list)
    lines = models.JSONField(_("lines routed"), default=list)
    # Compressed: see routing.fields.CompressedJSONField.
    candidates = CompressedJSONField(_("candidates"), default=list)
    elapsed_ms = models.DecimalField(
        _("time (ms)"), max_digits=8, decimal_places=2, default=0
    )
    triggered_by = models.CharField(_("triggered by"), max_length=20)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("user"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["order_id", "created_at", "id"]
        verbose_name = _("routing decision")
        verbose_name_plural = _("routing decisions")

    def __str__(self) -> str:
        return _("Decision %(id)s for order %(order)s") % {
            "id": self.pk,
            "order": self.order.vtex_order_id,
        }


class Assignment(TimeStampedModel):
    """The part of an order offered to, and then fulfilled by, one location."""

    class State(models.TextChoices):
        OFFERED = "offered", _("Offered")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        EXPIRED = "expired", _("Expired")
        PICKING = "picking", _("Picking")
        READY_FOR_PICKUP = "ready_for_pickup", _("Ready for pickup")
        SHIPPED = "shipped", _("Shipped")
        # The context keeps these apart from the order statuses, because
        # Portuguese inflects them for the noun they describe.
        INVOICED = "invoiced", pgettext_lazy("assignment state", "Invoiced")
        DELIVERED = "delivered", _("Delivered")
        CANCELED = "canceled", pgettext_lazy("assignment state", "Canceled")

    class RejectReason(models.TextChoices):
        OUT_OF_STOCK = "out_of_stock", _("Out of stock")
        DAMAGED = "damaged", _("Damaged")
        NO_CAPACITY = "no_capacity", _("No capacity")
        OTHER = "other", _("Other")

    # Open states hold stock reserved; closed ones released it.
    OPEN_STATES = (State.OFFERED, State.ACCEPTED, State.PICKING)
    LIVE_STATES = (
        State.OFFERED,
        State.ACCEPTED,
        State.PICKING,
        State.READY_FOR_PICKUP,
        State.SHIPPED,
        State.INVOICED,
        State.DELIVERED,
    )

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="assignments"
    )
    decision = models.ForeignKey(
        RoutingDecision, on_delete=models.PROTECT, related_name="assignments"
    )
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="assignments"
    )
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.OFFERED
    )
    value = models.DecimalField(_("value"), **MONEY)
    offered_at = models.DateTimeField(_("offered at"))
    expires_at = models.DateTimeField(_("accept by"))
    # Set when the part is offered; see routing.engine.filters.latest_ship_time.
    # Null for parts offered before it existed and for locations without
    # valid opening hours: their on-time checks use a fixed window instead.
    ship_by = models.DateTimeField(_("ship by"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("rejected or expired at"), null=True, blank=True)
    reject_reason = models.CharField(
        _("rejection reason"), max_length=20, choices=RejectReason.choices, blank=True
    )
    reject_note = models.CharField(_("rejection note"), max_length=300, blank=True)
    picking_at = models.DateTimeField(_("picking since"), null=True, blank=True)
    ready_at = models.DateTimeField(_("ready at"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    carrier = models.CharField(_("carrier"), max_length=100, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=100, blank=True)
    invoiced_at = models.DateTimeField(
        pgettext_lazy("assignment", "invoiced at"), null=True, blank=True
    )
    invoice_number = models.CharField(_("invoice number"), max_length=50, blank=True)
    invoice_key = models.CharField(_("NF-e key"), max_length=44, blank=True)
    invoice_value = models.DecimalField(
        _("invoice value"), null=True, blank=True, **MONEY
    )
    # Positions 7-20 of the NF-e key. A key issued by another company than the
    # location's legal entity is accepted, flagged, and left to finance.
    invoice_issuer_cnpj = models.CharField(
        _("NF-e issuer CNPJ"), max_length=14, blank=True
    )
    invoice_issuer_mismatch = models.BooleanField(
        _("NF-e issuer differs from the location's CNPJ"), default=False
    )
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        ordering = ["-offered_at", "-id"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        indexes = [
            models.Index(fields=["location", "state", "-offered_at"]),
            models.Index(fields=["state", "expires_at"]),
        ]

    def __str__(self) -> str:
        # No related rows: admin lists name many assignments per page.
        return _("Assignment %(id)s (%(state)s)") % {
            "id": self.pk,
            "state": self.get_state_display(),
        }


class AssignmentLine(models.Model):
    """Units of one order item in an assignment. Items are named by their VTEX
    index, not by row, because every refresh of the order rewrites its items."""

    assignment = models.ForeignKey(
        Assignment, on_delete=models.CASCADE, related_name="lines"
    )
    item_index = models.PositiveIntegerField(_("item index"))
    sku_id = models.CharField(_("SKU"), max_length=40)
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        ordering = ["assignment_id", "item_index"]
        verbose_name = _("assignment line")
        verbose_name_plural = _("assignment lines")


class AssignmentEvent(models.Model):
    """Append-only history of an assignment's states, with who moved it."""

    assignment = models.ForeignKey(
        Assignment, on_delete=models.CASCADE, related_name="events"
    )
    from_state = models.CharField(_("from"), max_length=20, blank=True)
    to_state = models.CharField(_("to"), max_length=20)
    at = models.DateTimeField(_("at"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["assignment_id", "at", "id"]
        verbose_name = _("assignment event")
        verbose_name_plural = _("assignment events")


class SimulationRun(TimeStampedModel):
    """A draft policy replayed over past orders next to a baseline policy,
    with point-in-time stock; run as a background job."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    policy = models.ForeignKey(
        RoutingPolicy, on_delete=models.CASCADE, related_name="simulations"
    )
    baseline = models.ForeignKey(
        RoutingPolicy,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="baseline_simulations",
    )
    period_start = models.DateTimeField(_("from"))
    period_end = models.DateTimeField(_("until"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    total = models.PositiveIntegerField(_("orders"), default=0)
    done = models.PositiveIntegerField(_("orders simulated"), default=0)
    results = models.JSONField(_("results"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("simulation")
        verbose_name_plural = _("simulations")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gt=models.F("period_start")),
                name="simulation_period_not_empty",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy} {self.period_start:%Y-%m-%d}–{self.period_end:%Y-%m-%d}"


class StockImport(TimeStampedModel):
    """A stock CSV file imported by a background task, with its progress and
    outcome. The file is kept in the row until the task has read it, so that
    any worker machine can run the import."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        VALIDATING = "validating", _("Checking rows")
        WRITING = "writing", _("Writing stock")
        DONE = "done", _("Done")
        REJECTED = "rejected", _("Rejected: errors in the file")
        FAILED = "failed", _("Failed")

    FINISHED = (Status.DONE, Status.REJECTED, Status.FAILED)

    file_name = models.CharField(_("file name"), max_length=255)
    file_size = models.PositiveIntegerField(_("size (bytes)"))
    content = models.BinaryField(_("content"), editable=False)
    source = models.CharField(
        _("source"),
        max_length=20,
        choices=StockLevel.Source.choices,
        default=StockLevel.Source.CSV,
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    rows_total = models.PositiveIntegerField(_("data rows"), default=0)
    rows_written = models.PositiveIntegerField(_("rows written"), default=0)
    locations = models.PositiveIntegerField(_("locations"), default=0)
    skus = models.PositiveIntegerField(_("SKUs"), default=0)
    # The first errors of a rejected file, as `RowError` dictionaries.
    errors = models.JSONField(_("errors"), default=list, blank=True)
    error_count = models.PositiveIntegerField(_("error count"), default=0)
    failure = models.TextField(_("failure"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("stock import")
        verbose_name_plural = _("stock imports")
        indexes = [models.Index(fields=["status", "updated_at"])]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED
