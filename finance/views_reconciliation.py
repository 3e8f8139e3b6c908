"""HQ's reconciliation page: upload a provider statement, see what did not
match, resolve a suspense item with a manual adjustment, and resolve a held
chargeback as won or lost."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from finance.forms import AdjustmentForm
from finance.forms_statements import ProviderStatementForm
from finance.models import SuspenseItem
from finance.models_statements import ProviderStatementImport
from finance.services.ledger import EntryLine, LedgerError
from finance.services.manual import APPROVER_ROLES, user_may_approve
from finance.services.reconciliation import (
    ProviderStatementInvalid,
    provider_statement_import,
    suspense_resolve,
)
from finance.services.reversals import (
    chargeback_payable_id,
    chargeback_resolve,
    chargebacks_held_open,
)
from franchises.access import user_is_hq

RECENT_IMPORTS = 20
# Open suspense items listed on the page, newest first.
SUSPENSE_SHOWN = 200
PAYABLE_REASONS = (
    SuspenseItem.Reason.UNMATCHED_PAYABLE,
    SuspenseItem.Reason.AMOUNT_MISMATCH,
)


def _require_hq(user) -> None:
    if not user_is_hq(user):
        raise Http404("No such page.")


def _chargeback_resolve_post(request):
    """Resolve the held chargeback named in the POST data as won or lost."""
    if not user_may_approve(request.user):
        raise PermissionDenied
    payable_id = request.POST.get("chargeback", "")
    outcome = request.POST.get("outcome", "")
    if outcome not in ("won", "lost"):
        messages.error(
            request,
            _("Invalid outcome %(outcome)s; choose won or lost.")
            % {"outcome": outcome},
        )
        return redirect("finance:reconciliation")
    try:
        chargeback_resolve(
            payable_id=payable_id,
            won=outcome == "won",
            occurred_at=timezone.now(),
            resolved_by=request.user,
        )
    except LedgerError as error:
        messages.error(request, str(error))
    else:
        if outcome == "won":
            message = _("Chargeback of payable %(id)s resolved as won.")
        else:
            message = _("Chargeback of payable %(id)s resolved as lost.")
        messages.success(request, message % {"id": payable_id})
    return redirect("finance:reconciliation")


@login_required
def reconciliation(request):
    _require_hq(request.user)
    if request.method == "POST" and "chargeback" in request.POST:
        return _chargeback_resolve_post(request)
    form = ProviderStatementForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            source = provider_statement_import(
                content=upload.read(), file_name=upload.name, uploaded_by=request.user
            )
        except ProviderStatementInvalid as error:
            errors = error.errors
            form.add_error("file", str(error))
        else:
            messages.success(
                request,
                _(
                    "Imported %(file)s: %(new)d new payables, %(matched)d matched, "
                    "%(suspense)d sent to suspense, %(repeated)d already imported."
                )
                % {
                    "file": source.file_name,
                    "new": source.payables_created,
                    "matched": source.matched,
                    "suspense": source.sent_to_suspense,
                    "repeated": source.payables_repeated,
                },
            )
            return redirect("finance:reconciliation")
    suspense = SuspenseItem.objects.filter(
        status=SuspenseItem.Status.OPEN, reason__in=PAYABLE_REASONS
    ).select_related("order")[:SUSPENSE_SHOWN]
    return render(
        request,
        "finance/reconciliation.html",
        {
            "form": form,
            "errors": errors,
            "imports": ProviderStatementImport.objects.select_related("uploaded_by")[
                :RECENT_IMPORTS
            ],
            "suspense": suspense,
            "chargebacks": [
                (chargeback_payable_id(held), held)
                for held in chargebacks_held_open()[:SUSPENSE_SHOWN]
            ],
            "may_resolve_chargebacks": user_may_approve(request.user),
        },
    )


@login_required
def suspense_resolve_view(request, pk: int):
    _require_hq(request.user)
    item = get_object_or_404(SuspenseItem, pk=pk)
    approvers = (
        User.objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(memberships__role__in=APPROVER_ROLES))
        .exclude(pk=request.user.pk)
        .distinct()
        .order_by("username")
    )
    form = AdjustmentForm(
        request.POST or None,
        approvers=approvers,
        initial={"reference": f"suspense-{item.pk}"},
    )
    form.fields["reference"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        entries = [
            EntryLine(account, "adjustment", debit=debit, credit=credit)
            for account, debit, credit in form.entry_rows()
        ]
        try:
            suspense_resolve(
                item_id=item.pk,
                entries=entries,
                reason=data["reason"],
                created_by=request.user,
                approved_by=data["approver"],
            )
        except LedgerError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, _("Suspense item %(item)s resolved.") % {"item": item}
            )
            return redirect("finance:reconciliation")
    return render(
        request, "finance/suspense_resolve.html", {"form": form, "item": item}
    )
