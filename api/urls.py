from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny

from api.views import alerts, assignments, finance, orders, preview, routing, stock
from api.views.base import not_found

app_name = "api"

urlpatterns = [
    path(
        "schema/",
        SpectacularAPIView.as_view(permission_classes=[AllowAny]),
        name="schema",
    ),
    path(
        "docs/",
        SpectacularSwaggerView.as_view(
            url_name="api:schema", permission_classes=[AllowAny]
        ),
        name="docs",
    ),
    path("orders/", orders.OrderListView.as_view(), name="orders"),
    path(
        "orders/<str:order_id>/",
        orders.OrderDetailView.as_view(),
        name="order",
    ),
    path("assignments/", assignments.AssignmentListView.as_view(), name="assignments"),
    path(
        "assignments/<int:pk>/",
        assignments.AssignmentDetailView.as_view(),
        name="assignment",
    ),
    path(
        "assignments/<int:pk>/accept/",
        assignments.AssignmentAcceptView.as_view(),
        name="assignment-accept",
    ),
    path(
        "assignments/<int:pk>/reject/",
        assignments.AssignmentRejectView.as_view(),
        name="assignment-reject",
    ),
    path(
        "assignments/<int:pk>/picking/",
        assignments.AssignmentPickingView.as_view(),
        name="assignment-picking",
    ),
    path(
        "assignments/<int:pk>/ready/",
        assignments.AssignmentReadyView.as_view(),
        name="assignment-ready",
    ),
    path(
        "assignments/<int:pk>/ship/",
        assignments.AssignmentShipView.as_view(),
        name="assignment-ship",
    ),
    path(
        "assignments/<int:pk>/invoice/",
        assignments.AssignmentInvoiceView.as_view(),
        name="assignment-invoice",
    ),
    path(
        "locations/<slug:code>/stock/",
        stock.StockPushView.as_view(),
        name="stock-push",
    ),
    path("alerts/", alerts.AlertListView.as_view(), name="alerts"),
    path(
        "alerts/<int:pk>/acknowledge/",
        alerts.AlertAcknowledgeView.as_view(),
        name="alert-acknowledge",
    ),
    path(
        "ledger-entries/", finance.LedgerEntryListView.as_view(), name="ledger-entries"
    ),
    path(
        "ledger-entries/csv/",
        finance.LedgerEntryCsvView.as_view(),
        name="ledger-entries-csv",
    ),
    path("statements/", finance.StatementListView.as_view(), name="statements"),
    path(
        "statements/<int:pk>/",
        finance.StatementDetailView.as_view(),
        name="statement",
    ),
    path(
        "statements/<int:pk>/csv/",
        finance.StatementCsvView.as_view(),
        name="statement-csv",
    ),
    path(
        "finance/preview/",
        preview.SettlementPreviewView.as_view(),
        name="settlement-preview",
    ),
    path("routing/policies/", routing.PolicyListView.as_view(), name="policies"),
    path(
        "routing/policies/<int:pk>/",
        routing.PolicyDetailView.as_view(),
        name="policy",
    ),
    path(
        "routing/simulations/",
        routing.SimulationListView.as_view(),
        name="simulations",
    ),
    path(
        "routing/simulations/start/",
        routing.SimulationStartView.as_view(),
        name="simulation-start",
    ),
    path(
        "routing/simulations/<int:pk>/",
        routing.SimulationDetailView.as_view(),
        name="simulation",
    ),
    # Any other path under /api/v1/ gets the JSON error body, not a page.
    re_path(r"^", not_found, name="not-found"),
]
