"""Admin for finance: HQ finance edits contracts and sales codes (audited) and
posts manual adjustments; the ledger itself is read-only."""

from datetime import datetime, time

from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.admin import SimpleHistoryAdmin

from finance.forms import AdjustmentForm, ReturnForm
from finance.models import (
    Account,
    Contract,
    LedgerEntry,
    LedgerTransaction,
    LineShare,
    OrderRoles,
    SalesCode,
    SettlementPeriod,
    SuspenseItem,
)
from finance.services.contracts import contract_save
from finance.services.ledger import EntryLine, LedgerError
from finance.services.manual import (
    APPROVER_ROLES,
    adjustment_post,
    user_may_approve,
)
from finance.services.posting import transaction_key
from finance.services.reversals import (
    order_return_settle,
    project_date,
    remaining_units,
)
from franchises.access import user_is_hq
from orders.admin import ViewOnlyAdmin, ViewOnlyInline


@admin.register(Contract)
class ContractAdmin(SimpleHistoryAdmin):
    list_display = (
        "legal_entity",
        "valid_from",
        "valid_until",
        "commission_merchandise_percent",
        "royalty_percent",
        "marketing_fund_percent",
        "payment_fee_payer",
        "rounding",
    )
    list_filter = ("payment_fee_payer", "rounding", "settlement_period")
    search_fields = ("legal_entity__legal_name", "legal_entity__cnpj")
    autocomplete_fields = ("legal_entity",)

    def save_model(self, request, obj, form, change):
        contract_save(contract=obj)


@admin.register(SalesCode)
class SalesCodeAdmin(SimpleHistoryAdmin):
    list_display = ("code", "location")
    search_fields = ("code", "location__code", "location__name")
    autocomplete_fields = ("location",)


@admin.register(Account)
class AccountAdmin(ViewOnlyAdmin):
    list_display = ("legal_entity", "purpose")
    list_filter = ("purpose",)
    search_fields = ("legal_entity__legal_name", "legal_entity__cnpj")


@admin.register(SettlementPeriod)
class SettlementPeriodAdmin(ViewOnlyAdmin):
    list_display = ("legal_entity", "starts_on", "ends_on", "status", "closed_at")
    list_filter = ("status",)


class LedgerEntryInline(ViewOnlyInline):
    model = LedgerEntry
    fields = (
        "account",
        "entry_type",
        "location",
        "period",
        "debit",
        "credit",
        "original_entry",
    )


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ViewOnlyAdmin):
    list_display = (
        "pk",
        "kind",
        "idempotency_key",
        "order",
        "occurred_at",
        "posted_at",
        "is_late",
    )
    list_filter = ("kind", "is_late")
    search_fields = ("idempotency_key", "order__vtex_order_id")
    list_select_related = ("order",)
    inlines = [LedgerEntryInline]
    change_list_template = "finance/admin_transaction_change_list.html"

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_adjustment"
        view = self.admin_site.admin_view(self.adjustment_view)
        return [path("adjustment/", view, name=name), *super().get_urls()]

    def adjustment_view(self, request):
        """Post a manual adjustment, approved by another HQ finance user."""
        if not (
            request.user.has_perm("finance.add_ledgertransaction")
            and user_is_hq(request.user)
        ):
            raise PermissionDenied
        approvers = (
            User.objects.filter(is_active=True)
            .filter(Q(is_superuser=True) | Q(memberships__role__in=APPROVER_ROLES))
            .exclude(pk=request.user.pk)
            .distinct()
            .order_by("username")
        )
        form = AdjustmentForm(request.POST or None, approvers=approvers)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            entries = [
                EntryLine(account, "adjustment", debit=debit, credit=credit)
                for account, debit, credit in form.entry_rows()
            ]
            try:
                posted = adjustment_post(
                    reference=data["reference"],
                    entries=entries,
                    reason=data["reason"],
                    created_by=request.user,
                    approved_by=data["approver"],
                    occurred_at=timezone.now(),
                )
            except LedgerError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    _("Adjustment %(key)s posted.") % {"key": posted.idempotency_key},
                )
                return redirect(
                    reverse("admin:finance_ledgertransaction_change", args=[posted.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "opts": self.opts,
            "title": _("Post a manual adjustment"),
        }
        return render(request, "finance/admin_adjustment.html", context)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ViewOnlyAdmin):
    list_display = (
        "transaction",
        "account",
        "entry_type",
        "location",
        "period",
        "debit",
        "credit",
    )
    list_filter = ("entry_type", "account__purpose")
    search_fields = ("transaction__idempotency_key",)
    list_select_related = ("transaction", "account__legal_entity", "location", "period")


@admin.register(OrderRoles)
class OrderRolesAdmin(ViewOnlyAdmin):
    list_display = (
        "order",
        "credited_location",
        "credit_reason",
        "fulfilling_location",
        "invoicing_cnpj",
        "cnpj_mismatch",
        "collecting_payment_account",
        "frozen_at",
    )
    list_filter = ("credit_reason", "cnpj_mismatch")
    search_fields = ("order__vtex_order_id", "invoice_key")
    list_select_related = ("order", "credited_location", "fulfilling_location")
    change_form_template = "finance/admin_roles_change_form.html"

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_return"
        view = self.admin_site.admin_view(self.return_view)
        return [path("<int:pk>/return/", view, name=name), *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "may_register_return": user_may_approve(request.user),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def return_view(self, request, pk):
        """Register a partial return of the part's units, posted as a
        reversal of their stored shares."""
        if not user_may_approve(request.user):
            raise PermissionDenied
        roles = get_object_or_404(OrderRoles.objects.select_related("order"), pk=pk)
        sale = LedgerTransaction.objects.filter(
            idempotency_key=transaction_key(
                roles.order, LedgerTransaction.Kind.SALE, roles
            )
        ).first()
        form = ReturnForm(
            request.POST or None,
            item_lines=self._item_lines(roles),
            invoiced_on=project_date(sale.occurred_at) if sale else None,
        )
        if request.method == "POST" and form.is_valid():
            posted = self._return_post(request, roles, form)
            if posted is not None:
                return redirect(
                    reverse("admin:finance_ledgertransaction_change", args=[posted.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "opts": self.opts,
            "original": roles,
            "title": _("Register a partial return of order %(order)s")
            % {"order": roles.order.vtex_order_id},
        }
        return render(request, "finance/admin_return.html", context)

    def _item_lines(self, roles):
        """Return (item index, SKU, name, units left) of each line of the part
        that still has units to return."""
        units = remaining_units(roles)
        items = roles.order.items.filter(item_index__in=units).order_by("item_index")
        return [
            (item.item_index, item.sku_id, item.name, units[item.item_index])
            for item in items
            if units[item.item_index] > 0
        ]

    def _return_post(self, request, roles, form):
        """Post the return, or add the service's error to the form and return
        None."""
        data = form.cleaned_data
        return_id = (data["return_id"] or "").strip()
        key = transaction_key(
            roles.order, LedgerTransaction.Kind.RETURN, roles, return_id
        )
        already_posted = bool(return_id) and (
            LedgerTransaction.objects.filter(idempotency_key=key).exists()
        )
        occurred_at = timezone.make_aware(datetime.combine(data["returned_on"], time()))
        try:
            posted = order_return_settle(
                roles=roles,
                return_id=return_id,
                lines=form.returned_lines(),
                occurred_at=occurred_at,
                created_by=request.user,
            )
        except LedgerError as error:
            form.add_error(None, str(error))
            return None
        if already_posted:
            messages.warning(
                request,
                _("Return %(id)s was already posted; nothing new was posted.")
                % {"id": return_id},
            )
        else:
            messages.success(request, _("Return %(id)s posted.") % {"id": return_id})
        return posted


@admin.register(LineShare)
class LineShareAdmin(ViewOnlyAdmin):
    list_display = (
        "roles",
        "item_index",
        "quantity",
        "entry_type",
        "account",
        "amount",
    )
    list_filter = ("entry_type",)
    search_fields = ("roles__order__vtex_order_id",)
    list_select_related = ("roles__order", "roles__fulfilling_location", "account")


@admin.register(SuspenseItem)
class SuspenseItemAdmin(ViewOnlyAdmin):
    list_display = ("reference", "reason", "status", "order", "amount", "created_at")
    list_filter = ("reason", "status")
    search_fields = ("reference", "order__vtex_order_id")


from finance import admin_statements  # noqa: E402, F401
