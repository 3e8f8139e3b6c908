"""Input and output serializers of the API. Money is a decimal string in BRL
("123.45"), dates are ISO 8601 with an offset."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from finance.models import LedgerEntry
from finance.models_statements import PayoutStatement
from monitoring.models import Alert
from orders.models import Order, OrderItem, OrderStatusChange
from routing.candidate_rows import rows_unpack
from routing.models import (
    Assignment,
    AssignmentLine,
    PolicyStep,
    RoutingDecision,
    RoutingPolicy,
    SimulationRun,
)
from routing.services.nfe import (
    InvoiceError,
    invoice_number_check,
    invoice_value_check,
    nfe_key_check,
)

# PostgreSQL `integer` columns.
MAX_INT = 2_147_483_647


class OrderSerializer(serializers.ModelSerializer):
    order_id = serializers.CharField(source="vtex_order_id")

    class Meta:
        model = Order
        fields = [
            "order_id",
            "order_group",
            "status",
            "sales_channel",
            "is_completed",
            "creation_date",
            "last_change",
            "total",
            "items_total",
            "discounts_total",
            "shipping_total",
        ]


class OrderItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderItem
        fields = [
            "item_index",
            "sku_id",
            "ref_id",
            "name",
            "quantity",
            "price",
            "selling_price",
            "is_gift",
            "delivery_channel",
            "shipping_estimate",
        ]


class StatusChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderStatusChange
        fields = ["from_status", "to_status", "changed_at", "source"]


class DecisionSerializer(serializers.ModelSerializer):
    policy = serializers.SerializerMethodField()
    candidates = serializers.SerializerMethodField()

    class Meta:
        model = RoutingDecision
        fields = [
            "id",
            "created_at",
            "policy",
            "status",
            "deciding_step",
            "reason",
            "triggered_by",
            "lines",
            "candidates",
        ]

    def get_policy(self, decision) -> str | None:
        policy = decision.policy
        return f"{policy.key} v{policy.version}" if policy else None

    def get_candidates(self, decision) -> list[dict] | None:
        # Other stores' scores are HQ's to see; a store gets the outcome only.
        if not self.context.get("is_hq"):
            return None
        return rows_unpack(decision.candidates)


class AssignmentLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = AssignmentLine
        fields = ["item_index", "sku_id", "quantity"]


class AssignmentSerializer(serializers.ModelSerializer):
    order_id = serializers.CharField(source="order.vtex_order_id")
    location = serializers.CharField(source="location.code")

    class Meta:
        model = Assignment
        fields = [
            "id",
            "order_id",
            "location",
            "state",
            "value",
            "offered_at",
            "expires_at",
            "accepted_at",
            "closed_at",
            "reject_reason",
            "reject_note",
            "picking_at",
            "ready_at",
            "shipped_at",
            "carrier",
            "tracking_number",
            "invoiced_at",
            "invoice_number",
            "invoice_key",
            "invoice_value",
            "delivered_at",
        ]


class AssignmentDetailSerializer(AssignmentSerializer):
    lines = AssignmentLineSerializer(many=True)

    class Meta(AssignmentSerializer.Meta):
        fields = [*AssignmentSerializer.Meta.fields, "lines"]


class OrderDetailSerializer(OrderSerializer):
    items = OrderItemSerializer(many=True)
    status_history = StatusChangeSerializer(many=True, source="status_changes")
    routing_status = serializers.SerializerMethodField()
    decisions = serializers.SerializerMethodField()
    assignments = serializers.SerializerMethodField()

    class Meta(OrderSerializer.Meta):
        fields = [
            *OrderSerializer.Meta.fields,
            "client_name",
            "postal_code",
            "city",
            "state",
            "items",
            "status_history",
            "routing_status",
            "decisions",
            "assignments",
        ]

    def get_routing_status(self, order) -> str | None:
        case = getattr(order, "routing_case", None)
        return case.status if case else None

    @staticmethod
    def _visible(order, context):
        return context["assignments"].filter(order=order)

    def get_decisions(self, order) -> DecisionSerializer(many=True):
        decisions = order.routing_decisions.select_related("policy").order_by(
            "created_at", "id"
        )
        if not self.context.get("is_hq"):
            # A store sees the decisions that offered it a part.
            decisions = decisions.filter(
                pk__in=self._visible(order, self.context).values("decision_id")
            )
        return DecisionSerializer(decisions, many=True, context=self.context).data

    def get_assignments(self, order) -> AssignmentDetailSerializer(many=True):
        assignments = (
            self._visible(order, self.context)
            .select_related("order", "location")
            .prefetch_related("lines")
            .order_by("offered_at", "id")
        )
        return AssignmentDetailSerializer(assignments, many=True).data


class RejectSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=Assignment.RejectReason.choices)
    note = serializers.CharField(max_length=300, required=False, default="")
    missing_sku_ids = serializers.ListField(
        child=serializers.CharField(max_length=40),
        required=False,
        allow_empty=False,
        help_text=_(
            "For out_of_stock: the SKUs the location lacks. Left out, every SKU "
            "of the part is set to zero at the location."
        ),
    )


class ShipSerializer(serializers.Serializer):
    carrier = serializers.CharField(max_length=100)
    tracking_number = serializers.CharField(max_length=100)


class InvoiceSerializer(serializers.Serializer):
    invoice_number = serializers.CharField(max_length=50)
    invoice_key = serializers.CharField(
        max_length=60, help_text=_("The 44-character NF-e or NFC-e access key.")
    )
    invoice_value = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0
    )

    def validate_invoice_number(self, value: str) -> str:
        """Check the number with the same rule and message as the store
        pages (`routing.services.nfe.invoice_number_check`)."""
        try:
            return invoice_number_check(value)
        except InvoiceError as error:
            raise serializers.ValidationError(str(error), code="invalid") from None

    def validate_invoice_value(self, value):
        """Check that the value is above zero and fits the part's range
        (`routing.services.nfe.invoice_range`) of the assignment the view
        passes in the context."""
        try:
            return invoice_value_check(
                assignment=self.context["assignment"], value=value
            )
        except InvoiceError as error:
            raise serializers.ValidationError(str(error), code="invalid") from None

    def validate_invoice_key(self, value: str) -> str:
        """Return the key upper-cased, or raise a field error with the first
        part that `routing.services.nfe.nfe_key_check` finds wrong."""
        try:
            return nfe_key_check(value)
        except InvoiceError as error:
            raise serializers.ValidationError(str(error), code="invalid") from None


class StockRowSerializer(serializers.Serializer):
    """One row of a stock push; documents the shape the view checks by hand."""

    sku_id = serializers.CharField(max_length=40)
    quantity = serializers.IntegerField(min_value=0, max_value=MAX_INT)
    lead_time_hours = serializers.DecimalField(
        max_digits=6,
        decimal_places=1,
        min_value=0,
        required=False,
        help_text=_("Left out, the stored lead time is kept."),
    )


class StockPushSerializer(serializers.Serializer):
    rows = StockRowSerializer(many=True)


class StockPushResultSerializer(serializers.Serializer):
    location = serializers.CharField()
    rows = serializers.IntegerField()


class AlertSerializer(serializers.ModelSerializer):
    rule = serializers.CharField(source="rule.kind")
    location = serializers.CharField(source="owner.code", allow_null=True)

    class Meta:
        model = Alert
        fields = [
            "id",
            "rule",
            "severity",
            "status",
            "location",
            "subject_type",
            "subject_key",
            "message",
            "opened_at",
            "last_seen_at",
            "acknowledged_at",
            "escalated_at",
            "resolved_at",
        ]


class LedgerEntrySerializer(serializers.ModelSerializer):
    transaction_kind = serializers.CharField(source="transaction.kind")
    occurred_at = serializers.DateTimeField(source="transaction.occurred_at")
    order_id = serializers.CharField(
        source="transaction.order.vtex_order_id", allow_null=True, default=None
    )
    legal_entity = serializers.CharField(source="account.legal_entity.cnpj")
    account = serializers.CharField(source="account.purpose")
    location = serializers.CharField(
        source="location.code", allow_null=True, default=None
    )

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "transaction_id",
            "transaction_kind",
            "occurred_at",
            "order_id",
            "legal_entity",
            "account",
            "location",
            "period_id",
            "entry_type",
            "debit",
            "credit",
        ]


class StatementSerializer(serializers.ModelSerializer):
    legal_entity = serializers.CharField(source="legal_entity.cnpj")
    period_start = serializers.DateField(source="period.starts_on")
    period_end = serializers.DateField(source="period.ends_on")

    class Meta:
        model = PayoutStatement
        fields = [
            "id",
            "legal_entity",
            "period_id",
            "period_start",
            "period_end",
            "status",
            "opening_balance",
            "entries_total",
            "closing_balance",
            "amount_to_pay",
            "created_at",
        ]


class PolicyStepSerializer(serializers.ModelSerializer):
    class Meta:
        model = PolicyStep
        fields = ["position", "kind", "name", "params", "weight"]


class PolicySerializer(serializers.ModelSerializer):
    steps = PolicyStepSerializer(many=True)

    class Meta:
        model = RoutingPolicy
        fields = [
            "id",
            "key",
            "version",
            "name",
            "status",
            "priority",
            "sales_channels",
            "delivery_channels",
            "states",
            "min_order_value",
            "max_order_value",
            "allow_split",
            "max_parts",
            "min_part_value",
            "prefer_fewer_parts",
            "steps",
        ]


class SimulationSerializer(serializers.ModelSerializer):
    class Meta:
        model = SimulationRun
        fields = [
            "id",
            "policy_id",
            "baseline_id",
            "period_start",
            "period_end",
            "status",
            "total",
            "done",
            "results",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]


class SimulationStartSerializer(serializers.Serializer):
    policy = serializers.PrimaryKeyRelatedField(queryset=RoutingPolicy.objects.all())
    baseline = serializers.PrimaryKeyRelatedField(
        queryset=RoutingPolicy.objects.all(), required=False, allow_null=True
    )
    period_start = serializers.DateTimeField()
    period_end = serializers.DateTimeField()
