"""Tables of assignments: the store queue and HQ's search."""

from datetime import datetime

import django_tables2 as tables
from django.db.models import Exists, OuterRef, QuerySet
from django.http import QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from orders.models import OrderItem
from orders.templatetags.orders_display import DATETIME_FORMAT, brl, local_datetime
from routing.forms import InvoiceForm, RejectForm, ShipForm
from routing.models import Assignment, AssignmentLine
from routing.services.assignments import (
    BLOCKED_BY_CANCEL,
    ORDER_CANCELED,
    TRANSITIONS,
)

State = Assignment.State
PICKUP = "pickup-in-point"
DELIVERY = "delivery"

# The portal action that moves an assignment into each state. Expiry and
# cancellation are not actions: a task and the VTEX sync make those moves.
ACTION_BY_TARGET = {
    State.ACCEPTED: "accept",
    State.REJECTED: "reject",
    State.PICKING: "pick",
    State.READY_FOR_PICKUP: "ready",
    State.SHIPPED: "ship",
    State.INVOICED: "invoice",
    State.DELIVERED: "deliver",
}
ACTION_FORMS = {"reject": RejectForm, "ship": ShipForm, "invoice": InvoiceForm}
# States after which Ponte routes the part again, without this location.
REROUTED_STATES = (State.REJECTED, State.EXPIRED)


def assignment_rows(assignments: QuerySet[Assignment]) -> QuerySet[Assignment]:
    """Join the order and location, prefetch the lines, and flag whether any
    line is for pickup or for delivery, so that a page costs the same queries
    however many rows it has.

    Lines name their order item by VTEX index, so the flags are EXISTS
    subqueries over the order's items with those indexes.
    """
    own_indexes = AssignmentLine.objects.filter(
        assignment_id=OuterRef(OuterRef("pk"))
    ).values("item_index")
    items = OrderItem.objects.filter(
        order_id=OuterRef("order_id"), item_index__in=own_indexes
    )
    return (
        assignments.select_related("order", "location")
        .prefetch_related("lines")
        .annotate(
            has_pickup=Exists(items.filter(delivery_channel=PICKUP)),
            has_delivery=Exists(items.filter(delivery_channel=DELIVERY)),
        )
    )


def assignment_actions(assignment: Assignment) -> list[str]:
    """List the portal actions the assignment's state allows, in workflow order.

    An assignment from `assignment_rows` whose lines are all for pickup gets
    "ready for pickup" and one whose lines are all for delivery gets "shipped".
    Mixed lines, or lines without a known channel, get both. A part of an
    order VTEX canceled gets neither invoice nor delivered.
    """
    actions = [
        ACTION_BY_TARGET[target]
        for target in TRANSITIONS.get(assignment.state, ())
        if target in ACTION_BY_TARGET
    ]
    if assignment.order.status == ORDER_CANCELED:
        blocked = {ACTION_BY_TARGET[state] for state in BLOCKED_BY_CANCEL}
        actions = [action for action in actions if action not in blocked]
    has_pickup = getattr(assignment, "has_pickup", None)
    has_delivery = getattr(assignment, "has_delivery", None)
    if has_pickup and not has_delivery:
        actions = [action for action in actions if action != "ship"]
    elif has_delivery and not has_pickup:
        actions = [action for action in actions if action != "ready"]
    return actions


def action_form(action: str, assignment: Assignment, data=None):
    """Build the form of an action that takes input, bound to `data` when
    given. Field ids carry the assignment id, so that many rows can share one
    page."""
    form_class = ACTION_FORMS[action]
    kwargs = {"auto_id": f"a{assignment.pk}-{action}-%s"}
    if form_class is RejectForm:
        kwargs["assignment"] = assignment
    return form_class(data, **kwargs)


# Session key of the values a store typed into an action form that failed,
# so the page it returns to shows them again with the errors.
FAILED_FORM_KEY = "routing-failed-form"


def failed_form_save(request, assignment: Assignment, action: str, data) -> None:
    """Save what was typed into an action's form that failed, for the next
    page that shows that assignment's forms."""
    fields = ACTION_FORMS[action].base_fields
    request.session[FAILED_FORM_KEY] = {
        "assignment": assignment.pk,
        "action": action,
        "data": {name: data.getlist(name) for name in fields if name in data},
    }


def action_forms(assignment: Assignment, actions: list[str], request=None) -> dict:
    """Build the forms of the actions that take input: unbound, except one
    that just failed for this assignment, which shows what was typed and its
    errors once."""
    failed = None
    stored = request.session.get(FAILED_FORM_KEY) if request is not None else None
    if stored and stored.get("assignment") == assignment.pk:
        failed = request.session.pop(FAILED_FORM_KEY)
    forms = {}
    for action in actions:
        if action not in ACTION_FORMS:
            continue
        if failed is not None and failed["action"] == action:
            data = QueryDict(mutable=True)
            for name, values in failed["data"].items():
                data.setlist(name, values)
            form = action_form(action, assignment, data)
            form.is_valid()
            forms[action] = form
        else:
            forms[action] = action_form(action, assignment)
    return forms


def deadline_html(assignment: Assignment, now: datetime) -> str:
    """Render an offer's accept-by time with the minutes left, or "late".

    The page's script counts the minutes down, and a browser without scripts
    keeps the text rendered here.
    """
    if assignment.state != State.OFFERED:
        return format_html("<span class='muted'>{}</span>", "—")

    late_label = gettext("Late")
    left_template = gettext("%(minutes)s min left")
    deadline = format_html(
        '<time datetime="{}">{}</time>',
        assignment.expires_at.isoformat(),
        local_datetime(timezone.localtime(assignment.expires_at)),
    )
    seconds_left = (assignment.expires_at - now).total_seconds()
    if seconds_left < 0:
        text = late_label
    else:
        text = left_template % {"minutes": int(seconds_left // 60)}
    return format_html(
        '{}<br><strong class="countdown{}" data-expires-ms="{}" data-late="{}" '
        'data-left="{}">{}</strong>',
        deadline,
        " late" if seconds_left < 0 else "",
        int(assignment.expires_at.timestamp() * 1000),
        late_label,
        left_template,
        text,
    )


def state_html(assignment: Assignment) -> str:
    return format_html(
        '<span class="state state-{}">{}</span>',
        assignment.state,
        assignment.get_state_display(),
    )


def lines_html(assignment: Assignment) -> str:
    return format_html_join(
        mark_safe("<br>"),  # noqa: S308 (a constant tag)
        "<code>{}</code> × {}",
        ((line.sku_id, line.quantity) for line in assignment.lines.all()),
    )


def order_url(record: Assignment, table: "AssignmentTable") -> str | None:
    """Return the order page's address, or None for a store user's part that
    was routed again, because routing dropped that store's link to the order."""
    if record.state in REROUTED_STATES and not table.is_hq:
        return None
    return reverse(
        "orders:detail", kwargs={"vtex_order_id": record.order.vtex_order_id}
    )


class AssignmentTable(tables.Table):
    """Assignments from `assignment_rows`. Every sort ends on the primary key so
    that pages do not overlap. Cells carry their column name for the stacked
    layout of narrow screens."""

    id = tables.Column(
        verbose_name="#",
        linkify=("routing:assignment", {"pk": tables.A("pk")}),
        attrs={"td": {"data-label": "#"}},
    )
    order = tables.Column(
        verbose_name=_("Order"),
        accessor="order__vtex_order_id",
        linkify=lambda record, table: order_url(record, table),
        order_by=("order__vtex_order_id", "id"),
        attrs={"td": {"data-label": _("Order")}},
    )
    location = tables.Column(
        verbose_name=_("Location"),
        accessor="location__code",
        order_by=("location__code", "-offered_at", "-id"),
        attrs={"td": {"data-label": _("Location")}},
    )
    items = tables.Column(
        verbose_name=_("Items"),
        accessor="pk",
        orderable=False,
        attrs={"td": {"data-label": _("Items")}},
    )
    value = tables.Column(
        verbose_name=_("Value"),
        order_by=("value", "id"),
        attrs={
            "th": {"class": "number"},
            "td": {"class": "number", "data-label": _("Value")},
        },
    )
    offered_at = tables.DateTimeColumn(
        verbose_name=_("Offered at"),
        format=DATETIME_FORMAT,
        order_by=("offered_at", "id"),
        attrs={"td": {"data-label": _("Offered at")}},
    )
    expires_at = tables.Column(
        verbose_name=_("Accept by"),
        order_by=("expires_at", "id"),
        attrs={"td": {"data-label": _("Accept by")}},
    )
    state = tables.Column(
        verbose_name=_("State"),
        order_by=("state", "-offered_at", "-id"),
        attrs={"td": {"data-label": _("State")}},
    )
    actions = tables.Column(
        verbose_name=_("Actions"),
        accessor="pk",
        orderable=False,
        attrs={"td": {"class": "actions", "data-label": _("Actions")}},
    )

    # The noun `orders/_table.html` counts rows with.
    counted = "assignments"

    class Meta:
        template_name = "orders/_table.html"
        order_by_field = "sort"
        empty_text = _("No assignments match these filters.")
        attrs = {"class": "data-table stacking"}
        row_attrs = {
            "class": lambda record, table: "late" if is_late(record, table.now) else ""
        }

    def __init__(
        self, *args, now: datetime | None = None, is_hq: bool = True, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.now = now or timezone.now()
        self.is_hq = is_hq

    def render_items(self, record):
        return lines_html(record)

    def render_value(self, value):
        return brl(value)

    def render_expires_at(self, record):
        return deadline_html(record, self.now)

    def render_state(self, record):
        return state_html(record)

    def render_actions(self, record):
        actions = assignment_actions(record)
        if not actions:
            return "—"
        context = {
            "assignment": record,
            "actions": actions,
            "forms": action_forms(record, actions, self.request),
            "next": self.request.get_full_path() if self.request else "",
            "compact": True,
        }
        return render_to_string("routing/_actions.html", context, self.request)


def is_late(assignment: Assignment, now: datetime) -> bool:
    return assignment.state == State.OFFERED and assignment.expires_at < now
