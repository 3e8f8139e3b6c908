"""Turn the evaluation and search results into a `Decision` with its reasons."""

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from operator import itemgetter

from routing.engine import messages as m
from routing.engine.pipeline import Evaluation
from routing.engine.search import (
    UNKNOWN_DISTANCE_KM,
    Option,
    SearchResult,
    rounded_score,
)
from routing.engine.types import (
    ONLY_CANDIDATE,
    PREFER_FEWER_PARTS,
    ROUTED,
    SPLIT_SEARCH,
    TIE_BREAK_CODE,
    TIE_BREAK_DISTANCE,
    UNROUTABLE,
    Candidate,
    CandidateResult,
    Decision,
    Part,
)


def score_text(score: float) -> str:
    """Return a score with three decimals as the decision table shows it:
    stored to four decimals, then rounded half up (Django's floatformat), so
    0.87049 stored as 0.8705 reads 0.871 in the table and in the reason."""
    stored = Decimal(repr(round(score, 4)))
    return str(stored.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP))


def _lines_text(
    allocation: tuple[tuple[int, int], ...], quantities: dict[int, int]
) -> str:
    items = []
    for index, qty in allocation:
        ordered = quantities[index]
        items.append(str(index) if qty == ordered else f"{index} ({qty} of {ordered})")
    return ", ".join(items)


def _distance(distance_km: float | None) -> m.Message:
    if distance_km is None:
        return m.message(m.KM_UNKNOWN)
    return m.message(m.KM, km=f"{distance_km:.1f}")


def capacity_left(candidate: Candidate) -> int | None:
    """Return the orders the location can still take, or None with no limits."""
    daily, concurrent = candidate.daily_capacity, candidate.concurrent_capacity
    if daily <= 0 and concurrent <= 0:
        return None
    room = []
    if daily > 0:
        room.append(daily - candidate.accepted_today)
    if concurrent > 0:
        room.append(concurrent - candidate.open_assignments)
    return max(min(room), 0)


# Columns of a CandidateTable, in CandidateResult's field order.
TABLE_COLUMNS = (
    "location_id",
    "code",
    "distance_km",
    "coverage",
    "capacity_left",
    "scores",
    "total_score",
    "rejected_by",
    "rejected_message",
    "finalist",
    "chosen",
)


class CandidateTable(Sequence):
    """A decision's candidate table: one `CandidateResult` per candidate, in
    table order (see `candidate_table`).

    The table keeps its values by column, taken when it is built, and makes
    the `CandidateResult` rows on first read: storing a decision reads only
    the columns (`columns`), and pages read the stored form. A table equals
    any sequence of the same rows.
    """

    __slots__ = ("columns", "_rows")
    __hash__ = None  # type: ignore[assignment]

    def __init__(self, columns: dict[str, list]) -> None:
        self.columns = columns
        self._rows: tuple[CandidateResult, ...] | None = None

    def _built(self) -> tuple[CandidateResult, ...]:
        if self._rows is None:
            values = [self.columns[name] for name in TABLE_COLUMNS]
            rows = zip(*values, strict=True)
            self._rows = tuple(CandidateResult(*row) for row in rows)
        return self._rows

    def __getitem__(self, index):
        return self._built()[index]

    def __len__(self) -> int:
        return len(self.columns["location_id"])

    def __iter__(self):
        return iter(self._built())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return tuple(self) == tuple(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"CandidateTable({list(self._built())!r})"


def candidate_table(
    evaluation: Evaluation, chosen: set[int], total_units: int
) -> CandidateTable:
    """Build one row per candidate: the chosen, then the other finalists by
    rank, then the rejected by the position of the step that removed them.
    Ties go by location code, then location id.

    Every value is read now, so later changes to the candidates (a routing
    batch reuses them for its next order) do not reach the table.
    """
    positions = {planned.spec.name: i for i, planned in enumerate(evaluation.filters)}
    unknown_position = len(positions)
    no_scores: dict[str, float] = {}
    finalists = []
    # Rejected rows by the position of their step. Most candidates are
    # rejected, and sorting them by step position first would compare long
    # keys, so each step's rows are sorted on their own by code and id.
    rejected: dict[int, list[tuple]] = {}
    for state in evaluation.states:
        candidate = state.candidate
        location_id = candidate.location_id
        distance = state.distance_km
        rejected_by = state.rejected_by
        # capacity_left, inlined: this runs for every candidate.
        daily = candidate.daily_capacity
        concurrent = candidate.concurrent_capacity
        if daily <= 0 and concurrent <= 0:
            room = None
        elif daily <= 0:
            room = max(concurrent - candidate.open_assignments, 0)
        elif concurrent <= 0:
            room = max(daily - candidate.accepted_today, 0)
        else:
            room = max(
                min(
                    daily - candidate.accepted_today,
                    concurrent - candidate.open_assignments,
                ),
                0,
            )
        if rejected_by is None:
            is_chosen = location_id in chosen
            total = state.total_score
            finalists.append(
                (
                    (
                        0 if is_chosen else 1,
                        -total,
                        UNKNOWN_DISTANCE_KM if distance is None else distance,
                        candidate.code,
                        location_id,
                    ),
                    (
                        location_id,
                        candidate.code,
                        distance,
                        state.covered_units / total_units,
                        room,
                        state.scores,
                        total,
                        None,
                        state.rejected_reason,
                        True,
                        is_chosen,
                    ),
                )
            )
            continue
        row = (
            location_id,
            candidate.code,
            distance,
            state.covered_units / total_units,
            room,
            no_scores,
            0.0,
            rejected_by,
            state.rejected_reason,
            False,
            False,
        )
        position = positions.get(rejected_by, unknown_position)
        bucket = rejected.get(position)
        if bucket is None:
            rejected[position] = [row]
        else:
            bucket.append(row)
    finalists.sort(key=_first)
    rows = [row for _key, row in finalists]
    for position in sorted(rejected):
        bucket = rejected[position]
        bucket.sort(key=_code_and_id)
        rows += bucket
    if not rows:
        return CandidateTable({name: [] for name in TABLE_COLUMNS})
    columns = zip(*rows, strict=True)
    return CandidateTable(
        {
            name: list(values)
            for name, values in zip(TABLE_COLUMNS, columns, strict=True)
        }
    )


def _first(pair: tuple) -> tuple:
    return pair[0]


# Sorts rows by (code, location id), the first two columns swapped.
_code_and_id = itemgetter(1, 0)


def parts_of(option: Option) -> tuple[Part, ...]:
    return tuple(
        Part(
            location_id=member.location_id,
            lines=allocation,
            value=value,
            distance_km=member.distance_km,
        )
        for member, allocation, value in zip(
            option.members, option.allocations, option.values, strict=True
        )
    )


def _criterion_mean(option: Option, name: str) -> float:
    total = sum(option.weights)
    if total <= 0:
        return sum(member.scores.get(name, 0.0) for member in option.members) / len(
            option.members
        )
    return (
        sum(
            weight * member.scores.get(name, 0.0)
            for member, weight in zip(option.members, option.weights, strict=True)
        )
        / total
    )


def deciding_criterion(evaluation: Evaluation, best: Option, other: Option) -> str:
    """Return the criterion whose weighted score gap favours `best` the most."""
    winner, margin = SPLIT_SEARCH, 0.0
    for planned in evaluation.criteria:
        name = planned.spec.name
        gap = planned.weight * (
            _criterion_mean(best, name) - _criterion_mean(other, name)
        )
        if gap > margin + 1e-12:
            winner, margin = name, gap
    return winner


def _codes(option: Option) -> str:
    return " + ".join(member.code for member in option.members)


def _fewer_parts_reason(
    evaluation: Evaluation, best: Option, split: bool
) -> m.Message | None:
    """Return why a lone single location beat splits, or None if it did not.

    A split was only passed over for being a split when a finalist with part
    of the order in stock scores higher than the chosen location.
    """
    if not split or len(best.members) != 1:
        return None
    chosen = best.members[0]
    threshold = rounded_score(best.score)
    better = [
        state
        for state in evaluation.finalists
        if state is not chosen and rounded_score(state.total_score) > threshold
    ]
    if not better:
        return None
    top = min(better, key=lambda state: (-state.total_score, state.code))
    return m.message(m.FEWER_PARTS, code=top.code)


def deciding_step(
    evaluation: Evaluation, result: SearchResult, prefer_fewer_parts: bool, split: bool
) -> tuple[str, m.Message]:
    """Return the step that decided and a clause explaining it."""
    best, other = result.best, result.runner_up
    assert best is not None
    if other is None:
        parts = len(best.members)
        if len(evaluation.finalists) > parts:
            fewer_parts = prefer_fewer_parts and _fewer_parts_reason(
                evaluation, best, split
            )
            if fewer_parts:
                return PREFER_FEWER_PARTS, fewer_parts
            if parts == 1:
                return SPLIT_SEARCH, m.message(m.ONLY_SINGLE)
            return SPLIT_SEARCH, m.message(m.ONLY_COMBINATION, parts=parts)
        step = evaluation.last_rejecting_step
        if step is not None:
            return step, m.message(m.ONLY_AFTER_FILTER, step=step)
        return ONLY_CANDIDATE, m.message(m.ONLY_CANDIDATE)

    # With prefer_fewer_parts the search stops at the smallest number of parts
    # that works, so the runner-up has as many parts as the best option.
    if rounded_score(best.score) != rounded_score(other.score):
        criterion = deciding_criterion(evaluation, best, other)
        return criterion, m.message(
            m.SCORE_WON,
            score=score_text(best.score),
            other_score=score_text(other.score),
            other=_codes(other),
            criterion=criterion,
        )
    if round(best.distance, 6) != round(other.distance, 6):
        return TIE_BREAK_DISTANCE, m.message(
            m.DISTANCE_TIE,
            other=_codes(other),
            distance=f"{best.distance:.1f}",
            other_distance=f"{other.distance:.1f}",
        )
    return TIE_BREAK_CODE, m.message(m.CODE_TIE, other=_codes(other))


def removal_summary(evaluation: Evaluation) -> m.Message | None:
    if not evaluation.removed_by:
        return None
    counts = ", ".join(
        f"{name} {count}" for name, count in evaluation.removed_by.items()
    )
    return m.message(
        m.FILTERS_REMOVED,
        removed=sum(evaluation.removed_by.values()),
        total=len(evaluation.states),
        counts=counts,
    )


def with_notes(sentences: list, notes: list) -> tuple:
    """Return the sentences, then the notes not already among them, without
    empty entries. Entries are Messages or English text."""
    texts = [sentence for sentence in sentences if sentence]
    texts += [note for note in notes if note not in sentences]
    return tuple(texts)


def english(sentences) -> str:
    return " ".join(str(sentence) for sentence in sentences)


def routed_decision(
    evaluation: Evaluation,
    result: SearchResult,
    *,
    prefer_fewer_parts: bool,
    split: bool,
    total_units: int,
    quantities: dict[int, int],
    notes: list,
    prefix: m.Message | None = None,
) -> Decision:
    """Build the decision for a routed order, where `quantities` maps each line
    index to its ordered quantity."""
    best = result.best
    assert best is not None
    step, explanation = deciding_step(evaluation, result, prefer_fewer_parts, split)
    parts = parts_of(best)
    if len(parts) == 1:
        member = best.members[0]
        summary = m.message(
            m.ROUTED_TO,
            code=member.code,
            distance=_distance(member.distance_km),
            explanation=explanation,
        )
    else:
        described = [
            m.message(
                m.SPLIT_PART_ONE_LINE if len(allocation) == 1 else m.SPLIT_PART,
                code=member.code,
                lines=_lines_text(allocation, quantities),
                distance=_distance(member.distance_km),
            )
            for member, allocation in zip(best.members, best.allocations, strict=True)
        ]
        summary = m.message(
            m.SPLIT_INTO, count=len(parts), parts=described, explanation=explanation
        )
    chosen = {member.location_id for member in best.members}
    sentences = with_notes([prefix, summary, removal_summary(evaluation)], notes)
    return Decision(
        status=ROUTED,
        parts=parts,
        candidates=candidate_table(evaluation, chosen, total_units),
        deciding_step=step,
        reason=english(sentences),
        notes=tuple(str(note) for note in notes),
        sentences=sentences,
    )


def unroutable_decision(
    evaluation: Evaluation,
    result: SearchResult | None,
    *,
    total_units: int,
    notes: list,
    prefix: m.Message | None = None,
) -> Decision:
    if evaluation.finalists and result is not None:
        step, summary = SPLIT_SEARCH, result.failure
    else:
        step = evaluation.emptied_by or SPLIT_SEARCH
        summary = (
            m.message(m.NO_FINALIST, step=step)
            if evaluation.states
            else m.message(m.NO_CANDIDATES)
        )
    sentences = with_notes([prefix, summary, removal_summary(evaluation)], notes)
    return Decision(
        status=UNROUTABLE,
        parts=(),
        candidates=candidate_table(evaluation, set(), total_units),
        deciding_step=step,
        reason=english(sentences),
        notes=tuple(str(note) for note in notes),
        sentences=sentences,
    )
