import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from franchises.cnpj import cnpj_mask
from franchises.fields import CNPJField


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("Unknown time zone %(value)s: use an IANA name such as America/Recife."),
            code="time_zone",
            params={"value": value},
        )


class LegalEntity(TimeStampedModel):
    """A company with a CNPJ: the franchisor, a franchisee or a logistics partner."""

    class Kind(models.TextChoices):
        FRANCHISOR = "franchisor", _("Franchisor")
        FRANCHISEE = "franchisee", _("Franchisee")
        LOGISTICS_PARTNER = "logistics_partner", _("Logistics partner")

    cnpj = CNPJField(_("CNPJ"), unique=True)
    legal_name = models.CharField(_("legal name"), max_length=200)
    trade_name = models.CharField(_("trade name"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    bank_code = models.CharField(_("bank code"), max_length=3, blank=True)
    bank_branch = models.CharField(_("bank branch"), max_length=10, blank=True)
    bank_account = models.CharField(_("bank account"), max_length=20, blank=True)
    pix_key = models.CharField(_("Pix key"), max_length=77, blank=True)
    payment_account_id = models.CharField(
        _("payment account id"),
        max_length=100,
        blank=True,
        help_text=_("Recipient id of this entity at the payment provider."),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["legal_name"]
        verbose_name = _("legal entity")
        verbose_name_plural = _("legal entities")
        constraints = [
            models.CheckConstraint(
                condition=Q(cnpj__regex=r"^[0-9A-Z]{12}[0-9]{2}$"),
                name="legal_entity_cnpj_shape",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.trade_name or self.legal_name} ({self.cnpj_masked})"

    @property
    def cnpj_masked(self) -> str:
        return cnpj_mask(self.cnpj)


class Location(TimeStampedModel):
    """A store or distribution centre that holds stock or serves customers."""

    class Kind(models.TextChoices):
        STORE = "store", _("Store")
        DC = "dc", _("Distribution centre")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        PROBATION = "probation", _("Probation")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    legal_entity = models.ForeignKey(
        LegalEntity,
        on_delete=models.PROTECT,
        related_name="locations",
        verbose_name=_("legal entity"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    street = models.CharField(_("street"), max_length=200, blank=True)
    number = models.CharField(_("number"), max_length=20, blank=True)
    neighborhood = models.CharField(_("neighborhood"), max_length=100, blank=True)
    city = models.CharField(_("city"), max_length=100)
    state = models.CharField(_("state"), max_length=2)
    postal_code = models.CharField(_("postal code"), max_length=9, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="America/Sao_Paulo",
        validators=[validate_time_zone],
    )
    daily_capacity = models.PositiveIntegerField(
        _("daily capacity"), default=0, help_text=_("Orders per day; 0 means none.")
    )
    concurrent_capacity = models.PositiveIntegerField(
        _("concurrent capacity"),
        default=0,
        help_text=_("Open assignments at once; 0 means no limit."),
    )
    opening_hours = models.JSONField(
        _("opening hours"),
        default=list,
        blank=True,
        help_text=_(
            'Open intervals per weekday (0 = Monday), e.g. [[0, "09:00", "18:00"]]; '
            "empty means always open."
        ),
    )
    service_postal_ranges = models.JSONField(
        _("service region"),
        default=list,
        blank=True,
        help_text=_(
            'Postal-code ranges the location serves, e.g. [["01000-000", "05999-999"]].'
        ),
    )
    ships_from_store = models.BooleanField(_("ships from store"), default=False)
    offers_pickup = models.BooleanField(_("offers pickup"), default=False)
    receives_returns = models.BooleanField(_("receives returns"), default=False)
    vtex_warehouse_id = models.CharField(
        _("VTEX warehouse id"), max_length=100, blank=True, db_index=True
    )
    vtex_dock_id = models.CharField(
        _("VTEX dock id"), max_length=100, blank=True, db_index=True
    )
    vtex_pickup_point_id = models.CharField(
        _("VTEX pickup point id"), max_length=100, blank=True, db_index=True
    )
    vtex_seller_id = models.CharField(
        _("VTEX white-label seller id"), max_length=100, blank=True, db_index=True
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True)
                | Q(latitude__gte=-90, latitude__lte=90),
                name="location_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True)
                | Q(longitude__gte=-180, longitude__lte=180),
                name="location_longitude_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"

    def clean(self) -> None:
        super().clean()
        from routing.engine.hours import parse_opening_hours

        try:
            parse_opening_hours(tuple(tuple(entry) for entry in self.opening_hours))
        except (TypeError, ValueError) as error:
            raise ValidationError({"opening_hours": str(error)}) from None
        for entry in self.service_postal_ranges:
            if not (isinstance(entry, list) and len(entry) == 2):
                raise ValidationError(
                    {
                        "service_postal_ranges": _(
                            "Each range is a pair of postal codes: %(entry)s"
                        )
                        % {"entry": entry}
                    }
                )


class Membership(TimeStampedModel):
    """A user's role at a location, at a legal entity (all its locations) or at HQ."""

    class Role(models.TextChoices):
        STORE_MANAGER = "store_manager", _("Store manager")
        STORE_STAFF = "store_staff", _("Store staff")
        HQ_OPS = "hq_ops", _("HQ operations")
        HQ_FINANCE = "hq_finance", _("HQ finance")
        HQ_ADMIN = "hq_admin", _("HQ administrator")

    HQ_ROLES = (Role.HQ_OPS, Role.HQ_FINANCE, Role.HQ_ADMIN)
    STORE_ROLES = (Role.STORE_MANAGER, Role.STORE_STAFF)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    location = models.ForeignKey(
        Location,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("location"),
    )
    legal_entity = models.ForeignKey(
        LegalEntity,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("legal entity"),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["user_id", "role"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            # HQ roles see the whole network and name no scope; store roles name
            # exactly one location or one legal entity.
            models.CheckConstraint(
                condition=(
                    Q(
                        role__in=["hq_ops", "hq_finance", "hq_admin"],
                        location__isnull=True,
                        legal_entity__isnull=True,
                    )
                    | Q(
                        role__in=["store_manager", "store_staff"],
                        location__isnull=False,
                        legal_entity__isnull=True,
                    )
                    | Q(
                        role__in=["store_manager", "store_staff"],
                        location__isnull=True,
                        legal_entity__isnull=False,
                    )
                ),
                name="membership_scope_matches_role",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "location"],
                condition=Q(location__isnull=False),
                name="membership_unique_location",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "legal_entity"],
                condition=Q(legal_entity__isnull=False),
                name="membership_unique_legal_entity",
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=Q(location__isnull=True, legal_entity__isnull=True),
                name="membership_unique_hq",
            ),
        ]

    def __str__(self) -> str:
        scope = self.location or self.legal_entity or _("HQ")
        return f"{self.user} · {self.get_role_display()} · {scope}"

    def clean(self) -> None:
        if self.role in self.HQ_ROLES and (self.location_id or self.legal_entity_id):
            raise ValidationError(
                _(
                    "HQ roles apply to the whole network; leave location and legal "
                    "entity empty."
                )
            )
        if self.role in self.STORE_ROLES and bool(self.location_id) == bool(
            self.legal_entity_id
        ):
            raise ValidationError(
                _("Store roles need exactly one location or one legal entity.")
            )
