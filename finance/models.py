"""The franchise ledger: contracts, order roles, accounts, transactions and periods.

Amounts are BRL `Decimal`s with two places. Ledger entries are append-only: a
correction is a new transaction that points at the one it corrects.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from franchises.models import LegalEntity, Location, TimeStampedModel

MONEY = {"max_digits": 14, "decimal_places": 2}
PERCENT = {"max_digits": 7, "decimal_places": 4}


def percent_range(field: str) -> Q:
    return Q(**{f"{field}__gte": 0, f"{field}__lte": 100})


CONTRACT_PERCENT_FIELDS = (
    "commission_merchandise_percent",
    "commission_freight_percent",
    "royalty_percent",
    "marketing_fund_percent",
    "fulfilment_fee_percent",
    "regional_credit_percent",
    "payment_fee_percent",
)


class Contract(TimeStampedModel):
    """Financial terms of one franchisee legal entity, valid from one date up to,
    and excluding, another (open-ended when `valid_until` is empty)."""

    class FeePayer(models.TextChoices):
        FRANCHISOR = "franchisor", _("Franchisor")
        FULFILLING_STORE = "fulfilling_store", _("Fulfilling store")
        PRO_RATA = "pro_rata", _("Pro rata")

    class Rounding(models.TextChoices):
        HALF_EVEN = "half_even", _("Half even")
        HALF_UP = "half_up", _("Half up")

    class PeriodLength(models.TextChoices):
        WEEKLY = "weekly", _("Weekly (Monday to Sunday)")
        SEMIMONTHLY = "semimonthly", _("Semimonthly (1st-15th, 16th-end)")
        MONTHLY = "monthly", _("Monthly")

    PERCENT_FIELDS = CONTRACT_PERCENT_FIELDS

    legal_entity = models.ForeignKey(
        LegalEntity,
        on_delete=models.PROTECT,
        related_name="contracts",
        verbose_name=_("legal entity"),
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(
        _("valid until"),
        null=True,
        blank=True,
        help_text=_("First day the contract no longer applies; empty means open."),
    )
    commission_merchandise_percent = models.DecimalField(
        _("e-commerce commission on merchandise (%)"), default=0, **PERCENT
    )
    commission_freight_percent = models.DecimalField(
        _("e-commerce commission on freight (%)"), default=0, **PERCENT
    )
    royalty_percent = models.DecimalField(
        _("royalty (% of merchandise)"), default=0, **PERCENT
    )
    marketing_fund_percent = models.DecimalField(
        _("marketing fund (% of merchandise)"), default=0, **PERCENT
    )
    fulfilment_fee_fixed = models.DecimalField(
        _("fulfilment fee per order"), default=0, **MONEY
    )
    fulfilment_fee_percent = models.DecimalField(
        _("fulfilment fee (% of merchandise)"), default=0, **PERCENT
    )
    pickup_fee = models.DecimalField(_("pickup fee per order"), default=0, **MONEY)
    regional_credit_percent = models.DecimalField(
        _("regional credit (% of merchandise)"),
        default=0,
        help_text=_(
            "Paid to the store credited with the sale when another location "
            "fulfilled it."
        ),
        **PERCENT,
    )
    payment_fee_percent = models.DecimalField(
        _("payment-provider fee (% of the amount paid)"), default=0, **PERCENT
    )
    payment_fee_payer = models.CharField(
        _("payment fee paid by"),
        max_length=20,
        choices=FeePayer.choices,
        default=FeePayer.FRANCHISOR,
    )
    rounding = models.CharField(
        _("rounding mode"),
        max_length=10,
        choices=Rounding.choices,
        default=Rounding.HALF_EVEN,
    )
    settlement_period = models.CharField(
        _("settlement period length"),
        max_length=12,
        choices=PeriodLength.choices,
        default=PeriodLength.MONTHLY,
    )
    notes = models.TextField(_("notes"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["legal_entity_id", "-valid_from"]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True)
                | Q(valid_until__gt=F("valid_from")),
                name="contract_valid_until_after_from",
            ),
            models.UniqueConstraint(
                fields=["legal_entity", "valid_from"],
                name="contract_unique_entity_start",
            ),
            models.CheckConstraint(
                condition=Q(fulfilment_fee_fixed__gte=0, pickup_fee__gte=0),
                name="contract_fees_not_negative",
            ),
            *[
                models.CheckConstraint(
                    condition=percent_range(field), name=f"contract_{field}_range"
                )
                for field in CONTRACT_PERCENT_FIELDS
            ],
        ]

    def __str__(self) -> str:
        until = self.valid_until.isoformat() if self.valid_until else "…"
        return f"{self.legal_entity} {self.valid_from.isoformat()} – {until}"

    def clean(self) -> None:
        super().clean()
        if self.valid_until and self.valid_from and self.valid_until <= self.valid_from:
            raise ValidationError(
                {"valid_until": _("The end date must be after the start date.")}
            )
        if not self.legal_entity_id or not self.valid_from:
            return
        overlapping = self.overlapping_contracts()
        if overlapping:
            raise ValidationError(
                _(
                    "The validity overlaps contract %(other)s of the same legal "
                    "entity; end that contract first or change the dates."
                )
                % {"other": overlapping[0]}
            )

    def overlapping_contracts(self) -> list["Contract"]:
        others = Contract.objects.filter(legal_entity_id=self.legal_entity_id)
        if self.pk:
            others = others.exclude(pk=self.pk)
        # Two ranges [from, until) overlap when each starts before the other ends.
        others = others.filter(
            Q(valid_until__isnull=True) | Q(valid_until__gt=self.valid_from)
        )
        if self.valid_until:
            others = others.filter(valid_from__lt=self.valid_until)
        return list(others)


class SalesCode(TimeStampedModel):
    """A sales associate's or seller's code and the store credited with its sales."""

    code = models.CharField(_("code"), max_length=100, unique=True)
    location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        related_name="sales_codes",
        verbose_name=_("store"),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("sales code")
        verbose_name_plural = _("sales codes")

    def __str__(self) -> str:
        return f"{self.code} → {self.location}"


class OrderRoles(TimeStampedModel):
    """The four roles of one invoiced part of an order, frozen at invoicing.

    A split order has one row per invoiced assignment; an order settled without
    routing has one row with no assignment.
    """

    class CreditReason(models.TextChoices):
        SALES_CODE = "sales_code", _("Assisted sale")
        SELLER = "seller", _("White-label seller")
        REGION = "region", _("Customer in the store's region")
        FULFILMENT = "fulfilment", _("No other rule matched: the fulfilling store")

    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.PROTECT,
        related_name="finance_roles",
        verbose_name=_("order"),
    )
    assignment = models.OneToOneField(
        "routing.Assignment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="finance_roles",
        verbose_name=_("assignment"),
    )
    credited_location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        related_name="credited_roles",
        verbose_name=_("credited store"),
    )
    credit_reason = models.CharField(
        _("credited because"), max_length=20, choices=CreditReason.choices
    )
    fulfilling_location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        related_name="fulfilled_roles",
        verbose_name=_("fulfilling location"),
    )
    invoice_key = models.CharField(_("NF-e key"), max_length=44, blank=True)
    invoicing_cnpj = models.CharField(_("invoicing CNPJ"), max_length=14, blank=True)
    # Set when the NF-e's issuer CNPJ differs from the fulfilling location's
    # legal entity; monitoring raises a finance alert from it.
    cnpj_mismatch = models.BooleanField(_("CNPJ differs from the location's"))
    collecting_entity = models.ForeignKey(
        LegalEntity,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="collected_roles",
        verbose_name=_("collecting legal entity"),
    )
    collecting_payment_account = models.CharField(
        _("collecting payment account"), max_length=100, blank=True
    )
    contract = models.ForeignKey(
        Contract,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="order_roles",
        verbose_name=_("contract applied"),
    )
    frozen_at = models.DateTimeField(_("frozen at"))

    class Meta:
        ordering = ["order_id", "id"]
        verbose_name = _("order roles")
        verbose_name_plural = _("order roles")
        constraints = [
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(assignment__isnull=True),
                name="order_roles_one_unrouted_per_order",
            ),
        ]
        indexes = [models.Index(fields=["cnpj_mismatch"])]

    def __str__(self) -> str:
        return f"{self.order} · {self.fulfilling_location}"


class Account(TimeStampedModel):
    """A ledger account: one purpose of one legal entity."""

    class Purpose(models.TextChoices):
        STORE_PAYABLE = "store_payable", _("Owed to the store")
        COMMISSION_REVENUE = "commission_revenue", _("Commission revenue")
        ROYALTY_REVENUE = "royalty_revenue", _("Royalty revenue")
        MARKETING_FUND = "marketing_fund", _("Marketing fund")
        PROVIDER_CLEARING = "provider_clearing", _("Payment-provider clearing")
        PAYMENT_FEES = "payment_fees", _("Payment fees")
        CHANNEL_EXPENSES = "channel_expenses", _("Channel expenses")
        CHARGEBACKS_HELD = "chargebacks_held", _("Chargebacks held")
        CASH = "cash", _("Bank")
        SUSPENSE = "suspense", _("Suspense")

    # Debit-normal accounts grow with debits (assets and expenses); the others
    # grow with credits.
    DEBIT_NORMAL = (
        Purpose.PROVIDER_CLEARING,
        Purpose.PAYMENT_FEES,
        Purpose.CHANNEL_EXPENSES,
        Purpose.CHARGEBACKS_HELD,
        Purpose.CASH,
    )

    legal_entity = models.ForeignKey(
        LegalEntity,
        on_delete=models.PROTECT,
        related_name="accounts",
        verbose_name=_("legal entity"),
    )
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)

    class Meta:
        ordering = ["legal_entity_id", "purpose"]
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["legal_entity", "purpose"], name="account_unique_purpose"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} · {self.legal_entity}"


class SettlementPeriod(TimeStampedModel):
    """A legal entity's settlement period, from `starts_on` to `ends_on` inclusive."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSING = "closing", _("Closing")
        CLOSED = "closed", _("Closed")

    legal_entity = models.ForeignKey(
        LegalEntity,
        on_delete=models.PROTECT,
        related_name="settlement_periods",
        verbose_name=_("legal entity"),
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["legal_entity_id", "-starts_on"]
        verbose_name = _("settlement period")
        verbose_name_plural = _("settlement periods")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="settlement_period_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["legal_entity", "starts_on"],
                name="settlement_period_unique_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.legal_entity} {self.starts_on} – {self.ends_on}"


class AppendOnlyQuerySet(models.QuerySet):
    """Refuses bulk updates and deletes, as PostgreSQL's triggers do, so the
    rule holds on SQLite too."""

    def update(self, **kwargs):
        raise LedgerImmutableError(
            _("%(model)s rows are append-only and cannot be updated.")
            % {"model": self.model._meta.verbose_name}
        )

    def delete(self):
        raise LedgerImmutableError(
            _("%(model)s rows are append-only and cannot be deleted.")
            % {"model": self.model._meta.verbose_name}
        )


class LedgerImmutableError(Exception):
    """A change to a ledger row that may only be inserted."""


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise LedgerImmutableError(
                _("%(model)s %(pk)s is append-only and cannot be changed.")
                % {"model": self._meta.verbose_name, "pk": self.pk}
            )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LedgerImmutableError(
            _("%(model)s %(pk)s is append-only and cannot be deleted.")
            % {"model": self._meta.verbose_name, "pk": self.pk}
        )


class LedgerTransaction(AppendOnlyModel):
    """One business event, posted once: its entries debit and credit equal sums."""

    class Kind(models.TextChoices):
        SALE = "sale", _("Sale")
        FULFILMENT_FEE = "fulfilment_fee", _("Fulfilment fee")
        PICKUP_FEE = "pickup_fee", _("Pickup fee")
        REGIONAL_CREDIT = "regional_credit", _("Regional credit")
        ROYALTY = "royalty", _("Royalty")
        MARKETING_FUND = "marketing_fund", _("Marketing fund")
        PAYMENT_FEE = "payment_fee", _("Payment fee")
        CANCELLATION = "cancellation", _("Cancellation")
        RETURN = "return", _("Partial return")
        CHARGEBACK_HELD = "chargeback_held", _("Chargeback held")
        CHARGEBACK_LOST = "chargeback_lost", _("Chargeback lost")
        CHARGEBACK_WON = "chargeback_won", _("Chargeback won")
        PAYOUT = "payout", _("Payout")
        ADJUSTMENT = "adjustment", _("Manual adjustment")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # Derived from the cause (order id, event and part; provider payable id), so
    # the same event can never post twice.
    idempotency_key = models.CharField(
        _("idempotency key"), max_length=200, unique=True
    )
    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_transactions",
        verbose_name=_("order"),
    )
    roles = models.ForeignKey(
        OrderRoles,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transactions",
        verbose_name=_("order roles"),
    )
    # The transaction this one reverses or corrects, e.g. the sale of a return.
    original = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name=_("original transaction"),
    )
    # When the event happened; the entries' periods follow from it unless that
    # period was already closing or closed.
    occurred_at = models.DateTimeField(_("occurred at"))
    posted_at = models.DateTimeField(_("posted at"), auto_now_add=True)
    is_late = models.BooleanField(_("posted after its period closed"), default=False)
    description = models.CharField(_("description"), max_length=300, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )

    class Meta:
        ordering = ["-posted_at", "-id"]
        verbose_name = _("ledger transaction")
        verbose_name_plural = _("ledger transactions")
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="adjustment")
                | (~Q(reason="") & Q(approved_by__isnull=False)),
                name="ledger_adjustment_reason_and_approver",
            ),
        ]
        indexes = [models.Index(fields=["order", "kind"])]

    def __str__(self) -> str:
        return self.idempotency_key


class LedgerEntry(AppendOnlyModel):
    """One debit or credit of a transaction. Rows are never updated or deleted."""

    transaction = models.ForeignKey(
        LedgerTransaction,
        on_delete=models.PROTECT,
        related_name="entries",
        verbose_name=_("transaction"),
    )
    account = models.ForeignKey(
        Account,
        on_delete=models.PROTECT,
        related_name="entries",
        verbose_name=_("account"),
    )
    period = models.ForeignKey(
        SettlementPeriod,
        on_delete=models.PROTECT,
        related_name="entries",
        verbose_name=_("settlement period"),
    )
    # The transaction kind, or a finer one inside it (commission inside a sale).
    entry_type = models.CharField(_("entry type"), max_length=30)
    # The store a store-payable entry concerns, for per-store reports.
    location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_entries",
        verbose_name=_("location"),
    )
    debit = models.DecimalField(_("debit"), default=0, **MONEY)
    credit = models.DecimalField(_("credit"), default=0, **MONEY)
    original_entry = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name=_("original entry"),
    )

    class Meta:
        ordering = ["transaction_id", "id"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        constraints = [
            models.CheckConstraint(
                condition=(Q(debit__gt=0) & Q(credit=0))
                | (Q(debit=0) & Q(credit__gt=0)),
                name="ledger_entry_one_side",
            ),
        ]
        indexes = [models.Index(fields=["account", "period"])]

    def __str__(self) -> str:
        side = f"D {self.debit}" if self.debit else f"C {self.credit}"
        return f"{self.account} {side}"

    @property
    def signed_amount(self):
        """Credit-positive amount: what the account's owner gains."""
        return self.credit - self.debit


class LineShare(AppendOnlyModel):
    """A party's share of one order line for one entry type, stored when computed.

    Amounts are credit-positive: what the account's owner gains from the line.
    The provider's fee is a positive share of the provider-clearing account, so
    the shares of a sale sum to what the customer paid for the line. Reversals
    (returns, chargebacks, cancellations) add rows with the opposite sign.
    """

    roles = models.ForeignKey(
        OrderRoles,
        on_delete=models.PROTECT,
        related_name="line_shares",
        verbose_name=_("order roles"),
    )
    transaction = models.ForeignKey(
        LedgerTransaction,
        on_delete=models.PROTECT,
        related_name="line_shares",
        verbose_name=_("transaction"),
    )
    item_index = models.PositiveIntegerField(_("item index"))
    quantity = models.IntegerField(_("quantity"))
    entry_type = models.CharField(_("entry type"), max_length=30)
    account = models.ForeignKey(
        Account,
        on_delete=models.PROTECT,
        related_name="line_shares",
        verbose_name=_("account"),
    )
    location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("location"),
    )
    amount = models.DecimalField(_("amount"), **MONEY)

    class Meta:
        ordering = ["roles_id", "item_index", "id"]
        verbose_name = _("line share")
        verbose_name_plural = _("line shares")
        indexes = [models.Index(fields=["roles", "item_index"])]


class SuspenseItem(TimeStampedModel):
    """Something finance could not post or match, kept with the reason."""

    class Reason(models.TextChoices):
        NO_CONTRACT = "no_contract", _("No contract in force")
        NO_ACCOUNT_SETUP = "no_account_setup", _("No franchisor legal entity")
        UNMATCHED_PAYABLE = "unmatched_payable", _("Payable without ledger entry")
        AMOUNT_MISMATCH = "amount_mismatch", _("Amounts differ")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")

    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    # The cause, as in a transaction's idempotency key, so a repeat adds nothing.
    reference = models.CharField(_("reference"), max_length=200, unique=True)
    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="suspense_items",
        verbose_name=_("order"),
    )
    amount = models.DecimalField(_("amount"), null=True, blank=True, **MONEY)
    expected_amount = models.DecimalField(
        _("expected amount"), null=True, blank=True, **MONEY
    )
    details = models.TextField(_("details"), blank=True)
    entry = models.ForeignKey(
        LedgerEntry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="suspense_items",
        verbose_name=_("ledger entry"),
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("suspense item")
        verbose_name_plural = _("suspense items")
        indexes = [models.Index(fields=["status", "reason"])]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} · {self.reference}"


from finance import models_statements  # noqa: E402, F401
