"""The settlement preview through the API: the worked example, HQ only,
nothing posted."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from api.models import ApiToken
from finance.models import Contract, LedgerTransaction
from tests.api.conftest import client_for, integration_for
from tests.finance.conftest import EXAMPLE_TERMS
from tests.i18n import pt_br

pytestmark = pytest.mark.django_db

URL = reverse("api:settlement-preview")


@pytest.fixture
def contract(store_b):
    return Contract.objects.create(
        legal_entity=store_b.legal_entity, valid_from=date(2026, 1, 1), **EXAMPLE_TERMS
    )


def test_store_sold_and_shipped_example(api_hq, store_b, contract):
    response = api_hq.post(
        URL,
        {
            "lines": ["200.00"],
            "freight": "20.00",
            "fulfilling": store_b.code,
            "contract": contract.pk,
        },
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    rows = {row["party"]: row for row in body["rows"]}
    assert body["paid"] == "220.00"
    assert rows["fulfilling_store"]["total"] == "182.00"
    assert rows["franchisor"]["amounts"]["commission"] == "24.00"
    assert rows["franchisor"]["amounts"]["royalty"] == "10.00"
    assert rows["payment_provider"]["total"] == "6.60"
    assert sum(Decimal(row["total"]) for row in body["rows"]) == Decimal("220.00")
    assert not LedgerTransaction.objects.exists()


def test_read_only_hq_token_may_preview(store_b, contract):
    client = client_for(integration_for(hq=True), access=ApiToken.Access.READ)

    response = client.post(
        URL,
        {"lines": ["100.00"], "fulfilling": store_b.code, "contract": contract.pk},
        format="json",
    )

    assert response.status_code == 200


def test_store_token_is_forbidden(api_b, store_b, contract):
    response = api_b.post(
        URL,
        {"lines": ["100.00"], "fulfilling": store_b.code, "contract": contract.pk},
        format="json",
    )

    assert response.status_code == 403


def test_discount_above_lines_is_unprocessable(api_hq, store_b, contract):
    response = api_hq.post(
        URL,
        {
            "lines": ["10.00"],
            "discount": "20.00",
            "fulfilling": store_b.code,
            "contract": contract.pk,
        },
        format="json",
    )

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_preview"
    assert response.json()["error"]["message"] == (
        "The discount R$20.00 exceeds the lines' total R$10.00."
    )
    assert not LedgerTransaction.objects.exists()


def test_discount_message_in_portuguese(api_hq, store_b, contract):
    api_hq.credentials(
        HTTP_AUTHORIZATION=f"Bearer {api_hq.plain}", HTTP_ACCEPT_LANGUAGE="pt-br"
    )

    response = api_hq.post(
        URL,
        {
            "lines": ["10.00", "0.50"],
            "discount": "182.01",
            "fulfilling": store_b.code,
            "contract": contract.pk,
        },
        format="json",
    )

    assert response.status_code == 422
    assert response.json()["error"]["message"] == pt_br(
        "The discount %(discount)s exceeds the lines' total %(total)s.",
        discount="R$ 182,01",
        total="R$ 10,50",
    )
    assert not LedgerTransaction.objects.exists()


def test_missing_lines_name_the_field(api_hq, store_b, contract):
    response = api_hq.post(
        URL, {"fulfilling": store_b.code, "contract": contract.pk}, format="json"
    )

    assert response.status_code == 400
    assert "lines" in response.json()["error"]["fields"]
