"""Messages as the portal shows them in its default language, pt-BR."""

from django.utils import translation
from django.utils.translation import gettext


def pt_br(message: str, **params) -> str:
    """Translate `message` to pt-BR and fill `params` into its placeholders."""
    with translation.override("pt-br"):
        text = gettext(message)
    return text % params if params else text
