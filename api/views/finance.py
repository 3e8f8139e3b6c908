"""Ledger entries and payout statements, read through finance's selectors,
with CSV exports."""

import csv

from django.http import HttpResponse, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema

from api.filters import LedgerEntryFilter, StatementFilter
from api.serializers import LedgerEntrySerializer, StatementSerializer
from api.views.base import ApiDetailView, ApiListView, ApiView
from finance.exports import export_data, spreadsheet_safe, statement_csv
from finance.selectors import visible_entries
from finance.selectors_statements import (
    statement_entries,
    statement_for_user_or_404,
    visible_statements,
)

CSV_RESPONSE = OpenApiResponse(OpenApiTypes.BINARY, description="text/csv")


def _entries(user):
    return visible_entries(user).select_related(
        "transaction__order", "account__legal_entity", "location"
    )


@extend_schema(tags=["finance"])
class LedgerEntryListView(ApiListView):
    serializer_class = LedgerEntrySerializer
    filterset_class = LedgerEntryFilter

    def get_queryset(self):
        return _entries(self.request.user)


class _Echo:
    def write(self, value):
        return value


ENTRY_COLUMNS = [
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


@extend_schema(
    tags=["finance"],
    summary="Export the filtered ledger entries as CSV",
    responses={(200, "text/csv"): CSV_RESPONSE},
)
class LedgerEntryCsvView(ApiListView):
    """Streams every matching entry, oldest first, without pagination, as
    comma-separated UTF-8 with a decimal point (for programs, unlike the
    statement export, which is for spreadsheets in pt-BR)."""

    serializer_class = LedgerEntrySerializer
    filterset_class = LedgerEntryFilter
    pagination_class = None

    def get_queryset(self):
        return _entries(self.request.user).order_by("id")

    def list(self, request, *args, **kwargs):
        entries = self.filter_queryset(self.get_queryset())
        writer = csv.writer(_Echo())

        def rows():
            yield writer.writerow(ENTRY_COLUMNS)
            for entry in entries.iterator(chunk_size=2000):
                transaction = entry.transaction
                yield writer.writerow(
                    [
                        entry.pk,
                        entry.transaction_id,
                        transaction.kind,
                        transaction.occurred_at.isoformat(),
                        transaction.order.vtex_order_id if transaction.order else "",
                        entry.account.legal_entity.cnpj,
                        entry.account.purpose,
                        entry.location.code if entry.location else "",
                        entry.period_id,
                        spreadsheet_safe(entry.entry_type),
                        f"{entry.debit:.2f}",
                        f"{entry.credit:.2f}",
                    ]
                )

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="ledger-entries.csv"'
        return response


@extend_schema(tags=["finance"])
class StatementListView(ApiListView):
    serializer_class = StatementSerializer
    filterset_class = StatementFilter

    def get_queryset(self):
        return visible_statements(self.request.user)


@extend_schema(tags=["finance"])
class StatementDetailView(ApiDetailView):
    serializer_class = StatementSerializer

    def get_object(self):
        return statement_for_user_or_404(self.request.user, pk=self.kwargs["pk"])


@extend_schema(
    tags=["finance"],
    summary="Export a statement as CSV, as the statement page does",
    responses={(200, "text/csv"): CSV_RESPONSE},
)
class StatementCsvView(ApiView):
    def get(self, request, pk):
        statement = statement_for_user_or_404(request.user, pk=pk)
        data = export_data(statement, statement_entries(request.user, statement))
        response = HttpResponse(
            statement_csv(data), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="statement-{statement.pk}.csv"'
        )
        return response
