"""Writes with Idempotency-Key: a retry returns the first result and changes
nothing; the key with another body is a 422."""

import pytest
from django.utils import translation
from django.utils.translation import pgettext

from api.models import IdempotencyRecord
from orders.models import VtexOutboxCall
from routing.models import Assignment, StockSnapshot
from tests.i18n import pt_br
from tests.routing.test_pages import make_assignment

pytestmark = pytest.mark.django_db


def test_retried_accept_returns_first_result(api_a, store_a):
    assignment = make_assignment(store_a)
    path = f"/api/v1/assignments/{assignment.pk}/accept/"

    first = api_a.post(path, HTTP_IDEMPOTENCY_KEY="k-1")
    events_after_first = assignment.events.count()
    retry = api_a.post(path, HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.status_code == 200
    assert retry.status_code == 200
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert assignment.events.count() == events_after_first
    assert VtexOutboxCall.objects.count() == 1


def test_retry_without_key_is_a_new_request(api_a, store_a):
    assignment = make_assignment(store_a)
    path = f"/api/v1/assignments/{assignment.pk}/accept/"

    api_a.post(path)
    again = api_a.post(path)

    assert again.status_code == 422


def test_retried_stock_push_writes_once(api_a, store_a):
    path = f"/api/v1/locations/{store_a.code}/stock/"
    body = {"rows": [{"sku_id": "2001", "quantity": 3}]}

    api_a.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY="push-1")
    api_a.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY="push-1")

    assert StockSnapshot.objects.count() == 1


def test_key_reused_with_other_body_is_422(api_a, store_a):
    path = f"/api/v1/locations/{store_a.code}/stock/"
    api_a.post(
        path,
        {"rows": [{"sku_id": "2001", "quantity": 3}]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="push-1",
    )

    response = api_a.post(
        path,
        {"rows": [{"sku_id": "2001", "quantity": 9}]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="push-1",
    )

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "idempotency_key_reused"
    assert error["message"] == (
        "Idempotency-Key push-1 was first used for another request, which "
        "differs in body. Use a new key."
    )
    assert list(StockSnapshot.objects.values_list("quantity", flat=True)) == [3]


def test_key_reused_on_other_path_is_422(api_a, store_a):
    first = make_assignment(store_a)
    second = make_assignment(store_a)
    api_a.post(f"/api/v1/assignments/{first.pk}/accept/", HTTP_IDEMPOTENCY_KEY="k")

    response = api_a.post(
        f"/api/v1/assignments/{second.pk}/accept/", HTTP_IDEMPOTENCY_KEY="k"
    )

    assert response.status_code == 422
    assert response.json()["error"]["message"] == (
        "Idempotency-Key k was first used for another request, which differs in "
        f"path (first /api/v1/assignments/{first.pk}/accept/, now "
        f"/api/v1/assignments/{second.pk}/accept/). Use a new key."
    )
    second.refresh_from_db()
    assert second.state == Assignment.State.OFFERED
    assert IdempotencyRecord.objects.count() == 1


def test_key_reused_names_every_difference(api_a, store_a):
    path = f"/api/v1/locations/{store_a.code}/stock/"
    api_a.post(
        path,
        {"rows": [{"sku_id": "2001", "quantity": 3}]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="push-1",
    )
    # Only POST reaches the idempotent writes, so the test edits the stored
    # record to simulate a first request with another method and path.
    IdempotencyRecord.objects.update(method="PUT", path="/api/v1/other/")

    response = api_a.post(
        path,
        {"rows": [{"sku_id": "2001", "quantity": 9}]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="push-1",
    )

    assert response.status_code == 422
    assert response.json()["error"]["message"] == (
        "Idempotency-Key push-1 was first used for another request, which "
        "differs in method (first PUT, now POST), path (first /api/v1/other/, "
        f"now {path}), body. Use a new key."
    )
    assert list(StockSnapshot.objects.values_list("quantity", flat=True)) == [3]


def test_key_reused_message_in_portuguese(api_a, store_a):
    api_a.credentials(
        HTTP_AUTHORIZATION=f"Bearer {api_a.plain}", HTTP_ACCEPT_LANGUAGE="pt-br"
    )
    path = f"/api/v1/locations/{store_a.code}/stock/"
    api_a.post(
        path,
        {"rows": [{"sku_id": "2001", "quantity": 3}]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="push-1",
    )

    response = api_a.post(
        path,
        {"rows": [{"sku_id": "2001", "quantity": 9}]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="push-1",
    )

    with translation.override("pt-br"):
        body = pgettext("request part", "body")
    assert response.json()["error"]["message"] == pt_br(
        "Idempotency-Key %(key)s was first used for another request, which "
        "differs in %(differences)s. Use a new key.",
        key="push-1",
        differences=body,
    )
    assert list(StockSnapshot.objects.values_list("quantity", flat=True)) == [3]


def test_keys_are_per_token(api_a, store_a):
    from tests.api.conftest import client_for, integration_for

    other = client_for(integration_for(store_a))
    first = make_assignment(store_a)
    second = make_assignment(store_a)

    api_a.post(f"/api/v1/assignments/{first.pk}/accept/", HTTP_IDEMPOTENCY_KEY="k")
    response = other.post(
        f"/api/v1/assignments/{second.pk}/accept/", HTTP_IDEMPOTENCY_KEY="k"
    )

    assert response.status_code == 200
    assert IdempotencyRecord.objects.count() == 2


def test_failed_write_is_replayed_too(api_a, store_a):
    assignment = make_assignment(store_a, state=Assignment.State.ACCEPTED)
    path = f"/api/v1/assignments/{assignment.pk}/accept/"

    first = api_a.post(path, HTTP_IDEMPOTENCY_KEY="k")
    retry = api_a.post(path, HTTP_IDEMPOTENCY_KEY="k")

    assert first.status_code == 422
    assert retry.status_code == 422
    assert retry.json() == first.json()


def test_overlong_key_is_400(api_a, store_a):
    assignment = make_assignment(store_a)

    response = api_a.post(
        f"/api/v1/assignments/{assignment.pk}/accept/",
        HTTP_IDEMPOTENCY_KEY="k" * 256,
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_idempotency_key"
    assignment.refresh_from_db()
    assert assignment.state == Assignment.State.OFFERED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_same_key_takes_effect_once(store_a):
    import threading

    from django.db import connection

    from tests.api.conftest import client_for, integration_for

    api = client_for(integration_for(store_a))
    assignment = make_assignment(store_a)
    events_before = assignment.events.count()
    path = f"/api/v1/assignments/{assignment.pk}/accept/"
    barrier = threading.Barrier(2)
    statuses = []

    def accept():
        barrier.wait()
        try:
            statuses.append(api.post(path, HTTP_IDEMPOTENCY_KEY="same").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=accept) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert 200 in statuses
    assert set(statuses) <= {200, 409}
    assert assignment.events.count() == events_before + 1
    assert VtexOutboxCall.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1
