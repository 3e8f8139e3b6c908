"""Invoice input errors over the API name their field and change nothing."""

import pytest

from orders.models import VtexOutboxCall
from routing.models import Assignment
from tests.routing.test_pages import make_assignment
from tests.routing.test_workflow_checks import nfe_key

pytestmark = pytest.mark.django_db
State = Assignment.State


def invoice(api, assignment, **fields):
    body = {
        "invoice_number": "1234",
        "invoice_key": nfe_key(assignment.location.legal_entity.cnpj),
        "invoice_value": "50.00",
        **fields,
    }
    return api.post(
        f"/api/v1/assignments/{assignment.pk}/invoice/", body, format="json"
    )


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"invoice_number": "12-34"},
            "invoice_number",
            "Invalid invoice number “12-34”: use letters and digits only.",
        ),
        (
            {"invoice_value": "0.00"},
            "invoice_value",
            "The invoice value must be greater than zero.",
        ),
    ],
)
def test_bad_invoice_field_is_400(api_a, store_a, fields, field, message):
    assignment = make_assignment(store_a, state=State.SHIPPED)

    response = invoice(api_a, assignment, **fields)

    assert response.status_code == 400
    errors = response.json()["error"]["fields"]
    assert list(errors) == [field]
    assert errors[field] == [{"code": "invalid", "message": message}]
    assignment.refresh_from_db()
    assert assignment.state == State.SHIPPED
    assert assignment.invoice_number == ""
    assert VtexOutboxCall.objects.count() == 0


def test_value_outside_part_range_is_400(api_a, store_a):
    assignment = make_assignment(store_a, state=State.SHIPPED)

    response = invoice(api_a, assignment, invoice_value="1234.56")

    assert response.status_code == 400
    errors = response.json()["error"]["fields"]
    assert list(errors) == ["invoice_value"]
    assert errors["invoice_value"][0]["code"] == "invalid"
    assert "does not match this part" in errors["invoice_value"][0]["message"]
    assignment.refresh_from_db()
    assert assignment.state == State.SHIPPED
    assert assignment.invoice_value is None
    assert VtexOutboxCall.objects.count() == 0


def test_wrong_state_stays_422(api_a, store_a):
    assignment = make_assignment(store_a, state=State.ACCEPTED)

    response = invoice(api_a, assignment)

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_transition"
