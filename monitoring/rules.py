"""Finders for the SLA rule kinds, each one query over the whole network.

Each finder takes the rule and the evaluation's context and returns the
subjects for which the condition is true now, at most `MAX_FINDINGS` of them.
Kinds that can match more subjects also have a `condition_met` builder: an
expression on `Alert` rows that is true while the alert's subject meets the
condition. Their finders return only subjects without an unresolved or
reopen-blocked alert of the rule. `monitoring.services.evaluation` turns
findings into alerts and resolves the alerts whose subject no longer meets
the condition.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Substr
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import npgettext_lazy

from monitoring.models import Alert, SlaRule, SyncCheck
from orders.models import TERMINAL_STATUSES, Order, OrderItem, QuarantinedDocument
from routing.models import Assignment, RoutingCase

Kind = SlaRule.Kind
State = Assignment.State
Subject = Alert.SubjectType

# At most this many subjects are read per rule and run, so at most this many
# alerts of a rule open in one run. Finders of kinds with a `condition_met`
# builder skip subjects that already have an alert, so the rest open in the
# following runs, and their alerts resolve through the builder.
MAX_FINDINGS = 5000

# Assignment states in which the store still has to ship or hand the part over.
TO_FULFIL = (State.ACCEPTED, State.PICKING)
# States between acceptance and delivery, where the promised date matters.
BEFORE_DELIVERY = (
    State.ACCEPTED,
    State.PICKING,
    State.READY_FOR_PICKUP,
    State.SHIPPED,
    State.INVOICED,
)
# VTEX statuses in which nothing has left the store yet.
VTEX_BEFORE_INVOICE = (
    "payment-approved",
    "ready-for-handling",
    "start-handling",
    "handling",
)
INTEGRATION_HOOK = "integration:vtex-hook"
INTEGRATION_FEED = "integration:vtex-feed"
INTEGRATION_FEED_BACKLOG = "integration:vtex-feed-backlog"
INTEGRATION_ORDERS = "integration:vtex-orders"


@dataclass(frozen=True)
class Finding:
    subject_key: str
    subject_type: str
    message: str
    owner_id: int | None = None
    order_id: int | None = None
    assignment_id: int | None = None
    details: dict = field(default_factory=dict)


@dataclass
class Context:
    now: datetime
    # (kind, sales channel) → locations that have a rule of their own.
    overridden: dict[tuple[str, str], set[int]]
    latest_checks: list[SyncCheck]


class ThresholdUnit:
    """The unit of a rule kind's threshold, translated when shown.

    `label` comes from `npgettext_lazy` with the number key "count", so
    `for_count` picks the form that agrees with a threshold in the active
    language. `str()` gives the plural, for a label without a number.
    """

    def __init__(self, label: Promise) -> None:
        self.label = label

    def for_count(self, count: int) -> str:
        # The templates hold no placeholder: the count picks the form only.
        return self.label % {"count": count}

    def __str__(self) -> str:
        # Two takes the plural form in both English and Portuguese.
        return self.for_count(2)


@dataclass(frozen=True)
class RuleKind:
    finder: Callable[[SlaRule, Context], list[Finding]]
    unit: ThresholdUnit
    # Kinds that read only the stored sync checks, never orders.
    integration: bool = False
    # Builds an expression on `Alert` that is true while the alert's subject
    # meets the condition. Without it, alerts of the kind resolve only in runs
    # whose findings list is complete (fewer than MAX_FINDINGS subjects).
    condition_met: Callable[[SlaRule, Context], Exists] | None = None


def _alerted(rule: SlaRule, column: str) -> QuerySet:
    """Select `column` of the rule's unresolved or reopen-blocked alerts.

    Finders exclude these with NOT IN rather than NOT EXISTS. PostgreSQL runs
    NOT IN as a hashed subplan when the alerts fit in work_mem, which stays
    linear on stale table statistics. An anti-join planned on statistics from
    before a burst of new alerts compared every part with every alert: 25 s
    for 20,000 alerts on the benchmark network.
    """
    return (
        Alert.objects.filter(rule=rule, **{f"{column}__isnull": False})
        .filter(Q(status__in=Alert.UNRESOLVED) | Q(reopen_blocked=True))
        .values(column)
    )


def _new_assignments(rule: SlaRule, queryset: QuerySet) -> QuerySet:
    return queryset.exclude(pk__in=_alerted(rule, "assignment_id"))


def _new_orders(rule: SlaRule, queryset: QuerySet) -> QuerySet:
    return queryset.exclude(pk__in=_alerted(rule, "order_id"))


def _assignment_condition_met(conditions: Callable[[SlaRule, Context], QuerySet]):
    def condition_met(rule: SlaRule, context: Context) -> Exists:
        matching = conditions(rule, context).filter(pk=OuterRef("assignment_id"))
        return Exists(matching)

    return condition_met


def _order_condition_met(conditions: Callable[[SlaRule, Context], QuerySet]):
    def condition_met(rule: SlaRule, context: Context) -> Exists:
        return Exists(conditions(rule, context).filter(pk=OuterRef("order_id")))

    return condition_met


def _scoped(rule: SlaRule, queryset: QuerySet, context: Context, *, prefix: str = ""):
    """Limit an assignment-based queryset to the rule's location and channel."""
    if rule.location_id:
        queryset = queryset.filter(**{f"{prefix}location_id": rule.location_id})
    else:
        own = context.overridden.get((rule.kind, rule.sales_channel), set())
        if own:
            queryset = queryset.exclude(**{f"{prefix}location_id__in": own})
    if rule.sales_channel:
        queryset = queryset.filter(order__sales_channel=rule.sales_channel)
    return queryset


def _assignment_findings(rows, message: Callable[[dict], str]) -> list[Finding]:
    return [
        Finding(
            subject_key=f"assignment:{row['pk']}",
            subject_type=Subject.ASSIGNMENT,
            message=message(row),
            owner_id=row["location_id"],
            order_id=row["order_id"],
            assignment_id=row["pk"],
            details={"order": row["order__vtex_order_id"], "state": row["state"]},
        )
        for row in rows
    ]


ASSIGNMENT_COLUMNS = ("pk", "order_id", "location_id", "order__vtex_order_id", "state")


def late_offers(rule: SlaRule, context: Context) -> QuerySet:
    since = context.now - timedelta(minutes=rule.threshold)
    return _scoped(
        rule,
        Assignment.objects.filter(state=State.OFFERED, offered_at__lte=since),
        context,
    )


def offer_not_accepted(rule: SlaRule, context: Context) -> list[Finding]:
    rows = _new_assignments(rule, late_offers(rule, context)).values(
        *ASSIGNMENT_COLUMNS
    )[:MAX_FINDINGS]
    return _assignment_findings(
        rows,
        lambda row: (
            _("Order %(order)s offered over %(minutes)d minutes ago.")
            % {"order": row["order__vtex_order_id"], "minutes": rule.threshold}
        ),
    )


def past_ship_by(rule: SlaRule, context: Context) -> QuerySet:
    """Select accepted or picking parts past their ship-by time.

    A part without `ship_by` (offered before routing set it, or at a location
    without valid opening hours) is late `threshold` hours after acceptance.
    """
    fallback = context.now - timedelta(hours=rule.threshold)
    late = Q(ship_by__lt=context.now) | Q(
        ship_by__isnull=True, accepted_at__lte=fallback
    )
    return _scoped(rule, Assignment.objects.filter(late, state__in=TO_FULFIL), context)


def not_fulfilled(rule: SlaRule, context: Context) -> list[Finding]:
    rows = _new_assignments(rule, past_ship_by(rule, context)).values(
        *ASSIGNMENT_COLUMNS, "ship_by"
    )[:MAX_FINDINGS]
    findings = _assignment_findings(
        rows,
        lambda row: (
            _("Order %(order)s is past its ship-by time.")
            % {"order": row["order__vtex_order_id"]}
        ),
    )
    for finding, row in zip(findings, rows, strict=True):
        ship_by = row["ship_by"]
        finding.details["ship_by"] = ship_by.isoformat() if ship_by else None
    return findings


def past_promised_delivery(rule: SlaRule, context: Context) -> QuerySet:
    """Select parts not delivered whose order's earliest promised date passed
    `threshold` hours ago."""
    since = context.now - timedelta(days=rule.lookback_days)
    grace = context.now - timedelta(hours=rule.threshold)
    # The earliest date is before `grace` exactly when some item's date is.
    promise_passed = OrderItem.objects.filter(
        order_id=OuterRef("order_id"), shipping_estimate_date__lt=grace
    )
    return _scoped(
        rule,
        Assignment.objects.filter(
            Exists(promise_passed), state__in=BEFORE_DELIVERY, offered_at__gte=since
        ),
        context,
    )


def delivery_date_passed(rule: SlaRule, context: Context) -> list[Finding]:
    rows = _new_assignments(rule, past_promised_delivery(rule, context)).values(
        *ASSIGNMENT_COLUMNS
    )[:MAX_FINDINGS]
    return _assignment_findings(
        rows,
        lambda row: (
            _("Order %(order)s is past its promised delivery date.")
            % {"order": row["order__vtex_order_id"]}
        ),
    )


def stuck_assignments(rule: SlaRule, context: Context) -> QuerySet:
    # `updated_at` moves with every transition, so it is the time the
    # assignment entered its state. Offers have their own rule.
    since = context.now - timedelta(hours=rule.threshold)
    states = (State.ACCEPTED, State.PICKING, State.READY_FOR_PICKUP, State.SHIPPED)
    return _scoped(
        rule,
        Assignment.objects.filter(state__in=states, updated_at__lte=since),
        context,
    )


def stuck_assignment_state(rule: SlaRule, context: Context) -> list[Finding]:
    rows = _new_assignments(rule, stuck_assignments(rule, context)).values(
        *ASSIGNMENT_COLUMNS
    )[:MAX_FINDINGS]
    return _assignment_findings(
        rows,
        lambda row: (
            _("Order %(order)s has been %(state)s for over %(hours)d hours.")
            % {
                "order": row["order__vtex_order_id"],
                "state": State(row["state"]).label,
                "hours": rule.threshold,
            }
        ),
    )


def mismatched_statuses(rule: SlaRule, context: Context) -> QuerySet:
    """Select parts of orders VTEX canceled that a store still works on, and
    parts a store invoiced that VTEX still shows before invoicing,
    `threshold` minutes on."""
    since = context.now - timedelta(minutes=rule.threshold)
    canceled_but_open = Q(
        order__status="canceled",
        state__in=(*TO_FULFIL, State.READY_FOR_PICKUP, State.SHIPPED),
    )
    invoiced_but_not_at_vtex = Q(
        state__in=(State.INVOICED, State.DELIVERED),
        invoiced_at__lte=since,
        order__status__in=VTEX_BEFORE_INVOICE,
    )
    return _scoped(
        rule,
        Assignment.objects.filter(canceled_but_open | invoiced_but_not_at_vtex),
        context,
    )


def status_mismatch(rule: SlaRule, context: Context) -> list[Finding]:
    rows = _new_assignments(rule, mismatched_statuses(rule, context)).values(
        *ASSIGNMENT_COLUMNS, "order__status"
    )[:MAX_FINDINGS]
    return _assignment_findings(
        rows,
        lambda row: (
            _("Order %(order)s is %(vtex)s at VTEX but %(state)s in Ponte.")
            % {
                "order": row["order__vtex_order_id"],
                "vtex": row["order__status"],
                "state": State(row["state"]).label,
            }
        ),
    )


def foreign_invoices(rule: SlaRule, context: Context) -> QuerySet:
    # Routing flags an NF-e whose key names another CNPJ than the location's
    # legal entity when the store records the invoice.
    return _scoped(
        rule, Assignment.objects.filter(invoice_issuer_mismatch=True), context
    )


def invoice_cnpj_mismatch(rule: SlaRule, context: Context) -> list[Finding]:
    rows = _new_assignments(rule, foreign_invoices(rule, context)).values(
        *ASSIGNMENT_COLUMNS
    )[:MAX_FINDINGS]
    return _assignment_findings(
        rows,
        lambda row: (
            _("The NF-e of order %(order)s was issued under another CNPJ.")
            % {"order": row["order__vtex_order_id"]}
        ),
    )


def _order_findings(rows, message: Callable[[dict], str]) -> list[Finding]:
    return [
        Finding(
            subject_key=f"order:{row['pk']}",
            subject_type=Subject.ORDER,
            message=message(row),
            order_id=row["pk"],
            details={"order": row["vtex_order_id"], "status": row["status"]},
        )
        for row in rows
    ]


def _orders(rule: SlaRule, context: Context) -> QuerySet:
    since = context.now - timedelta(days=rule.lookback_days)
    queryset = Order.objects.filter(creation_date__gte=since)
    if rule.sales_channel:
        queryset = queryset.filter(sales_channel=rule.sales_channel)
    return queryset


def stuck_orders(rule: SlaRule, context: Context) -> QuerySet:
    since = context.now - timedelta(hours=rule.threshold)
    return (
        _orders(rule, context)
        .exclude(status__in=TERMINAL_STATUSES)
        .filter(last_change__lte=since)
    )


def stuck_vtex_status(rule: SlaRule, context: Context) -> list[Finding]:
    rows = _new_orders(rule, stuck_orders(rule, context)).values(
        "pk", "vtex_order_id", "status"
    )[:MAX_FINDINGS]
    return _order_findings(
        rows,
        lambda row: (
            _("Order %(order)s has been %(status)s at VTEX for over %(hours)d hours.")
            % {
                "order": row["vtex_order_id"],
                "status": row["status"] or "null",
                "hours": rule.threshold,
            }
        ),
    )


def orders_not_adding_up(rule: SlaRule, context: Context) -> QuerySet:
    # VTEX's totals add up to the order's value: Items + Discounts (negative)
    # + Shipping + Tax. `threshold` is the tolerance in cents.
    tolerance = Decimal(rule.threshold) / 100
    difference = F("total") - (
        F("items_total") + F("discounts_total") + F("shipping_total") + F("tax_total")
    )
    return (
        _orders(rule, context)
        .alias(difference=difference)
        .filter(Q(difference__gt=tolerance) | Q(difference__lt=-tolerance))
    )


def totals_mismatch(rule: SlaRule, context: Context) -> list[Finding]:
    rows = _new_orders(rule, orders_not_adding_up(rule, context)).values(
        "pk", "vtex_order_id", "status"
    )[:MAX_FINDINGS]
    return _order_findings(
        rows,
        lambda row: (
            _("The totals of order %(order)s do not add up to its value.")
            % {"order": row["vtex_order_id"]}
        ),
    )


def routing_exceptions(rule: SlaRule, context: Context) -> QuerySet:
    cases = RoutingCase.objects.filter(status=RoutingCase.Status.EXCEPTION)
    if rule.sales_channel:
        cases = cases.filter(order__sales_channel=rule.sales_channel)
    return cases


def unroutable(rule: SlaRule, context: Context) -> list[Finding]:
    cases = routing_exceptions(rule, context).exclude(
        order_id__in=_alerted(rule, "order_id")
    )
    rows = cases.values("order_id", "order__vtex_order_id", "order__status", "reason")[
        :MAX_FINDINGS
    ]
    return [
        Finding(
            subject_key=f"order:{row['order_id']}",
            subject_type=Subject.ORDER,
            message=_("Order %(order)s has no feasible location.")
            % {"order": row["order__vtex_order_id"]},
            order_id=row["order_id"],
            details={"order": row["order__vtex_order_id"], "reason": row["reason"]},
        )
        for row in rows
    ]


def unroutable_condition_met(rule: SlaRule, context: Context) -> Exists:
    cases = routing_exceptions(rule, context)
    return Exists(cases.filter(order_id=OuterRef("order_id")))


DOCUMENT_PREFIX = "document:"


def quarantined(rule: SlaRule, context: Context) -> list[Finding]:
    alerted = (
        _alerted(rule, "subject_key")
        .annotate(vtex_order_id=Substr("subject_key", len(DOCUMENT_PREFIX) + 1))
        .values("vtex_order_id")
    )
    documents = QuarantinedDocument.objects.exclude(vtex_order_id__in=alerted)
    rows = documents.values("vtex_order_id", "reason")[:MAX_FINDINGS]
    return [
        Finding(
            subject_key=f"{DOCUMENT_PREFIX}{row['vtex_order_id']}",
            subject_type=Subject.ORDER,
            message=_("The VTEX document of order %(order)s is quarantined.")
            % {"order": row["vtex_order_id"]},
            details={"order": row["vtex_order_id"], "reason": row["reason"][:300]},
        )
        for row in rows
    ]


def quarantined_condition_met(rule: SlaRule, context: Context) -> Exists:
    # The subject key is the prefix followed by the VTEX order id; Substr
    # counts from 1.
    vtex_order_id = Substr(OuterRef("subject_key"), len(DOCUMENT_PREFIX) + 1)
    return Exists(QuarantinedDocument.objects.filter(vtex_order_id=vtex_order_id))


def webhook_failed(rule: SlaRule, context: Context) -> list[Finding]:
    """Find the webhook subscriptions with failed deliveries, one finding each.

    A delivery that HQ resends with the admin's Resend action leaves the
    failed state, so the alert resolves once none of them is failed.
    """
    from api.models import WebhookDelivery

    rows = (
        WebhookDelivery.objects.filter(status=WebhookDelivery.Status.FAILED)
        .values("subscription_id", "subscription__url")
        .annotate(failed=Count("pk"))
        .order_by("subscription_id")[:MAX_FINDINGS]
    )
    return [
        Finding(
            subject_key=f"webhook:{row['subscription_id']}",
            subject_type=Subject.INTEGRATION,
            message=_(
                "%(count)d webhook deliveries to %(url)s failed after every "
                "retry; resend them from the delivery log once the receiver "
                "works."
            )
            % {"count": row["failed"], "url": row["subscription__url"]},
            details={"subscription": row["subscription_id"], "failed": row["failed"]},
        )
        for row in rows
    ]


def orders_with_failed_writeback(rule: SlaRule, context: Context) -> QuerySet:
    """Orders with a start-handling or invoice call to VTEX that failed after
    every retry (`orders.VtexOutboxCall`). Sending it again from the admin
    clears the condition."""
    from orders.models import VtexOutboxCall

    failed = VtexOutboxCall.objects.filter(
        order_id=OuterRef("pk"), status=VtexOutboxCall.Status.FAILED
    )
    queryset = Order.objects.filter(Exists(failed))
    if rule.sales_channel:
        queryset = queryset.filter(sales_channel=rule.sales_channel)
    return queryset


def vtex_writeback_failed(rule: SlaRule, context: Context) -> list[Finding]:
    rows = _new_orders(rule, orders_with_failed_writeback(rule, context)).values(
        "pk", "vtex_order_id", "status"
    )[:MAX_FINDINGS]
    return _order_findings(
        rows,
        lambda row: (
            _(
                "VTEX did not accept a start-handling or invoice call for order "
                "%(order)s after every retry (the order is %(status)s at VTEX). "
                "Check the order at VTEX, then send the call again from the "
                "admin's VTEX outbox calls."
            )
            % {"order": row["vtex_order_id"], "status": row["status"]}
        ),
    )


def in_business_hours(rule: SlaRule, moment: datetime) -> bool:
    """Return whether a moment (in the server's time zone) is in the rule's hours."""
    if rule.business_days and moment.weekday() not in rule.business_days:
        return False
    if rule.business_hours_start and moment.time() < rule.business_hours_start:
        return False
    return not (rule.business_hours_end and moment.time() >= rule.business_hours_end)


def no_order_synced(rule: SlaRule, context: Context) -> list[Finding]:
    from django.utils import timezone

    if not in_business_hours(rule, timezone.localtime(context.now)):
        return []
    # The newest row by primary key is the last order Ponte stored for the
    # first time. Reading it through the primary key index costs one row.
    latest = Order.objects.order_by("-pk").values_list("created_at", flat=True)[:1]
    latest = latest[0] if latest else None
    if latest and latest > context.now - timedelta(minutes=rule.threshold):
        return []
    return [
        Finding(
            subject_key=INTEGRATION_ORDERS,
            subject_type=Subject.INTEGRATION,
            message=_("No new order stored in the last %(minutes)d minutes.")
            % {"minutes": rule.threshold},
            details={"last_order_at": latest.isoformat() if latest else None},
        )
    ]


def _latest_check(context: Context) -> SyncCheck | None:
    return context.latest_checks[0] if context.latest_checks else None


def _statuses_missing(config: dict, rule: SlaRule) -> list[str]:
    expected = rule.expected.get("statuses") or []
    configured = (config.get("filter") or {}).get("status") or []
    return sorted(set(expected) - set(configured))


def hook_problem(check: SyncCheck, rule: SlaRule) -> str:
    """What is wrong with the hook configuration VTEX returned, or ""."""
    if check.hook_error:
        return check.hook_error
    config = check.hook_config or {}
    url = (config.get("hook") or {}).get("url", "")
    expected_url = rule.expected.get("url")
    if expected_url and url != expected_url:
        return _("The hook at VTEX posts to %(url)s instead of %(expected)s.") % {
            "url": url,
            "expected": expected_url,
        }
    if check.hook_token_matches is False:
        return _("The hook at VTEX does not send Ponte's X-Ponte-Hook-Token.")
    missing = _statuses_missing(config, rule)
    if missing:
        return _("The hook at VTEX leaves out statuses: %(statuses)s.") % {
            "statuses": ", ".join(missing)
        }
    return ""


def feed_problem(check: SyncCheck, rule: SlaRule) -> str:
    if check.feed_error:
        return check.feed_error
    missing = _statuses_missing(check.feed_config or {}, rule)
    if missing:
        return _("The feed at VTEX leaves out statuses: %(statuses)s.") % {
            "statuses": ", ".join(missing)
        }
    return ""


def _integration_finding(key: str, problem: str, check: SyncCheck) -> list[Finding]:
    if not problem:
        return []
    return [
        Finding(
            subject_key=key,
            subject_type=Subject.INTEGRATION,
            message=problem,
            details={"checked_at": check.checked_at.isoformat()},
        )
    ]


def hook_config(rule: SlaRule, context: Context) -> list[Finding]:
    check = _latest_check(context)
    if check is None:
        return []
    return _integration_finding(INTEGRATION_HOOK, hook_problem(check, rule), check)


def feed_config(rule: SlaRule, context: Context) -> list[Finding]:
    check = _latest_check(context)
    if check is None:
        return []
    return _integration_finding(INTEGRATION_FEED, feed_problem(check, rule), check)


# Consecutive checks whose backlog must rise before the backlog counts as growing.
BACKLOG_SAMPLES = 3


def feed_backlog(rule: SlaRule, context: Context) -> list[Finding]:
    """Find a growing backlog: it rose in each of the last checks and exceeds
    `threshold`."""
    backlogs = [
        check.feed_backlog
        for check in context.latest_checks[: BACKLOG_SAMPLES + 1]
        if check.feed_backlog is not None
    ]
    if len(backlogs) <= BACKLOG_SAMPLES or backlogs[0] <= rule.threshold:
        return []
    # Newest first: growing means each value is above the one after it.
    if any(
        newer <= older for newer, older in zip(backlogs, backlogs[1:], strict=False)
    ):
        return []
    return [
        Finding(
            subject_key=INTEGRATION_FEED_BACKLOG,
            subject_type=Subject.INTEGRATION,
            message=_("The VTEX feed backlog grew to %(count)d messages.")
            % {"count": backlogs[0]},
            details={"backlogs": backlogs},
        )
    ]


RULES: dict[str, RuleKind] = {
    Kind.OFFER_NOT_ACCEPTED: RuleKind(
        offer_not_accepted,
        ThresholdUnit(npgettext_lazy("threshold unit", "minute", "minutes", "count")),
        condition_met=_assignment_condition_met(late_offers),
    ),
    Kind.NOT_FULFILLED: RuleKind(
        not_fulfilled,
        ThresholdUnit(
            npgettext_lazy(
                "threshold unit",
                "hour after acceptance, for parts without a ship-by time",
                "hours after acceptance, for parts without a ship-by time",
                "count",
            )
        ),
        condition_met=_assignment_condition_met(past_ship_by),
    ),
    Kind.DELIVERY_DATE_PASSED: RuleKind(
        delivery_date_passed,
        ThresholdUnit(
            npgettext_lazy("threshold unit", "hour of grace", "hours of grace", "count")
        ),
        condition_met=_assignment_condition_met(past_promised_delivery),
    ),
    Kind.STUCK_VTEX_STATUS: RuleKind(
        stuck_vtex_status,
        ThresholdUnit(npgettext_lazy("threshold unit", "hour", "hours", "count")),
        condition_met=_order_condition_met(stuck_orders),
    ),
    Kind.STUCK_ASSIGNMENT_STATE: RuleKind(
        stuck_assignment_state,
        ThresholdUnit(npgettext_lazy("threshold unit", "hour", "hours", "count")),
        condition_met=_assignment_condition_met(stuck_assignments),
    ),
    Kind.STATUS_MISMATCH: RuleKind(
        status_mismatch,
        ThresholdUnit(
            npgettext_lazy(
                "threshold unit", "minute of grace", "minutes of grace", "count"
            )
        ),
        condition_met=_assignment_condition_met(mismatched_statuses),
    ),
    Kind.NO_ORDER_SYNCED: RuleKind(
        no_order_synced,
        ThresholdUnit(npgettext_lazy("threshold unit", "minute", "minutes", "count")),
    ),
    Kind.HOOK_CONFIG: RuleKind(
        hook_config,
        ThresholdUnit(npgettext_lazy("threshold unit", "unused", "unused", "count")),
        integration=True,
    ),
    Kind.FEED_CONFIG: RuleKind(
        feed_config,
        ThresholdUnit(npgettext_lazy("threshold unit", "unused", "unused", "count")),
        integration=True,
    ),
    Kind.FEED_BACKLOG: RuleKind(
        feed_backlog,
        ThresholdUnit(npgettext_lazy("threshold unit", "message", "messages", "count")),
        integration=True,
    ),
    Kind.UNROUTABLE: RuleKind(
        unroutable,
        ThresholdUnit(npgettext_lazy("threshold unit", "unused", "unused", "count")),
        condition_met=unroutable_condition_met,
    ),
    Kind.TOTALS_MISMATCH: RuleKind(
        totals_mismatch,
        ThresholdUnit(
            npgettext_lazy(
                "threshold unit", "cent of tolerance", "cents of tolerance", "count"
            )
        ),
        condition_met=_order_condition_met(orders_not_adding_up),
    ),
    Kind.QUARANTINED: RuleKind(
        quarantined,
        ThresholdUnit(npgettext_lazy("threshold unit", "unused", "unused", "count")),
        condition_met=quarantined_condition_met,
    ),
    Kind.INVOICE_CNPJ_MISMATCH: RuleKind(
        invoice_cnpj_mismatch,
        ThresholdUnit(npgettext_lazy("threshold unit", "unused", "unused", "count")),
        condition_met=_assignment_condition_met(foreign_invoices),
    ),
    # One subject per webhook subscription, far fewer than MAX_FINDINGS.
    Kind.WEBHOOK_FAILED: RuleKind(
        webhook_failed,
        ThresholdUnit(npgettext_lazy("threshold unit", "unused", "unused", "count")),
    ),
    Kind.VTEX_WRITEBACK_FAILED: RuleKind(
        vtex_writeback_failed,
        ThresholdUnit(npgettext_lazy("threshold unit", "unused", "unused", "count")),
        condition_met=_order_condition_met(orders_with_failed_writeback),
    ),
}

# Kinds worth re-evaluating when an assignment moves or orders are stored.
ASSIGNMENT_KINDS = (
    Kind.OFFER_NOT_ACCEPTED,
    Kind.NOT_FULFILLED,
    Kind.DELIVERY_DATE_PASSED,
    Kind.STUCK_ASSIGNMENT_STATE,
    Kind.STATUS_MISMATCH,
    Kind.INVOICE_CNPJ_MISMATCH,
)
ORDER_KINDS = (
    Kind.STATUS_MISMATCH,
    Kind.STUCK_VTEX_STATUS,
    Kind.UNROUTABLE,
    Kind.TOTALS_MISMATCH,
    Kind.QUARANTINED,
    Kind.NO_ORDER_SYNCED,
)
