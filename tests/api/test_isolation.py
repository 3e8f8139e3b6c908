"""A token of store A on every store-B resource: 404, and nothing changes."""

import pytest

from monitoring.models import Alert
from routing.models import Assignment, StockLevel
from tests.api.data import alert_make, statements_make
from tests.finance.conftest import contracts, finance_network, franchisor  # noqa: F401
from tests.routing.test_pages import make_assignment
from tests.routing.test_workflow_checks import nfe_key

pytestmark = pytest.mark.django_db
State = Assignment.State


def assert_not_found(response):
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("state", "action", "body"),
    [
        (State.OFFERED, "accept", {}),
        (State.OFFERED, "reject", {"reason": "damaged"}),
        (State.ACCEPTED, "picking", {}),
        (State.PICKING, "ready", {}),
        (State.PICKING, "ship", {"carrier": "Correios", "tracking_number": "BR1"}),
        (State.SHIPPED, "invoice", None),
    ],
)
def test_action_on_other_store_assignment(api_a, store_b, state, action, body):
    assignment = make_assignment(store_b, state=state)
    if body is None:
        body = {
            "invoice_number": "1",
            "invoice_key": nfe_key(store_b.legal_entity.cnpj),
            "invoice_value": "50.00",
        }
    events_before = assignment.events.count()

    response = api_a.post(
        f"/api/v1/assignments/{assignment.pk}/{action}/", body, format="json"
    )

    assert_not_found(response)
    assignment.refresh_from_db()
    assert assignment.state == state
    assert assignment.events.count() == events_before


def test_other_store_assignment_detail(api_a, store_b):
    assignment = make_assignment(store_b)

    assert_not_found(api_a.get(f"/api/v1/assignments/{assignment.pk}/"))


def test_other_store_order_detail(api_a, store_b):
    assignment = make_assignment(store_b)

    response = api_a.get(f"/api/v1/orders/{assignment.order.vtex_order_id}/")

    assert_not_found(response)


def test_other_store_rows_absent_from_lists(api_a, store_a, store_b):
    make_assignment(store_b)
    alert_make(store_b)

    assert api_a.get("/api/v1/assignments/").json()["results"] == []
    assert api_a.get("/api/v1/orders/").json()["results"] == []
    assert api_a.get("/api/v1/alerts/").json()["results"] == []


def test_stock_push_to_other_store(api_a, store_b):
    response = api_a.post(
        f"/api/v1/locations/{store_b.code}/stock/",
        {"rows": [{"sku_id": "2001", "quantity": 3}]},
        format="json",
    )

    assert_not_found(response)
    assert not StockLevel.objects.exists()


def test_acknowledge_other_store_alert(api_a, store_b):
    alert = alert_make(store_b)

    assert_not_found(api_a.post(f"/api/v1/alerts/{alert.pk}/acknowledge/"))
    alert.refresh_from_db()
    assert alert.status == Alert.Status.OPEN
    assert alert.acknowledged_at is None


def test_other_store_statement_and_entries(api_a, finance_network):  # noqa: F811
    statements = statements_make(finance_network)
    other = statements["loja-b"]

    assert_not_found(api_a.get(f"/api/v1/statements/{other.pk}/"))
    assert_not_found(api_a.get(f"/api/v1/statements/{other.pk}/csv/"))
    listed = api_a.get("/api/v1/statements/").json()["results"]
    assert [row["id"] for row in listed] == [statements["loja-a"].pk]
    entries = api_a.get("/api/v1/ledger-entries/", {"page_size": 500}).json()
    cnpjs = {row["legal_entity"] for row in entries["results"]}
    assert cnpjs == {finance_network["a"].legal_entity.cnpj}
    csv_text = b"".join(
        api_a.get("/api/v1/ledger-entries/csv/").streaming_content
    ).decode()
    assert finance_network["b"].legal_entity.cnpj not in csv_text


def test_store_token_cannot_read_policies(api_a):
    response = api_a.get("/api/v1/routing/policies/")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
