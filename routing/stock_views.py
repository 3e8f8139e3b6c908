"""HQ's stock upload page: a CSV file in, a summary or the list of errors out.
Large files go to a background import, whose page shows progress and result."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from franchises.access import user_is_hq
from routing.models import StockImport
from routing.services.stock_import import (
    MAX_DATA_ROWS,
    MAX_FILE_BYTES,
    RowError,
    StockImportResult,
)
from routing.services.stock_import_jobs import (
    stock_csv_upload,
    stock_imports_fail_stale,
)

# Errors listed on the page. A file with more gets a count of the rest, since
# a table of 200,000 rows would not help anyone fix the file.
MAX_SHOWN_ERRORS = 1000
# Seconds between reloads of a background import's page while it runs.
REFRESH_SECONDS = 3


class StockUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = gettext(
            "UTF-8 text with columns separated by commas or semicolons, at most "
            "%(megabytes)d MB and %(rows)s rows."
        ) % {
            "megabytes": MAX_FILE_BYTES // (1024 * 1024),
            "rows": number_format(MAX_DATA_ROWS, force_grouping=True),
        }


def stock_import_context(form: StockUploadForm, result: StockImportResult | None):
    """Template context shared by the portal page and the admin page."""
    errors = result.errors if result else []
    return {
        "form": form,
        "errors": errors[:MAX_SHOWN_ERRORS],
        "error_count": len(errors),
        "hidden_error_count": max(0, len(errors) - MAX_SHOWN_ERRORS),
    }


def stock_import_summary(result: StockImportResult) -> str:
    rows = ngettext(
        "Imported %(count)d stock row",
        "Imported %(count)d stock rows",
        result.rows_imported,
    ) % {"count": result.rows_imported}
    locations = ngettext(
        "%(count)d location", "%(count)d locations", result.locations
    ) % {"count": result.locations}
    skus = ngettext("%(count)d SKU", "%(count)d SKUs", result.skus) % {
        "count": result.skus
    }
    return f"{rows}: {locations}, {skus}."


@login_required
def stock_upload(request):
    if not user_is_hq(request.user):
        raise Http404("No such page.")

    if request.method == "POST":
        form = StockUploadForm(request.POST, request.FILES)
    else:
        form = StockUploadForm()
    result = None
    if form.is_bound and form.is_valid():
        result = stock_csv_upload(file=form.cleaned_data["file"], user=request.user)
        if isinstance(result, StockImport):
            return redirect("routing_stock:import", pk=result.pk)
        if result.ok:
            messages.success(request, stock_import_summary(result))
            return redirect("routing_stock:upload")

    context = stock_import_context(form, result)
    return render(request, "routing/stock_upload.html", context)


@login_required
def stock_import_detail(request, pk):
    """Show the progress and outcome of a background stock import."""
    if not user_is_hq(request.user):
        raise Http404("No such page.")
    stock_imports_fail_stale()
    job = get_object_or_404(StockImport.objects.defer("content"), pk=pk)

    errors = [RowError(**error) for error in job.errors]
    percent = job.rows_written * 100 // job.rows_total if job.rows_total else 0
    context = {
        "job": job,
        "percent": 100 if job.status == StockImport.Status.DONE else percent,
        "refresh_seconds": None if job.is_finished else REFRESH_SECONDS,
        "summary": stock_import_summary(
            StockImportResult(
                rows_imported=job.rows_written, locations=job.locations, skus=job.skus
            )
        ),
        "errors": errors,
        "error_count": job.error_count,
        "hidden_error_count": max(0, job.error_count - len(errors)),
    }
    return render(request, "routing/stock_import_detail.html", context)
