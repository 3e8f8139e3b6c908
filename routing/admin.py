"""Admin for routing: HQ edits policies (with an audit trail), views stock,
decisions and assignments. Assignments move only through the store workflow."""

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from orders.admin import ViewOnlyAdmin, ViewOnlyInline
from routing import explanations
from routing.engine import Step, StepError, validate_step
from routing.models import (
    Assignment,
    AssignmentEvent,
    AssignmentLine,
    PolicyStep,
    RoutingCase,
    RoutingDecision,
    RoutingPolicy,
    StockImport,
    StockLevel,
    StockSnapshot,
)
from routing.services.assignments import (
    FULFILLED_STATES,
    ORDER_CANCELED,
    assignment_order_canceled,
)
from routing.services.policies import PolicyError, policy_activate, policy_new_draft
from routing.stock_admin import StockImportAdminMixin
from routing.views import step_label


class PolicyStepForm(forms.ModelForm):
    class Meta:
        model = PolicyStep
        fields = ["position", "kind", "name", "params", "weight"]

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            validate_step(
                Step(
                    kind=cleaned["kind"],
                    name=cleaned["name"],
                    params=cleaned.get("params") or {},
                    weight=float(cleaned["weight"]),
                )
            )
        except StepError as error:
            raise forms.ValidationError(str(error)) from None
        return cleaned


class PolicyStepInline(admin.TabularInline):
    model = PolicyStep
    form = PolicyStepForm
    extra = 1

    def has_change_permission(self, request, obj=None):
        return obj is None or obj.status == RoutingPolicy.Status.DRAFT

    def has_add_permission(self, request, obj=None):
        return obj is None or obj.status == RoutingPolicy.Status.DRAFT

    def has_delete_permission(self, request, obj=None):
        return obj is None or obj.status == RoutingPolicy.Status.DRAFT


@admin.register(RoutingPolicy)
class RoutingPolicyAdmin(SimpleHistoryAdmin):
    list_display = ["name", "key", "version", "status", "priority", "activated_at"]
    list_filter = ["status", "key"]
    search_fields = ["name", "key"]
    inlines = [PolicyStepInline]
    readonly_fields = ["status", "activated_at"]
    actions = ["activate", "copy_to_draft"]

    object_history_template = "routing/policy_history.html"

    def has_change_permission(self, request, obj=None):
        # Only drafts are edited; an active or archived version is what past
        # decisions used and stays as it was. Without the change permission
        # the admin shows the version read-only, with no Save buttons, and
        # rejects a POST.
        if obj is not None and obj.status != RoutingPolicy.Status.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    def revert_disabled(self, request, obj=None):
        return obj is not None and obj.status != RoutingPolicy.Status.DRAFT

    def history_view(self, request, object_id, extra_context=None):
        context = {"step_history": policy_step_history(policy_id=object_id)}
        return super().history_view(
            request, object_id, {**context, **(extra_context or {})}
        )

    @admin.action(description=_("Activate the selected draft"))
    def activate(self, request, queryset):
        for policy in queryset.order_by("pk"):
            try:
                policy_activate(policy=policy)
            except PolicyError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("%(name)s is active.") % {"name": policy},
                    messages.SUCCESS,
                )

    @admin.action(description=_("Copy into a new draft"))
    def copy_to_draft(self, request, queryset):
        for policy in queryset.order_by("pk"):
            draft = policy_new_draft(policy=policy)
            self.message_user(request, _("Created %(name)s.") % {"name": draft})


# Step changes listed on a policy's history page, newest first.
MAX_STEP_HISTORY = 200
STEP_HISTORY_FIELDS = ("position", "kind", "name", "params", "weight")
# django-simple-history's `history_type` codes as the page names them. Its own
# "Created" label would take the project's translation of the date column.
STEP_HISTORY_ACTIONS = {
    "+": pgettext_lazy("policy step history", "Added"),
    "~": pgettext_lazy("policy step history", "Changed"),
    "-": pgettext_lazy("policy step history", "Deleted"),
}


def policy_step_history(*, policy_id) -> list[dict]:
    """List the audit records of a policy's steps, deleted steps included,
    each with who, when, the kind of change and the fields it changed."""
    records = list(
        PolicyStep.history.filter(policy_id=policy_id)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    previous: dict[int, object] = {}
    rows = []
    for record in records:
        before = previous.get(record.id)
        changes = []
        for name in STEP_HISTORY_FIELDS:
            new = getattr(record, name)
            old = getattr(before, name) if before is not None else None
            if before is None or old != new:
                changes.append(
                    {
                        "field": PolicyStep._meta.get_field(name).verbose_name,
                        "old": "" if before is None else old,
                        "new": new,
                    }
                )
        previous[record.id] = record
        rows.append(
            {
                "record": record,
                "action": STEP_HISTORY_ACTIONS.get(
                    record.history_type, record.get_history_type_display()
                ),
                "changes": changes if record.history_type != "-" else [],
            }
        )
    rows.reverse()
    return rows[:MAX_STEP_HISTORY]


@admin.register(StockLevel)
class StockLevelAdmin(StockImportAdminMixin, admin.ModelAdmin):
    list_display = [
        "location",
        "sku_id",
        "quantity",
        "reserved",
        "source",
        "updated_at",
    ]
    list_filter = ["source"]
    search_fields = ["sku_id", "location__code"]
    list_select_related = ["location"]
    raw_id_fields = ["location"]
    readonly_fields = ["reserved"]
    show_full_result_count = False


@admin.register(StockImport)
class StockImportAdmin(ViewOnlyAdmin):
    list_display = [
        "file_name",
        "status",
        "rows_written",
        "rows_total",
        "error_count",
        "created_by",
        "created_at",
    ]
    list_filter = ["status"]
    exclude = ["content"]


@admin.register(StockSnapshot)
class StockSnapshotAdmin(ViewOnlyAdmin):
    list_display = ["location", "sku_id", "quantity", "taken_at", "source"]
    list_filter = ["source"]
    search_fields = ["sku_id", "location__code"]
    list_select_related = ["location"]


@admin.register(RoutingCase)
class RoutingCaseAdmin(ViewOnlyAdmin):
    list_display = ["order", "status", "reason", "updated_at"]
    list_filter = ["status"]
    search_fields = ["order__vtex_order_id"]
    list_select_related = ["order"]


@admin.register(RoutingDecision)
class RoutingDecisionAdmin(ViewOnlyAdmin):
    """Decisions with their labels and translated reason. The candidate
    table and the explanation are on the order page, which this links to."""

    list_display = [
        "order",
        "status_label",
        "policy",
        "step_label",
        "elapsed_ms",
        "created_at",
    ]
    list_filter = ["status", "triggered_by"]
    search_fields = ["order__vtex_order_id"]
    list_select_related = ["order", "policy"]
    fields = [
        "order_page",
        "status_label",
        "policy",
        "step_label",
        "reason_text",
        "lines_text",
        "excluded_location_ids",
        "trigger_label",
        "user",
        "elapsed_ms",
        "created_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("order"), ordering="order__vtex_order_id")
    def order_page(self, decision):
        url = reverse("orders:detail", args=[decision.order.vtex_order_id])
        return format_html(
            '<a href="{}#routing">{}</a> · {}',
            url,
            decision.order.vtex_order_id,
            _("candidate table and explanation on the order page"),
        )

    @admin.display(description=_("status"), ordering="status")
    def status_label(self, decision):
        return explanations.status_label(decision.status)

    @admin.display(description=_("deciding step"), ordering="deciding_step")
    def step_label(self, decision):
        return step_label(decision.deciding_step) if decision.deciding_step else "—"

    @admin.display(description=_("reason"))
    def reason_text(self, decision):
        return explanations.decision_reason(decision)

    @admin.display(description=_("lines routed"))
    def lines_text(self, decision):
        """Return the (item index, quantity) pairs as "item 0: 2 units"."""
        return (
            "; ".join(
                ngettext(
                    "item %(index)s: %(count)s unit",
                    "item %(index)s: %(count)s units",
                    quantity,
                )
                % {"index": index, "count": quantity}
                for index, quantity in decision.lines
            )
            or "—"
        )

    @admin.display(description=_("triggered by"), ordering="triggered_by")
    def trigger_label(self, decision):
        return explanations.trigger_label(decision.triggered_by)


class AssignmentLineInline(ViewOnlyInline):
    model = AssignmentLine
    fields = ["item_index", "sku_id", "quantity"]


class AssignmentEventInline(ViewOnlyInline):
    model = AssignmentEvent
    fields = ["from_state", "to_state", "at", "user", "details"]


class OrderCanceledFilter(admin.SimpleListFilter):
    """Parts that had left the shelf when VTEX canceled their order."""

    title = _("order canceled at VTEX")
    parameter_name = "order_canceled"

    def lookups(self, request, model_admin):
        return [("yes", _("After the part left the shelf"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(
                order__status=ORDER_CANCELED, state__in=FULFILLED_STATES
            )
        return queryset


@admin.register(Assignment)
class AssignmentAdmin(ViewOnlyAdmin):
    list_display = [
        "order",
        "location",
        "state",
        "value",
        "offered_at",
        "expires_at",
        "invoice_issuer_mismatch",
        "order_canceled",
    ]
    list_filter = [
        "state",
        "reject_reason",
        "invoice_issuer_mismatch",
        OrderCanceledFilter,
    ]
    search_fields = ["order__vtex_order_id", "location__code"]
    list_select_related = ["order", "location"]
    inlines = [AssignmentLineInline, AssignmentEventInline]

    @admin.display(boolean=True, description=_("order canceled at VTEX"))
    def order_canceled(self, obj: Assignment) -> bool:
        return assignment_order_canceled(obj)
