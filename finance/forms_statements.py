"""Forms of the statement, period close and reconciliation pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from finance.services.periods import cutoff_error

# Larger provider statements are split by the provider's own export per day.
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


class PeriodCloseForm(forms.Form):
    cutoff = forms.DateField(
        label=_("Close periods ending on or before"),
        localize=True,
        help_text=_(
            "Every open period that ends on or before this date is closed. "
            "Only periods that ended before today can close."
        ),
    )

    def clean_cutoff(self):
        cutoff = self.cleaned_data["cutoff"]
        error = cutoff_error(cutoff)
        if error:
            raise forms.ValidationError(error, code="invalid")
        return cutoff


class ProviderStatementForm(forms.Form):
    file = forms.FileField(
        label=_("Provider statement (CSV)"),
        help_text=_(
            "Columns id, date, type, amount, order_reference; see the finance "
            "documentation."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file has %(size)d bytes; the limit is %(max)d bytes.")
                % {"size": upload.size, "max": MAX_UPLOAD_BYTES}
            )
        return upload
