"""The candidate table of a routing decision as stored, and back.

`RoutingDecision.candidates` is a list of dicts. Each chosen candidate is one
dict with its scores. The other candidates, finalists by rank and then the
rejected, are stored in one last entry column by column, numbers as
little-endian arrays in base64 after their array typecode, so that storing a
table of 500 candidates writes no per-row JSON. Coverage and scores are
single precision, which keeps the four decimals the pages show:

    {"location_id": null, "columnar": {
        "count": 498,
        "location_id": "<int64 array>", "code": ["loja-12", ...],
        "distance_km": "<float64 array, NaN when unknown>",
        "coverage": "<float32 array>",
        "capacity_left": "<int64 array, -1 when unlimited>",
        "rejected_by": "<int32 array: position in steps, -1 for finalists>",
        "reason": "<int32 array: position in reasons, -1 for none>",
        "total_score": "<float32 array>",
        "criteria": ["distance", ...],
        "scores": "<float32 array: each finalist's scores in criteria order>",
        "steps": ["stock", ...], "reasons": [["stock_none_one", {}], ...]}}

The entry has a null `location_id`, so readers that look for a location's
row never match it. Earlier decisions stored the others as rows of values
under `packed`, or one dict per candidate with an English
`rejected_reason`; `rows_unpack` reads every form.
"""

import base64
import math
import sys
from array import array
from collections.abc import Iterable, Sequence
from operator import attrgetter
from typing import Any

# Columns of the rows of the earlier `packed` form.
COLUMNS = (
    "location_id",
    "code",
    "distance_km",
    "coverage",
    "capacity_left",
    "rejected_by",
    "reason",
    "total_score",
    "scores",
)
# Every key of an unpacked row, with the value a row lacking it gets.
DEFAULTS: dict[str, Any] = {
    "distance_km": None,
    "coverage": None,
    "capacity_left": None,
    "scores": {},
    "total_score": None,
    "rejected_by": None,
    "reason": None,
    "rejected_reason": None,
    "finalist": False,
    "chosen": False,
}


def rows_pack(results: Iterable) -> list[dict]:
    """Return the stored form of a decision's `CandidateResult`s, in order:
    the chosen ones, then the others in columns."""
    chosen = []
    others = []
    for result in results:
        (chosen if result.chosen else others).append(result)
    stored = [_chosen_row(result) for result in chosen]
    if others:
        stored.append({"location_id": None, "columnar": _columns(others)})
    return stored


_LOCATION_ID = attrgetter("location_id")
_CODE = attrgetter("code")
_DISTANCE = attrgetter("distance_km")
_COVERAGE = attrgetter("coverage")
_CAPACITY = attrgetter("capacity_left")
_REJECTED_BY = attrgetter("rejected_by")
_MESSAGE = attrgetter("rejected_message")
_TOTAL = attrgetter("total_score")
NAN = math.nan


def _columns(results: list) -> dict:
    steps: dict[str, int] = {}
    rejected_by = [
        -1 if step is None else steps.setdefault(step, len(steps))
        for step in map(_REJECTED_BY, results)
    ]
    reason_list: list = []
    # Filters share one Message among candidates with the same reason, so
    # each distinct object is stored once. The results hold their messages,
    # so no id is reused meanwhile.
    by_object: dict[int, int] = {}
    reason_positions = []
    for message in map(_MESSAGE, results):
        if message is None:
            reason_positions.append(-1)
            continue
        position = by_object.get(id(message))
        if position is None:
            position = by_object[id(message)] = len(reason_list)
            reason_list.append(message.to_json())
        reason_positions.append(position)
    finalists = [result for result in results if result.rejected_by is None]
    criteria: dict[str, int] = {}
    for result in finalists:
        for name in result.scores:
            criteria.setdefault(name, len(criteria))
    scores = [result.scores.get(name, NAN) for result in finalists for name in criteria]
    return {
        "count": len(results),
        "location_id": _encode(ID, map(_LOCATION_ID, results)),
        "code": list(map(_CODE, results)),
        "distance_km": _encode(
            "d", [NAN if value is None else value for value in map(_DISTANCE, results)]
        ),
        "coverage": _encode("f", map(_COVERAGE, results)),
        "capacity_left": _encode(
            "q", [-1 if value is None else value for value in map(_CAPACITY, results)]
        ),
        "rejected_by": _encode("i", rejected_by),
        "reason": _encode("i", reason_positions),
        "total_score": _encode("f", map(_TOTAL, results)),
        "criteria": list(criteria),
        "scores": _encode("f", scores),
        "steps": list(steps),
        "reasons": reason_list,
    }


# Location ids as 64-bit integers; a column is "<typecode>:<base64>".
ID = "q"


def _encode(typecode: str, values: Iterable) -> str:
    numbers = array(typecode, values)
    if sys.byteorder == "big":
        numbers.byteswap()
    return f"{typecode}:{base64.b64encode(numbers.tobytes()).decode('ascii')}"


def _decode(typecode: str, text: str) -> array:
    """Read a column; its own typecode prefix, when present, wins."""
    if text[1:2] == ":":
        typecode, text = text[0], text[2:]
    numbers = array(typecode)
    numbers.frombytes(base64.b64decode(text))
    if sys.byteorder == "big":
        numbers.byteswap()
    return numbers


def _chosen_row(result) -> dict:
    return {
        "location_id": result.location_id,
        "code": result.code,
        "distance_km": result.distance_km,
        "coverage": round(result.coverage, 4),
        "capacity_left": result.capacity_left,
        "scores": {name: round(value, 4) for name, value in result.scores.items()},
        "total_score": round(result.total_score, 4),
        "finalist": True,
        "chosen": True,
    }


def rows_unpack(stored: Sequence | None) -> list[dict]:
    """Return one dict per candidate with every key of DEFAULTS, from any
    stored form. A rejected row's reason is under `reason` ([code,
    parameters]) or, for older decisions, `rejected_reason` (English text)."""
    rows = []
    for entry in stored or []:
        if not isinstance(entry, dict):
            continue
        packed = entry.get("packed")
        columnar = entry.get("columnar")
        if entry.get("location_id") is None and isinstance(columnar, dict):
            rows.extend(_columnar_rows(columnar))
        elif entry.get("location_id") is None and isinstance(packed, dict):
            rows.extend(_packed_rows(packed))
        else:
            rows.append({**DEFAULTS, **entry})
    return rows


def _packed_rows(packed: dict) -> list[dict]:
    columns = packed.get("columns") or COLUMNS
    steps = packed.get("steps") or []
    reasons = packed.get("reasons") or []
    criteria = packed.get("criteria") or []
    rows = []
    for values in packed.get("rows") or []:
        row = {**DEFAULTS, **dict(zip(columns, values, strict=False))}
        step = row["rejected_by"]
        if isinstance(step, int):
            row["rejected_by"] = steps[step]
            row["reason"] = None if row["reason"] is None else reasons[row["reason"]]
            row["scores"] = {}
        else:
            row["finalist"] = True
            row["scores"] = dict(zip(criteria, row["scores"] or [], strict=False))
        rows.append(row)
    return rows


def _columnar_rows(columns: dict) -> list[dict]:
    steps = columns["steps"]
    reasons = columns["reasons"]
    criteria = columns["criteria"]
    scores = _decode("d", columns["scores"])
    rejected_by = _decode("i", columns["rejected_by"])
    reason = _decode("i", columns["reason"])
    rows = []
    finalist_index = 0
    for location_id, code, distance, coverage, capacity, step, said, total in zip(
        _decode("q", columns["location_id"]),
        columns["code"],
        _decode("d", columns["distance_km"]),
        _decode("d", columns["coverage"]),
        _decode("q", columns["capacity_left"]),
        rejected_by,
        reason,
        _decode("d", columns["total_score"]),
        strict=True,
    ):
        row = {
            **DEFAULTS,
            "location_id": location_id,
            "code": code,
            "distance_km": None if math.isnan(distance) else distance,
            "coverage": round(coverage, 4),
            "capacity_left": None if capacity < 0 else capacity,
        }
        if step >= 0:
            row["rejected_by"] = steps[step]
            row["reason"] = reasons[said] if said >= 0 else None
        else:
            start = finalist_index * len(criteria)
            finalist_index += 1
            row["finalist"] = True
            row["total_score"] = round(total, 4)
            row["scores"] = {
                name: round(value, 4)
                for name, value in zip(criteria, scores[start:], strict=False)
                if not math.isnan(value)
            }
        rows.append(row)
    return rows
