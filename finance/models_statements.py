"""Period closes, payout statements and payment-provider reconciliation.

A close run moves settlement periods from open through closing to closed and
writes one payout statement per period (a period belongs to one legal entity).
Statement amounts are what the entity's store-payable account gained, so they
are credit-positive: a negative balance is owed by the franchisee.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from finance.models import (
    MONEY,
    AppendOnlyModel,
    LedgerEntry,
    LedgerTransaction,
    SettlementPeriod,
)
from franchises.models import LegalEntity, TimeStampedModel


class PeriodCloseRun(TimeStampedModel):
    """One request to close every open period that ends on or before `cutoff`,
    with the progress of the background job that does it."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        FINISHED = "finished", _("Finished")
        FAILED = "failed", _("Failed")

    cutoff = models.DateField(_("periods ending on or before"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    periods_total = models.PositiveIntegerField(_("periods to close"), default=0)
    periods_closed = models.PositiveIntegerField(_("periods closed"), default=0)
    statements_created = models.PositiveIntegerField(_("statements created"), default=0)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("period close run")
        verbose_name_plural = _("period close runs")

    def __str__(self) -> str:
        return f"{self.cutoff} · {self.get_status_display()}"

    @property
    def percent_done(self) -> int:
        if not self.periods_total:
            return 100 if self.status == self.Status.FINISHED else 0
        return int(100 * self.periods_closed / self.periods_total)


class PayoutStatement(TimeStampedModel):
    """What one legal entity earned in one closed period and what it is paid.

    closing_balance = opening_balance + entries_total, and opening_balance is
    the closing balance of the entity's previous statement. amount_to_pay is
    the closing balance less what earlier statements still owe, never below
    zero, so a negative balance carries forward instead of being paid.
    """

    class Status(models.TextChoices):
        TO_REVIEW = "to_review", _("To review")
        REVIEWED = "reviewed", _("Reviewed")
        APPROVED = "approved", _("Approved")
        PAID = "paid", _("Paid")

    period = models.OneToOneField(
        SettlementPeriod,
        on_delete=models.PROTECT,
        related_name="statement",
        verbose_name=_("settlement period"),
    )
    legal_entity = models.ForeignKey(
        LegalEntity,
        on_delete=models.PROTECT,
        related_name="payout_statements",
        verbose_name=_("legal entity"),
    )
    opening_balance = models.DecimalField(_("opening balance"), **MONEY)
    entries_total = models.DecimalField(_("entries total"), **MONEY)
    closing_balance = models.DecimalField(_("closing balance"), **MONEY)
    amount_to_pay = models.DecimalField(_("amount to pay"), **MONEY)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.TO_REVIEW
    )
    close_run = models.ForeignKey(
        PeriodCloseRun,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="statements",
        verbose_name=_("close run"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("marked paid by"),
    )
    payout = models.ForeignKey(
        LedgerTransaction,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("payout transaction"),
    )

    class Meta:
        ordering = ["-period__starts_on", "legal_entity_id"]
        verbose_name = _("payout statement")
        verbose_name_plural = _("payout statements")
        constraints = [
            models.CheckConstraint(
                condition=Q(closing_balance=F("opening_balance") + F("entries_total")),
                name="statement_closing_is_opening_plus_entries",
            ),
            models.CheckConstraint(
                condition=Q(amount_to_pay__gte=0)
                & Q(amount_to_pay__lte=F("closing_balance"))
                | Q(amount_to_pay=0),
                name="statement_amount_to_pay_range",
            ),
        ]
        indexes = [models.Index(fields=["legal_entity", "status"])]

    def __str__(self) -> str:
        return str(self.period)


class StatementLine(models.Model):
    """The store-payable entries of a statement's period for one transaction
    kind and entry type; `is_late` lines are events of earlier periods."""

    statement = models.ForeignKey(
        PayoutStatement,
        on_delete=models.CASCADE,
        related_name="lines",
        verbose_name=_("statement"),
    )
    kind = models.CharField(_("transaction kind"), max_length=20)
    entry_type = models.CharField(_("entry type"), max_length=30)
    is_late = models.BooleanField(_("adjustment of an earlier period"))
    debit = models.DecimalField(_("debit"), **MONEY)
    credit = models.DecimalField(_("credit"), **MONEY)
    entry_count = models.PositiveIntegerField(_("entries"))

    class Meta:
        ordering = ["statement_id", "is_late", "kind", "entry_type"]
        verbose_name = _("statement line")
        verbose_name_plural = _("statement lines")
        constraints = [
            models.UniqueConstraint(
                fields=["statement", "kind", "entry_type", "is_late"],
                name="statement_line_unique_type",
            ),
        ]

    @property
    def amount(self):
        return self.credit - self.debit

    @property
    def kind_label(self) -> str:
        try:
            return str(LedgerTransaction.Kind(self.kind).label)
        except ValueError:
            return self.kind


class StatementEvent(AppendOnlyModel):
    """Audit trail of a statement: who reviewed, approved or paid it, and when."""

    class Action(models.TextChoices):
        CREATED = "created", _("Created by the period close")
        REVIEWED = "reviewed", _("Reviewed")
        APPROVED = "approved", _("Approved")
        PAID = "paid", _("Marked paid")

    statement = models.ForeignKey(
        PayoutStatement,
        on_delete=models.PROTECT,
        related_name="events",
        verbose_name=_("statement"),
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["statement_id", "at", "id"]
        verbose_name = _("statement event")
        verbose_name_plural = _("statement events")

    def __str__(self) -> str:
        return f"{self.statement} · {self.get_action_display()}"


class ProviderStatementImport(TimeStampedModel):
    """One uploaded payment-provider statement file and what its rows became."""

    file_name = models.CharField(_("file name"), max_length=255)
    rows = models.PositiveIntegerField(_("rows"))
    payables_created = models.PositiveIntegerField(_("new payables"))
    payables_repeated = models.PositiveIntegerField(_("payables already imported"))
    matched = models.PositiveIntegerField(_("matched"))
    sent_to_suspense = models.PositiveIntegerField(_("sent to suspense"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("provider statement import")
        verbose_name_plural = _("provider statement imports")

    def __str__(self) -> str:
        return self.file_name


class ProviderPayable(TimeStampedModel):
    """One row of a provider statement. The provider's payable id is unique,
    so importing a file again adds nothing."""

    class Type(models.TextChoices):
        CREDIT = "credit", _("Credit")
        REFUND = "refund", _("Refund")
        CHARGEBACK = "chargeback", _("Chargeback")
        FEE = "fee", _("Fee")

    class Status(models.TextChoices):
        MATCHED = "matched", _("Matched")
        SUSPENSE = "suspense", _("In suspense")

    payable_id = models.CharField(_("payable id"), max_length=100, unique=True)
    paid_on = models.DateField(_("date"))
    type = models.CharField(_("type"), max_length=10, choices=Type.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    order_reference = models.CharField(_("order reference"), max_length=100)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    source = models.ForeignKey(
        ProviderStatementImport,
        on_delete=models.PROTECT,
        related_name="payables",
        verbose_name=_("import"),
    )
    entries = models.ManyToManyField(
        LedgerEntry,
        through="PayableMatch",
        related_name="+",
        verbose_name=_("matched ledger entries"),
    )

    class Meta:
        ordering = ["-paid_on", "payable_id"]
        verbose_name = _("provider payable")
        verbose_name_plural = _("provider payables")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="provider_payable_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.payable_id


class PayableMatch(models.Model):
    """A provider-clearing entry settled by a payable; each entry is settled
    by at most one payable."""

    payable = models.ForeignKey(
        ProviderPayable, on_delete=models.PROTECT, related_name="matches"
    )
    entry = models.OneToOneField(
        LedgerEntry, on_delete=models.PROTECT, related_name="payable_match"
    )

    class Meta:
        ordering = ["payable_id", "entry_id"]
        verbose_name = _("payable match")
        verbose_name_plural = _("payable matches")
