"""Portal pages for orders: the list, one order, and the quarantine list."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Prefetch, prefetch_related_objects
from django.db.models.functions import Length, Substr
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from franchises.access import (
    order_for_user_or_404,
    user_is_hq,
    visible_locations,
    visible_orders_for_list,
)
from orders.filters import OrderFilter
from orders.models import OrderLocation, QuarantinedDocument
from orders.services.locations import pickup_point_keys
from orders.tables import OrderTable, order_table_rows

PAGE_SIZE = 50
# A stored payload may reach a million characters, so the list shows the start
# of each and the admin shows it whole.
PAYLOAD_PREVIEW_CHARACTERS = 20_000
# Newest first, as the model orders. Named here so the column header marks it.
DEFAULT_SORT = ["-creation_date"]

# `totals` ids in the order VTEX lists them. Other ids follow, sorted by id.
TOTAL_LABELS = {
    "Items": _("Items"),
    "Discounts": _("Discounts"),
    "Shipping": _("Shipping"),
    "Tax": _("Tax"),
}


@login_required
def order_list(request):
    orders = visible_orders_for_list(request.user)
    filterset = OrderFilter(request.GET, queryset=orders)

    # An invalid filter lists nothing, so the page never shows rows that look
    # filtered but are not. The form shows the error beside the field.
    rows = filterset.qs if filterset.is_valid() else orders.none()
    table = OrderTable(order_table_rows(rows))
    # Unknown column names are dropped by the table, leaving the model's order.
    table.order_by = request.GET.getlist(table.order_by_field) or DEFAULT_SORT
    paginate(request, table)

    return render(
        request, "orders/order_list.html", {"filter": filterset, "table": table}
    )


def paginate(request, table) -> None:
    """Paginate by PAGE_SIZE, showing page 1 for a non-number, the last page past
    the end. Unlike RequestConfig, the page size is not taken from the query."""
    table.request = request
    try:
        table.paginate(page=request.GET.get(table.page_field, 1), per_page=PAGE_SIZE)
    except PageNotAnInteger:
        table.page = table.paginator.page(1)
    except EmptyPage:
        table.page = table.paginator.page(table.paginator.num_pages)


@login_required
def order_detail(request, vtex_order_id):
    # Imported here because routing's views import this module.
    from routing.views import routing_decision_context

    order = order_for_user_or_404(request.user, vtex_order_id=vtex_order_id)
    prefetch_related_objects(
        [order],
        "items",
        "totals",
        "payments",
        "packages",
        "status_changes",
        Prefetch("location_links", queryset=visible_links(request.user)),
    )
    is_hq = user_is_hq(request.user)

    context = {
        "order": order,
        "items": item_rows(request.user, order),
        "totals": sorted_totals(order),
        "is_hq": is_hq,
        "routing": routing_decision_context(
            order.routing_decisions.select_related("policy").last(), request.user
        ),
    }
    return render(request, "orders/order_detail.html", context)


def visible_links(user):
    """Return links to the locations the user may see, so a store is not shown
    which other stores share a split order."""
    links = OrderLocation.objects.select_related("location").order_by(
        "location__code", "reason"
    )
    if user_is_hq(user):
        return links
    return links.filter(location__in=visible_locations(user))


def sorted_totals(order) -> list[dict]:
    known = list(TOTAL_LABELS)
    totals = sorted(
        order.totals.all(),
        key=lambda total: (
            known.index(total.total_id) if total.total_id in known else len(known),
            total.total_id,
        ),
    )
    return [
        {
            "id": total.total_id,
            "label": TOTAL_LABELS.get(total.total_id, total.name or total.total_id),
            "value": total.value,
        }
        for total in totals
    ]


def item_rows(user, order) -> list[dict]:
    """Pair each item with the visible location that ships it or hands it over.

    A location the user may not see is left out and its VTEX id is shown instead.
    So a store does not learn which other store fulfils part of a split order.
    """
    items = list(order.items.all())
    warehouse_ids = {item.warehouse_id for item in items if item.warehouse_id}
    pickup_keys = set()
    for item in items:
        if item.pickup_point_id:
            pickup_keys |= pickup_point_keys(item.pickup_point_id)

    by_warehouse = {}
    by_pickup_point = {}
    if warehouse_ids or pickup_keys:
        locations = visible_locations(user).filter(
            vtex_warehouse_id__in=warehouse_ids
        ) | visible_locations(user).filter(vtex_pickup_point_id__in=pickup_keys)
        for location in locations:
            if location.vtex_warehouse_id:
                by_warehouse.setdefault(location.vtex_warehouse_id, location)
            if location.vtex_pickup_point_id:
                by_pickup_point.setdefault(location.vtex_pickup_point_id, location)

    rows = []
    for item in items:
        pickup_point = None
        if item.pickup_point_id:
            # The whole VTEX id first, then the point id after `{sellerId}_`.
            keys = sorted(
                pickup_point_keys(item.pickup_point_id), key=len, reverse=True
            )
            pickup_point = next(
                (by_pickup_point[key] for key in keys if key in by_pickup_point), None
            )
        rows.append(
            {
                "item": item,
                "warehouse": by_warehouse.get(item.warehouse_id),
                "pickup_point": pickup_point,
            }
        )
    return rows


@login_required
def quarantine_list(request):
    # 404 rather than 403, so a store user does not learn that the page exists.
    if not user_is_hq(request.user):
        raise Http404("No such page.")

    documents = (
        QuarantinedDocument.objects.defer("payload")
        .annotate(
            payload_head=Substr("payload", 1, PAYLOAD_PREVIEW_CHARACTERS),
            payload_length=Length("payload"),
        )
        .order_by("-updated_at", "-id")
    )
    paginator = Paginator(documents, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))

    context = {"page": page, "preview_characters": PAYLOAD_PREVIEW_CHARACTERS}
    return render(request, "orders/quarantine_list.html", context)
