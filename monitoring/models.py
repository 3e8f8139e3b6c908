from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from franchises.models import Location, TimeStampedModel
from orders.models import Order


class Severity(models.TextChoices):
    INFO = "info", _("Information")
    WARNING = "warning", _("Warning")
    CRITICAL = "critical", _("Critical")


# Severity one step up, used when an alert is escalated.
SEVERITY_ESCALATION = {
    Severity.INFO: Severity.WARNING,
    Severity.WARNING: Severity.CRITICAL,
    Severity.CRITICAL: Severity.CRITICAL,
}


class SlaRule(TimeStampedModel):
    """A condition HQ watches, with its threshold and scope.

    The unit of `threshold` depends on the kind (`monitoring.rules.RULES`
    lists it). A rule scoped to a location replaces, for that location, the
    network-wide rule of the same kind and sales channel.
    """

    class Kind(models.TextChoices):
        OFFER_NOT_ACCEPTED = "offer_not_accepted", _("Offer not accepted in time")
        NOT_FULFILLED = "not_fulfilled", _("Not shipped or ready by the ship-by time")
        DELIVERY_DATE_PASSED = "delivery_date_passed", _("Promised delivery passed")
        STUCK_VTEX_STATUS = "stuck_vtex_status", _("Stuck in a VTEX status")
        STUCK_ASSIGNMENT_STATE = (
            "stuck_assignment_state",
            _("Stuck in an assignment state"),
        )
        STATUS_MISMATCH = "status_mismatch", _("VTEX and Ponte status disagree")
        NO_ORDER_SYNCED = "no_order_synced", _("No order synced in business hours")
        HOOK_CONFIG = "hook_config", _("Hook configuration missing or different")
        FEED_CONFIG = "feed_config", _("Feed configuration missing or different")
        FEED_BACKLOG = "feed_backlog", _("Feed backlog growing")
        UNROUTABLE = "unroutable", _("Unroutable order")
        TOTALS_MISMATCH = "totals_mismatch", _("Order totals do not add up")
        QUARANTINED = "quarantined", _("Quarantined VTEX document")
        INVOICE_CNPJ_MISMATCH = (
            "invoice_cnpj_mismatch",
            _("Invoice CNPJ differs from the location's"),
        )
        WEBHOOK_FAILED = "webhook_failed", _("Outbound webhook deliveries failed")
        VTEX_WRITEBACK_FAILED = (
            "vtex_writeback_failed",
            _("VTEX refused a start-handling or invoice call"),
        )

    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    is_enabled = models.BooleanField(_("enabled"), default=True)
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.WARNING
    )
    threshold = models.PositiveIntegerField(
        _("threshold"),
        default=0,
        help_text=_("Minutes, hours or a count, as the kind says."),
    )
    location = models.ForeignKey(
        Location,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sla_rules",
        verbose_name=_("location"),
        help_text=_("Empty: every location."),
    )
    sales_channel = models.CharField(
        _("sales channel"), max_length=20, blank=True, help_text=_("Empty: any.")
    )
    escalate_after_minutes = models.PositiveIntegerField(
        _("escalate after (minutes)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Escalate an open alert nobody acknowledged; empty: never."),
    )
    business_hours_start = models.TimeField(
        _("business hours start"), null=True, blank=True
    )
    business_hours_end = models.TimeField(
        _("business hours end"), null=True, blank=True
    )
    business_days = models.JSONField(
        _("business days"),
        default=list,
        blank=True,
        help_text=_("Weekdays, 0 = Monday; empty means every day."),
    )
    lookback_days = models.PositiveIntegerField(
        _("look back (days)"),
        default=30,
        validators=[MinValueValidator(1)],
        help_text=_("Orders created longer ago than this are not checked."),
    )
    expected = models.JSONField(
        _("expected configuration"),
        default=dict,
        blank=True,
        help_text=_(
            'For hook and feed rules: {"url": "...", "statuses": ["..."]}; '
            "empty keys are not compared."
        ),
    )

    class Meta:
        ordering = ["kind", "location_id", "id"]
        verbose_name = _("SLA rule")
        verbose_name_plural = _("SLA rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(business_hours_start__isnull=True)
                | Q(business_hours_end__isnull=True)
                | Q(business_hours_end__gt=models.F("business_hours_start")),
                name="sla_rule_business_hours_order",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        days = self.business_days
        if not isinstance(days, list) or any(
            not isinstance(day, int) or not 0 <= day <= 6 for day in days
        ):
            raise ValidationError(
                {
                    "business_days": _(
                        "Invalid business days %(value)s: use a list of weekdays "
                        "from 0 (Monday) to 6 (Sunday)."
                    )
                    % {"value": days}
                }
            )
        if not isinstance(self.expected, dict):
            raise ValidationError(
                {"expected": _("Invalid expected configuration: use a JSON object.")}
            )


class Alert(TimeStampedModel):
    """One occurrence of a rule's condition on one subject.

    `subject_key` names the subject (`assignment:12`, `order:34`,
    `integration:vtex-hook`); at most one unresolved alert exists per rule and
    subject key, which the database enforces.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        RESOLVED = "resolved", _("Resolved")

    class SubjectType(models.TextChoices):
        ORDER = "order", _("Order")
        ASSIGNMENT = "assignment", _("Assignment")
        LOCATION = "location", _("Location")
        INTEGRATION = "integration", _("Integration")

    UNRESOLVED = (Status.OPEN, Status.ACKNOWLEDGED)

    rule = models.ForeignKey(
        SlaRule, on_delete=models.CASCADE, related_name="alerts", verbose_name=_("rule")
    )
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    # The location that must act; empty means HQ.
    owner = models.ForeignKey(
        Location,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="alerts",
        verbose_name=_("owner"),
    )
    subject_type = models.CharField(
        _("subject type"), max_length=12, choices=SubjectType.choices
    )
    subject_key = models.CharField(_("subject"), max_length=100)
    order = models.ForeignKey(
        Order,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="alerts",
        verbose_name=_("order"),
    )
    assignment = models.ForeignKey(
        "routing.Assignment",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="alerts",
        verbose_name=_("assignment"),
    )
    message = models.CharField(_("message"), max_length=500)
    details = models.JSONField(_("details"), default=dict, blank=True)
    opened_at = models.DateTimeField(_("opened at"))
    last_seen_at = models.DateTimeField(_("last seen at"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    # Empty on a resolved alert means the condition cleared by itself.
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    # Set when someone resolves the alert by hand. While it is set, the
    # evaluation opens no new alert of the rule for the subject. The first
    # evaluation that finds the condition cleared unsets it, so a later
    # occurrence opens a new alert.
    reopen_blocked = models.BooleanField(
        _("blocks reopening until the condition clears"), default=False
    )

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "subject_key"],
                condition=Q(status__in=["open", "acknowledged"]),
                name="alert_one_unresolved_per_rule_subject",
            ),
            models.CheckConstraint(
                condition=Q(status="resolved", resolved_at__isnull=False)
                | Q(status__in=["open", "acknowledged"], resolved_at__isnull=True),
                name="alert_resolved_at_matches_status",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "owner", "-opened_at"]),
            models.Index(fields=["rule", "status"]),
            models.Index(
                fields=["rule", "subject_key"],
                condition=Q(reopen_blocked=True),
                name="alert_reopen_blocked_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule} · {self.subject_key} ({self.status})"


class AlertEvent(models.Model):
    """Append-only history of an alert: opened, acknowledged, escalated,
    resolved, and the condition cleared after a resolve by hand."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("Opened")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        ESCALATED = "escalated", _("Escalated")
        RESOLVED = "resolved", _("Resolved")
        CLEARED = "cleared", _("Condition cleared")

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("event"), max_length=12, choices=Kind.choices)
    at = models.DateTimeField(_("at"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("user"),
    )
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["alert_id", "at", "id"]
        verbose_name = _("alert event")
        verbose_name_plural = _("alert events")


class SyncCheck(models.Model):
    """One look at the VTEX integration: hook and feed configuration, the feed
    backlog, and the HTTP statuses of the calls the check made."""

    checked_at = models.DateTimeField(_("checked at"), db_index=True)
    # The configurations as VTEX returned them, with header values removed.
    hook_config = models.JSONField(_("hook configuration"), null=True, blank=True)
    hook_error = models.CharField(_("hook error"), max_length=300, blank=True)
    # Whether the hook sends Ponte's X-Ponte-Hook-Token; None without a hook.
    hook_token_matches = models.BooleanField(_("hook token matches"), null=True)
    feed_config = models.JSONField(_("feed configuration"), null=True, blank=True)
    feed_error = models.CharField(_("feed error"), max_length=300, blank=True)
    feed_backlog = models.PositiveIntegerField(_("feed backlog"), null=True, blank=True)
    feed_oldest_seconds = models.PositiveIntegerField(
        _("oldest feed message (seconds)"), null=True, blank=True
    )
    responses = models.PositiveIntegerField(_("VTEX responses"), default=0)
    throttled = models.PositiveIntegerField(_("HTTP 429 responses"), default=0)

    class Meta:
        ordering = ["-checked_at", "-id"]
        verbose_name = _("sync check")
        verbose_name_plural = _("sync checks")


class NotificationPreference(TimeStampedModel):
    """One channel on which a user or a location receives notifications,
    filtered by severity, rule kind and store event.

    Empty lists mean everything. Quiet hours are local to the location (or to
    the server's time zone for a user) and delay delivery until they end.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        WEBHOOK = "webhook", _("Webhook")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notification_preferences",
        verbose_name=_("user"),
    )
    location = models.ForeignKey(
        Location,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notification_preferences",
        verbose_name=_("location"),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    is_enabled = models.BooleanField(_("enabled"), default=True)
    email = models.EmailField(
        _("e-mail"), blank=True, help_text=_("Empty: the user's own address.")
    )
    webhook_url = models.URLField(_("webhook URL"), blank=True)
    webhook_secret = models.CharField(
        _("webhook secret"),
        max_length=200,
        blank=True,
        help_text=_("Key of the HMAC-SHA256 signature in X-Ponte-Signature."),
    )
    severities = models.JSONField(
        _("severities"), default=list, blank=True, help_text=_("Empty: all.")
    )
    rule_kinds = models.JSONField(
        _("rule kinds"), default=list, blank=True, help_text=_("Empty: all.")
    )
    events = models.JSONField(
        _("store events"),
        default=list,
        blank=True,
        help_text=_(
            "new_offer, offer_expiring, order_canceled, statement_ready; empty: all."
        ),
    )
    quiet_hours_start = models.TimeField(_("quiet hours start"), null=True, blank=True)
    quiet_hours_end = models.TimeField(_("quiet hours end"), null=True, blank=True)

    class Meta:
        ordering = ["location_id", "user_id", "channel"]
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, location__isnull=True)
                | Q(user__isnull=True, location__isnull=False),
                name="notification_preference_one_owner",
            ),
            models.CheckConstraint(
                condition=~Q(channel="webhook") | ~Q(webhook_url=""),
                name="notification_preference_webhook_url",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user or self.location} · {self.get_channel_display()}"

    def clean(self) -> None:
        super().clean()
        if bool(self.user_id) == bool(self.location_id):
            raise ValidationError(_("Choose either a user or a location, not both."))
        if self.channel == self.Channel.WEBHOOK and not self.webhook_url:
            raise ValidationError({"webhook_url": _("A webhook needs a URL.")})
        if self.channel == self.Channel.EMAIL and self.location_id and not self.email:
            raise ValidationError(
                {"email": _("A location's e-mail preference needs an address.")}
            )
        for field in ("severities", "rule_kinds", "events"):
            if not isinstance(getattr(self, field), list):
                raise ValidationError({field: _("Use a JSON list.")})


class Notification(TimeStampedModel):
    """Something to tell: an alert opened or escalated, or a store event.

    `key` is unique, so a repeated event or a task that runs twice creates one
    notification.
    """

    class Kind(models.TextChoices):
        ALERT_OPENED = "alert_opened", _("Alert opened")
        ALERT_ESCALATED = "alert_escalated", _("Alert escalated")
        NEW_OFFER = "new_offer", _("New offer")
        OFFER_EXPIRING = "offer_expiring", _("Offer about to expire")
        ORDER_CANCELED = "order_canceled", _("Order canceled")
        STATEMENT_READY = "statement_ready", _("Statement ready")

    STORE_EVENTS = (
        Kind.NEW_OFFER,
        Kind.OFFER_EXPIRING,
        Kind.ORDER_CANCELED,
        Kind.STATEMENT_READY,
    )

    key = models.CharField(_("key"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.INFO
    )
    # The location concerned; empty means HQ.
    location = models.ForeignKey(
        Location,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("location"),
    )
    alert = models.ForeignKey(
        Alert,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"))
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    planned_at = models.DateTimeField(_("recipients chosen at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return self.subject


class NotificationDelivery(TimeStampedModel):
    """One notification on one channel to one recipient.

    The row exists before anything is sent. Only the worker whose conditional
    UPDATE moves it from `pending` to `sending` sends it, so a task that runs
    twice sends it once. A row left in `sending` longer than
    `monitoring.services.delivery.SENDING_LIMIT` (its worker died) is marked
    failed, and is never sent again by itself. HQ may resend a failed row by
    hand, which creates a new row pointing at it through `resend_of`.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries"
    )
    preference = models.ForeignKey(
        NotificationPreference,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    channel = models.CharField(
        _("channel"), max_length=10, choices=NotificationPreference.Channel.choices
    )
    recipient = models.CharField(_("recipient"), max_length=500)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    resend_of = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="resent_as",
        verbose_name=_("resend of"),
    )
    resent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resent by"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification delivery")
        verbose_name_plural = _("notification deliveries")
        constraints = [
            # Planning creates one row per channel and recipient; resends by
            # hand add rows of their own, at most one per failed row.
            models.UniqueConstraint(
                fields=["notification", "channel", "recipient"],
                condition=Q(resend_of__isnull=True),
                name="notification_delivery_once_per_channel",
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.notification} → {self.recipient} ({self.status})"


class VtexCallCount(models.Model):
    """Responses of every VTEX call Ponte made in one minute, per outcome.

    `orders.vtex.client.VtexClient` reports each HTTP attempt (retries count
    too), and `monitoring.services.vtex_calls` adds it to the row of its minute
    and outcome with an upsert.
    """

    class Outcome(models.TextChoices):
        SUCCESS = "2xx", _("2xx")
        REDIRECT = "3xx", _("3xx")
        CLIENT_ERROR = "4xx", _("4xx other than 429")
        THROTTLED = "429", _("429 Too Many Requests")
        SERVER_ERROR = "5xx", _("5xx")
        NO_RESPONSE = "none", _("No response (connection error or timeout)")

    minute = models.DateTimeField(_("minute"))
    outcome = models.CharField(_("outcome"), max_length=4, choices=Outcome.choices)
    count = models.PositiveIntegerField(_("calls"), default=0)

    class Meta:
        ordering = ["-minute", "outcome"]
        verbose_name = _("VTEX call count")
        verbose_name_plural = _("VTEX call counts")
        constraints = [
            models.UniqueConstraint(
                fields=["minute", "outcome"], name="vtex_call_count_one_per_minute"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.minute:%Y-%m-%d %H:%M} {self.outcome}: {self.count}"
