"""Statement, period close and reconciliation pages, inside the finance namespace."""

from django.urls import path

from finance import views_reconciliation, views_statements

urlpatterns = [
    path("statements/", views_statements.statement_list, name="statements"),
    path(
        "statements/<int:pk>/",
        views_statements.statement_detail,
        name="statement",
    ),
    path(
        "statements/<int:pk>/entries/",
        views_statements.statement_entry_list,
        name="statement_entries",
    ),
    path(
        "statements/<int:pk>/export.<str:fmt>",
        views_statements.statement_export,
        name="statement_export",
    ),
    path("close/", views_statements.period_close, name="period_close"),
    path(
        "reconciliation/",
        views_reconciliation.reconciliation,
        name="reconciliation",
    ),
    path(
        "reconciliation/suspense/<int:pk>/resolve/",
        views_reconciliation.suspense_resolve_view,
        name="suspense_resolve",
    ),
]
