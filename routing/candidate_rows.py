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
from itertools import chain
from operator import itemgetter
from typing import Any

from routing.engine.explain import TABLE_COLUMNS, CandidateTable
from routing.engine.types import CandidateResult

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
    the chosen ones, then the others in columns.

    A `CandidateTable` is packed from its columns, without making its rows.
    """
    if isinstance(results, CandidateTable):
        return _table_pack(results.columns)
    chosen = []
    others = []
    for result in results:
        (chosen if result.chosen else others).append(result)
    stored = [_chosen_row(result) for result in chosen]
    if others:
        stored.append(
            {
                "location_id": None,
                "columnar": _columns(
                    {
                        name: [getattr(result, name) for result in others]
                        for name in TABLE_COLUMNS
                    }
                ),
            }
        )
    return stored


def _table_pack(columns: dict[str, list]) -> list[dict]:
    """Pack a table's columns: the chosen rows come first in table order."""
    flags = columns["chosen"]
    count = flags.index(False) if False in flags else len(flags)
    stored = [
        _chosen_row(CandidateResult(*values))
        for values in zip(
            *(columns[name][:count] for name in TABLE_COLUMNS), strict=True
        )
    ]
    if count < len(flags):
        others = {name: values[count:] for name, values in columns.items()}
        stored.append({"location_id": None, "columnar": _columns(others)})
    return stored


NAN = math.nan


def _columns(values: dict[str, list]) -> dict:
    """Encode the other candidates' columns (lists named as in
    `TABLE_COLUMNS`)."""
    # These run over every candidate of every decision stored, so the
    # positions are looked up by subscript in comprehensions.
    steps = list(dict.fromkeys(values["rejected_by"]))
    if None in steps:
        steps.remove(None)
    step_positions: dict[str | None, int] = {step: i for i, step in enumerate(steps)}
    step_positions[None] = -1
    rejected_by = [step_positions[step] for step in values["rejected_by"]]

    # Filters share one Message among candidates with the same reason, so
    # each distinct object is stored once. The columns hold their messages,
    # so no id is reused meanwhile.
    messages = values["rejected_message"]
    distinct = {id(message): message for message in messages if message is not None}
    reason_list = [message.to_json() for message in distinct.values()]
    message_positions = {key: i for i, key in enumerate(distinct)}
    message_positions[id(None)] = -1
    reason_positions = [message_positions[id(message)] for message in messages]

    finalist_scores = [
        scores
        for scores, step in zip(values["scores"], values["rejected_by"], strict=True)
        if step is None
    ]
    criteria = list(dict.fromkeys(chain.from_iterable(finalist_scores)))
    flat_scores = _flat_scores(finalist_scores, criteria)
    return {
        "count": len(rejected_by),
        "location_id": _encode(ID, values["location_id"]),
        "code": list(values["code"]),
        "distance_km": _encode(
            "d", [NAN if value is None else value for value in values["distance_km"]]
        ),
        "coverage": _encode("f", values["coverage"]),
        "capacity_left": _encode(
            "q", [-1 if value is None else value for value in values["capacity_left"]]
        ),
        "rejected_by": _encode("i", rejected_by),
        "reason": _encode("i", reason_positions),
        "total_score": _encode("f", values["total_score"]),
        "criteria": list(criteria),
        "scores": _encode("f", flat_scores),
        "steps": list(steps),
        "reasons": reason_list,
    }


def _flat_scores(finalist_scores: list[dict], criteria: list[str]) -> list[float]:
    """Return each finalist's scores in `criteria` order, one after another,
    with NaN for a criterion a finalist has no score for."""
    if not criteria:
        return []
    if len(criteria) == 1:
        (name,) = criteria
        return [scores.get(name, NAN) for scores in finalist_scores]
    pick = itemgetter(*criteria)
    try:
        return list(chain.from_iterable(map(pick, finalist_scores)))
    except KeyError:
        return [
            scores.get(name, NAN) for scores in finalist_scores for name in criteria
        ]


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
    for (
        location_id,
        code,
        distance,
        coverage,
        capacity,
        step,
        reason_position,
        total,
    ) in zip(
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
            row["reason"] = reasons[reason_position] if reason_position >= 0 else None
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
