from django.db import models
from django.utils.translation import gettext_lazy as _

from franchises.cnpj import cnpj_normalize, validate_cnpj


class CNPJField(models.CharField):
    """A CNPJ stored as 14 upper-case characters without the mask."""

    description = _("CNPJ")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 14)
        kwargs.setdefault("validators", [validate_cnpj])
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return value
        return cnpj_normalize(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None:
            return value
        return cnpj_normalize(value)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if kwargs.get("max_length") == 14:
            del kwargs["max_length"]
        if kwargs.get("validators") == [validate_cnpj]:
            del kwargs["validators"]
        return name, path, args, kwargs
