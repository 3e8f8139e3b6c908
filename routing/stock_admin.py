"""An "Import CSV" page for the stock level admin, with a link on its list.

Add `StockImportAdminMixin` before `admin.ModelAdmin` in the bases of the
StockLevel admin. The page runs the same import as HQ's stock upload page.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _

from franchises.access import user_is_hq
from routing.models import StockImport
from routing.services.stock_import_jobs import stock_csv_upload
from routing.stock_views import (
    StockUploadForm,
    stock_import_context,
    stock_import_summary,
)


class StockImportAdminMixin:
    change_list_template = "routing/stock_admin_change_list.html"

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_import_csv"
        view = self.admin_site.admin_view(self.import_csv_view)
        return [path("import-csv/", view, name=name), *super().get_urls()]

    def import_csv_view(self, request):
        # Setting stock for the whole network is HQ's job, so a staff user
        # needs an HQ role as well as the permission to change stock levels.
        if not (self.has_change_permission(request) and user_is_hq(request.user)):
            raise PermissionDenied

        if request.method == "POST":
            form = StockUploadForm(request.POST, request.FILES)
        else:
            form = StockUploadForm()
        result = None
        if form.is_bound and form.is_valid():
            upload = form.cleaned_data["file"]
            result = stock_csv_upload(file=upload, user=request.user)
            if isinstance(result, StockImport):
                return redirect("routing_stock:import", pk=result.pk)
            if result.ok:
                messages.success(request, stock_import_summary(result))
                changelist = f"admin:{self.opts.app_label}_{self.opts.model_name}"
                return redirect(reverse(f"{changelist}_changelist"))

        context = {
            **self.admin_site.each_context(request),
            **stock_import_context(form, result),
            "opts": self.opts,
            "title": _("Import stock from CSV"),
        }
        return render(request, "routing/stock_admin_import.html", context)
