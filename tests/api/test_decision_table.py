"""HQ reads a decision's candidate table through the API as plain rows."""

import pytest

from routing.candidate_rows import rows_pack
from routing.engine.messages import message
from routing.engine.types import CandidateResult
from tests.routing.test_pages import make_assignment

pytestmark = pytest.mark.django_db


def row(location_id, code, **fields) -> CandidateResult:
    values = {
        "distance_km": 3.5,
        "coverage": 1.0,
        "capacity_left": None,
        "scores": {"distance": 1.0},
        "total_score": 1.0,
        "rejected_by": None,
        "rejected_message": None,
        "finalist": True,
        "chosen": False,
    }
    values.update(fields)
    return CandidateResult(location_id, code, **values)


def test_hq_gets_every_candidate_as_a_row(api_hq, store_a, store_b):
    assignment = make_assignment(store_a)
    decision = assignment.decision
    decision.candidates = rows_pack(
        [
            row(store_a.pk, store_a.code, chosen=True),
            row(
                store_b.pk,
                store_b.code,
                scores={},
                total_score=0.0,
                finalist=False,
                rejected_by="stock",
                rejected_message=message("stock_none_one"),
            ),
        ]
    )
    decision.save(update_fields=["candidates"])

    body = api_hq.get(f"/api/v1/orders/{assignment.order.vtex_order_id}/").json()

    rows = body["decisions"][0]["candidates"]
    assert [r["code"] for r in rows] == [store_a.code, store_b.code]
    assert rows[0]["chosen"] is True
    assert rows[1]["rejected_by"] == "stock"
    assert rows[1]["reason"] == ["stock_none_one", {}]
    assert rows[1]["distance_km"] == 3.5
    assert "columnar" not in rows[1]
