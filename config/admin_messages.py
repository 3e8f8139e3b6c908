"""Django admin messages that the project's Portuguese catalogue words anew.

Django's pt-BR translation puts the masculine article and participle in
front of every model name ("O política de roteamento ... foi alterado"),
and most Ponte models have feminine names. `locale/pt_BR` gives these
messages wording without an article, such as "Alterações salvas: política
de roteamento “Padrão”.", and LOCALE_PATHS come before Django's own
catalogues. The msgids are copied exactly from django.contrib.admin
(Django 5.2) so that makemessages keeps them in the catalogue.
"""

from django.utils.translation import gettext_noop, ngettext_lazy

ADMIN_MESSAGES = (
    gettext_noop("The {name} “{obj}” was added successfully."),
    gettext_noop("You may edit it again below."),
    gettext_noop(
        "The {name} “{obj}” was added successfully. You may add another {name} below."
    ),
    gettext_noop(
        "The {name} “{obj}” was changed successfully. You may edit it again below."
    ),
    gettext_noop(
        "The {name} “{obj}” was changed successfully. You may add another {name} below."
    ),
    gettext_noop("The {name} “{obj}” was changed successfully."),
    gettext_noop("The %(name)s “%(obj)s” was deleted successfully."),
    gettext_noop("%(name)s with ID “%(key)s” doesn’t exist. Perhaps it was deleted?"),
    gettext_noop("Successfully deleted %(count)d %(items)s."),
    ngettext_lazy(
        "%(count)s %(name)s was changed successfully.",
        "%(count)s %(name)s were changed successfully.",
        "count",
    ),
)
