"""A VTEX write-back call that failed after every retry raises an HQ alert
on its order, which resolves once HQ sends the call again."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from monitoring.models import Alert, SlaRule
from monitoring.services.evaluation import rules_evaluate
from orders.models import VtexOutboxCall
from tests.i18n import pt_br
from tests.monitoring.conftest import make_rule
from tests.orders.factories import OrderFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
MESSAGE = (
    "VTEX did not accept a start-handling or invoice call for order %(order)s "
    "after every retry (the order is %(status)s at VTEX). Check the order at "
    "VTEX, then send the call again from the admin's VTEX outbox calls."
)


def failed_call(order, kind="start_handling") -> VtexOutboxCall:
    return VtexOutboxCall.objects.create(
        kind=kind,
        order=order,
        path=f"/api/oms/pvt/orders/{order.vtex_order_id}/start-handling",
        body={},
        idempotency_key=f"{kind}:{order.vtex_order_id}",
        status=VtexOutboxCall.Status.FAILED,
        attempts=1,
        next_attempt_at=NOW,
        last_error="409: Order is in status 'invoiced'",
    )


def test_failed_call_opens_one_alert_per_order():
    order = OrderFactory(status="invoiced")
    failed_call(order)
    failed_call(order, kind="invoice")
    make_rule(SlaRule.Kind.VTEX_WRITEBACK_FAILED, threshold=0)

    rules_evaluate(now=NOW)
    rules_evaluate(now=NOW)

    alert = Alert.objects.get()
    assert alert.subject_key == f"order:{order.pk}"
    assert alert.owner is None
    assert alert.message == pt_br(MESSAGE, order=order.vtex_order_id, status="invoiced")


def test_sent_again_call_resolves_the_alert(
    admin_client, django_capture_on_commit_callbacks
):
    order = OrderFactory(status="handling")
    call = failed_call(order)
    make_rule(SlaRule.Kind.VTEX_WRITEBACK_FAILED, threshold=0)
    rules_evaluate(now=NOW)
    assert Alert.objects.get().status == Alert.Status.OPEN

    with django_capture_on_commit_callbacks(execute=False) as sends:
        response = admin_client.post(
            reverse("admin:orders_vtexoutboxcall_changelist"),
            {"action": "send_again", "_selected_action": [call.pk]},
        )
    rules_evaluate(now=NOW)

    assert response.status_code == 302
    call.refresh_from_db()
    assert call.status == VtexOutboxCall.Status.PENDING
    assert call.attempts == 0
    assert len(sends) == 1
    assert Alert.objects.get().status == Alert.Status.RESOLVED


def test_send_again_leaves_sent_calls_alone(admin_client):
    order = OrderFactory()
    call = failed_call(order)
    VtexOutboxCall.objects.filter(pk=call.pk).update(
        status=VtexOutboxCall.Status.SENT, attempts=3
    )

    admin_client.post(
        reverse("admin:orders_vtexoutboxcall_changelist"),
        {"action": "send_again", "_selected_action": [call.pk]},
    )

    call.refresh_from_db()
    assert call.status == VtexOutboxCall.Status.SENT
    assert call.attempts == 3
