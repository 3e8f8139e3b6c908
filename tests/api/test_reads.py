"""Reads: orders with their history and routing, alerts, money, policies and
simulations, and HQ's simulation start."""

from datetime import UTC, datetime

import pytest

from monitoring.models import Alert
from orders.models import OrderStatusChange
from routing.models import PolicyStep, RoutingPolicy, SimulationRun
from tests.api.data import alert_make, statements_make
from tests.finance.conftest import contracts, finance_network, franchisor  # noqa: F401
from tests.routing.conftest import policy  # noqa: F401
from tests.routing.test_pages import make_assignment

pytestmark = pytest.mark.django_db


def test_order_detail_has_items_history_and_routing(api_a, store_a):
    assignment = make_assignment(store_a, items=(("2001", 2),))
    order = assignment.order
    OrderStatusChange.objects.create(
        order=order,
        from_status="payment-approved",
        to_status="ready-for-handling",
        changed_at=datetime(2026, 3, 2, 15, 5, tzinfo=UTC),
        source="hook",
    )

    body = api_a.get(f"/api/v1/orders/{order.vtex_order_id}/").json()

    assert body["order_id"] == order.vtex_order_id
    assert [item["sku_id"] for item in body["items"]] == ["2001"]
    assert body["status_history"][0]["to_status"] == "ready-for-handling"
    assert body["decisions"][0]["reason"] == "Nearest store with stock."
    assert body["decisions"][0]["candidates"] is None
    assert [a["id"] for a in body["assignments"]] == [assignment.pk]


def test_hq_sees_decision_candidates(api_hq, store_a):
    assignment = make_assignment(store_a)

    body = api_hq.get(f"/api/v1/orders/{assignment.order.vtex_order_id}/").json()

    assert body["decisions"][0]["candidates"] == []


def test_order_list_filters_by_status(api_a, store_a):
    make_assignment(store_a)

    kept = api_a.get("/api/v1/orders/", {"status": "ready-for-handling"}).json()
    dropped = api_a.get("/api/v1/orders/", {"status": "canceled"}).json()

    assert len(kept["results"]) == 1
    assert dropped["results"] == []


def test_unknown_order_is_404(api_a):
    response = api_a.get("/api/v1/orders/0000-01/")

    assert response.status_code == 404


def test_alert_list_and_acknowledge(api_a, store_a):
    alert = alert_make(store_a)

    listed = api_a.get("/api/v1/alerts/", {"status": "open"}).json()
    response = api_a.post(f"/api/v1/alerts/{alert.pk}/acknowledge/")

    assert [row["id"] for row in listed["results"]] == [alert.pk]
    assert response.status_code == 200
    assert response.json()["status"] == "acknowledged"
    alert.refresh_from_db()
    assert alert.status == Alert.Status.ACKNOWLEDGED
    assert alert.acknowledged_by is None


def test_acknowledge_twice_is_422(api_a, store_a):
    alert = alert_make(store_a, status=Alert.Status.ACKNOWLEDGED)

    response = api_a.post(f"/api/v1/alerts/{alert.pk}/acknowledge/")

    assert response.status_code == 422
    assert "no longer open" in response.json()["error"]["message"]


def test_statement_read_and_csv(api_a, finance_network):  # noqa: F811
    statement = statements_make(finance_network)["loja-a"]

    detail = api_a.get(f"/api/v1/statements/{statement.pk}/").json()
    export = api_a.get(f"/api/v1/statements/{statement.pk}/csv/")

    assert detail["amount_to_pay"] == f"{statement.amount_to_pay:.2f}"
    assert detail["period_start"] == "2026-03-01"
    assert export["Content-Type"] == "text/csv; charset=utf-8"
    assert export.content.startswith(b"\xef\xbb\xbf")
    assert finance_network["a"].legal_entity.cnpj in export.content.decode()


def test_ledger_entries_csv_matches_list(api_a, finance_network):  # noqa: F811
    statements_make(finance_network)

    listed = api_a.get("/api/v1/ledger-entries/", {"page_size": 500}).json()
    export = api_a.get("/api/v1/ledger-entries/csv/")
    lines = b"".join(export.streaming_content).decode().splitlines()

    assert lines[0].startswith("id,transaction_id,transaction_kind")
    assert len(lines) - 1 == len(listed["results"])
    first = min(listed["results"], key=lambda row: row["id"])
    cells = lines[1].split(",")
    assert cells[0] == str(first["id"])
    assert cells[-2:] == [first["debit"], first["credit"]]


def test_policies_for_hq(api_hq, policy):  # noqa: F811
    body = api_hq.get("/api/v1/routing/policies/").json()

    assert [row["key"] for row in body["results"]] == ["padrao"]
    assert [step["name"] for step in body["results"][0]["steps"]] == [
        "status",
        "delivery_capability",
        "stock",
        "distance",
    ]


def draft_of(policy):  # noqa: F811
    draft = RoutingPolicy.objects.create(
        key=policy.key, version=2, name="Rascunho", status="draft"
    )
    for step in policy.steps.all():
        PolicyStep.objects.create(
            policy=draft,
            position=step.position,
            kind=step.kind,
            name=step.name,
            params=step.params,
        )
    return draft


def test_hq_starts_simulation(api_hq, policy):  # noqa: F811
    draft = draft_of(policy)

    response = api_hq.post(
        "/api/v1/routing/simulations/start/",
        {
            "policy": draft.pk,
            "period_start": "2026-03-01T00:00:00-03:00",
            "period_end": "2026-03-02T00:00:00-03:00",
        },
        format="json",
    )

    assert response.status_code == 201
    run = SimulationRun.objects.get()
    assert response.json()["id"] == run.pk
    assert run.baseline == policy
    listed = api_hq.get("/api/v1/routing/simulations/").json()
    assert [row["id"] for row in listed["results"]] == [run.pk]


def test_simulation_with_empty_period_is_422(api_hq, policy):  # noqa: F811
    draft = draft_of(policy)

    response = api_hq.post(
        "/api/v1/routing/simulations/start/",
        {
            "policy": draft.pk,
            "period_start": "2026-03-02T00:00:00-03:00",
            "period_end": "2026-03-01T00:00:00-03:00",
        },
        format="json",
    )

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_simulation"
    assert not SimulationRun.objects.exists()


def test_store_token_cannot_start_simulation(api_a, policy):  # noqa: F811
    response = api_a.post(
        "/api/v1/routing/simulations/start/",
        {
            "policy": policy.pk,
            "period_start": "2026-03-01T00:00:00-03:00",
            "period_end": "2026-03-02T00:00:00-03:00",
        },
        format="json",
    )

    assert response.status_code == 403
    assert not SimulationRun.objects.exists()


def test_messages_default_to_portuguese(api_a, store_a):
    from rest_framework.test import APIClient

    assignment = make_assignment(store_a, state="accepted")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_a.plain}")

    response = client.post(f"/api/v1/assignments/{assignment.pk}/accept/")

    assert response.status_code == 422
    assert response.json()["error"]["message"] == (
        f"A atribuição {assignment.pk} já está aceita."
    )


def test_schema_and_docs_served(client):
    schema = client.get("/api/v1/schema/")
    as_json = client.get("/api/v1/schema/", {"format": "json"})
    docs = client.get("/api/v1/docs/")

    assert schema.status_code == 200
    assert b"/api/v1/assignments/{id}/accept/" in schema.content
    assert "/api/v1/locations/{code}/stock/" in as_json.json()["paths"]
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content
    assert b"//cdn" not in docs.content


@pytest.mark.parametrize("period", ["-1.7976931348623157e+308", str(2**63), "1.5", "0"])
def test_ledger_entries_reject_invalid_period(api_a, period):
    response = api_a.get("/api/v1/ledger-entries/", {"period": period})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert "period" in response.json()["error"]["fields"]


def test_ledger_entries_filter_by_period(api_a, finance_network):  # noqa: F811
    statements_make(finance_network)
    listed = api_a.get("/api/v1/ledger-entries/", {"page_size": 500}).json()
    period_id = listed["results"][0]["period_id"]

    filtered = api_a.get(
        "/api/v1/ledger-entries/", {"period": period_id, "page_size": 500}
    ).json()

    assert filtered["results"]
    assert all(row["period_id"] == period_id for row in filtered["results"])
