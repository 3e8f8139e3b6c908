"""Forms of the store workflow and of HQ's manual re-routing."""

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from routing.models import Assignment
from routing.services.nfe import InvoiceError, invoice_number_check, nfe_key_check

# An amount as a person in Brazil types it: "1.234,56", "1234,56", "1234.56",
# "1.234" (thousands), with or without "R$".
DOT_DECIMAL = re.compile(r"^\d+\.\d{1,2}$")
COMMA_DECIMAL = re.compile(r"^(\d{1,3}(\.\d{3})+|\d+)(,\d{1,2})?$")

MAX_AMOUNT = Decimal("999999999999.99")


def parse_brl_amount(text: str) -> Decimal:
    """Parse an amount in reais typed with a decimal comma or a decimal point.

    A lone dot followed by three digits is a thousands separator, as in pt-BR,
    so "1.234" is 1234.00. Raises ValueError on anything else.
    """
    cleaned = text.strip().removeprefix("R$").replace(" ", "").replace("\xa0", "")
    if COMMA_DECIMAL.match(cleaned):
        normalized = cleaned.replace(".", "").replace(",", ".")
    elif DOT_DECIMAL.match(cleaned):
        normalized = cleaned
    else:
        raise ValueError(text)

    try:
        return Decimal(normalized).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise ValueError(text) from None


class BrlAmountField(forms.Field):
    """A positive amount in reais, accepting "1.234,56" as well as "1234.56"."""

    widget = forms.TextInput

    def to_python(self, value):
        text = str(value).strip() if value is not None else ""
        if text in self.empty_values:
            return None
        try:
            amount = parse_brl_amount(text)
        except ValueError:
            raise ValidationError(
                _("Invalid amount %(value)s: write it as 1.234,56."),
                code="invalid",
                params={"value": text},
            ) from None
        if amount <= 0:
            raise ValidationError(
                _("The amount must be greater than zero."), code="min_value"
            )
        if amount > MAX_AMOUNT:
            raise ValidationError(_("The amount is too large."), code="max_value")
        return amount


# Code of a validation error whose message names its field, so pages show it
# without the field's label in front.
NAMES_FIELD = "invalid_named"


class RejectForm(forms.Form):
    """Reject an offer. For an out-of-stock rejection the store names the
    SKUs it lacks, and only those are set to zero. A part with one SKU needs
    no choice."""

    reason = forms.ChoiceField(
        label=_("Reason"), choices=Assignment.RejectReason.choices
    )
    missing_sku_ids = forms.MultipleChoiceField(
        label=_("Out-of-stock SKUs"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only for the reason “Out of stock”: the SKUs you do not have."),
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Optional")}),
    )

    def __init__(self, *args, assignment: Assignment, **kwargs):
        super().__init__(*args, **kwargs)
        # `lines` is prefetched by `routing.tables.assignment_rows`.
        units: dict[str, int] = {}
        for line in assignment.lines.all():
            units[line.sku_id] = units.get(line.sku_id, 0) + line.quantity
        self.sku_ids = sorted(units)
        self.fields["missing_sku_ids"].choices = [
            (sku, _("SKU %(sku)s × %(units)d") % {"sku": sku, "units": count})
            for sku, count in sorted(units.items())
        ]
        if len(self.sku_ids) < 2:
            del self.fields["missing_sku_ids"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reason") != Assignment.RejectReason.OUT_OF_STOCK:
            cleaned["missing_sku_ids"] = []
        elif len(self.sku_ids) < 2:
            cleaned["missing_sku_ids"] = self.sku_ids
        elif "missing_sku_ids" in cleaned and not cleaned["missing_sku_ids"]:
            self.add_error(
                "missing_sku_ids",
                ValidationError(
                    _("Choose the SKUs that are out of stock."), code="required"
                ),
            )
        return cleaned


class ShipForm(forms.Form):
    carrier = forms.CharField(label=_("Carrier"), max_length=100)
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=100)


class InvoiceForm(forms.Form):
    invoice_number = forms.CharField(label=_("NF-e number"), max_length=50)
    invoice_key = forms.CharField(
        label=_("NF-e key"),
        # Room for the 44 digits printed in groups of four.
        max_length=60,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    invoice_value = BrlAmountField(
        label=_("Invoice value (R$)"),
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "placeholder": "1.234,56", "maxlength": 20}
        ),
    )

    def clean_invoice_number(self) -> str:
        try:
            return invoice_number_check(self.cleaned_data["invoice_number"])
        except InvoiceError as error:
            raise ValidationError(str(error), code=NAMES_FIELD) from None

    def clean_invoice_key(self) -> str:
        key = re.sub(r"\s", "", self.cleaned_data["invoice_key"])
        try:
            return nfe_key_check(key)
        except InvoiceError as error:
            raise ValidationError(str(error), code=NAMES_FIELD) from None


class ManualAssignForm(forms.Form):
    """Send every unassigned line of an order to one active location.

    `location_choices` is built once per page, so that a page of rows does not
    query the locations once per row.
    """

    location = forms.TypedChoiceField(label=_("Location"), coerce=int)

    def __init__(self, *args, location_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].choices = [("", "—"), *location_choices]


class RerouteForm(forms.Form):
    """Run the active policy again on the unassigned lines, skipping the
    chosen locations as well as those that already rejected the order."""

    exclude = forms.TypedMultipleChoiceField(
        label=_("Also exclude"),
        coerce=int,
        required=False,
        help_text=_(
            "Locations that rejected this order or let its offer expire stay excluded."
        ),
    )

    def __init__(self, *args, location_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["exclude"].choices = location_choices
