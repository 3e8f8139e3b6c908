"""Filters of the order list."""

import django_filters
from django import forms
from django.db import connection
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from orders.models import Order
from orders.templatetags.orders_display import vtex_status_label

# Choice value for orders whose VTEX status is null (incomplete orders), which
# Ponte stores as "". An empty choice value already means "any status".
INCOMPLETE_STATUS = "null"


# One index probe per distinct value of {column}, smallest first.
LOOSE_INDEX_SCAN = """
WITH RECURSIVE found(value) AS (
    (SELECT {column} FROM {table} ORDER BY {column} LIMIT 1)
    UNION ALL
    SELECT (
        SELECT {column} FROM {table}
        WHERE {column} > found.value ORDER BY {column} LIMIT 1
    )
    FROM found WHERE found.value IS NOT NULL
)
SELECT value FROM found WHERE value IS NOT NULL
"""


def distinct_values(orders: QuerySet[Order], column: str) -> list[str]:
    """Return the distinct values of an indexed text column of `orders`, sorted.

    For the whole table on PostgreSQL this walks the column's index with one
    probe per distinct value (a recursive CTE). A plain DISTINCT reads every
    row: at 1,000,000 orders it took about 100 ms, the walk 3 ms. A store's
    orders are few, so they use DISTINCT.
    """
    if orders.query.where or connection.vendor != "postgresql":
        return list(orders.order_by(column).values_list(column, flat=True).distinct())
    table = connection.ops.quote_name(Order._meta.db_table)
    name = connection.ops.quote_name(Order._meta.get_field(column).column)
    # Both names are quoted identifiers from the model, never user input.
    sql = LOOSE_INDEX_SCAN.format(table=table, column=name)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [row[0] for row in cursor.fetchall()]


class OrderFilterForm(forms.Form):
    def clean(self):
        cleaned_data = super().clean()
        created = cleaned_data.get("creation_date")
        if created and created.start and created.stop and created.start > created.stop:
            self.add_error(
                "creation_date",
                _("The start date is after the end date; swap them or clear one."),
            )
        return cleaned_data


class OrderFilter(django_filters.FilterSet):
    """Order list filters whose choices list only the values in `queryset`.

    Dates are days in the current time zone, which the time zone middleware sets
    to the user's store: "from 01/03 to 01/03" covers that whole local day.
    """

    q = django_filters.CharFilter(
        field_name="vtex_order_id",
        lookup_expr="icontains",
        label=_("Order id"),
        max_length=64,
        widget=forms.TextInput(
            attrs={"placeholder": _("e.g. 1234567890123-01"), "type": "search"}
        ),
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), method="filter_status", empty_label=_("Any status")
    )
    sales_channel = django_filters.ChoiceFilter(
        label=_("Sales channel"), empty_label=_("Any channel")
    )
    creation_date = django_filters.DateFromToRangeFilter(
        label=_("Created between"),
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )

    class Meta:
        model = Order
        fields = ["q", "status", "sales_channel", "creation_date"]
        form = OrderFilterForm

    def __init__(self, data=None, queryset=None, **kwargs):
        super().__init__(data, queryset=queryset, **kwargs)
        # Lists, not callables: Django calls a callable `choices` again each
        # time the field validates or renders, which would repeat the query.
        self.filters["status"].extra["choices"] = self.status_choices()
        self.filters["sales_channel"].extra["choices"] = self.sales_channel_choices()

    def status_choices(self) -> list[tuple[str, str]]:
        statuses = distinct_values(self.queryset, "status")
        choices = [
            (status or INCOMPLETE_STATUS, vtex_status_label(status))
            for status in statuses
        ]
        return sorted(choices, key=lambda choice: str(choice[1]).casefold())

    def sales_channel_choices(self) -> list[tuple[str, str]]:
        channels = distinct_values(self.queryset, "sales_channel")
        return [(channel, channel) for channel in channels if channel]

    def filter_status(self, queryset, name, value):
        if value == INCOMPLETE_STATUS:
            return queryset.filter(status="")
        return queryset.filter(status=value)
