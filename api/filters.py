import django_filters
from django import forms

from finance.models import LedgerEntry
from finance.models_statements import PayoutStatement
from monitoring.models import Alert, Severity
from orders.models import Order
from routing.models import Assignment, RoutingPolicy, SimulationRun

# Largest value of a BigAutoField primary key (a signed 64-bit integer).
MAX_ID = 2**63 - 1


class IdFilter(django_filters.NumberFilter):
    """A primary key: a whole number from 1 to MAX_ID. Anything else is a 400,
    because a decimal would be truncated to another id and an out-of-range
    number makes the database driver raise (OverflowError on SQLite)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)

    def get_max_validator(self):
        # max_value above already bounds the field.
        return None


class OrderFilter(django_filters.FilterSet):
    status = django_filters.CharFilter()
    created_after = django_filters.IsoDateTimeFilter(
        field_name="creation_date", lookup_expr="gte"
    )
    created_before = django_filters.IsoDateTimeFilter(
        field_name="creation_date", lookup_expr="lt"
    )
    changed_after = django_filters.IsoDateTimeFilter(
        field_name="last_change", lookup_expr="gte"
    )

    class Meta:
        model = Order
        fields = ["status"]


class AssignmentFilter(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=Assignment.State.choices)
    location = django_filters.CharFilter(field_name="location__code")
    offered_after = django_filters.IsoDateTimeFilter(
        field_name="offered_at", lookup_expr="gte"
    )
    offered_before = django_filters.IsoDateTimeFilter(
        field_name="offered_at", lookup_expr="lt"
    )

    class Meta:
        model = Assignment
        fields = ["state", "location"]


class AlertFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Alert.Status.choices)
    severity = django_filters.ChoiceFilter(choices=Severity.choices)
    location = django_filters.CharFilter(field_name="owner__code")

    class Meta:
        model = Alert
        fields = ["status", "severity", "location"]


class LedgerEntryFilter(django_filters.FilterSet):
    period = IdFilter(field_name="period_id")
    entry_type = django_filters.CharFilter()
    location = django_filters.CharFilter(field_name="location__code")
    occurred_after = django_filters.IsoDateTimeFilter(
        field_name="transaction__occurred_at", lookup_expr="gte"
    )
    occurred_before = django_filters.IsoDateTimeFilter(
        field_name="transaction__occurred_at", lookup_expr="lt"
    )

    class Meta:
        model = LedgerEntry
        fields = ["period", "entry_type", "location"]


class StatementFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=PayoutStatement.Status.choices)
    legal_entity = django_filters.CharFilter(field_name="legal_entity__cnpj")

    class Meta:
        model = PayoutStatement
        fields = ["status", "legal_entity"]


class PolicyFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=RoutingPolicy.Status.choices)
    key = django_filters.CharFilter()

    class Meta:
        model = RoutingPolicy
        fields = ["status", "key"]


class SimulationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=SimulationRun.Status.choices)

    class Meta:
        model = SimulationRun
        fields = ["status"]
