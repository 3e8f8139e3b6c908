"""The order list table."""

import django_tables2 as tables
from django.db.models import QuerySet
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from orders.models import Order
from orders.templatetags.orders_display import (
    DATETIME_FORMAT,
    brl,
    vtex_status_label,
)

# The columns the table reads. The rest stays in the database, because `raw` is
# the whole VTEX document (3 to 5 KB for those in tests/fixtures/vtex).
LISTED_FIELDS = (
    "id",
    "vtex_order_id",
    "creation_date",
    "status",
    "sales_channel",
    "city",
    "state",
    "total",
    "has_delivery",
    "has_pickup",
)


def order_table_rows(orders: QuerySet[Order]) -> QuerySet[Order]:
    """Select the listed fields. The delivery flags are columns of the order,
    so a page stays one query however many items its orders have."""
    return orders.only(*LISTED_FIELDS)


class OrderTable(tables.Table):
    """Table of orders from `order_table_rows`. Every sort ends on the primary key
    so that pages do not overlap when many rows share a value."""

    vtex_order_id = tables.Column(
        verbose_name=_("Order"),
        linkify=("orders:detail", {"vtex_order_id": tables.A("vtex_order_id")}),
        order_by=("vtex_order_id",),
    )
    creation_date = tables.DateTimeColumn(
        verbose_name=_("Created"),
        format=DATETIME_FORMAT,
        order_by=("creation_date", "id"),
    )
    status = tables.Column(
        verbose_name=_("Status"),
        order_by=("status", "-creation_date", "-id"),
        empty_values=(),
    )
    sales_channel = tables.Column(
        verbose_name=_("Channel"), order_by=("sales_channel", "-creation_date", "-id")
    )
    customer_place = tables.Column(
        verbose_name=_("Customer city"),
        accessor="city",
        order_by=("state", "city", "-creation_date", "-id"),
        empty_values=(),
    )
    delivery = tables.Column(
        verbose_name=_("Delivery"),
        accessor="has_delivery",
        order_by=("has_delivery", "has_pickup", "-creation_date", "-id"),
        empty_values=(),
    )
    total = tables.Column(
        verbose_name=_("Total"),
        order_by=("total", "id"),
        attrs={"th": {"class": "number"}, "td": {"class": "number"}},
    )

    class Meta:
        template_name = "orders/_table.html"
        order_by_field = "sort"
        empty_text = _("No orders match these filters.")
        attrs = {"class": "data-table"}

    def render_status(self, value):
        code = value or "null"
        label = vtex_status_label(value)
        if not value or label == value:
            # An incomplete order has no status, and an unknown status has no
            # label of its own: the code would only repeat.
            return format_html('<span class="status status-{}">{}</span>', code, label)
        return format_html(
            '<span class="status status-{}">{}</span> <code>{}</code>',
            code,
            label,
            code,
        )

    def render_customer_place(self, record):
        if record.city and record.state:
            return f"{record.city}/{record.state}"
        return record.city or record.state or "—"

    def render_delivery(self, record):
        labels = []
        if record.has_delivery:
            labels.append(str(_("Delivery")))
        if record.has_pickup:
            labels.append(str(_("Pickup")))
        return " + ".join(labels) or "—"

    def render_total(self, value):
        return brl(value)
