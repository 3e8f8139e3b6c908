"""Filters of the store queue and of HQ's assignment search."""

from datetime import timedelta

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from franchises.models import Location
from routing.models import Assignment

# An offer this close to its deadline counts as about to expire.
EXPIRING_WINDOW = timedelta(minutes=10)


class Age:
    LAST_HOUR = "hour"
    TODAY = "today"
    OLDER = "older"

    choices = [
        (LAST_HOUR, _("Offered in the last hour")),
        (TODAY, _("Offered today")),
        (OLDER, _("Offered before today")),
    ]


class Deadline:
    EXPIRING = "expiring"
    LATE = "late"

    choices = [
        (EXPIRING, _("Offered, expiring within 10 minutes")),
        (LATE, _("Offered, past the deadline")),
    ]


def start_of_today():
    """Midnight in the current time zone, which the middleware sets to the
    user's store."""
    return timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)


def filter_by_age(queryset, name, value):
    now = timezone.now()
    if value == Age.LAST_HOUR:
        return queryset.filter(offered_at__gte=now - timedelta(hours=1))
    if value == Age.TODAY:
        return queryset.filter(offered_at__gte=start_of_today())
    if value == Age.OLDER:
        return queryset.filter(offered_at__lt=start_of_today())
    return queryset


def filter_by_deadline(queryset, name, value):
    now = timezone.now()
    offered = queryset.filter(state=Assignment.State.OFFERED)
    if value == Deadline.EXPIRING:
        return offered.filter(expires_at__gte=now, expires_at__lt=now + EXPIRING_WINDOW)
    if value == Deadline.LATE:
        return offered.filter(expires_at__lt=now)
    return queryset


# A queue filter choice beside the states: goods handed over or shipped, with
# the NF-e still to record.
AWAITING_INVOICE = "awaiting_invoice"
AWAITING_INVOICE_STATES = (
    Assignment.State.READY_FOR_PICKUP,
    Assignment.State.SHIPPED,
)


def filter_by_state(queryset, name, value):
    if value == AWAITING_INVOICE:
        return queryset.filter(state__in=AWAITING_INVOICE_STATES)
    return queryset.filter(state=value)


class QueueFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(
        label=_("State"),
        choices=[
            *Assignment.State.choices,
            (AWAITING_INVOICE, _("Awaiting invoice (ready or shipped)")),
        ],
        method=filter_by_state,
        empty_label=_("Any state"),
    )
    age = django_filters.ChoiceFilter(
        label=_("Offer age"),
        choices=Age.choices,
        method=filter_by_age,
        empty_label=_("Any time"),
    )
    deadline = django_filters.ChoiceFilter(
        label=_("Deadline"),
        choices=Deadline.choices,
        method=filter_by_deadline,
        empty_label=_("Any deadline"),
    )

    class Meta:
        model = Assignment
        fields = ["state", "age", "deadline"]


class AssignmentSearchForm(forms.Form):
    def clean(self):
        cleaned_data = super().clean()
        offered = cleaned_data.get("offered_at")
        if offered and offered.start and offered.stop and offered.start > offered.stop:
            self.add_error(
                "offered_at",
                _("The start date is after the end date; swap them or clear one."),
            )
        return cleaned_data


class AssignmentSearchFilter(django_filters.FilterSet):
    """HQ's search over every assignment. Dates are days in the current time
    zone, as in the order list."""

    order = django_filters.CharFilter(
        field_name="order__vtex_order_id",
        lookup_expr="icontains",
        label=_("Order id"),
        max_length=64,
        widget=forms.TextInput(
            attrs={"placeholder": _("e.g. 1234567890123-01"), "type": "search"}
        ),
    )
    location = django_filters.ModelChoiceFilter(
        label=_("Location"),
        queryset=Location.objects.order_by("code"),
        empty_label=_("Any location"),
    )
    state = django_filters.ChoiceFilter(
        label=_("State"),
        choices=Assignment.State.choices,
        empty_label=_("Any state"),
    )
    offered_at = django_filters.DateFromToRangeFilter(
        label=_("Offered between"),
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )

    class Meta:
        model = Assignment
        fields = ["order", "location", "state", "offered_at"]
        form = AssignmentSearchForm
