"""Stock push: absolute quantities per location, all rows or none."""

from decimal import Decimal

import pytest

from routing.models import StockLevel, StockSnapshot
from routing.services.stock import StockRow, stock_levels_set

pytestmark = pytest.mark.django_db


def push(client, location, rows):
    return client.post(
        f"/api/v1/locations/{location.code}/stock/", {"rows": rows}, format="json"
    )


def test_push_upserts_levels(api_a, store_a):
    stock_levels_set(rows=[StockRow(store_a.pk, "2001", 9)], source="csv")
    StockLevel.objects.filter(sku_id="2001").update(reserved=2)

    response = push(
        api_a,
        store_a,
        [
            {"sku_id": "2001", "quantity": 4},
            {"sku_id": "3107", "quantity": 7, "lead_time_hours": 2.5},
        ],
    )

    assert response.status_code == 200
    assert response.json() == {"location": "loja-a", "rows": 2}
    levels = {
        level.sku_id: level for level in StockLevel.objects.filter(location=store_a)
    }
    assert levels["2001"].quantity == 4
    assert levels["2001"].reserved == 2
    assert levels["2001"].source == StockLevel.Source.ERP
    assert levels["3107"].quantity == 7
    assert levels["3107"].lead_time_hours == Decimal("2.5")


def test_invalid_rows_write_nothing(api_a, store_a):
    response = push(
        api_a,
        store_a,
        [
            {"sku_id": "2001", "quantity": 4},
            {"sku_id": "3107", "quantity": -1},
            {"sku_id": "", "quantity": 1},
            {"sku_id": "2001", "quantity": 2},
            {"sku_id": "9000", "quantity": "3"},
            {"sku_id": "9001", "quantity": 1, "lead_time_hours": -2},
            {"sku_id": "9002", "quantity": 1, "colour": "red"},
            "nope",
        ],
    )

    assert response.status_code == 400
    rows = response.json()["error"]["fields"]["rows"]
    assert sorted(rows, key=int) == ["1", "2", "3", "4", "5", "6", "7"]
    assert rows["1"]["quantity"][0]["code"] == "min_value"
    assert rows["2"]["sku_id"][0]["code"] == "required"
    assert rows["3"]["sku_id"][0] == {
        "code": "duplicate",
        "message": "SKU 2001 appears twice in this push.",
    }
    assert rows["4"]["quantity"][0]["code"] == "invalid"
    assert rows["5"]["lead_time_hours"][0]["code"] == "out_of_range"
    assert rows["6"]["non_field_errors"][0]["message"] == "Unknown field colour."
    assert rows["7"]["non_field_errors"][0]["code"] == "invalid"
    assert not StockLevel.objects.exists()
    assert not StockSnapshot.objects.exists()


def test_empty_push_is_400(api_a, store_a):
    response = push(api_a, store_a, [])

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["rows"][0]["code"] == "required"


def test_push_to_unknown_location_is_404(api_hq):
    response = api_hq.post(
        "/api/v1/locations/nowhere/stock/", {"rows": []}, format="json"
    )

    assert response.status_code == 404


def test_legal_entity_token_pushes_to_its_locations(store_a):
    from tests.api.conftest import client_for, integration_for
    from tests.factories import LocationFactory

    sibling = LocationFactory(code="loja-a2", legal_entity=store_a.legal_entity)
    client = client_for(integration_for(legal_entity=store_a.legal_entity))

    response = push(client, sibling, [{"sku_id": "2001", "quantity": 1}])

    assert response.status_code == 200
    assert StockLevel.objects.get().location == sibling
