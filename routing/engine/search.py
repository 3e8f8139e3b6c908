"""The exact search for the best location, or combination of locations.

An option is one location that has every ordered unit in stock, or a
combination of up to `max_parts` locations that together have them. Options
rank, best first, by:

1. fewer parts, when the policy sets `prefer_fewer_parts`;
2. higher combined score: the parts' total scores averaged with each part
   weighted by the value of the units it ships (by unit count when the whole
   order is free), rounded to 9 decimal places;
3. lower total distance, the sum over the parts, where an unknown distance
   counts as `UNKNOWN_DISTANCE_KM`;
4. location codes ascending, comparing the sorted tuples of codes;
5. location ids ascending, which only matters for duplicated codes.

Within a combination the lines are placed in descending value order. Each line
goes whole to one location whenever one of them still has its units, and only
a line that no location can take whole is split, taking units from the
highest-scoring locations first. Every location of a combination gets at least
one line, and with two or more parts every part is worth at least
`min_part_value`. Among the assignments that satisfy this, the search keeps
the one with the highest combined score.

The search enumerates combinations in score order with branch and bound. It
stays exact because it only skips combinations that cannot beat the runner-up
found so far (so the runner-up it reports is exact as well):

- candidates with the same coverage vector (units in stock per ordered SKU,
  capped at the ordered quantity) are interchangeable for feasibility, so only
  the `max_parts` best-ranked of each vector enter the search;
- a partial combination is dropped when the units its remaining slots could
  add cannot complete the order;
- it is also dropped when an upper bound on its combined score (a fractional
  fill of the order's value in score order) is below the runner-up's score, or
  when that bound only ties and its shortest possible distance is longer.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from routing.engine import messages as m
from routing.engine.context import CandidateState, RoutingContext, line_weights

# Stands in for an unknown distance when summing distances for the ranking.
UNKNOWN_DISTANCE_KM = 10_000_000.0
SCORE_DIGITS = 9
EPSILON = 1e-9
_SCORE_SCALE = 10**SCORE_DIGITS


def rounded_score(score: float) -> float:
    """Return a score rounded to SCORE_DIGITS decimals, so that ties do not
    hinge on float noise. round() without digits is several times faster
    than round(score, SCORE_DIGITS), and the ranking runs it per finalist."""
    return round(score * _SCORE_SCALE) / _SCORE_SCALE


@dataclass(frozen=True, slots=True)
class Option:
    """A possible outcome: the locations, their lines and how it ranks.

    `allocations[i]` holds (line index, quantity) pairs for `members[i]`, and
    `weights[i]` is the weight of those units in the combined score.
    """

    members: tuple[CandidateState, ...]
    allocations: tuple[tuple[tuple[int, int], ...], ...]
    values: tuple[Decimal, ...]
    weights: tuple[float, ...]
    score: float
    distance: float
    key: tuple


@dataclass(frozen=True, slots=True)
class SearchResult:
    """The best option, the best other option evaluated, and why none was found."""

    best: Option | None
    runner_up: Option | None
    failure: m.Message | None = None


@dataclass(frozen=True, slots=True)
class _Line:
    index: int
    sku: int
    quantity: int
    unit_price: Decimal
    unit_weight: float


def _distance(state: CandidateState) -> float:
    return UNKNOWN_DISTANCE_KM if state.distance_km is None else state.distance_km


def _state_order(state: CandidateState) -> tuple:
    return (
        -rounded_score(state.total_score),
        _distance(state),
        state.code,
        state.location_id,
    )


class _Search:
    """The search state for one order: the lines, the finalists and the two
    best options found so far."""

    def __init__(
        self, finalists: Sequence[CandidateState], context: RoutingContext
    ) -> None:
        self.context = context
        self.policy = context.policy
        self.demand = context.demand
        weights = line_weights(context.order)
        sku_positions = {sku: position for position, sku in enumerate(context.skus)}
        self.lines = sorted(
            (
                _Line(
                    line.index,
                    sku_positions[line.sku_id],
                    line.quantity,
                    line.unit_price,
                    weights[line.index],
                )
                for line in context.order.lines
            ),
            key=lambda line: (-line.unit_weight * line.quantity, line.index),
        )
        self.total_weight = sum(line.unit_weight * line.quantity for line in self.lines)
        self.finalists = sorted(finalists, key=_state_order)
        self.best: Option | None = None
        self.runner_up: Option | None = None
        self.covering_combinations = 0

    # Ranking ---------------------------------------------------------------

    def _key(self, members: Sequence[CandidateState], score: float) -> tuple:
        parts = len(members) if self.policy.prefer_fewer_parts else 0
        distance = sum(_distance(member) for member in members)
        ordered = sorted(members, key=lambda member: (member.code, member.location_id))
        return (
            parts,
            -rounded_score(score),
            round(distance, 6),
            tuple(member.code for member in ordered),
            tuple(member.location_id for member in ordered),
        )

    def _offer(self, option: Option) -> None:
        if self.best is None or option.key < self.best.key:
            self.runner_up, self.best = self.best, option
        elif self.runner_up is None or option.key < self.runner_up.key:
            self.runner_up = option

    def _option(
        self,
        members: Sequence[CandidateState],
        allocations: Sequence[Sequence[tuple[int, int]]],
        weights: Sequence[float],
        objective: float,
    ) -> Option:
        prices = {line.index: line.unit_price for line in self.lines}
        order = sorted(
            range(len(members)),
            key=lambda i: (members[i].code, members[i].location_id),
        )
        score = objective / self.total_weight if self.total_weight else 0.0
        return Option(
            members=tuple(members[i] for i in order),
            allocations=tuple(tuple(sorted(allocations[i])) for i in order),
            values=tuple(
                sum((prices[index] * qty for index, qty in allocations[i]), Decimal(0))
                for i in order
            ),
            weights=tuple(weights[i] for i in order),
            score=score,
            distance=sum(_distance(member) for member in members),
            key=self._key(members, score),
        )

    # Single locations ------------------------------------------------------

    def single_locations(self) -> None:
        # The finalists are sorted by score, distance, code and id, which is
        # the option ranking for single locations, so the first two that hold
        # every unit are the best and the runner-up among them.
        total_units = self.context.total_units
        allocation = tuple((line.index, line.quantity) for line in self.lines)
        weight = self.total_weight
        found = 0
        for state in self.finalists:
            if state.covered_units == total_units:
                objective = state.total_score * weight
                self._offer(self._option([state], [allocation], [weight], objective))
                found += 1
                if found == 2:
                    return

    # Combinations ----------------------------------------------------------

    def _pool(self) -> list[CandidateState]:
        """Return the finalists that may join a combination, best first.

        A combination has at most `max_parts - 1` other members, so when more
        than `max_parts` better-ranked finalists share a member's coverage
        vector, two of them are free to replace it and give two better options.
        Keeping `max_parts + 1` per vector therefore keeps the best option and
        the runner-up.
        """
        # NOTE: swapping in a better-ranked member can fail to improve the
        # option when that member's part holds only free items (zero weight),
        # so an equal-score option with a shorter distance could be missed.
        per_vector: dict[tuple[int, ...], int] = {}
        pool = []
        limit = self.policy.max_parts + 1
        for state in self.finalists:
            if state.covered_units == 0:
                continue
            count = per_vector.get(state.cover, 0)
            if count < limit:
                per_vector[state.cover] = count + 1
                pool.append(state)
        return pool

    def _max_weights(self, pool: Sequence[CandidateState]) -> list[float]:
        """Return, per pool member, the most weight its stock could take."""
        by_sku: dict[int, list[tuple[float, int]]] = {}
        for line in self.lines:
            by_sku.setdefault(line.sku, []).append((line.unit_weight, line.quantity))
        for entries in by_sku.values():
            entries.sort(reverse=True)
        result = []
        for state in pool:
            total = 0.0
            for sku, in_stock in enumerate(state.cover):
                left = in_stock
                for unit_weight, quantity in by_sku.get(sku, ()):
                    if left <= 0:
                        break
                    take = min(left, quantity)
                    total += take * unit_weight
                    left -= take
            result.append(total)
        return result

    def combinations(self) -> None:
        """Offer every combination of 2 to `max_parts` locations that could
        beat the runner-up, stopping at the first size that works when the
        policy prefers fewer parts."""
        pool = self._pool()
        size = len(pool)
        if size < 2:
            return
        skus = range(len(self.demand))
        scores = [state.total_score for state in pool]
        distances = [_distance(state) for state in pool]
        max_weights = self._max_weights(pool)
        covers = [state.cover for state in pool]

        # suffix_max[i][s] is the max units of SKU s that any pool member from
        # position i on has in stock.
        suffix_max = [[0] * len(self.demand) for _ in range(size + 1)]
        suffix_min_distance = [float("inf")] * (size + 1)
        for i in range(size - 1, -1, -1):
            suffix_max[i] = [
                max(a, b) for a, b in zip(suffix_max[i + 1], covers[i], strict=True)
            ]
            suffix_min_distance[i] = min(suffix_min_distance[i + 1], distances[i])

        # From a position where every remaining member has the same score the
        # pool is sorted by distance, so a distance bound that fails there
        # fails for every later member too.
        lowest_score = rounded_score(scores[-1])
        flat_tail = [rounded_score(score) == lowest_score for score in scores]

        total_weight = self.total_weight or 1.0
        demand = self.demand
        chosen: list[int] = []
        sums = [0] * len(demand)

        def extend(
            start: int, slots: int, filled: float, weighted: float, distance: float
        ) -> None:
            # `filled` is the weight the chosen members can take, in score
            # order, and `weighted` the score-weighted sum of that weight.
            after = slots - 1
            for i in range(start, size - after):
                # Prune against the runner-up, not the best, so that the
                # runner-up reported with the decision is exact too.
                best = self.runner_up
                room = max(total_weight - filled, 0.0)
                if best is not None:
                    ceiling = (weighted + room * scores[i]) / total_weight
                    if ceiling < best.score - EPSILON:
                        return
                cover = covers[i]
                tail = suffix_max[i + 1]
                if any(sums[s] + cover[s] + after * tail[s] < demand[s] for s in skus):
                    continue
                take = min(room, max_weights[i])
                new_filled = filled + take
                new_weighted = weighted + take * scores[i]
                new_distance = distance + distances[i]
                if best is not None:
                    next_score = scores[i + 1] if i + 1 < size else 0.0
                    rest = max(total_weight - new_filled, 0.0) if after else 0.0
                    ceiling = (new_weighted + rest * next_score) / total_weight
                    if ceiling < best.score - EPSILON:
                        continue
                    lowest = new_distance
                    if after:
                        lowest += after * suffix_min_distance[i + 1]
                    if (
                        ceiling <= best.score + EPSILON
                        and lowest > best.distance + 1e-6
                    ):
                        if flat_tail[i]:
                            return
                        continue
                chosen.append(i)
                for s in skus:
                    sums[s] += cover[s]
                if after:
                    extend(i + 1, after, new_filled, new_weighted, new_distance)
                else:
                    self.covering_combinations += 1
                    self._evaluate([pool[j] for j in chosen])
                for s in skus:
                    sums[s] -= cover[s]
                chosen.pop()

        for parts in range(2, min(self.policy.max_parts, size) + 1):
            if self.best is not None and self.policy.prefer_fewer_parts:
                return
            extend(0, parts, 0.0, 0.0, 0.0)

    def _evaluate(self, members: list[CandidateState]) -> None:
        found = assign_lines(members, self.lines, self.policy.min_part_value)
        if found is not None:
            objective, allocations, weights = found
            self._offer(self._option(members, allocations, weights, objective))

    # Failure -----------------------------------------------------------------

    def failure(self) -> m.Message:
        total = self.context.total_units
        max_covered = max((state.covered_units for state in self.finalists), default=0)
        holder = (
            m.message(m.BEST_SINGLE_HOLDS, covered=max_covered, units=m.units(total))
            if self.finalists
            else m.message(m.NONE_PASSED)
        )
        if not self.context.split:
            return m.message(m.NO_SINGLE_HOLDS, holder=holder)
        max_parts = self.policy.max_parts
        if self.covering_combinations:
            return m.message(
                m.NO_COMBINATION_FITS,
                max_parts=max_parts,
                min_part_value=self.policy.min_part_value,
            )
        return m.message(m.NO_COMBINATION_HOLDS, max_parts=max_parts, holder=holder)


def assign_lines(
    members: Sequence[CandidateState],
    lines: Sequence[_Line],
    min_part_value: Decimal,
) -> tuple[float, list[list[tuple[int, int]]], list[float]] | None:
    """Assign the lines to the members to maximise the combined score.

    `members` must be in descending score order. Returns (objective,
    allocations, weights), where objective is the score-weighted sum of unit
    weights, or None when no assignment gives every member a line and, for two
    or more members, a part worth `min_part_value`.
    """
    count = len(members)
    scores = [member.total_score for member in members]
    remaining = [list(member.cover) for member in members]
    allocations: list[list[tuple[int, int]]] = [[] for _ in range(count)]
    weights = [0.0] * count

    # Upper bound for the lines from position t on: each line at the best
    # score of a member with stock for all of it, or the top score if none.
    line_bounds = []
    for line in lines:
        holders = [
            scores[m]
            for m in range(count)
            if members[m].cover[line.sku] >= line.quantity
        ]
        line_bounds.append(line.unit_weight * line.quantity * max(holders or scores))
    rest_bound = [0.0] * (len(lines) + 1)
    for t in range(len(lines) - 1, -1, -1):
        rest_bound[t] = rest_bound[t + 1] + line_bounds[t]

    best: list = [None]

    def valid() -> bool:
        if any(not allocation for allocation in allocations):
            return False
        if count < 2:
            return True
        prices = {line.index: line.unit_price for line in lines}
        for allocation in allocations:
            value = sum((prices[index] * qty for index, qty in allocation), Decimal(0))
            if value < min_part_value:
                return False
        return True

    def place(t: int, objective: float) -> None:
        if best[0] is not None and objective + rest_bound[t] <= best[0][0] + EPSILON:
            return
        if t == len(lines):
            if valid():
                best[0] = (
                    objective,
                    [list(allocation) for allocation in allocations],
                    list(weights),
                )
            return
        line = lines[t]
        sku, quantity = line.sku, line.quantity
        line_weight = line.unit_weight * quantity
        whole = [m for m in range(count) if remaining[m][sku] >= quantity]
        if whole:
            for m in whole:
                remaining[m][sku] -= quantity
                allocations[m].append((line.index, quantity))
                weights[m] += line_weight
                place(t + 1, objective + line_weight * scores[m])
                weights[m] -= line_weight
                allocations[m].pop()
                remaining[m][sku] += quantity
            return

        # No member has stock left for the whole line, so take its units from
        # the members in score order.
        needed = quantity
        portions = []
        for m in range(count):
            take = min(needed, remaining[m][sku])
            if take > 0:
                portions.append((m, take))
                needed -= take
                if needed == 0:
                    break
        if needed:
            return
        gain = 0.0
        for m, take in portions:
            remaining[m][sku] -= take
            allocations[m].append((line.index, take))
            weights[m] += line.unit_weight * take
            gain += line.unit_weight * take * scores[m]
        place(t + 1, objective + gain)
        for m, take in portions:
            weights[m] -= line.unit_weight * take
            allocations[m].pop()
            remaining[m][sku] += take

    place(0, 0.0)
    return best[0]


def search(
    finalists: Sequence[CandidateState], context: RoutingContext
) -> SearchResult:
    """Return the best option for the order among the finalists."""
    engine = _Search(finalists, context)
    engine.single_locations()
    if context.split:
        engine.combinations()
    if engine.best is None:
        return SearchResult(None, None, engine.failure())
    return SearchResult(engine.best, engine.runner_up)
