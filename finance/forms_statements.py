"""Forms of the statement, period close and reconciliation pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

# Larger provider statements are split by the provider's own export per day.
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


class PeriodCloseForm(forms.Form):
    cutoff = forms.DateField(
        label=_("Close periods ending on or before"),
        localize=True,
        help_text=_("Every open period that ends on or before this date is closed."),
    )


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
