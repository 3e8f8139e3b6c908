import json

import pytest
from django.urls import reverse

from orders.models import HookNotification, Order, OrderStatusChange
from tests.orders.conftest import DAY
from tests.orders.documents import vtex_document, vtex_plain

HOOK_TOKEN = "test-hook-token"


def notification(
    order_id, state="ready-for-handling", change="2026-11-27T13:09:45.7654321Z"
):
    return {
        "Domain": "Marketplace",
        "OrderId": order_id,
        "State": state,
        "LastState": "payment-approved",
        "LastChange": "2026-11-27T13:05:11.1234567Z",
        "CurrentChange": change,
        "Origin": {"Account": "ponteteste", "Key": "vtexappkey-ponteteste-TEST"},
    }


def post(client, payload, token=HOOK_TOKEN):
    headers = {"HTTP_X_PONTE_HOOK_TOKEN": token} if token is not None else {}
    return client.post(
        reverse("vtex-hook"),
        data=json.dumps(payload),
        content_type="application/json",
        **headers,
    )


@pytest.mark.django_db
def test_hook_answers_ping_with_200(client):
    response = post(client, {"hookConfig": "ping"}, token=None)

    assert response.status_code == 200
    assert HookNotification.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("token", [None, "", "wrong-token", HOOK_TOKEN + "x"])
def test_hook_rejects_missing_or_wrong_token(client, token):
    response = post(client, notification("1480140512345-01"), token=token)

    assert response.status_code == 401
    assert response.json() == {"error": "Invalid X-Ponte-Hook-Token header."}
    assert HookNotification.objects.count() == 0
    assert Order.objects.count() == 0


@pytest.mark.django_db
def test_hook_rejects_invalid_json(client):
    response = client.post(
        reverse("vtex-hook"),
        data="{nope",
        content_type="application/json",
        HTTP_X_PONTE_HOOK_TOKEN=HOOK_TOKEN,
    )

    assert response.status_code == 400
    assert response.json() == {"error": "The body is not valid JSON."}
    assert HookNotification.objects.count() == 0


@pytest.mark.django_db
def test_hook_rejects_notification_without_order_id(client):
    payload = notification("x")
    del payload["OrderId"]

    response = post(client, payload)

    assert response.status_code == 400
    assert response.json() == {"error": "Missing field(s): OrderId."}
    assert HookNotification.objects.count() == 0


@pytest.mark.django_db
def test_hook_rejects_get(client):
    response = client.get(reverse("vtex-hook"))

    assert response.status_code == 405


@pytest.mark.django_db(transaction=True)
def test_hook_same_notification_three_times_stores_one_order(client, vtex):
    document = vtex_document("delivery-sao-paulo")
    vtex.put_document(vtex_plain(document))

    responses = [post(client, notification(document["orderId"])) for _ in range(3)]

    assert [r.status_code for r in responses] == [200, 200, 200]
    assert [r.json()["status"] for r in responses] == [
        "queued",
        "duplicate",
        "duplicate",
    ]
    assert Order.objects.count() == 1
    assert OrderStatusChange.objects.count() == 1
    assert HookNotification.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_hook_older_change_after_newer_keeps_newer_state(client, vtex):
    newer = vtex_document(
        "delivery-sao-paulo",
        status="handling",
        lastChange="2026-11-27T14:00:00.0000000+00:00",
    )
    older = vtex_document("delivery-sao-paulo")
    order_id = newer["orderId"]
    vtex.put_document(vtex_plain(newer))
    post(client, notification(order_id, "handling", "2026-11-27T14:00:00.0000000Z"))

    # VTEX's response is served late and out of order: the older document arrives
    # with the older notification.
    vtex.put_document(vtex_plain(older))
    response = post(client, notification(order_id))

    order = Order.objects.get()
    assert response.status_code == 200
    assert order.status == "handling"
    assert order.status_changes.count() == 1


@pytest.mark.django_db(transaction=True)
def test_hook_for_generated_order_stores_it(client, vtex):
    order_id = vtex.generate_orders(count=1, start=DAY, end=DAY.replace(hour=23))[0]
    state = vtex.get_document(order_id)["status"] or "order-created"

    response = post(client, notification(order_id, state))

    assert response.status_code == 200
    assert Order.objects.filter(vtex_order_id=order_id).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("token", "status"), [(HOOK_TOKEN, 400), (None, 401)])
def test_hook_rejects_deeply_nested_body(client, token, status):
    headers = {"HTTP_X_PONTE_HOOK_TOKEN": token} if token else {}

    response = client.post(
        reverse("vtex-hook"),
        data="[" * 100_000 + "]" * 100_000,
        content_type="application/json",
        **headers,
    )

    assert response.status_code in (status, 413)
    assert HookNotification.objects.count() == 0


@pytest.mark.django_db
def test_hook_rejects_huge_body_before_reading_it(client):
    response = client.post(
        reverse("vtex-hook"),
        data="x" * 3_000_000,
        content_type="application/json",
        HTTP_X_PONTE_HOOK_TOKEN=HOOK_TOKEN,
    )

    assert response.status_code == 413
    assert response.json() == {"error": "Body too large."}
    assert HookNotification.objects.count() == 0


@pytest.mark.django_db
def test_hook_nested_body_is_invalid_json(client):
    response = client.post(
        reverse("vtex-hook"),
        data="[" * 5000 + "]" * 5000,
        content_type="application/json",
        HTTP_X_PONTE_HOOK_TOKEN=HOOK_TOKEN,
    )

    assert response.status_code == 400
    assert response.json() == {"error": "The body is not valid JSON."}


@pytest.mark.django_db
def test_hook_checks_token_before_json(client):
    response = client.post(
        reverse("vtex-hook"), data="{nope", content_type="application/json"
    )

    assert response.status_code == 401


@pytest.mark.django_db(transaction=True)
def test_hook_with_null_state_is_accepted(client, vtex):
    document = vtex_document("delivery-sao-paulo", status=None, isCompleted=False)
    vtex.put_document(vtex_plain(document))
    payload = notification(document["orderId"])
    payload["State"] = None

    response = post(client, payload)

    assert response.status_code == 200
    assert response.json() == {"status": "queued"}
    assert Order.objects.get().status == ""
