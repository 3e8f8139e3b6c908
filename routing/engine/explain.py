"""Turn the evaluation and search results into a `Decision` with its reasons."""

from routing.engine.pipeline import Evaluation
from routing.engine.search import (
    SCORE_DIGITS,
    UNKNOWN_DISTANCE_KM,
    Option,
    SearchResult,
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


def _lines_text(
    allocation: tuple[tuple[int, int], ...], quantities: dict[int, int]
) -> str:
    items = []
    for index, qty in allocation:
        ordered = quantities[index]
        items.append(str(index) if qty == ordered else f"{index} ({qty} of {ordered})")
    noun = "line" if len(items) == 1 else "lines"
    return f"{noun} {', '.join(items)}"


def _distance_text(distance_km: float | None) -> str:
    return "distance unknown" if distance_km is None else f"{distance_km:.1f} km"


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


def candidate_table(
    evaluation: Evaluation, chosen: set[int], total_units: int
) -> tuple[CandidateResult, ...]:
    """Build one row per candidate: the chosen, then the other finalists by
    rank, then the rejected by the position of the step that removed them."""
    positions = {planned.spec.name: i for i, planned in enumerate(evaluation.filters)}
    unknown_position = len(positions)
    keyed = []
    for state in evaluation.states:
        candidate = state.candidate
        location_id = candidate.location_id
        distance = state.distance_km
        rejected_by = state.rejected_by
        is_chosen = location_id in chosen
        finalist = rejected_by is None
        if finalist:
            total = state.total_score
            scores = state.scores
            key = (
                0 if is_chosen else 1,
                -total,
                UNKNOWN_DISTANCE_KM if distance is None else distance,
                candidate.code,
                location_id,
            )
        else:
            total, scores = 0.0, {}
            position = positions.get(rejected_by, unknown_position)
            key = (2, position, 0.0, candidate.code, location_id)
        row = CandidateResult(
            location_id,
            candidate.code,
            distance,
            state.covered_units / total_units,
            capacity_left(candidate),
            scores,
            total,
            rejected_by,
            state.rejected_reason,
            finalist,
            is_chosen,
        )
        keyed.append((key, row))
    keyed.sort(key=lambda pair: pair[0])
    return tuple(row for _key, row in keyed)


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
) -> str | None:
    """Return why a lone single location beat splits, or None if it did not.

    A split was only passed over for being a split when a finalist with part
    of the order in stock scores higher than the chosen location.
    """
    if not split or len(best.members) != 1:
        return None
    chosen = best.members[0]
    threshold = round(best.score, SCORE_DIGITS)
    better = [
        state
        for state in evaluation.finalists
        if state is not chosen and round(state.total_score, SCORE_DIGITS) > threshold
    ]
    if not better:
        return None
    top = min(better, key=lambda state: (-state.total_score, state.code))
    return (
        f"the only single location that holds every unit, and the policy prefers "
        f"fewer parts to splits with higher-scoring locations such as {top.code}"
    )


def deciding_step(
    evaluation: Evaluation, result: SearchResult, prefer_fewer_parts: bool, split: bool
) -> tuple[str, str]:
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
            size = "a single location" if parts == 1 else f"{parts} locations"
            return SPLIT_SEARCH, f"the only option with {size} that holds every unit"
        step = evaluation.last_rejecting_step
        if step is not None:
            return step, f"the only location left after the {step} filter"
        return ONLY_CANDIDATE, "the only candidate"

    # With prefer_fewer_parts the search stops at the smallest number of parts
    # that works, so the runner-up has as many parts as the best option.
    if round(best.score, SCORE_DIGITS) != round(other.score, SCORE_DIGITS):
        criterion = deciding_criterion(evaluation, best, other)
        return criterion, (
            f"score {best.score:.3f} against {other.score:.3f} for {_codes(other)}, "
            f"decided mostly by {criterion}"
        )
    if round(best.distance, 6) != round(other.distance, 6):
        return TIE_BREAK_DISTANCE, (
            f"same score as {_codes(other)} and a shorter total distance "
            f"({best.distance:.1f} km against {other.distance:.1f} km)"
        )
    return TIE_BREAK_CODE, (
        f"same score and distance as {_codes(other)}, so location codes break the tie"
    )


def removal_summary(evaluation: Evaluation) -> str:
    if not evaluation.removed_by:
        return ""
    counts = ", ".join(
        f"{name} {count}" for name, count in evaluation.removed_by.items()
    )
    removed = sum(evaluation.removed_by.values())
    return (
        f"Filters removed {removed} of {len(evaluation.states)} locations ({counts})."
    )


def _with_notes(sentences: list[str], notes: list[str]) -> str:
    """Join the sentences and the notes, skipping notes already among the
    sentences."""
    texts = [sentence for sentence in sentences if sentence]
    texts += [note for note in notes if note not in sentences]
    return " ".join(texts)


def routed_decision(
    evaluation: Evaluation,
    result: SearchResult,
    *,
    prefer_fewer_parts: bool,
    split: bool,
    total_units: int,
    quantities: dict[int, int],
    notes: list[str],
    prefix: str = "",
) -> Decision:
    """Build the decision for a routed order, where `quantities` maps each line
    index to its ordered quantity."""
    best = result.best
    assert best is not None
    step, explanation = deciding_step(evaluation, result, prefer_fewer_parts, split)
    parts = parts_of(best)
    if len(parts) == 1:
        member = best.members[0]
        distance = _distance_text(member.distance_km)
        summary = f"Routed to {member.code} ({distance}): {explanation}."
    else:
        described = " and ".join(
            f"{member.code} takes {_lines_text(allocation, quantities)} "
            f"({_distance_text(member.distance_km)})"
            for member, allocation in zip(best.members, best.allocations, strict=True)
        )
        summary = (
            f"Split into {len(parts)} parts: {described}. Chosen for {explanation}."
        )
    chosen = {member.location_id for member in best.members}
    return Decision(
        status=ROUTED,
        parts=parts,
        candidates=candidate_table(evaluation, chosen, total_units),
        deciding_step=step,
        reason=_with_notes([prefix, summary, removal_summary(evaluation)], notes),
        notes=tuple(notes),
    )


def unroutable_decision(
    evaluation: Evaluation,
    result: SearchResult | None,
    *,
    total_units: int,
    notes: list[str],
    prefix: str = "",
) -> Decision:
    if evaluation.finalists and result is not None:
        step, summary = SPLIT_SEARCH, result.failure
    else:
        step = evaluation.emptied_by or SPLIT_SEARCH
        summary = (
            f"No location passed the filters, and the last ones were removed by {step}."
            if evaluation.states
            else "No candidate locations were given."
        )
    return Decision(
        status=UNROUTABLE,
        parts=(),
        candidates=candidate_table(evaluation, set(), total_units),
        deciding_step=step,
        reason=_with_notes([prefix, summary, removal_summary(evaluation)], notes),
        notes=tuple(notes),
    )
