"""Admin for monitoring: HQ edits SLA rules and preferences, and reads alerts,
their history, sync checks and the notification delivery log."""

from django.contrib import admin, messages
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from franchises.access import user_is_hq
from franchises.models import Membership
from monitoring.models import (
    Alert,
    AlertEvent,
    Notification,
    NotificationDelivery,
    NotificationPreference,
    SlaRule,
    SyncCheck,
    VtexCallCount,
)
from monitoring.rules import RULES
from monitoring.services.alerts import (
    AlertTransitionError,
    alert_acknowledge,
    alert_resolve,
)
from monitoring.services.delivery import DeliveryResendError, delivery_resend
from orders.admin import ViewOnlyAdmin

# HQ roles that edit rules and preferences, besides superusers.
EDITING_ROLES = (Membership.Role.HQ_OPS, Membership.Role.HQ_ADMIN)


def user_edits_monitoring(user) -> bool:
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    return user.memberships.filter(role__in=EDITING_ROLES).exists()


class HqEditableAdmin(admin.ModelAdmin):
    """Editable by HQ operations and HQ administrators, readable by all HQ.

    The HQ role groups carry no permissions for this app, so the roles are
    checked here.
    """

    def has_module_permission(self, request):
        return super().has_module_permission(request) or user_is_hq(request.user)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) or user_is_hq(request.user)

    def has_add_permission(self, request):
        return super().has_add_permission(request) or user_edits_monitoring(
            request.user
        )

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) or user_edits_monitoring(
            request.user
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) or user_edits_monitoring(
            request.user
        )


@admin.register(SlaRule)
class SlaRuleAdmin(HqEditableAdmin):
    list_display = (
        "name",
        "kind",
        "threshold",
        "threshold_unit",
        "severity",
        "location",
        "sales_channel",
        "escalate_after_minutes",
        "is_enabled",
    )
    list_filter = ("kind", "severity", "is_enabled")
    list_editable = ("is_enabled",)
    search_fields = ("name",)
    autocomplete_fields = ("location",)

    @admin.display(description=_("unit"))
    def threshold_unit(self, rule: SlaRule) -> str:
        return RULES[rule.kind].unit.for_count(rule.threshold)


class ReadOnlyAdmin(ViewOnlyAdmin):
    """Rows written by services only; every HQ role may read them."""


class AlertEventInline(admin.TabularInline):
    model = AlertEvent
    extra = 0
    can_delete = False
    fields = ("at", "kind", "user", "details")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = (
        "opened_at",
        "severity",
        "status",
        "rule",
        "owner",
        "subject_key",
        "message",
    )
    list_filter = ("status", "severity", "rule__kind", "subject_type")
    search_fields = ("subject_key", "message")
    list_select_related = ("rule", "owner")
    raw_id_fields = ("order", "assignment")
    inlines = [AlertEventInline]
    actions = ["acknowledge", "resolve"]

    @admin.action(description=_("Acknowledge the selected alerts"))
    def acknowledge(self, request, queryset):
        self._apply(request, queryset, alert_acknowledge)

    @admin.action(description=_("Resolve the selected alerts"))
    def resolve(self, request, queryset):
        self._apply(request, queryset, alert_resolve)

    def _apply(self, request, queryset, service) -> None:
        done = 0
        for alert in queryset:
            try:
                service(alert=alert, user=request.user)
            except AlertTransitionError as error:
                self.message_user(request, str(error), messages.WARNING)
            else:
                done += 1
        self.message_user(request, _("%(count)d alerts updated.") % {"count": done})

    def get_actions(self, request):
        # Actions need a permission the read-only admin never grants; HQ has it.
        actions = super().get_actions(request)
        if not user_is_hq(request.user):
            return {}
        return actions


@admin.register(SyncCheck)
class SyncCheckAdmin(ReadOnlyAdmin):
    list_display = (
        "checked_at",
        "hook_error",
        "feed_error",
        "feed_backlog",
        "feed_oldest_seconds",
        "responses",
        "throttled",
    )


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(HqEditableAdmin):
    # A webhook URL typed without a scheme is read as HTTPS.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ("__str__", "channel", "is_enabled", "severities", "events")
    list_filter = ("channel", "is_enabled")
    autocomplete_fields = ("location",)
    raw_id_fields = ("user",)


class DeliveryInline(admin.TabularInline):
    model = NotificationDelivery
    extra = 0
    can_delete = False
    fields = ("channel", "recipient", "status", "attempts", "sent_at", "last_error")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "severity", "location", "subject")
    list_filter = ("kind", "severity")
    search_fields = ("key", "subject")
    list_select_related = ("location",)
    inlines = [DeliveryInline]


@admin.register(NotificationDelivery)
class NotificationDeliveryAdmin(ReadOnlyAdmin):
    """The delivery log."""

    list_display = (
        "created_at",
        "notification",
        "channel",
        "recipient",
        "status",
        "attempts",
        "sent_at",
        "last_error",
        "resend_of",
    )
    list_filter = ("status", "channel")
    search_fields = ("recipient", "notification__key")
    list_select_related = ("notification",)
    actions = ["resend"]

    @admin.action(description=_("Resend the selected failed deliveries"))
    def resend(self, request, queryset):
        resent = 0
        for delivery_id in queryset.order_by("pk").values_list("pk", flat=True):
            try:
                delivery_resend(delivery_id=delivery_id, user=request.user)
            except DeliveryResendError as error:
                self.message_user(request, str(error), messages.WARNING)
            else:
                resent += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d delivery resent as a new delivery.",
                "%(count)d deliveries resent as new deliveries.",
                resent,
            )
            % {"count": resent},
        )

    def get_actions(self, request):
        # The read-only admin grants no action permission; HQ operations and
        # administrators may resend.
        actions = super().get_actions(request)
        if not user_edits_monitoring(request.user):
            return {}
        return actions


@admin.register(VtexCallCount)
class VtexCallCountAdmin(ReadOnlyAdmin):
    """Every VTEX call Ponte made, per minute and outcome."""

    list_display = ("minute", "outcome", "count")
    list_filter = ("outcome",)
    date_hierarchy = "minute"
