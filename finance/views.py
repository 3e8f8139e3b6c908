"""Finance pages: a user's ledger entries, one transaction, and HQ's
settlement preview."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from finance.forms import PreviewForm
from finance.selectors import transaction_for_user_or_404, visible_entries
from finance.services.preview import settlement_preview
from franchises.access import user_is_hq

PAGE_SIZE = 50


@login_required
def entry_list(request):
    entries = visible_entries(request.user).select_related(
        "transaction__order", "account__legal_entity", "location", "period"
    )
    page = Paginator(entries.order_by("-transaction_id", "id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "finance/entry_list.html", {"page": page})


@login_required
def transaction_detail(request, pk: int):
    posted, entries = transaction_for_user_or_404(request.user, pk=pk)
    return render(
        request,
        "finance/transaction_detail.html",
        {"transaction": posted, "entries": entries},
    )


@login_required
def preview(request):
    """HQ's settlement preview: computes every party's amount, posts nothing."""
    if not user_is_hq(request.user):
        raise Http404("No such page.")
    result = None
    form = PreviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = settlement_preview(
                lines=data["lines"],
                discount=data["discount"],
                freight=data["freight"],
                fulfilling=data["fulfilling"],
                credited=data["credited"],
                pickup=data["pickup"],
                contract=data["contract"],
            )
        except ValueError as error:
            form.add_error(None, str(error))
    return render(request, "finance/preview.html", {"form": form, "preview": result})
