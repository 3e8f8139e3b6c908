"""Read-only admin for orders and what came with them.

Orders, their lines and the quarantine come from VTEX. A hand edit would be
overwritten by the next refresh and would bypass the status history, so these
pages allow no add, change or delete, even to superusers. HQ users (as
`franchises.access.user_is_hq` decides) may view them without model permissions.
"""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from franchises.access import user_is_hq
from orders.models import (
    HookNotification,
    Order,
    OrderItem,
    OrderLocation,
    OrderPackage,
    OrderPayment,
    OrderStatusChange,
    OrderTotal,
    QuarantinedDocument,
    VtexOutboxCall,
)
from orders.templatetags.orders_display import brl, pretty_json, vtex_status_label


class ViewOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) or user_is_hq(request.user)


class ViewOnlyAdmin(ViewOnlyMixin, admin.ModelAdmin):
    # The exact total needs a COUNT over the whole table on every page.
    show_full_result_count = False

    def has_module_permission(self, request):
        return super().has_module_permission(request) or user_is_hq(request.user)


class ViewOnlyInline(ViewOnlyMixin, admin.TabularInline):
    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        # Listed explicitly because a non-editable field such as `recorded_at`
        # may not appear in an inline's form.
        return self.fields


def preformatted(value) -> str:
    return format_html('<pre class="readonly">{}</pre>', pretty_json(value))


class OrderItemInline(ViewOnlyInline):
    model = OrderItem
    fields = (
        "item_index",
        "sku_id",
        "name",
        "quantity",
        "unit_multiplier",
        "selling_price",
        "is_gift",
        "delivery_channel",
        "selected_sla",
        "shipping_estimate",
        "warehouse_id",
        "pickup_point_id",
    )


class OrderTotalInline(ViewOnlyInline):
    model = OrderTotal
    fields = ("total_id", "name", "value")


class OrderPaymentInline(ViewOnlyInline):
    model = OrderPayment
    fields = (
        "payment_system_name",
        "group",
        "installments",
        "value",
        "transaction_id",
        "payment_id",
        "tid",
    )


class OrderPackageInline(ViewOnlyInline):
    model = OrderPackage
    fields = (
        "invoice_number",
        "invoice_key",
        "invoice_type",
        "invoice_value",
        "issuance_date",
        "courier",
        "tracking_number",
        "tracking_url",
    )


class OrderStatusChangeInline(ViewOnlyInline):
    model = OrderStatusChange
    fields = ("changed_at", "from_status", "to_status", "source", "recorded_at")


class OrderLocationInline(ViewOnlyInline):
    model = OrderLocation
    fields = ("location", "reason")


@admin.register(Order)
class OrderAdmin(ViewOnlyAdmin):
    list_display = (
        "vtex_order_id",
        "status_display",
        "sales_channel",
        "creation_date",
        "client_city",
        "total_display",
    )
    list_filter = ("status", "sales_channel", "is_completed", "is_corporate", "origin")
    search_fields = ("vtex_order_id", "order_group", "sequence", "seller_order_id")
    date_hierarchy = "creation_date"
    inlines = [
        OrderItemInline,
        OrderTotalInline,
        OrderPaymentInline,
        OrderPackageInline,
        OrderStatusChangeInline,
        OrderLocationInline,
    ]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    ("vtex_order_id", "order_group", "sequence"),
                    ("status", "status_description", "is_completed"),
                    ("origin", "sales_channel", "affiliate_id", "hostname"),
                    "seller_order_id",
                    ("creation_date", "last_change"),
                    ("authorized_date", "invoiced_date"),
                )
            },
        ),
        (
            _("Amounts"),
            {
                "fields": (
                    ("value_cents", "total"),
                    ("items_total", "discounts_total", "shipping_total", "tax_total"),
                )
            },
        ),
        (
            _("Customer"),
            {
                "fields": (
                    ("client_name", "client_email", "client_document"),
                    ("is_corporate", "corporate_name", "corporate_document"),
                    ("postal_code", "city", "state", "country"),
                    ("latitude", "longitude"),
                    "sales_associate",
                )
            },
        ),
        (
            _("VTEX document"),
            {
                "classes": ("collapse",),
                "fields": ("raw_document", "raw_sha256", "created_at", "updated_at"),
            },
        ),
    )
    readonly_fields = ("raw_document", "created_at", "updated_at")

    @admin.display(description=_("status"), ordering="status")
    def status_display(self, order: Order) -> str:
        return format_html(
            "{} <code>{}</code>",
            vtex_status_label(order.status),
            order.status or "null",
        )

    @admin.display(description=_("city"), ordering="city")
    def client_city(self, order: Order) -> str:
        return "/".join(part for part in (order.city, order.state) if part)

    @admin.display(description=_("total"), ordering="total")
    def total_display(self, order: Order) -> str:
        return brl(order.total)

    @admin.display(description=_("VTEX document"))
    def raw_document(self, order: Order) -> str:
        return preformatted(order.raw)


class OrderChildAdmin(ViewOnlyAdmin):
    """Admin for a model with an `order` foreign key."""

    list_select_related = ("order",)
    search_fields = ("order__vtex_order_id",)
    raw_id_fields = ("order",)


@admin.register(OrderItem)
class OrderItemAdmin(OrderChildAdmin):
    list_display = (
        "order",
        "item_index",
        "sku_id",
        "name",
        "quantity",
        "selling_price",
        "delivery_channel",
        "warehouse_id",
        "pickup_point_id",
    )
    list_filter = ("delivery_channel", "is_gift")
    search_fields = ("order__vtex_order_id", "sku_id", "ref_id", "name")


@admin.register(OrderTotal)
class OrderTotalAdmin(OrderChildAdmin):
    list_display = ("order", "total_id", "name", "value")
    list_filter = ("total_id",)


@admin.register(OrderPayment)
class OrderPaymentAdmin(OrderChildAdmin):
    list_display = (
        "order",
        "payment_system_name",
        "group",
        "installments",
        "value",
        "transaction_id",
    )
    list_filter = ("group", "payment_system_name")
    search_fields = ("order__vtex_order_id", "transaction_id", "payment_id", "tid")


@admin.register(OrderPackage)
class OrderPackageAdmin(OrderChildAdmin):
    list_display = (
        "order",
        "invoice_number",
        "invoice_type",
        "invoice_value",
        "issuance_date",
        "courier",
        "tracking_number",
    )
    list_filter = ("invoice_type", "courier")
    search_fields = (
        "order__vtex_order_id",
        "invoice_number",
        "invoice_key",
        "tracking_number",
    )
    date_hierarchy = "issuance_date"


@admin.register(OrderStatusChange)
class OrderStatusChangeAdmin(OrderChildAdmin):
    list_display = ("order", "from_status", "to_status", "changed_at", "source")
    list_filter = ("source", "to_status")
    date_hierarchy = "changed_at"


@admin.register(OrderLocation)
class OrderLocationAdmin(OrderChildAdmin):
    list_display = ("order", "location", "reason")
    list_filter = ("reason",)
    list_select_related = ("order", "location")
    search_fields = ("order__vtex_order_id", "location__code", "location__name")
    raw_id_fields = ("order", "location")


@admin.register(QuarantinedDocument)
class QuarantinedDocumentAdmin(ViewOnlyAdmin):
    list_display = (
        "vtex_order_id",
        "short_reason",
        "source",
        "attempts",
        "created_at",
        "updated_at",
    )
    list_filter = ("source",)
    search_fields = ("vtex_order_id", "reason")
    date_hierarchy = "updated_at"
    fields = (
        "vtex_order_id",
        "reason",
        "source",
        "attempts",
        "created_at",
        "updated_at",
        "payload_sha256",
        "payload_document",
    )
    readonly_fields = ("created_at", "updated_at", "payload_document")

    @admin.display(description=_("reason"))
    def short_reason(self, document: QuarantinedDocument) -> str:
        reason = document.reason.splitlines()[0] if document.reason else ""
        return reason[:120]

    @admin.display(description=_("payload"))
    def payload_document(self, document: QuarantinedDocument) -> str:
        return preformatted(document.payload)


@admin.register(HookNotification)
class HookNotificationAdmin(ViewOnlyAdmin):
    list_display = ("vtex_order_id", "domain", "last_state", "state", "received_at")
    list_filter = ("domain", "state")
    search_fields = ("vtex_order_id",)
    date_hierarchy = "received_at"
    fields = (
        "vtex_order_id",
        "domain",
        "last_state",
        "state",
        "current_change",
        "received_at",
        "payload_document",
    )
    readonly_fields = ("received_at", "payload_document")

    @admin.display(description=_("payload"))
    def payload_document(self, notification: HookNotification) -> str:
        return preformatted(notification.payload)


@admin.register(VtexOutboxCall)
class VtexOutboxCallAdmin(ViewOnlyAdmin):
    """The VTEX write-back log: start-handling and invoice calls, with the
    error of each failed one and an action that sends failed ones again."""

    list_display = (
        "kind",
        "order",
        "status",
        "attempts",
        "short_error",
        "next_attempt_at",
        "sent_at",
    )
    list_filter = ("status", "kind")
    search_fields = ("order__vtex_order_id", "idempotency_key")
    list_select_related = ("order",)
    actions = ["send_again"]
    fields = (
        "kind",
        "order",
        "status",
        "attempts",
        "path",
        "body_document",
        "idempotency_key",
        "last_error",
        "next_attempt_at",
        "sent_at",
    )
    readonly_fields = fields

    @admin.display(description=_("last error"))
    def short_error(self, call: VtexOutboxCall) -> str:
        return call.last_error[:120]

    @admin.display(description=_("body"))
    def body_document(self, call: VtexOutboxCall) -> str:
        return preformatted(call.body)

    @admin.action(description=_("Send the selected failed calls again"))
    def send_again(self, request, queryset):
        from orders.services.outbox import outbox_calls_resend

        queued = outbox_calls_resend(call_ids=queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            ngettext(
                "%(count)d failed call queued again.",
                "%(count)d failed calls queued again.",
                queued,
            )
            % {"count": queued},
        )
