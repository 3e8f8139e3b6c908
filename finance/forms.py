"""Forms of the finance pages and admin."""

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from finance.models import Account, Contract
from finance.money import money_format
from finance.services.ledger import LedgerError
from finance.services.reversals import project_date, return_date_check
from franchises.models import Location

# The preview accepts at most this many lines, which keeps one request small.
MAX_PREVIEW_LINES = 200
AMOUNT = re.compile(r"^\d{1,12}([.,]\d{1,2})?$")


def parse_amount(text: str) -> Decimal | None:
    """Read 99,90 or 99.90 (no thousands separators) as a Decimal, else None."""
    text = text.strip()
    if not AMOUNT.match(text):
        return None
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None


class PreviewForm(forms.Form):
    lines = forms.CharField(
        label=_("Order lines"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "One item value per line, before the order discount (price × "
            "quantity), e.g. 99,90."
        ),
    )
    discount = forms.DecimalField(
        label=_("Discounts"),
        min_value=0,
        max_digits=14,
        decimal_places=2,
        initial=0,
        localize=True,
        help_text=_("Order-level discounts in BRL, allocated over the lines by value."),
    )
    freight = forms.DecimalField(
        label=_("Freight"),
        min_value=0,
        max_digits=14,
        decimal_places=2,
        initial=0,
        localize=True,
        help_text=_("Freight paid by the customer, in BRL."),
    )
    fulfilling = forms.ModelChoiceField(
        label=_("Fulfilling location"), queryset=Location.objects.order_by("code")
    )
    credited = forms.ModelChoiceField(
        label=_("Credited store"), queryset=Location.objects.order_by("code")
    )
    pickup = forms.BooleanField(
        label=_("Customer picks up at the fulfilling store"), required=False
    )
    contract = forms.ModelChoiceField(
        label=_("Contract"),
        queryset=Contract.objects.select_related("legal_entity").order_by(
            "legal_entity__legal_name", "-valid_from"
        ),
    )

    def clean_lines(self) -> list[Decimal]:
        rows = [row for row in self.cleaned_data["lines"].splitlines() if row.strip()]
        if not rows:
            raise forms.ValidationError(_("Enter at least one line."))
        if len(rows) > MAX_PREVIEW_LINES:
            raise forms.ValidationError(
                _("Enter at most %(max)d lines; got %(count)d.")
                % {"max": MAX_PREVIEW_LINES, "count": len(rows)}
            )
        amounts = []
        for number, row in enumerate(rows, start=1):
            amount = parse_amount(row)
            if amount is None:
                raise forms.ValidationError(
                    _("Line %(number)d: %(value)s is not an amount; write it as 99,90.")
                    % {"number": number, "value": row.strip()}
                )
            amounts.append(amount)
        if not any(amounts):
            raise forms.ValidationError(_("At least one line must be above zero."))
        return amounts

    def clean(self):
        cleaned = super().clean()
        lines, discount = cleaned.get("lines"), cleaned.get("discount")
        if lines and discount is not None and discount > sum(lines):
            self.add_error(
                "discount",
                _("The discount %(discount)s exceeds the lines' total %(total)s.")
                % {
                    "discount": money_format(discount),
                    "total": money_format(sum(lines)),
                },
            )
        return cleaned


class AdjustmentForm(forms.Form):
    """A manual adjustment of up to four entries, with a reason and an approver."""

    ROWS = 4

    reference = forms.CharField(
        label=_("Reference"),
        max_length=150,
        help_text=_(
            "Unique per adjustment; posting the same reference again does nothing."
        ),
    )
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3})
    )
    approver = forms.ModelChoiceField(label=_("Approved by"), queryset=None)

    def __init__(self, *args, approvers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["approver"].queryset = approvers
        accounts = Account.objects.select_related("legal_entity")
        for row in range(self.ROWS):
            self.fields[f"account_{row}"] = forms.ModelChoiceField(
                label=_("Account %(row)d") % {"row": row + 1},
                queryset=accounts,
                required=row < 2,
            )
            for side, label in (("debit", _("Debit")), ("credit", _("Credit"))):
                self.fields[f"{side}_{row}"] = forms.DecimalField(
                    label=label,
                    min_value=0,
                    max_digits=14,
                    decimal_places=2,
                    required=False,
                    localize=True,
                )

    def entry_rows(self) -> list[tuple[Account, Decimal, Decimal]]:
        rows = []
        for row in range(self.ROWS):
            account = self.cleaned_data.get(f"account_{row}")
            if account is None:
                continue
            debit = self.cleaned_data.get(f"debit_{row}") or Decimal("0.00")
            credit = self.cleaned_data.get(f"credit_{row}") or Decimal("0.00")
            rows.append((account, debit, credit))
        return rows


class ReturnForm(forms.Form):
    """A partial return of one invoiced part: an id, a date and one quantity
    field per item line that still has units to return.

    The date is checked here and again by `order_return_settle`, which also
    checks the id and the quantities, so the page shows the same messages as
    any other caller gets.
    """

    return_id = forms.CharField(
        label=_("Return id"),
        max_length=100,
        required=False,
        help_text=_("For example the input invoice number of the returned goods."),
    )
    returned_on = forms.DateField(
        label=_("Return date"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, item_lines, invoiced_on=None, **kwargs):
        """`item_lines` are (item index, SKU, name, units left) of the part, and
        `invoiced_on` the day its sale was posted, or None without a sale."""
        super().__init__(*args, **kwargs)
        self.invoiced_on = invoiced_on
        # The browser's date picker offers only the days the check accepts.
        date_attrs = self.fields["returned_on"].widget.attrs
        date_attrs["max"] = project_date(timezone.now()).isoformat()
        if invoiced_on is not None:
            date_attrs["min"] = invoiced_on.isoformat()
        for index, sku, name, left in item_lines:
            self.fields[f"quantity_{index}"] = forms.IntegerField(
                label=f"{sku} · {name}",
                min_value=0,
                initial=0,
                required=False,
                help_text=_("Units returned; %(left)s left to return.")
                % {"left": left},
            )
        self.item_indexes = [index for index, _sku, _name, _left in item_lines]

    def clean_returned_on(self) -> date:
        returned_on = self.cleaned_data["returned_on"]
        try:
            return_date_check(returned_on=returned_on, invoiced_on=self.invoiced_on)
        except LedgerError as error:
            raise forms.ValidationError(str(error)) from None
        return returned_on

    def returned_lines(self) -> list[tuple[int, int]]:
        """Return (item index, quantity) of each line with units returned."""
        lines = []
        for index in self.item_indexes:
            quantity = self.cleaned_data.get(f"quantity_{index}") or 0
            if quantity:
                lines.append((index, quantity))
        return lines
