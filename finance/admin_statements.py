"""Admin for payout statements, period close runs and provider statements.

HQ finance reviews, approves and marks statements paid with the list actions;
each step is recorded as a statement event with the user and time.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from finance.forms_statements import ProviderStatementForm
from finance.models_statements import (
    PayoutStatement,
    PeriodCloseRun,
    ProviderPayable,
    ProviderStatementImport,
    StatementEvent,
    StatementLine,
)
from finance.services.ledger import LedgerError
from finance.services.manual import user_may_approve
from finance.services.reconciliation import (
    ProviderStatementInvalid,
    provider_statement_import,
)
from finance.services.reversals import chargeback_resolve
from finance.services.statements import (
    StatementError,
    statement_approve,
    statement_mark_paid,
    statement_review,
)
from franchises.access import user_is_hq
from orders.admin import ViewOnlyAdmin, ViewOnlyInline


@admin.register(PeriodCloseRun)
class PeriodCloseRunAdmin(ViewOnlyAdmin):
    list_display = (
        "pk",
        "cutoff",
        "status",
        "periods_closed",
        "periods_total",
        "statements_created",
        "requested_by",
        "started_at",
        "finished_at",
    )
    list_filter = ("status",)


class StatementLineInline(ViewOnlyInline):
    model = StatementLine
    fields = ("kind", "entry_type", "is_late", "entry_count", "debit", "credit")


class StatementEventInline(ViewOnlyInline):
    model = StatementEvent
    fields = ("action", "user", "at", "note")


def _statement_action(service, done_message):
    def action(modeladmin, request, queryset):
        done = 0
        for statement in queryset.order_by("pk"):
            try:
                service(statement_id=statement.pk, user=request.user)
            except StatementError as error:
                modeladmin.message_user(request, str(error), messages.ERROR)
            else:
                done += 1
        if done:
            modeladmin.message_user(
                request, done_message % {"count": done}, messages.SUCCESS
            )

    action.allowed_permissions = ("finance",)
    return action


@admin.register(PayoutStatement)
class PayoutStatementAdmin(ViewOnlyAdmin):
    list_display = (
        "legal_entity",
        "period",
        "status",
        "opening_balance",
        "entries_total",
        "closing_balance",
        "amount_to_pay",
    )
    list_filter = ("status", "period__starts_on")
    search_fields = ("legal_entity__legal_name", "legal_entity__cnpj")
    list_select_related = ("legal_entity", "period__legal_entity")
    inlines = [StatementLineInline, StatementEventInline]
    actions = ["review", "approve", "mark_paid"]

    def has_finance_permission(self, request):
        return user_may_approve(request.user)

    review = admin.action(description=gettext_lazy("Mark reviewed"))(
        _statement_action(
            statement_review, gettext_lazy("%(count)d statements reviewed.")
        )
    )
    approve = admin.action(description=gettext_lazy("Approve"))(
        _statement_action(
            statement_approve, gettext_lazy("%(count)d statements approved.")
        )
    )
    mark_paid = admin.action(description=gettext_lazy("Mark paid and post the payout"))(
        _statement_action(
            statement_mark_paid, gettext_lazy("%(count)d statements marked paid.")
        )
    )


def _chargeback_action(*, won: bool):
    """Build an admin action that resolves the selected chargeback payables;
    the posted transaction stores the user as its author."""

    def action(modeladmin, request, queryset):
        done = 0
        for payable in queryset.order_by("pk"):
            if payable.type != ProviderPayable.Type.CHARGEBACK:
                modeladmin.message_user(
                    request,
                    _("Payable %(id)s is not a chargeback.") % {"id": payable},
                    messages.ERROR,
                )
                continue
            try:
                chargeback_resolve(
                    payable_id=payable.payable_id,
                    won=won,
                    occurred_at=timezone.now(),
                    resolved_by=request.user,
                )
            except LedgerError as error:
                modeladmin.message_user(request, str(error), messages.ERROR)
            else:
                done += 1
        if done:
            message = (
                _("%(count)d chargebacks resolved as won.")
                if won
                else _("%(count)d chargebacks resolved as lost.")
            )
            modeladmin.message_user(
                request, message % {"count": done}, messages.SUCCESS
            )

    action.allowed_permissions = ("finance",)
    return action


class ProviderPayableInline(ViewOnlyInline):
    model = ProviderPayable
    fields = ("payable_id", "paid_on", "type", "amount", "order_reference", "status")


@admin.register(ProviderStatementImport)
class ProviderStatementImportAdmin(ViewOnlyAdmin):
    list_display = (
        "file_name",
        "created_at",
        "uploaded_by",
        "rows",
        "payables_created",
        "payables_repeated",
        "matched",
        "sent_to_suspense",
    )
    inlines = [ProviderPayableInline]
    change_list_template = "finance/admin_provider_import_change_list.html"

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_upload"
        view = self.admin_site.admin_view(self.upload_view)
        return [path("upload/", view, name=name), *super().get_urls()]

    def upload_view(self, request):
        """Import a provider statement file, as the reconciliation page does."""
        if not user_is_hq(request.user):
            raise PermissionDenied
        form = ProviderStatementForm(request.POST or None, request.FILES or None)
        errors = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                source = provider_statement_import(
                    content=upload.read(),
                    file_name=upload.name,
                    uploaded_by=request.user,
                )
            except ProviderStatementInvalid as error:
                errors = error.errors
                form.add_error("file", str(error))
            else:
                messages.success(
                    request,
                    _("Imported %(file)s: %(new)d new payables.")
                    % {"file": source.file_name, "new": source.payables_created},
                )
                return redirect(
                    reverse(
                        "admin:finance_providerstatementimport_change",
                        args=[source.pk],
                    )
                )
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "errors": errors,
            "opts": self.opts,
            "title": _("Import a provider statement"),
        }
        return render(request, "finance/admin_provider_upload.html", context)


@admin.register(ProviderPayable)
class ProviderPayableAdmin(ViewOnlyAdmin):
    list_display = (
        "payable_id",
        "paid_on",
        "type",
        "amount",
        "order_reference",
        "status",
    )
    list_filter = ("type", "status")
    search_fields = ("payable_id", "order_reference")
    actions = ["chargeback_won", "chargeback_lost"]

    def has_finance_permission(self, request):
        return user_may_approve(request.user)

    chargeback_won = admin.action(
        description=gettext_lazy("Resolve chargebacks as won")
    )(_chargeback_action(won=True))
    chargeback_lost = admin.action(
        description=gettext_lazy("Resolve chargebacks as lost")
    )(_chargeback_action(won=False))
