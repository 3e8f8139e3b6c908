"""A store's queue over the API: list, accept, reject, pick, ship, invoice."""

from decimal import Decimal

import pytest

from orders.models import VtexOutboxCall
from routing.models import Assignment, StockLevel
from routing.services.stock import StockRow, stock_levels_set
from tests.i18n import pt_br
from tests.routing.test_pages import make_assignment
from tests.routing.test_workflow_checks import nfe_key

pytestmark = pytest.mark.django_db
State = Assignment.State


def url(assignment, action=""):
    return f"/api/v1/assignments/{assignment.pk}/" + (f"{action}/" if action else "")


def test_list_shows_own_assignments_only(api_a, store_a, store_b):
    own = make_assignment(store_a)
    make_assignment(store_b)

    response = api_a.get("/api/v1/assignments/")

    assert response.status_code == 200
    body = response.json()
    assert [row["id"] for row in body["results"]] == [own.pk]
    assert body["results"][0]["location"] == "loja-a"
    assert body["results"][0]["order_id"] == own.order.vtex_order_id
    assert body["results"][0]["value"] == "50.00"


def test_list_filters_by_state(api_a, store_a):
    offered = make_assignment(store_a)
    make_assignment(store_a, state=State.ACCEPTED)

    response = api_a.get("/api/v1/assignments/", {"state": "offered"})

    assert [row["id"] for row in response.json()["results"]] == [offered.pk]


def test_list_rejects_unknown_state(api_a):
    response = api_a.get("/api/v1/assignments/", {"state": "lost"})

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"]["state"][0]["code"] == "invalid_choice"


def test_list_pages_by_cursor(api_a, store_a):
    made = [make_assignment(store_a) for _ in range(3)]

    first = api_a.get("/api/v1/assignments/", {"page_size": 2}).json()
    second = api_a.get(first["next"]).json()

    seen = [row["id"] for row in first["results"] + second["results"]]
    assert sorted(seen) == sorted(a.pk for a in made)
    assert second["next"] is None


def test_detail_has_lines(api_a, store_a):
    assignment = make_assignment(store_a, items=(("2001", 2),))

    body = api_a.get(url(assignment)).json()

    assert body["lines"] == [{"item_index": 0, "sku_id": "2001", "quantity": 2}]


def test_accept_moves_and_queues_start_handling(api_a, store_a):
    assignment = make_assignment(store_a)

    response = api_a.post(url(assignment, "accept"))

    assert response.status_code == 200
    assert response.json()["state"] == "accepted"
    assignment.refresh_from_db()
    assert assignment.state == State.ACCEPTED
    assert VtexOutboxCall.objects.filter(kind="start_handling").count() == 1


def test_accept_twice_is_422(api_a, store_a):
    assignment = make_assignment(store_a)
    api_a.post(url(assignment, "accept"))
    events_before = assignment.events.count()

    response = api_a.post(url(assignment, "accept"))

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_transition"
    assert error["message"] == f"Assignment {assignment.pk} is already accepted."
    assert assignment.events.count() == events_before


def test_reject_out_of_stock_zeroes_named_skus(api_a, store_a):
    assignment = make_assignment(store_a, items=(("2001", 1), ("3107", 1)))
    stock_levels_set(
        rows=[StockRow(store_a.pk, "2001", 5), StockRow(store_a.pk, "3107", 5)],
        source="csv",
    )

    response = api_a.post(
        url(assignment, "reject"),
        {"reason": "out_of_stock", "missing_sku_ids": ["3107"]},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["state"] == "rejected"
    assert response.json()["reject_reason"] == "out_of_stock"
    levels = dict(
        StockLevel.objects.filter(location=store_a).values_list("sku_id", "quantity")
    )
    assert levels == {"2001": 5, "3107": 0}


def test_reject_needs_valid_reason(api_a, store_a):
    assignment = make_assignment(store_a)

    response = api_a.post(url(assignment, "reject"), {"reason": "bored"}, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["fields"]["reason"][0]["code"] == "invalid_choice"
    assignment.refresh_from_db()
    assert assignment.state == State.OFFERED


def test_reject_with_sku_outside_part_is_422(api_a, store_a):
    assignment = make_assignment(store_a)

    response = api_a.post(
        url(assignment, "reject"),
        {"reason": "out_of_stock", "missing_sku_ids": ["9999"]},
        format="json",
    )

    assert response.status_code == 422
    assert "SKU 9999 is not in assignment" in response.json()["error"]["message"]
    assignment.refresh_from_db()
    assert assignment.state == State.OFFERED


def test_picking_ship_and_invoice(api_a, store_a):
    assignment = make_assignment(store_a, state=State.ACCEPTED)

    picking = api_a.post(url(assignment, "picking"))
    shipped = api_a.post(
        url(assignment, "ship"),
        {"carrier": "Correios", "tracking_number": "BR123"},
        format="json",
    )
    invoiced = api_a.post(
        url(assignment, "invoice"),
        {
            "invoice_number": "1234",
            "invoice_key": nfe_key(store_a.legal_entity.cnpj),
            "invoice_value": "50.00",
        },
        format="json",
    )

    assert picking.json()["state"] == "picking"
    assert shipped.json()["tracking_number"] == "BR123"
    assert invoiced.status_code == 200
    assert invoiced.json()["state"] == "invoiced"
    assert invoiced.json()["invoice_value"] == "50.00"
    assignment.refresh_from_db()
    assert assignment.invoice_value == Decimal("50.00")
    assert VtexOutboxCall.objects.filter(kind="invoice").count() == 1


def test_ready_for_pickup(api_a, store_a):
    assignment = make_assignment(
        store_a, state=State.PICKING, delivery_channel="pickup-in-point"
    )

    response = api_a.post(url(assignment, "ready"))

    assert response.status_code == 200
    assert response.json()["state"] == "ready_for_pickup"


def test_ship_needs_tracking(api_a, store_a):
    assignment = make_assignment(store_a, state=State.PICKING)

    response = api_a.post(
        url(assignment, "ship"), {"carrier": "Correios"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["tracking_number"][0]["code"] == (
        "required"
    )
    assignment.refresh_from_db()
    assert assignment.state == State.PICKING


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("123", "Invalid NF-e key: expected 44 characters, got 3."),
        (
            "wrong check digit",
            "Invalid NF-e key: its check digit does not match; copy the key again "
            "from the DANFE.",
        ),
    ],
)
def test_invoice_key_error_names_field(api_a, store_a, key, message):
    assignment = make_assignment(store_a, state=State.SHIPPED)
    if key == "wrong check digit":
        key = nfe_key(store_a.legal_entity.cnpj, check_digit_offset=1)

    response = api_a.post(
        url(assignment, "invoice"),
        {"invoice_number": "1", "invoice_key": key, "invoice_value": "50.00"},
        format="json",
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert list(error["fields"]) == ["invoice_key"]
    assert error["fields"]["invoice_key"] == [{"code": "invalid", "message": message}]
    assignment.refresh_from_db()
    assert assignment.state == State.SHIPPED
    assert assignment.invoice_key == ""
    assert VtexOutboxCall.objects.count() == 0


def test_invoice_key_error_in_portuguese(api_a, store_a):
    api_a.credentials(
        HTTP_AUTHORIZATION=f"Bearer {api_a.plain}", HTTP_ACCEPT_LANGUAGE="pt-br"
    )
    assignment = make_assignment(store_a, state=State.SHIPPED)
    key = nfe_key(store_a.legal_entity.cnpj, check_digit_offset=1)

    response = api_a.post(
        url(assignment, "invoice"),
        {"invoice_number": "1", "invoice_key": key, "invoice_value": "50.00"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["invoice_key"][0]["message"] == pt_br(
        "Invalid NF-e key: its check digit does not match; copy the key again "
        "from the DANFE."
    )
    assignment.refresh_from_db()
    assert assignment.state == State.SHIPPED


def test_invoice_in_wrong_state_is_422(api_a, store_a):
    assignment = make_assignment(store_a, state=State.ACCEPTED)

    response = api_a.post(
        url(assignment, "invoice"),
        {
            "invoice_number": "1",
            "invoice_key": nfe_key(store_a.legal_entity.cnpj),
            "invoice_value": "50.00",
        },
        format="json",
    )

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_transition"
    assignment.refresh_from_db()
    assert assignment.state == State.ACCEPTED
    assert assignment.invoice_key == ""
    assert VtexOutboxCall.objects.count() == 0
