"""Admin for integrations: issue and revoke tokens, manage webhook
subscriptions, and read the delivery log with a resend action."""

import secrets

from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from api.models import (
    ApiToken,
    Integration,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from api.tokens import TOKEN_PREFIX, token_hash
from api.webhooks import deliveries_resend
from orders.admin import ViewOnlyAdmin, ViewOnlyInline


class ApiTokenInline(admin.TabularInline):
    model = ApiToken
    extra = 0
    can_delete = False
    fields = ["prefix", "label", "access", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class WebhookSubscriptionForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")

    class Meta:
        model = WebhookSubscription
        fields = ["integration", "url", "events", "secret", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.initial.setdefault("secret", secrets.token_urlsafe(32))


class WebhookSubscriptionInline(admin.TabularInline):
    model = WebhookSubscription
    form = WebhookSubscriptionForm
    extra = 0
    fields = ["url", "events", "secret", "is_active"]


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    list_display = ["name", "scope", "legal_entity", "location", "created_at"]
    list_filter = ["scope"]
    search_fields = ["name"]
    autocomplete_fields = ["legal_entity", "location"]
    inlines = [ApiTokenInline, WebhookSubscriptionInline]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Adding a token shows its text once, in a message; only its hash is
    kept. Afterwards only the rate limit can change, and a token is revoked,
    never deleted."""

    list_display = [
        "integration",
        "prefix",
        "label",
        "access",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["access", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["integration__name", "label", "prefix"]
    fields = ["integration", "label", "access", "requests_per_minute"]
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [
            "integration",
            "label",
            "access",
            "prefix",
            "created_by",
            "created_at",
            "last_used_at",
            "revoked_at",
        ]

    def get_fields(self, request, obj=None):
        if obj is None:
            return self.fields
        return [*self.get_readonly_fields(request, obj), "requests_per_minute"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
        obj.prefix = plain[: len(TOKEN_PREFIX) + 6]
        obj.token_hash = token_hash(plain)
        obj.created_by = request.user
        super().save_model(request, obj, form, change)
        messages.warning(
            request,
            _(
                "Token for %(integration)s: %(token)s. Copy it now: it is not "
                "stored and will not be shown again."
            )
            % {"integration": obj.integration, "token": plain},
        )

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", count)
            % {"count": count},
        )

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    form = WebhookSubscriptionForm
    list_display = ["integration", "url", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["integration__name", "url"]


class WebhookAttemptInline(ViewOnlyInline):
    model = WebhookAttempt
    fields = ["at", "status_code", "duration_ms", "error"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ViewOnlyAdmin):
    list_display = [
        "event",
        "subscription",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "delivered_at",
    ]
    list_filter = ["status", "event__event_type"]
    search_fields = ["event__subject", "subscription__url"]
    readonly_fields = [
        "event",
        "subscription",
        "status",
        "attempts",
        "next_attempt_at",
        "last_status_code",
        "last_error",
        "delivered_at",
        "created_at",
    ]
    inlines = [WebhookAttemptInline]
    actions = ["resend"]

    @admin.action(description=_("Resend the selected deliveries"))
    def resend(self, request, queryset):
        count = deliveries_resend(
            delivery_ids=list(queryset.values_list("pk", flat=True))
        )
        self.message_user(
            request,
            ngettext(
                "%(count)d delivery queued again.",
                "%(count)d deliveries queued again.",
                count,
            )
            % {"count": count},
        )


@admin.register(WebhookEvent)
class WebhookEventAdmin(ViewOnlyAdmin):
    list_display = ["event_type", "subject", "occurred_at", "event_id"]
    list_filter = ["event_type"]
    search_fields = ["subject", "event_id"]
    readonly_fields = [
        "event_id",
        "event_type",
        "subject",
        "data",
        "location_ids",
        "legal_entity_ids",
        "occurred_at",
    ]
