import django_filters

from finance.models import LedgerEntry
from finance.models_statements import PayoutStatement
from monitoring.models import Alert, Severity
from orders.models import Order
from routing.models import Assignment, RoutingPolicy, SimulationRun


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
    period = django_filters.NumberFilter(field_name="period_id")
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
