"""Integrations, their API tokens, idempotent writes and outbound webhooks."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from franchises.access import TokenScope
from franchises.models import LegalEntity, Location


class Integration(models.Model):
    """A system outside Ponte (a store's POS or ERP, an HQ system) with the
    reach its tokens and webhook subscriptions share."""

    class Scope(models.TextChoices):
        HQ = "hq", _("HQ (whole network)")
        LEGAL_ENTITY = "legal_entity", _("Legal entity")
        LOCATION = "location", _("Location")

    name = models.CharField(_("name"), max_length=200)
    scope = models.CharField(_("scope"), max_length=20, choices=Scope.choices)
    legal_entity = models.ForeignKey(
        LegalEntity,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="integrations",
        verbose_name=_("legal entity"),
    )
    location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="integrations",
        verbose_name=_("location"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("integration")
        verbose_name_plural = _("integrations")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    scope="hq", legal_entity__isnull=True, location__isnull=True
                )
                | Q(
                    scope="legal_entity",
                    legal_entity__isnull=False,
                    location__isnull=True,
                )
                | Q(
                    scope="location", legal_entity__isnull=True, location__isnull=False
                ),
                name="integration_scope_target",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.scope == self.Scope.LEGAL_ENTITY and self.legal_entity_id is None:
            raise ValidationError(
                {"legal_entity": _("Choose the legal entity of this scope.")}
            )
        if self.scope == self.Scope.LOCATION and self.location_id is None:
            raise ValidationError({"location": _("Choose the location of this scope.")})
        if self.scope != self.Scope.LEGAL_ENTITY and self.legal_entity_id is not None:
            raise ValidationError(
                {"legal_entity": _("Only a legal-entity scope names a legal entity.")}
            )
        if self.scope != self.Scope.LOCATION and self.location_id is not None:
            raise ValidationError(
                {"location": _("Only a location scope names a location.")}
            )

    def access_scope(self) -> TokenScope:
        return TokenScope(
            hq=self.scope == self.Scope.HQ,
            legal_entity_id=self.legal_entity_id,
            location_id=self.location_id,
        )


class ApiToken(models.Model):
    """A bearer token of an integration. Only the SHA-256 of the token is
    stored; the token itself is shown once, when it is issued."""

    class Access(models.TextChoices):
        READ = "read", _("Read")
        WRITE = "write", _("Read and write")

    integration = models.ForeignKey(
        Integration,
        on_delete=models.CASCADE,
        related_name="tokens",
        verbose_name=_("integration"),
    )
    label = models.CharField(_("label"), max_length=100, blank=True)
    prefix = models.CharField(_("prefix"), max_length=16, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    access = models.CharField(
        _("access"), max_length=5, choices=Access.choices, default=Access.READ
    )
    requests_per_minute = models.PositiveIntegerField(
        _("requests per minute"),
        default=600,
        help_text=_("Requests above this rate get HTTP 429 with Retry-After."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )
    created_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.integration} · {self.prefix}…"

    @property
    def can_write(self) -> bool:
        return self.access == self.Access.WRITE


class IdempotencyRecord(models.Model):
    """The first response to a write sent with an `Idempotency-Key` header,
    returned again for every retry with the same token, key and body."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    body_sha256 = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response_body = models.JSONField(null=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["token", "key"], name="idempotency_key_unique_per_token"
            ),
        ]


class WebhookSubscription(models.Model):
    """An integration's webhook endpoint and the event types it receives."""

    integration = models.ForeignKey(
        Integration,
        on_delete=models.CASCADE,
        related_name="subscriptions",
        verbose_name=_("integration"),
    )
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(
        _("events"),
        default=list,
        help_text=_('Event types to send, e.g. ["assignment.offered"].'),
    )
    secret = models.CharField(
        _("signing secret"),
        max_length=100,
        help_text=_("Key of the HMAC-SHA256 signature sent in X-Ponte-Signature."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["integration_id", "id"]
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")

    def __str__(self) -> str:
        return f"{self.integration} → {self.url}"

    def clean(self) -> None:
        super().clean()
        from api.events import EVENT_TYPES

        unknown = sorted(set(self.events or []) - set(EVENT_TYPES))
        if not isinstance(self.events, list) or unknown:
            raise ValidationError(
                {
                    "events": _(
                        "Unknown event type %(unknown)s; choose from %(known)s."
                    )
                    % {"unknown": ", ".join(unknown), "known": ", ".join(EVENT_TYPES)}
                }
            )


class WebhookEvent(models.Model):
    """One thing that happened, sent once to every subscription that covers
    it. `event_id` is the id receivers de-duplicate by."""

    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event_type = models.CharField(_("event type"), max_length=40)
    # `order:12`, `assignment:34`, `alert:5`, `statement:6`.
    subject = models.CharField(_("subject"), max_length=60)
    data = models.JSONField(_("data"))
    # Who may receive it: the locations and legal entities it concerns.
    # Both empty means HQ only.
    location_ids = models.JSONField(default=list)
    legal_entity_ids = models.JSONField(default=list)
    occurred_at = models.DateTimeField(_("occurred at"))

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        indexes = [models.Index(fields=["event_type", "subject"])]

    def __str__(self) -> str:
        return f"{self.event_type} {self.subject}"


class WebhookDelivery(models.Model):
    """The sending of one event to one subscription, retried with backoff."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    event = models.ForeignKey(
        WebhookEvent,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("event"),
    )
    subscription = models.ForeignKey(
        WebhookSubscription,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("subscription"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), db_index=True)
    last_status_code = models.PositiveSmallIntegerField(
        _("last response code"), null=True, blank=True
    )
    last_error = models.TextField(_("last error"), blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "subscription"], name="webhook_delivery_once"
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscription.url}"


class WebhookAttempt(models.Model):
    """One HTTP request of a delivery, with the receiver's response code."""

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    at = models.DateTimeField(_("at"))
    status_code = models.PositiveSmallIntegerField(
        _("response code"), null=True, blank=True
    )
    error = models.TextField(_("error"), blank=True)
    duration_ms = models.PositiveIntegerField(_("time (ms)"), default=0)

    class Meta:
        ordering = ["delivery_id", "at", "id"]
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")
