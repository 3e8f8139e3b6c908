from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from franchises.cnpj import cnpj_mask, cnpj_normalize, validate_cnpj
from franchises.models import LegalEntity, Location, Membership

# "AA.AAA.AAA/AAAA-DD": 14 characters and the 4 of the mask.
MASKED_CNPJ_LENGTH = 18


class LegalEntityForm(forms.ModelForm):
    """Accepts the CNPJ with or without its mask and shows it masked."""

    cnpj = forms.CharField(
        label=_("CNPJ"),
        max_length=MASKED_CNPJ_LENGTH,
        help_text=_(
            "With or without the mask, e.g. 12.ABC.345/01DE-35 or 12ABC34501DE35."
        ),
    )

    class Meta:
        model = LegalEntity
        fields = [
            "cnpj",
            "legal_name",
            "trade_name",
            "kind",
            "bank_code",
            "bank_branch",
            "bank_account",
            "pix_key",
            "payment_account_id",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["cnpj"] = cnpj_mask(self.instance.cnpj)

    def clean_cnpj(self) -> str:
        cnpj = cnpj_normalize(self.cleaned_data["cnpj"])
        validate_cnpj(cnpj)
        return cnpj


class LocationInline(admin.TabularInline):
    model = Location
    fields = ("code", "name", "kind", "status", "city", "state")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(LegalEntity)
class LegalEntityAdmin(SimpleHistoryAdmin):
    form = LegalEntityForm
    list_display = ("legal_name", "trade_name", "cnpj_masked", "kind")
    list_filter = ("kind",)
    search_fields = ("legal_name", "trade_name", "cnpj", "payment_account_id")
    inlines = [LocationInline]
    fieldsets = (
        (None, {"fields": ("cnpj", "legal_name", "trade_name", "kind")}),
        (
            _("Payouts"),
            {
                "fields": (
                    "bank_code",
                    "bank_branch",
                    "bank_account",
                    "pix_key",
                    "payment_account_id",
                )
            },
        ),
    )

    @admin.display(description=_("CNPJ"), ordering="cnpj")
    def cnpj_masked(self, obj: LegalEntity) -> str:
        return obj.cnpj_masked

    def get_search_results(self, request, queryset, search_term):
        """Also match a CNPJ typed with its mask, which is stored without it."""
        results, may_have_duplicates = super().get_search_results(
            request, queryset, search_term
        )
        normalized = cnpj_normalize(search_term)
        if normalized and normalized != search_term.strip():
            results |= queryset.filter(cnpj__contains=normalized)
        return results, may_have_duplicates


@admin.register(Location)
class LocationAdmin(SimpleHistoryAdmin):
    list_display = (
        "code",
        "name",
        "kind",
        "status",
        "legal_entity",
        "city",
        "state",
        "daily_capacity",
    )
    list_filter = (
        "kind",
        "status",
        "state",
        "ships_from_store",
        "offers_pickup",
        "receives_returns",
    )
    search_fields = (
        "code",
        "name",
        "city",
        "legal_entity__legal_name",
        "legal_entity__trade_name",
        "vtex_warehouse_id",
        "vtex_dock_id",
        "vtex_pickup_point_id",
        "vtex_seller_id",
    )
    list_select_related = ("legal_entity",)
    autocomplete_fields = ("legal_entity",)
    fieldsets = (
        (None, {"fields": ("code", "name", "kind", "legal_entity", "status")}),
        (
            _("Address"),
            {
                "fields": (
                    ("street", "number"),
                    "neighborhood",
                    ("city", "state"),
                    "postal_code",
                    ("latitude", "longitude"),
                    "time_zone",
                )
            },
        ),
        (
            _("Capacity and services"),
            {
                "fields": (
                    ("daily_capacity", "concurrent_capacity"),
                    ("ships_from_store", "offers_pickup", "receives_returns"),
                )
            },
        ),
        (
            _("VTEX"),
            {
                "fields": (
                    "vtex_warehouse_id",
                    "vtex_dock_id",
                    "vtex_pickup_point_id",
                    "vtex_seller_id",
                )
            },
        ),
    )


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ("user", "role", "location", "legal_entity", "created_at")
    list_filter = ("role",)
    search_fields = (
        "user__username",
        "user__email",
        "location__code",
        "location__name",
        "legal_entity__legal_name",
    )
    list_select_related = ("user", "location", "legal_entity")
    autocomplete_fields = ("user", "location", "legal_entity")


class MembershipInline(admin.TabularInline):
    model = Membership
    fields = ("role", "location", "legal_entity")
    autocomplete_fields = ("location", "legal_entity")
    extra = 0


# Django registers its own User admin; this one adds the user's roles.
admin.site.unregister(User)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [MembershipInline]
