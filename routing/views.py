"""Portal pages of routing: the store queue, one assignment, its actions, HQ's
exception queue and assignment search, and the routing decision display."""

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, OuterRef, Prefetch, Q, Subquery, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from franchises.access import (
    assignment_for_user_or_404,
    user_is_hq,
    visible_assignments,
    visible_locations,
    visible_orders,
)
from franchises.cnpj import cnpj_mask
from franchises.models import Location
from orders.models import Order, OrderItem
from orders.templatetags.orders_display import brl
from orders.views import paginate
from routing.filters import (
    AWAITING_INVOICE_STATES,
    EXPIRING_WINDOW,
    AssignmentSearchFilter,
    QueueFilter,
)
from routing.forms import NAMES_FIELD, ManualAssignForm, RerouteForm
from routing.models import (
    Assignment,
    AssignmentEvent,
    AssignmentLine,
    RoutingCase,
    RoutingDecision,
)
from routing.services.assignments import (
    ORDER_CANCELED_REASON,
    TransitionError,
    assignment_accept,
    assignment_mark_delivered,
    assignment_mark_invoiced,
    assignment_mark_ready,
    assignment_mark_shipped,
    assignment_order_canceled,
    assignment_reject,
    assignment_start_picking,
)
from routing.services.nfe import invoice_range
from routing.services.routing import (
    manual_shortages,
    order_assign_manually,
    order_reroute,
)
from routing.tables import (
    ACTION_FORMS,
    REROUTED_STATES,
    AssignmentTable,
    action_form,
    action_forms,
    assignment_actions,
    assignment_rows,
    deadline_html,
    failed_form_save,
    state_html,
)

logger = logging.getLogger(__name__)

State = Assignment.State
PAGE_SIZE = 50
# Newest offers first. Set on the table as well as on the model, so that the
# column header shows the sort.
DEFAULT_SORT = ["-offered_at"]
# `RoutingDecision.triggered_by` of a re-route that HQ starts from the page.
HQ_REROUTE = "hq_reroute"


@dataclass(frozen=True)
class Action:
    service: Callable[..., Assignment]
    success: str


# Each portal action: the service it calls and the message on success. Actions
# with input validate a form from `routing.tables.ACTION_FORMS` first, whose
# field names are the service's keyword arguments.
ACTIONS = {
    "accept": Action(assignment_accept, gettext_lazy("Order %(order)s accepted.")),
    "reject": Action(
        assignment_reject,
        gettext_lazy("Order %(order)s rejected; it will be routed again."),
    ),
    "pick": Action(
        assignment_start_picking, gettext_lazy("Picking started for order %(order)s.")
    ),
    "ready": Action(
        assignment_mark_ready, gettext_lazy("Order %(order)s is ready for pickup.")
    ),
    "ship": Action(
        assignment_mark_shipped, gettext_lazy("Order %(order)s marked as shipped.")
    ),
    "invoice": Action(
        assignment_mark_invoiced,
        gettext_lazy("Invoice recorded for order %(order)s."),
    ),
    "deliver": Action(
        assignment_mark_delivered,
        gettext_lazy("Order %(order)s marked as delivered."),
    ),
}

# `AssignmentEvent.details` keys as the timeline names them.
EVENT_DETAIL_LABELS = {
    "reason": gettext_lazy("Reason"),
    "note": gettext_lazy("Note"),
    "carrier": gettext_lazy("Carrier"),
    "tracking_number": gettext_lazy("Tracking number"),
    "invoice_number": gettext_lazy("NF-e number"),
    "invoice_key": gettext_lazy("NF-e key"),
    "missing_sku_ids": gettext_lazy("Out-of-stock SKUs"),
}
# `AssignmentEvent.details["reason"]` values other than rejection reasons.
EVENT_REASON_LABELS = {
    ORDER_CANCELED_REASON: gettext_lazy("Order canceled at VTEX"),
}


# Names of policy steps and engine stages (`RoutingDecision.deciding_step`,
# a candidate's `rejected_by`) as pages show them; unknown names show as stored.
STEP_LABELS = {
    "excluded": gettext_lazy("Locations that turned the order down"),
    "status": gettext_lazy("Location status"),
    "delivery_capability": gettext_lazy("Delivery capability"),
    "stock": gettext_lazy("Stock"),
    "max_distance": gettext_lazy("Maximum distance"),
    "meets_promise": gettext_lazy("Delivery promise"),
    "capacity": gettext_lazy("Capacity"),
    "same_region": gettext_lazy("Same region"),
    "distance": gettext_lazy("Distance"),
    "performance": gettext_lazy("Store performance"),
    "fairness": gettext_lazy("Fairness"),
    "stock_balance": gettext_lazy("Stock balance"),
    "cost": gettext_lazy("Cost"),
    "fixed_rank": gettext_lazy("Fixed ranking"),
    "split_search": gettext_lazy("Split search"),
    "pickup_location": gettext_lazy("Pickup location chosen by the customer"),
    "prefer_fewer_parts": gettext_lazy("Fewer parts"),
    "tie_break_distance": gettext_lazy("Tie broken by distance"),
    "tie_break_code": gettext_lazy("Tie broken by location code"),
    "only_candidate": gettext_lazy("Only candidate left"),
    "manual": gettext_lazy("Assigned by HQ"),
}


def step_label(name: str | None) -> str:
    return str(STEP_LABELS.get(name, name or ""))


def hq_only(request) -> None:
    # 404 rather than 403, so a store user does not learn that the page exists.
    if not user_is_hq(request.user):
        raise Http404("No such page.")


# Store queue and assignment pages


@login_required
def assignment_queue(request):
    assignments = visible_assignments(request.user)
    filterset = QueueFilter(request.GET, queryset=assignments)
    now = timezone.now()

    # An invalid filter lists nothing, as in the order list.
    rows = filterset.qs if filterset.is_valid() else assignments.none()
    table = AssignmentTable(
        assignment_rows(rows),
        now=now,
        is_hq=user_is_hq(request.user),
        exclude=hidden_columns(request.user),
    )
    table.order_by = request.GET.getlist(table.order_by_field) or DEFAULT_SORT
    paginate(request, table)

    context = {
        "filter": filterset,
        "table": table,
        "counters": queue_counters(assignments, now),
    }
    return render(request, "routing/queue.html", context)


def hidden_columns(user) -> tuple[str, ...]:
    """Return the columns to hide: the location column for a user of a single
    store, where it would repeat one name on every row of a phone screen."""
    if user_is_hq(user):
        return ()
    if visible_locations(user)[:2].count() > 1:
        return ()
    return ("location",)


def queue_counters(assignments, now: datetime) -> dict[str, int]:
    """Count the queue's assignments by what the store must do next, in one
    query."""
    offered = Q(state=State.OFFERED)
    return assignments.aggregate(
        offered=Count("pk", filter=offered),
        expiring=Count(
            "pk",
            filter=offered
            & Q(expires_at__gte=now, expires_at__lt=now + EXPIRING_WINDOW),
        ),
        late=Count("pk", filter=offered & Q(expires_at__lt=now)),
        accepted=Count("pk", filter=Q(state=State.ACCEPTED)),
        picking=Count("pk", filter=Q(state=State.PICKING)),
        awaiting_invoice=Count("pk", filter=Q(state__in=AWAITING_INVOICE_STATES)),
    )


@login_required
def assignment_detail(request, pk):
    assignment = assignment_for_user_or_404(request.user, pk=pk)
    assignment = (
        assignment_rows(Assignment.objects.filter(pk=assignment.pk))
        .select_related("decision__policy")
        .prefetch_related(
            Prefetch("events", queryset=AssignmentEvent.objects.select_related("user"))
        )
        .get()
    )
    canceled_order = assignment_order_canceled(assignment)
    actions = assignment_actions(assignment)
    is_hq = user_is_hq(request.user)
    rerouted = assignment.state in REROUTED_STATES

    # A part that left the store shows, to the store, only its own record: no
    # decision (it names the stores chosen with it) and no link to an order it
    # may no longer see. HQ sees the decision that routed the part again.
    decision = assignment.decision
    if rerouted:
        decision = reroute_decision(assignment) if is_hq else None
    forms = action_forms(assignment, actions, request)
    if "invoice" in forms:
        forms["invoice"].fields["invoice_value"].help_text = invoice_value_help(
            assignment
        )
    context = {
        "assignment": assignment,
        "lines": line_rows(assignment),
        "events": event_rows(assignment.events.all()),
        "actions": actions,
        "forms": forms,
        "state": state_html(assignment),
        "deadline": deadline_html(assignment, timezone.now()),
        "routing": routing_decision_context(decision, request.user),
        "rerouted": rerouted,
        "successors": successor_assignments(assignment) if rerouted and is_hq else [],
        "is_hq": is_hq,
        "issuer_mismatch": issuer_mismatch(assignment) if is_hq else None,
        "canceled_order": canceled_order,
        "order_visible": is_hq
        or visible_orders(request.user).filter(pk=assignment.order_id).exists(),
    }
    return render(request, "routing/assignment_detail.html", context)


def invoice_value_help(assignment: Assignment) -> str:
    accepted = invoice_range(assignment=assignment)
    return _(
        "Between %(low)s and %(high)s: the items, with or without their freight share."
    ) % {"low": brl(accepted.low), "high": brl(accepted.high)}


def issuer_mismatch(assignment: Assignment) -> dict | None:
    """Return both CNPJs, masked, when the NF-e was issued under another CNPJ
    than the location's legal entity."""
    if not assignment.invoice_issuer_mismatch:
        return None
    return {
        "issuer": cnpj_mask(assignment.invoice_issuer_cnpj),
        "location": assignment.location.legal_entity.cnpj_masked,
    }


def reroute_decision(assignment: Assignment) -> RoutingDecision | None:
    """Return the first decision taken on the order after the part closed:
    the one that routed it again, or HQ's later action when none did."""
    return (
        RoutingDecision.objects.filter(
            order_id=assignment.order_id, created_at__gte=assignment.closed_at
        )
        .select_related("policy")
        .order_by("created_at", "id")
        .first()
    )


def successor_assignments(assignment: Assignment) -> list[Assignment]:
    """Return the order's assignments offered after this part closed, for HQ."""
    return list(
        Assignment.objects.filter(
            order_id=assignment.order_id, offered_at__gte=assignment.closed_at
        )
        .select_related("location")
        .order_by("offered_at", "id")
    )


def line_rows(assignment: Assignment) -> list[dict]:
    """Pair each line with its order item, matched by VTEX item index. A line
    whose item a later refresh of the order no longer lists gets None."""
    items = {
        item.item_index: item
        for item in OrderItem.objects.filter(order_id=assignment.order_id).only(
            "item_index", "name", "selling_price"
        )
    }
    return [
        {"line": line, "item": items.get(line.item_index)}
        for line in assignment.lines.all()
    ]


def event_rows(events) -> list[dict]:
    """Pair each event with the labels of its states and of its details."""
    reject_reasons = dict(Assignment.RejectReason.choices)
    rows = []
    for event in events:
        details = []
        for key, value in (event.details or {}).items():
            if value in ("", None, []):
                continue
            if key == "reason":
                value = reject_reasons.get(value) or EVENT_REASON_LABELS.get(
                    value, value
                )
            elif isinstance(value, list):
                value = ", ".join(str(part) for part in value)
            details.append((EVENT_DETAIL_LABELS.get(key, key), value))
        # An entry that keeps the state, such as the flag of a canceled
        # order, shows the state once.
        same_state = event.from_state == event.to_state
        rows.append(
            {
                "event": event,
                "from_label": "" if same_state else state_label(event.from_state),
                "to_label": state_label(event.to_state),
                "details": details,
            }
        )
    return rows


def state_label(state: str) -> str:
    if not state:
        return ""
    try:
        return State(state).label
    except ValueError:
        return state


@login_required
@require_POST
def assignment_action(request, pk, action):
    # The access check comes first, so another store's assignment is a 404
    # whatever the action and the form hold.
    assignment = assignment_for_user_or_404(request.user, pk=pk)
    if action not in ACTIONS:
        raise Http404("No such action.")
    order_id = assignment.order.vtex_order_id
    back = redirect_target(request, assignment)

    arguments = {}
    if action in ACTION_FORMS:
        form = action_form(action, assignment, request.POST)
        if not form.is_valid():
            failed_form_save(request, assignment, action, request.POST)
            messages.error(
                request,
                _("Order %(order)s was not changed: %(errors)s")
                % {"order": order_id, "errors": form_errors_text(form)},
            )
            return redirect(back)
        arguments = form.cleaned_data

    try:
        moved = ACTIONS[action].service(
            assignment=assignment, user=request.user, **arguments
        )
    except TransitionError as error:
        logger.info(
            "Assignment %s of order %s: %s by user %s failed: %s",
            assignment.pk,
            order_id,
            action,
            request.user.pk,
            error,
        )
        messages.error(request, str(error))
        return redirect(back)

    logger.info(
        "Assignment %s of order %s: %s by user %s",
        assignment.pk,
        order_id,
        action,
        request.user.pk,
    )
    messages.success(request, ACTIONS[action].success % {"order": order_id})
    if getattr(moved, "invoice_issuer_mismatch", False):
        messages.warning(
            request,
            _(
                "The NF-e key was issued by CNPJ %(issuer)s, not by your company's "
                "CNPJ %(own)s. HQ finance will check it; if the key is wrong, "
                "tell HQ."
            )
            % {
                "issuer": cnpj_mask(moved.invoice_issuer_cnpj),
                "own": cnpj_mask(moved.location.legal_entity.cnpj),
            },
        )
    return redirect(back)


def redirect_target(request, assignment: Assignment) -> str:
    """Return the page the action was posted from when it is on this site, and
    the assignment's page otherwise."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("routing:assignment", kwargs={"pk": assignment.pk})


def form_errors_text(form) -> str:
    """Join a form's errors, each after its field's label unless the error
    names its field itself (code NAMES_FIELD, as "Invalid NF-e key: ...")."""
    parts = []
    for name, errors in form.errors.as_data().items():
        label = form.fields[name].label if name in form.fields else ""
        text = " ".join(" ".join(error.messages) for error in errors)
        if label and any(error.code != NAMES_FIELD for error in errors):
            text = f"{label}: {text}"
        parts.append(text)
    return " ".join(parts)


# HQ pages


@login_required
def assignment_search(request):
    hq_only(request)
    assignments = Assignment.objects.all()
    filterset = AssignmentSearchFilter(request.GET, queryset=assignments)

    rows = filterset.qs if filterset.is_valid() else assignments.none()
    table = AssignmentTable(assignment_rows(rows), exclude=("actions",))
    table.order_by = request.GET.getlist(table.order_by_field) or DEFAULT_SORT
    paginate(request, table)

    return render(request, "routing/search.html", {"filter": filterset, "table": table})


@login_required
def exception_queue(request):
    hq_only(request)
    last_decision = RoutingDecision.objects.filter(order=OuterRef("order")).order_by(
        "-created_at", "-id"
    )
    cases = (
        RoutingCase.objects.filter(status=RoutingCase.Status.EXCEPTION)
        .select_related("order")
        .only("order__vtex_order_id", "order__total", "status", "reason", "updated_at")
        .annotate(
            last_reason=Subquery(last_decision.values("reason")[:1]),
            last_step=Subquery(last_decision.values("deciding_step")[:1]),
            last_decided_at=Subquery(last_decision.values("created_at")[:1]),
        )
        .order_by("-updated_at", "-id")
    )
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))

    cases_on_page = list(page.object_list)
    lines = unassigned_lines([case.order_id for case in cases_on_page])
    assign_choices, exclude_choices = location_choices()
    rows = [
        {
            "case": case,
            "lines": lines.get(case.order_id, []),
            "assign_form": ManualAssignForm(
                location_choices=assign_choices, auto_id=f"c{case.pk}-assign-%s"
            ),
            "reroute_form": RerouteForm(
                location_choices=exclude_choices, auto_id=f"c{case.pk}-reroute-%s"
            ),
        }
        for case in cases_on_page
    ]
    return render(request, "routing/exceptions.html", {"page": page, "rows": rows})


def location_choices() -> tuple[list, list]:
    """Return the choices for manual assignment (active locations) and for
    exclusion (every location), from one query."""
    locations = Location.objects.order_by("code").values_list(
        "pk", "code", "name", "status"
    )
    assign, exclude = [], []
    for pk, code, name, status in locations:
        label = f"{code} · {name}"
        exclude.append((pk, label))
        if status == Location.Status.ACTIVE:
            assign.append((pk, label))
    return assign, exclude


def unassigned_lines(order_ids: list[int]) -> dict[int, list[dict]]:
    """Return, per order, the item quantities that no live assignment covers,
    in two queries for any number of orders."""
    assigned = defaultdict(int)
    covered = (
        AssignmentLine.objects.filter(
            assignment__order_id__in=order_ids,
            assignment__state__in=Assignment.LIVE_STATES,
        )
        .values_list("assignment__order_id", "item_index")
        .annotate(quantity=Sum("quantity"))
        .order_by()
    )
    for order_id, item_index, quantity in covered:
        assigned[(order_id, item_index)] = quantity

    lines = defaultdict(list)
    items = (
        OrderItem.objects.filter(order_id__in=order_ids)
        .order_by("order_id", "item_index")
        .values_list("order_id", "item_index", "sku_id", "name", "quantity")
    )
    for order_id, item_index, sku_id, name, quantity in items:
        left = quantity - assigned[(order_id, item_index)]
        if left > 0:
            lines[order_id].append(
                {
                    "item_index": item_index,
                    "sku_id": sku_id,
                    "name": name,
                    "quantity": left,
                }
            )
    return lines


def exception_case_or_404(pk: int) -> RoutingCase:
    return get_object_or_404(RoutingCase.objects.select_related("order"), pk=pk)


@login_required
@require_POST
def exception_assign(request, pk):
    hq_only(request)
    case = exception_case_or_404(pk)
    order_id = case.order.vtex_order_id
    assign_choices, _exclude = location_choices()
    form = ManualAssignForm(request.POST, location_choices=assign_choices)
    if not form.is_valid():
        messages.error(
            request,
            _("Order %(order)s was not changed: %(errors)s")
            % {"order": order_id, "errors": form_errors_text(form)},
        )
        return redirect("routing:exceptions")
    location_id = form.cleaned_data["location"]

    shortages = []
    with transaction.atomic():
        lines = locked_unassigned_lines(case)
        if lines:
            shortages = manual_shortages(
                order_id=case.order_id, location_id=location_id, lines=lines
            )
            order_assign_manually(
                order_id=case.order_id,
                location_id=location_id,
                lines=lines,
                user=request.user,
            )
    if not lines:
        logger.info("Order %s: nothing left to assign by hand", order_id)
        messages.error(request, nothing_to_route_message(order_id))
        return redirect("routing:exceptions")

    location = dict(assign_choices)[location_id]
    logger.info(
        "Order %s: %d line(s) assigned by hand to location %s by user %s",
        order_id,
        len(lines),
        location_id,
        request.user.pk,
    )
    messages.success(
        request,
        _("Order %(order)s offered to %(location)s.")
        % {"order": order_id, "location": location},
    )
    for sku, available, requested in shortages:
        messages.warning(
            request,
            ngettext(
                "%(location)s has %(available)s of the %(asked)s unit of SKU "
                "%(sku)s available; the store may reject the part as out of stock.",
                "%(location)s has %(available)s of the %(asked)s units of SKU "
                "%(sku)s available; the store may reject the part as out of stock.",
                requested,
            )
            % {
                "location": location,
                "available": available,
                "asked": requested,
                "sku": sku,
            },
        )
    return redirect("routing:exceptions")


@login_required
@require_POST
def exception_reroute(request, pk):
    hq_only(request)
    case = exception_case_or_404(pk)
    order_id = case.order.vtex_order_id
    _assign, exclude_choices = location_choices()
    form = RerouteForm(request.POST, location_choices=exclude_choices)
    if not form.is_valid():
        messages.error(
            request,
            _("Order %(order)s was not changed: %(errors)s")
            % {"order": order_id, "errors": form_errors_text(form)},
        )
        return redirect("routing:exceptions")
    exclusions = frozenset(form.cleaned_data["exclude"])

    with transaction.atomic():
        lines = locked_unassigned_lines(case)
        outcome = None
        if lines:
            outcome = order_reroute(
                order_id=case.order_id,
                lines=lines,
                triggered_by=HQ_REROUTE,
                user=request.user,
                extra_exclusions=exclusions,
            )
    if outcome is None:
        logger.info("Order %s: nothing left to re-route", order_id)
        messages.error(request, nothing_to_route_message(order_id))
        return redirect("routing:exceptions")

    logger.info(
        "Order %s re-routed by user %s excluding %s: %s",
        order_id,
        request.user.pk,
        sorted(exclusions),
        outcome,
    )
    if outcome == RoutingCase.Status.ROUTED:
        messages.success(
            request, _("Order %(order)s routed again.") % {"order": order_id}
        )
    else:
        case.refresh_from_db(fields=["reason"])
        messages.warning(
            request,
            _("Order %(order)s still has no feasible location: %(reason)s")
            % {"order": order_id, "reason": routing_reason_text(case.reason)},
        )
    return redirect("routing:exceptions")


def routing_reason_text(text: str) -> str:
    from routing.explanations import translate_reason

    return translate_reason(text)


def locked_unassigned_lines(case: RoutingCase) -> list[tuple[int, int]]:
    """Lock the order, then read its unassigned lines, so that two HQ users
    acting on one case cannot offer the same lines twice. Returns [] when the
    case has left the exception queue meanwhile. Call inside a transaction."""
    Order.objects.select_for_update().only("pk").get(pk=case.order_id)
    still_exception = RoutingCase.objects.filter(
        pk=case.pk, status=RoutingCase.Status.EXCEPTION
    ).exists()
    if not still_exception:
        return []
    lines = unassigned_lines([case.order_id]).get(case.order_id, [])
    return [(line["item_index"], line["quantity"]) for line in lines]


def nothing_to_route_message(order_id: str) -> str:
    return _(
        "Order %(order)s has no unassigned lines or has left the exception queue; "
        "reload the page."
    ) % {"order": order_id}


# Routing decision display


def routing_decision_context(decision: RoutingDecision | None, user) -> dict:
    """Build the context of `routing/_decision.html`. Its template tag builds
    the candidate table for HQ and, for a store user, only the explanation,
    which leaves out other stores' figures (`routing.explanations`)."""
    if decision is None:
        return {"decision": None}
    return {
        "decision": decision,
        "is_hq": user_is_hq(user),
        "explanation": routing_explanation(decision, user),
        "deciding_step": step_label(decision.deciding_step),
    }


def routing_explanation(decision: RoutingDecision, user) -> str:
    """Say where the order went and why; see `routing.explanations`."""
    from routing.explanations import decision_explanation

    return decision_explanation(decision, user)


def own_store_outcomes(candidates: list[dict], own_ids: set[int], names) -> list[str]:
    # Finalists are stored by rank, chosen ones first.
    finalists = [c for c in candidates if c.get("finalist")]
    ranks = {c["location_id"]: rank for rank, c in enumerate(finalists, start=1)}
    sentences = []
    for candidate in candidates:
        if candidate["location_id"] not in own_ids:
            continue
        store = candidate.get("code") or names.get(candidate["location_id"], "")
        if candidate.get("chosen"):
            outcome = _("chosen")
        elif candidate.get("rejected_by"):
            outcome = _("excluded by the step “%(step)s”: %(reason)s") % {
                "step": step_label(candidate["rejected_by"]),
                "reason": candidate.get("rejected_reason") or "—",
            }
        elif candidate["location_id"] in ranks:
            outcome = _("ranked %(rank)d of %(count)d") % {
                "rank": ranks[candidate["location_id"]],
                "count": len(finalists),
            }
        else:
            outcome = _("not a finalist")
        sentences.append(
            _("Your store %(store)s: %(outcome)s.")
            % {"store": store, "outcome": outcome}
        )
    if not sentences and candidates:
        sentences.append(_("Your store was not among the candidates."))
    return sentences
