"""The stored form of candidate tables."""

from routing.candidate_rows import rows_pack, rows_unpack
from routing.engine.messages import message
from routing.engine.types import CandidateResult
from routing.fields import decode, encode


def result(location_id, code, **fields) -> CandidateResult:
    values = {
        "distance_km": 10.5,
        "coverage": 1.0,
        "capacity_left": None,
        "scores": {},
        "total_score": 0.0,
        "rejected_by": None,
        "rejected_message": None,
        "finalist": True,
        "chosen": False,
    }
    values.update(fields)
    return CandidateResult(location_id, code, **values)


def test_columns_keep_unknown_distance_and_unlimited_capacity():
    no_stock = message("stock_none_one")
    results = [
        result(1, "chosen", chosen=True, scores={"distance": 1.0}, total_score=1.0),
        result(
            2, "second", scores={"distance": 0.25, "fairness": 0.5}, total_score=0.3
        ),
        result(
            3,
            "unplaced",
            distance_km=None,
            capacity_left=4,
            coverage=0.5,
            finalist=False,
            rejected_by="stock",
            rejected_message=no_stock,
        ),
        result(
            4,
            "same-reason",
            finalist=False,
            rejected_by="stock",
            rejected_message=no_stock,
        ),
    ]

    rows = rows_unpack(decode(encode(rows_pack(results))))

    assert [row["code"] for row in rows] == [
        "chosen",
        "second",
        "unplaced",
        "same-reason",
    ]
    second, unplaced, same_reason = rows[1:]
    assert second["finalist"] is True
    assert second["scores"] == {"distance": 0.25, "fairness": 0.5}
    assert second["total_score"] == 0.3
    assert second["capacity_left"] is None
    assert unplaced["distance_km"] is None
    assert unplaced["capacity_left"] == 4
    assert unplaced["coverage"] == 0.5
    assert unplaced["rejected_by"] == "stock"
    assert unplaced["reason"] == ["stock_none_one", {}]
    assert unplaced["finalist"] is False
    assert unplaced["scores"] == {}
    assert same_reason["reason"] == ["stock_none_one", {}]


def test_table_without_others_is_only_the_chosen_rows():
    stored = rows_pack([result(1, "only", chosen=True)])

    assert len(stored) == 1
    assert stored[0]["location_id"] == 1


def test_columns_keep_scores_missing_for_some_finalists():
    results = [
        result(1, "first", scores={"distance": 0.5, "fairness": 1.0}),
        result(2, "second", scores={"fairness": 0.25}),
        result(3, "third", scores={"distance": 0.75}),
    ]

    rows = rows_unpack(decode(encode(rows_pack(results))))

    assert rows[0]["scores"] == {"distance": 0.5, "fairness": 1.0}
    assert rows[1]["scores"] == {"fairness": 0.25}
    assert rows[2]["scores"] == {"distance": 0.75}


def test_columns_keep_single_criterion_scores():
    results = [
        result(1, "first", scores={"distance": 0.5}),
        result(2, "second", scores={"distance": 0.125}),
    ]

    rows = rows_unpack(decode(encode(rows_pack(results))))

    assert [row["scores"] for row in rows] == [
        {"distance": 0.5},
        {"distance": 0.125},
    ]
