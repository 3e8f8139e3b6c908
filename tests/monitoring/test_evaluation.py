"""Rules become alerts once per subject, resolve when the condition clears,
and escalate when left unacknowledged."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from monitoring.models import Alert, AlertEvent, Notification, SlaRule, SyncCheck
from monitoring.services.evaluation import rules_evaluate
from monitoring.signals import alerts_opened, alerts_resolved
from orders.models import QuarantinedDocument
from routing.models import Assignment, RoutingCase
from tests.i18n import pt_br
from tests.monitoring.conftest import make_assignment, make_rule
from tests.orders.factories import OrderFactory

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
Kind = SlaRule.Kind


@pytest.fixture
def late_offer(store_a):
    return make_assignment(store_a, offered_at=NOW - timedelta(minutes=45))


def test_rule_firing_twice_leaves_one_alert(late_offer):
    rule = make_rule(Kind.OFFER_NOT_ACCEPTED, threshold=30)

    first = rules_evaluate(now=NOW)
    second = rules_evaluate(now=NOW + timedelta(minutes=1))

    assert first["opened"] == 1
    assert second["opened"] == 0
    alerts = Alert.objects.filter(rule=rule)
    assert alerts.count() == 1
    alert = alerts.get()
    assert alert.status == Alert.Status.OPEN
    assert alert.subject_key == f"assignment:{late_offer.pk}"
    assert alert.owner == late_offer.location
    assert list(alert.events.values_list("kind", flat=True)) == ["opened"]


def test_alert_resolves_when_condition_clears(late_offer):
    rule = make_rule(Kind.OFFER_NOT_ACCEPTED, threshold=30)
    rules_evaluate(now=NOW)
    Assignment.objects.filter(pk=late_offer.pk).update(
        state=Assignment.State.ACCEPTED, accepted_at=NOW
    )

    summary = rules_evaluate(now=NOW + timedelta(minutes=1))

    assert summary["resolved"] == 1
    alert = Alert.objects.get(rule=rule)
    assert alert.status == Alert.Status.RESOLVED
    assert alert.resolved_at == NOW + timedelta(minutes=1)
    assert alert.resolved_by is None
    assert list(alert.events.values_list("kind", flat=True)) == ["opened", "resolved"]


def test_open_and_resolve_send_signals_after_commit(
    late_offer, django_capture_on_commit_callbacks
):
    make_rule(Kind.OFFER_NOT_ACCEPTED, threshold=30)
    received = []

    def listen(signal_name):
        def receive(sender, alert_ids, **kwargs):
            received.append((signal_name, list(alert_ids)))

        return receive

    on_open, on_resolve = listen("opened"), listen("resolved")
    alerts_opened.connect(on_open)
    alerts_resolved.connect(on_resolve)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            rules_evaluate(now=NOW)
        Assignment.objects.filter(pk=late_offer.pk).update(
            state=Assignment.State.ACCEPTED, accepted_at=NOW
        )
        with django_capture_on_commit_callbacks(execute=True):
            rules_evaluate(now=NOW + timedelta(minutes=1))
    finally:
        alerts_opened.disconnect(on_open)
        alerts_resolved.disconnect(on_resolve)

    alert = Alert.objects.get()
    assert received == [("opened", [alert.pk]), ("resolved", [alert.pk])]


def test_condition_returning_opens_new_alert(late_offer):
    rule = make_rule(Kind.OFFER_NOT_ACCEPTED, threshold=30)
    rules_evaluate(now=NOW)
    Alert.objects.filter(rule=rule).update(
        status=Alert.Status.RESOLVED, resolved_at=NOW
    )

    rules_evaluate(now=NOW + timedelta(minutes=1))

    assert Alert.objects.filter(rule=rule).count() == 2
    assert Alert.objects.filter(rule=rule, status=Alert.Status.OPEN).count() == 1


def test_database_rejects_second_unresolved_alert(late_offer):
    rule = make_rule(Kind.OFFER_NOT_ACCEPTED, threshold=30)
    rules_evaluate(now=NOW)
    alert = Alert.objects.get()

    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(
            rule=rule,
            severity=alert.severity,
            subject_type=alert.subject_type,
            subject_key=alert.subject_key,
            message="again",
            opened_at=NOW,
            last_seen_at=NOW,
        )
    assert Alert.objects.count() == 1


def test_offer_within_threshold_opens_nothing(store_a):
    make_assignment(store_a, offered_at=NOW - timedelta(minutes=10))
    make_rule(Kind.OFFER_NOT_ACCEPTED, threshold=30)

    assert rules_evaluate(now=NOW)["opened"] == 0
    assert not Alert.objects.exists()


def test_location_rule_replaces_network_rule(store_a, store_b):
    make_assignment(store_a, offered_at=NOW - timedelta(minutes=45))
    late_b = make_assignment(store_b, offered_at=NOW - timedelta(minutes=45))
    network = make_rule(Kind.OFFER_NOT_ACCEPTED, threshold=30)
    make_rule(Kind.OFFER_NOT_ACCEPTED, threshold=60, location=store_a)

    rules_evaluate(now=NOW)

    assert list(Alert.objects.values_list("rule_id", "subject_key")) == [
        (network.pk, f"assignment:{late_b.pk}")
    ]


def test_sales_channel_limits_rule(store_a):
    make_assignment(
        store_a,
        offered_at=NOW - timedelta(minutes=45),
        order=OrderFactory(sales_channel="2"),
    )
    make_rule(Kind.OFFER_NOT_ACCEPTED, threshold=30, sales_channel="1")

    assert rules_evaluate(now=NOW)["opened"] == 0


def test_unacknowledged_alert_escalates_once(late_offer):
    make_rule(
        Kind.OFFER_NOT_ACCEPTED,
        threshold=30,
        severity="warning",
        escalate_after_minutes=15,
    )
    rules_evaluate(now=NOW)

    early = rules_evaluate(now=NOW + timedelta(minutes=10))
    due = rules_evaluate(now=NOW + timedelta(minutes=16))
    again = rules_evaluate(now=NOW + timedelta(minutes=30))

    assert early["escalated"] == 0
    assert due["escalated"] == 1
    assert again["escalated"] == 0
    alert = Alert.objects.get()
    assert alert.severity == "critical"
    assert alert.escalated_at == NOW + timedelta(minutes=16)
    kinds = set(Notification.objects.values_list("kind", flat=True))
    assert kinds == {"alert_opened", "alert_escalated"}


def test_acknowledged_alert_does_not_escalate(late_offer, hq_user):
    from monitoring.services.alerts import alert_acknowledge

    make_rule(Kind.OFFER_NOT_ACCEPTED, threshold=30, escalate_after_minutes=15)
    rules_evaluate(now=NOW)
    alert_acknowledge(alert=Alert.objects.get(), user=hq_user)

    assert rules_evaluate(now=NOW + timedelta(minutes=20))["escalated"] == 0
    assert Alert.objects.get().escalated_at is None


def test_not_fulfilled_after_ship_window(store_a):
    late = make_assignment(
        store_a,
        offered_at=NOW - timedelta(hours=30),
        state=Assignment.State.PICKING,
        accepted_at=NOW - timedelta(hours=25),
    )
    make_assignment(
        store_a,
        offered_at=NOW - timedelta(hours=3),
        state=Assignment.State.ACCEPTED,
        accepted_at=NOW - timedelta(hours=2),
    )
    make_rule(Kind.NOT_FULFILLED, threshold=24)

    rules_evaluate(now=NOW)

    assert list(Alert.objects.values_list("assignment_id", flat=True)) == [late.pk]


def test_delivery_date_passed(store_a):
    order = OrderFactory(linked_to=[store_a], creation_date=NOW - timedelta(days=3))
    order.items.create(
        item_index=0,
        sku_id="1",
        name="Item",
        quantity=1,
        price=Decimal("10.00"),
        selling_price=Decimal("10.00"),
        shipping_estimate_date=NOW - timedelta(hours=2),
    )
    part = make_assignment(
        store_a,
        order=order,
        offered_at=NOW - timedelta(days=3),
        state=Assignment.State.SHIPPED,
        accepted_at=NOW - timedelta(days=3),
    )
    make_rule(Kind.DELIVERY_DATE_PASSED, threshold=1)

    rules_evaluate(now=NOW)

    assert list(Alert.objects.values_list("assignment_id", flat=True)) == [part.pk]


def test_status_mismatch_on_vtex_cancel(store_a):
    order = OrderFactory(linked_to=[store_a], status="canceled")
    part = make_assignment(
        store_a,
        order=order,
        offered_at=NOW - timedelta(hours=1),
        state=Assignment.State.PICKING,
        accepted_at=NOW - timedelta(minutes=50),
    )
    make_rule(Kind.STATUS_MISMATCH, threshold=10)

    rules_evaluate(now=NOW)

    alert = Alert.objects.get()
    assert alert.assignment_id == part.pk
    assert "canceled" in alert.message


def test_stuck_vtex_status(db):
    stuck = OrderFactory(
        status="handling",
        creation_date=NOW - timedelta(days=2),
        last_change=NOW - timedelta(hours=30),
    )
    OrderFactory(
        status="invoiced",
        creation_date=NOW - timedelta(days=2),
        last_change=NOW - timedelta(hours=30),
    )
    make_rule(Kind.STUCK_VTEX_STATUS, threshold=24)

    rules_evaluate(now=NOW)

    assert list(Alert.objects.values_list("order_id", "owner_id")) == [(stuck.pk, None)]


def test_totals_that_do_not_add_up(db):
    wrong = OrderFactory(
        creation_date=NOW - timedelta(days=1),
        total=Decimal("100.00"),
        items_total=Decimal("90.00"),
        shipping_total=Decimal("5.00"),
    )
    OrderFactory(
        creation_date=NOW - timedelta(days=1),
        total=Decimal("100.00"),
        items_total=Decimal("110.00"),
        discounts_total=Decimal("-15.00"),
        shipping_total=Decimal("5.00"),
    )
    make_rule(Kind.TOTALS_MISMATCH, threshold=0)

    rules_evaluate(now=NOW)

    assert list(Alert.objects.values_list("order_id", flat=True)) == [wrong.pk]


def test_unroutable_and_quarantined(db):
    order = OrderFactory()
    RoutingCase.objects.create(order=order, status=RoutingCase.Status.EXCEPTION)
    QuarantinedDocument.objects.create(
        vtex_order_id="999-01",
        reason="items: missing",
        payload="{}",
        payload_sha256="0" * 64,
        source="hook",
    )
    make_rule(Kind.UNROUTABLE)
    make_rule(Kind.QUARANTINED)

    rules_evaluate(now=NOW)

    assert sorted(Alert.objects.values_list("subject_key", flat=True)) == [
        "document:999-01",
        f"order:{order.pk}",
    ]


def test_no_order_synced_only_in_business_hours(db):
    OrderFactory()  # stored now, by its created_at
    rule = make_rule(
        Kind.NO_ORDER_SYNCED,
        threshold=30,
        business_hours_start="09:00",
        business_hours_end="18:00",
    )
    # 12:00 in São Paulo, a day later: inside business hours.
    later = datetime.now(tz=UTC) + timedelta(days=1)
    noon = later.replace(hour=15, minute=0, second=0, microsecond=0)
    night = later.replace(hour=3, minute=0, second=0, microsecond=0)

    assert rules_evaluate(now=night)["opened"] == 0
    assert rules_evaluate(now=noon)["opened"] == 1
    assert Alert.objects.get(rule=rule).subject_key == "integration:vtex-orders"


def _check(at, **fields):
    return SyncCheck.objects.create(checked_at=at, **fields)


def test_hook_missing_at_vtex(db):
    _check(NOW, hook_error="No hook is configured at VTEX.")
    make_rule(Kind.HOOK_CONFIG)

    rules_evaluate(now=NOW)

    assert Alert.objects.get().message == "No hook is configured at VTEX."


def test_hook_url_different_at_vtex(db):
    _check(
        NOW,
        hook_config={
            "filter": {"type": "FromWorkflow", "status": ["invoiced"]},
            "hook": {"url": "https://old.example.com/vtex/hook/", "headers": []},
        },
        hook_token_matches=True,
    )
    make_rule(
        Kind.HOOK_CONFIG,
        expected={
            "url": "https://ponte.example.com/vtex/hook/",
            "statuses": ["invoiced"],
        },
    )

    rules_evaluate(now=NOW)

    assert Alert.objects.get().message == pt_br(
        "The hook at VTEX posts to %(url)s instead of %(expected)s.",
        url="https://old.example.com/vtex/hook/",
        expected="https://ponte.example.com/vtex/hook/",
    )


def test_feed_missing_statuses_then_fixed(db):
    _check(NOW, feed_config={"filter": {"status": ["invoiced"]}, "quantity": 0})
    make_rule(Kind.FEED_CONFIG, expected={"statuses": ["canceled", "invoiced"]})
    rules_evaluate(now=NOW)
    assert Alert.objects.get().message == pt_br(
        "The feed at VTEX leaves out statuses: %(statuses)s.", statuses="canceled"
    )

    _check(
        NOW + timedelta(minutes=1),
        feed_config={"filter": {"status": ["canceled", "invoiced"]}, "quantity": 0},
    )
    rules_evaluate(now=NOW + timedelta(minutes=1))

    assert Alert.objects.get().status == Alert.Status.RESOLVED


def test_feed_backlog_growing(db):
    for minutes, backlog in enumerate([10, 40, 80, 150]):
        _check(NOW + timedelta(minutes=minutes), feed_backlog=backlog)
    make_rule(Kind.FEED_BACKLOG, threshold=100)

    rules_evaluate(now=NOW + timedelta(minutes=3))

    assert Alert.objects.get().subject_key == "integration:vtex-feed-backlog"


def test_feed_backlog_steady_opens_nothing(db):
    for minutes, backlog in enumerate([200, 150, 180, 190]):
        _check(NOW + timedelta(minutes=minutes), feed_backlog=backlog)
    make_rule(Kind.FEED_BACKLOG, threshold=100)

    assert rules_evaluate(now=NOW + timedelta(minutes=3))["opened"] == 0


def test_disabled_rule_is_not_evaluated(late_offer):
    make_rule(Kind.OFFER_NOT_ACCEPTED, threshold=30, is_enabled=False)

    assert rules_evaluate(now=NOW)["opened"] == 0


def test_evaluation_queries_do_not_grow(store_a, django_assert_max_num_queries):
    make_rule(Kind.OFFER_NOT_ACCEPTED, threshold=30)
    make_assignment(store_a, offered_at=NOW - timedelta(minutes=45))
    rules_evaluate(now=NOW)
    for _ in range(5):
        make_assignment(store_a, offered_at=NOW - timedelta(minutes=45))

    # Rules, the finder, the savepoint and its release, the lock, alerts
    # covering the findings, new alerts, their events, the cleared alerts,
    # and notifications (alerts, existing keys, insert, read back).
    with django_assert_max_num_queries(13):
        summary = rules_evaluate(now=NOW + timedelta(minutes=1))
    assert summary["opened"] == 5
    assert AlertEvent.objects.count() == 6


def test_invoice_cnpj_mismatch(store_a):
    flagged = make_assignment(
        store_a,
        offered_at=NOW - timedelta(days=1),
        state=Assignment.State.INVOICED,
        invoice_issuer_mismatch=True,
    )
    make_assignment(
        store_a, offered_at=NOW - timedelta(days=1), state=Assignment.State.INVOICED
    )
    make_rule(Kind.INVOICE_CNPJ_MISMATCH)

    rules_evaluate(now=NOW)

    alert = Alert.objects.get()
    assert alert.assignment_id == flagged.pk
    assert alert.owner == store_a
