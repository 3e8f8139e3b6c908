"""Store routing decisions with a fixed number of bulk statements per batch.

`DecisionWriter` collects the rows a batch of decisions must write: the
decision rows with their candidate tables, the assignments with their lines
and first events, the order links, the stock reservations and the routing
cases. `flush` writes each kind with one bulk statement and must run inside
the caller's transaction.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Q, Value
from django.utils import timezone

from orders.models import Order, OrderLocation
from routing.models import (
    Assignment,
    AssignmentEvent,
    AssignmentLine,
    RoutingCase,
    RoutingDecision,
    StockLevel,
)
from routing.signals import assignments_moved_on_commit

# Rows per INSERT. Each AssignmentLine has 4 columns, so 1,000 rows bind 4,000
# parameters, well under SQLite's 32,766 and PostgreSQL's 65,535.
INSERT_BATCH = 1000
# Locations whose stock rows one locking SELECT reads.
LOCATIONS_PER_LOCK = 200
# Decisions per INSERT: each carries its compressed candidate table, about
# 15 kB for 500 candidates in the routing benchmark.
DECISION_BATCH = 100


@dataclass
class _Offer:
    order: Order
    record: RoutingDecision
    location_id: int
    lines: list[tuple[int, int]]
    value: Decimal
    sla: timedelta
    ship_by: datetime | None
    user: object


class DecisionWriter:
    """Collect the rows of several decisions and write them in bulk."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or timezone.now()
        self.records: list[RoutingDecision] = []
        self.offers: list[_Offer] = []
        self.new_cases: list[RoutingCase] = []
        self.case_updates: dict[int, tuple[str, str]] = {}

    def decision(self, record: RoutingDecision) -> RoutingDecision:
        self.records.append(record)
        return record

    def offer(
        self,
        *,
        order: Order,
        record: RoutingDecision,
        location_id: int,
        lines: list[tuple[int, int]],
        value: Decimal,
        sla: timedelta,
        ship_by: datetime | None = None,
        user=None,
    ) -> None:
        self.offers.append(
            _Offer(order, record, location_id, list(lines), value, sla, ship_by, user)
        )

    def case_create(self, order: Order, status: str, reason: str) -> None:
        self.new_cases.append(RoutingCase(order=order, status=status, reason=reason))

    def case_set(self, order: Order, status: str, reason: str) -> None:
        """Create the order's routing case or change its status and reason."""
        self.case_updates[order.pk] = (status, reason)

    def flush(self) -> list[Assignment]:
        """Write everything collected, in one statement per table, and return
        the assignments created. Must run inside a transaction."""
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError("DecisionWriter.flush must run inside a transaction")
        _decisions_insert(self.records)
        assignments = self._assignments()
        self._reserve()
        RoutingCase.objects.bulk_create(self.new_cases, batch_size=INSERT_BATCH)
        self._cases_update()
        assignments_moved_on_commit(
            [
                (assignment.pk, "", Assignment.State.OFFERED)
                for assignment in assignments
            ]
        )
        self.records, self.offers, self.new_cases = [], [], []
        self.case_updates = {}
        return assignments

    def _assignments(self) -> list[Assignment]:
        now = self.now
        assignments = [
            Assignment(
                order=offer.order,
                decision=offer.record,
                location_id=offer.location_id,
                value=offer.value,
                offered_at=now,
                expires_at=now + offer.sla,
                ship_by=offer.ship_by,
            )
            for offer in self.offers
        ]
        Assignment.objects.bulk_create(assignments, batch_size=INSERT_BATCH)
        lines = []
        events = []
        links = []
        for offer, assignment in zip(self.offers, assignments, strict=True):
            skus = _item_skus(offer.order)
            lines.extend(
                AssignmentLine(
                    assignment=assignment,
                    item_index=index,
                    sku_id=skus[index],
                    quantity=quantity,
                )
                for index, quantity in offer.lines
            )
            events.append(
                AssignmentEvent(
                    assignment=assignment,
                    from_state="",
                    to_state=Assignment.State.OFFERED,
                    at=now,
                    user=offer.user,
                )
            )
            links.append(
                OrderLocation(
                    order=offer.order,
                    location_id=offer.location_id,
                    reason=OrderLocation.Reason.ASSIGNED,
                )
            )
        AssignmentLine.objects.bulk_create(lines, batch_size=INSERT_BATCH)
        AssignmentEvent.objects.bulk_create(events, batch_size=INSERT_BATCH)
        OrderLocation.objects.bulk_create(
            links, batch_size=INSERT_BATCH, ignore_conflicts=True
        )
        return assignments

    def _reserve(self) -> None:
        """Add every offer's units to `reserved`, locking the stock rows in
        primary-key order within each chunk of locations. A SKU without a row
        gets a zero-quantity row, so the reservation is still visible."""
        requested: dict[tuple[int, str], int] = defaultdict(int)
        for offer in self.offers:
            skus = _item_skus(offer.order)
            for index, quantity in offer.lines:
                requested[(offer.location_id, skus[index])] += quantity
        if not requested:
            return

        by_location: dict[int, set[str]] = defaultdict(set)
        for location_id, sku_id in requested:
            by_location[location_id].add(sku_id)

        levels = []
        locations = sorted(by_location)
        # One OR term per location. SQLite parses an OR chain one expression
        # level per term, and its default maximum depth is 1,000
        # (SQLITE_MAX_EXPR_DEPTH), so the terms go in chunks.
        for start in range(0, len(locations), LOCATIONS_PER_LOCK):
            match = Q()
            for location_id in locations[start : start + LOCATIONS_PER_LOCK]:
                match |= Q(
                    location_id=location_id,
                    sku_id__in=sorted(by_location[location_id]),
                )
            levels += (
                StockLevel.objects.select_for_update()
                .filter(match)
                .order_by("pk")
                .values_list("pk", "location_id", "sku_id")
            )

        added = [
            (pk, requested.pop((location_id, sku_id)))
            for pk, location_id, sku_id in levels
        ]
        _reserved_add(added, self.now)

        StockLevel.objects.bulk_create(
            [
                StockLevel(
                    location_id=location_id,
                    sku_id=sku_id,
                    quantity=0,
                    reserved=quantity,
                    source=StockLevel.Source.ADJUSTMENT,
                )
                for (location_id, sku_id), quantity in sorted(requested.items())
            ]
        )

    def _cases_update(self) -> None:
        if not self.case_updates:
            return
        existing = {
            case.order_id: case
            for case in RoutingCase.objects.filter(order_id__in=self.case_updates)
        }
        changed, created = [], []
        for order_id, (status, reason) in self.case_updates.items():
            case = existing.get(order_id)
            if case is None:
                created.append(
                    RoutingCase(order_id=order_id, status=status, reason=reason)
                )
            else:
                case.status, case.reason, case.updated_at = status, reason, self.now
                changed.append(case)
        RoutingCase.objects.bulk_create(created)
        RoutingCase.objects.bulk_update(changed, ["status", "reason", "updated_at"])


def _decisions_insert(records: list[RoutingDecision]) -> None:
    """Insert decision rows in bulk, sending each candidate table as its own
    parameter.

    On PostgreSQL, Django 5.2 inserts literal rows through UNNEST of one array
    per column, which makes psycopg escape every element of each array. The
    tables go in as expressions instead, which makes Django use a plain
    multi-row VALUES list with one compressed table per parameter.

    The tables are compressed here, in the routing thread. Compressing them on
    a second thread while the next order was decided made routing slower:
    encoding the JSON holds the interpreter lock, which the engine then waited
    for.
    """
    field = RoutingDecision._meta.get_field("candidates")
    tables = [record.candidates for record in records]
    for record in records:
        record.candidates = Value(record.candidates, output_field=field)
    try:
        RoutingDecision.objects.bulk_create(records, batch_size=DECISION_BATCH)
    finally:
        for record, table in zip(records, tables, strict=True):
            record.candidates = table


def _reserved_add(added: list[tuple[int, int]], now: datetime) -> None:
    """Add units to `reserved` of the stock levels with the given primary keys,
    in one UPDATE ... FROM (VALUES ...) per chunk.

    Django's bulk_update writes a CASE expression with a branch per row, which
    took PostgreSQL about as long as every other write of a batch together.
    Both PostgreSQL and SQLite (3.33 or later) run UPDATE ... FROM.
    """
    table = StockLevel._meta.db_table
    with connection.cursor() as cursor:
        for start in range(0, len(added), INSERT_BATCH):
            chunk = added[start : start + INSERT_BATCH]
            values = ", ".join(["(%s, %s)"] * len(chunk))
            # Only the table name is formatted in, and it comes from the model.
            # The casts make PostgreSQL type the VALUES columns as integers.
            cursor.execute(
                f"WITH added (level_id, units) AS (VALUES {values}) "  # noqa: S608
                f'UPDATE "{table}" SET "reserved" = "{table}"."reserved" + '
                f'CAST(added.units AS integer), "updated_at" = %s FROM added '
                f'WHERE "{table}"."id" = CAST(added.level_id AS integer)',
                [*(value for pair in chunk for value in pair), now],
            )


def _item_skus(order: Order) -> dict[int, str]:
    return {item.item_index: item.sku_id for item in order.items.all()}
