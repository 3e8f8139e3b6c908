"""The candidate table of a routing decision as stored, and back.

`RoutingDecision.candidates` is a list of dicts. Each chosen candidate is one
dict with its scores. The other candidates, finalists by rank and then the
rejected, are packed into one last entry as rows of values, at some 50 to 90
bytes of JSON each instead of about 250 for a dict:

    {"location_id": null, "packed": {
        "columns": ["location_id", "code", "distance_km", "coverage",
                    "capacity_left", "rejected_by", "reason", "total_score",
                    "scores"],
        "steps": ["stock", ...],                    # rejected_by values
        "reasons": [["stock_none_one", {}], ...],   # [code, parameters]
        "criteria": ["distance", ...],              # names of `scores`
        "rows": [[12, "loja-12", 3.2, 1.0, 40, null, null, 0.91, [0.95, 0.8]],
                 [17, "loja-17", 512.3, 0.0, 40, 0, 0], ...]}}

A rejected row's `rejected_by` and `reason` are positions in `steps` and
`reasons`; a finalist's are null and its scores follow `criteria`. The packed
entry has a null `location_id`, so readers that look for a location's row
never match it. Decisions stored earlier have one dict per candidate with an
English `rejected_reason`; `rows_unpack` reads every form.
"""

from collections.abc import Iterable, Sequence
from typing import Any

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
    the chosen ones, then the packed others."""
    chosen = []
    packer = _Packer()
    for result in results:
        if result.chosen:
            chosen.append(_chosen_row(result))
        elif result.rejected_by:
            packer.rejected(result)
        else:
            packer.finalist(result)
    if packer.rows:
        chosen.append({"location_id": None, "packed": packer.packed()})
    return chosen


class _Packer:
    """The packed entry being built: its rows and the values they share."""

    def __init__(self) -> None:
        self.rows: list[list] = []
        self.steps: dict[str, int] = {}
        self.criteria: dict[str, int] = {}
        self.reasons: dict[str, int] = {}
        self.reason_list: list = []
        # The results hold their messages, so no id is reused while packing.
        self.by_object: dict[int, int] = {}

    def finalist(self, result) -> None:
        for name in result.scores:
            self.criteria.setdefault(name, len(self.criteria))
        self.rows.append(
            [
                *_common_values(result),
                None,
                None,
                round(result.total_score, 4),
                [round(value, 4) for value in result.scores.values()],
            ]
        )

    def rejected(self, result) -> None:
        step = self.steps.setdefault(result.rejected_by, len(self.steps))
        reason = None
        if result.rejected_message is not None:
            reason = self._reason(result.rejected_message)
        self.rows.append([*_common_values(result), step, reason])

    def _reason(self, message) -> int:
        # Filters share one Message among candidates with the same reason,
        # so the object identity finds most repeats without serialising.
        position = self.by_object.get(id(message))
        if position is None:
            stored = message.to_json()
            key = repr(stored)
            position = self.reasons.get(key)
            if position is None:
                position = self.reasons[key] = len(self.reason_list)
                self.reason_list.append(stored)
            self.by_object[id(message)] = position
        return position

    def packed(self) -> dict:
        return {
            "columns": list(COLUMNS),
            "steps": list(self.steps),
            "reasons": self.reason_list,
            "criteria": list(self.criteria),
            "rows": self.rows,
        }


def _common_values(result) -> list:
    return [
        result.location_id,
        result.code,
        result.distance_km,
        round(result.coverage, 4),
        result.capacity_left,
    ]


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
        if entry.get("location_id") is None and isinstance(packed, dict):
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
