"""Payout statement pages and exports, and HQ's period close page.

Store roles see only their own legal entities' statements: every view gets
the statement through `statement_for_user_or_404`.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from finance.exports import export_data, statement_csv, statement_pdf, statement_xlsx
from finance.forms_statements import PeriodCloseForm
from finance.models_statements import PayoutStatement, PeriodCloseRun
from finance.selectors_statements import (
    statement_entries,
    statement_for_user_or_404,
    visible_statements,
)
from finance.services.manual import user_may_approve
from finance.services.periods import period_close_run_start
from franchises.access import user_is_hq

PAGE_SIZE = 50
# Recent close runs shown on the close page.
RECENT_RUNS = 20
EXPORTS = {
    "csv": (statement_csv, "text/csv; charset=utf-8"),
    "xlsx": (
        statement_xlsx,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    "pdf": (statement_pdf, "application/pdf"),
}


@login_required
def statement_list(request):
    statements = visible_statements(request.user).order_by(
        "-period__starts_on", "legal_entity__legal_name", "pk"
    )
    status = request.GET.get("status", "")
    if status in PayoutStatement.Status.values:
        statements = statements.filter(status=status)
    page = Paginator(statements, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "finance/statement_list.html",
        {
            "page": page,
            "status": status,
            "statuses": PayoutStatement.Status.choices,
        },
    )


@login_required
def statement_detail(request, pk: int):
    statement = statement_for_user_or_404(request.user, pk=pk)
    return render(
        request,
        "finance/statement_detail.html",
        {
            "statement": statement,
            "lines": statement.lines.all(),
            "events": statement.events.select_related("user"),
        },
    )


@login_required
def statement_entry_list(request, pk: int):
    """The entries behind a statement, optionally of one line's kind and type,
    with their orders."""
    statement = statement_for_user_or_404(request.user, pk=pk)
    entries = statement_entries(request.user, statement)
    kind = request.GET.get("kind")
    entry_type = request.GET.get("entry_type")
    if kind:
        entries = entries.filter(transaction__kind=kind)
    if entry_type:
        entries = entries.filter(entry_type=entry_type)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "finance/statement_entries.html",
        {
            "statement": statement,
            "page": page,
            "kind": kind or "",
            "entry_type": entry_type or "",
        },
    )


@login_required
def statement_export(request, pk: int, fmt: str):
    if fmt not in EXPORTS:
        raise Http404("No such export format.")
    statement = statement_for_user_or_404(request.user, pk=pk)
    render_export, content_type = EXPORTS[fmt]
    data = export_data(statement, statement_entries(request.user, statement))
    response = HttpResponse(render_export(data), content_type=content_type)
    name = f"statement-{statement.legal_entity.cnpj}-{statement.period.starts_on}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def period_close(request):
    """HQ's page to follow period closes; HQ finance starts them here."""
    if not user_is_hq(request.user):
        raise Http404("No such page.")
    form = PeriodCloseForm(request.POST or None)
    if request.method == "POST" and not user_may_approve(request.user):
        form.add_error(
            None, _("Only HQ finance may close periods; ask an HQ finance user.")
        )
    elif request.method == "POST" and form.is_valid():
        run = period_close_run_start(
            cutoff=form.cleaned_data["cutoff"], requested_by=request.user
        )
        messages.success(
            request,
            _("Period close %(run)s queued for periods ending on or before %(cutoff)s.")
            % {"run": run.pk, "cutoff": run.cutoff.strftime("%d/%m/%Y")},
        )
        return redirect("finance:period_close")
    runs = PeriodCloseRun.objects.select_related("requested_by")[:RECENT_RUNS]
    running = any(
        run.status in (PeriodCloseRun.Status.QUEUED, PeriodCloseRun.Status.RUNNING)
        for run in runs
    )
    return render(
        request,
        "finance/period_close.html",
        {"form": form, "runs": runs, "running": running},
    )
