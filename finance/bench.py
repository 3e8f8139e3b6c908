"""Benchmark the period close on PostgreSQL.

`period_close_bench` fills the ledger with `orders` invoiced orders spread
evenly over `entities` benchmark legal entities, all in one settlement period
(January 2020), using set-based SQL (`generate_series`). Each order posts two
transactions and six entries, as `order_part_settle` does for a sale with
commission and royalty:

- sale: provider clearing D total, store payable C total, store payable D
  commission (12 %), commission revenue C commission;
- royalty: store payable D royalty (5 %), royalty revenue C royalty.

Half of the entries are store-payable entries, the ones a close aggregates.
The benchmark then times two things over the same entries:

- the floor: one `GROUP BY period` over the store-payable entries, the least
  work any close must do;
- the close: `period_close_run`, the body of the Celery task, which closes the
  periods and writes the statements, their lines and events.

Loading the rows runs with `session_replication_role = replica`, which skips
the ledger's triggers and foreign-key checks (the generated rows are
consistent by construction) and needs a PostgreSQL superuser. The benchmark
empties every finance ledger table first, so it rejects a database whose
ledger contains transactions it did not generate.
"""

import logging
import time
from datetime import date
from decimal import Decimal

from django.db import connection, transaction

from finance.models import Account, LedgerTransaction
from finance.models_statements import PayoutStatement, PeriodCloseRun
from finance.services.periods import period_close_run
from franchises.cnpj import FIRST_WEIGHTS, SECOND_WEIGHTS, cnpj_check_digit
from franchises.models import LegalEntity

logger = logging.getLogger(__name__)

KEY_PREFIX = "bench:"
PERIOD_START = date(2020, 1, 1)
PERIOD_END = date(2020, 1, 31)
# Benchmark CNPJs start at this 8-digit root, far from the demo network's.
CNPJ_ROOT = 90_000_000

FLOOR_SQL = """
    SELECT e.period_id, SUM(e.credit - e.debit)
    FROM finance_ledgerentry e
    JOIN finance_account a ON a.id = e.account_id
    WHERE a.purpose = 'store_payable'
    GROUP BY e.period_id
"""


class BenchDatabaseNotEmpty(Exception):
    """The ledger contains transactions the benchmark did not generate."""


def _cnpj(number: int) -> str:
    base = f"{CNPJ_ROOT + number:08d}0001"
    first = cnpj_check_digit(base, FIRST_WEIGHTS)
    second = cnpj_check_digit(base + str(first), SECOND_WEIGHTS)
    return f"{base}{first}{second}"


def _entities(count: int) -> tuple[LegalEntity, list[LegalEntity]]:
    franchisor, _created = LegalEntity.objects.get_or_create(
        cnpj=_cnpj(0),
        defaults={
            "legal_name": "Bench franchisor",
            "kind": LegalEntity.Kind.FRANCHISOR,
        },
    )
    cnpj_numbers = {_cnpj(number): number for number in range(1, count + 1)}
    existing = set(
        LegalEntity.objects.filter(cnpj__in=cnpj_numbers).values_list("cnpj", flat=True)
    )
    LegalEntity.objects.bulk_create(
        [
            LegalEntity(
                cnpj=cnpj,
                legal_name=f"Bench franchisee {number:04d}",
                kind=LegalEntity.Kind.FRANCHISEE,
            )
            for cnpj, number in cnpj_numbers.items()
            if cnpj not in existing
        ]
    )
    stores = list(LegalEntity.objects.filter(cnpj__in=cnpj_numbers).order_by("cnpj"))
    return franchisor, stores


def _ledger_empty() -> None:
    foreign = LedgerTransaction.objects.exclude(
        idempotency_key__startswith=KEY_PREFIX
    ).count()
    if foreign:
        raise BenchDatabaseNotEmpty(
            f"The database contains {foreign} ledger transactions that the benchmark "
            "did not generate, and the benchmark empties the ledger; point "
            "DATABASE_URL at a benchmark-only database."
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE finance_ledgertransaction, finance_settlementperiod, "
            "finance_account, finance_periodcloserun CASCADE"
        )


def ledger_generate(*, orders: int, entities: int) -> dict:
    """Empty the ledger and generate `orders` orders over `entities` entities;
    return the row counts and the seconds it took."""
    started = time.monotonic()
    _ledger_empty()
    franchisor, stores = _entities(entities)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            """
            INSERT INTO finance_account (created_at, updated_at, legal_entity_id, purpose)
            SELECT now(), now(), id, 'store_payable'
            FROM unnest(%s::bigint[]) AS ids(id)
            """,
            [[store.pk for store in stores]],
        )
        for purpose in ("provider_clearing", "commission_revenue", "royalty_revenue"):
            Account.objects.create(legal_entity=franchisor, purpose=purpose)
        cursor.execute(
            """
            INSERT INTO finance_settlementperiod
                (created_at, updated_at, legal_entity_id, starts_on, ends_on, status)
            SELECT now(), now(), id, %s, %s, 'open'
            FROM unnest(%s::bigint[]) AS ids(id)
            """,
            [PERIOD_START, PERIOD_END, [store.pk for store in stores]],
        )
        # One row per order: its store (slot), amounts and transaction ids.
        cursor.execute(
            """
            CREATE TEMPORARY TABLE bench_order ON COMMIT DROP AS
            SELECT g,
                   (SELECT COALESCE(MAX(id), 0) FROM finance_ledgertransaction)
                       + 2 * g - 1 AS sale_id,
                   (SELECT COALESCE(MAX(id), 0) FROM finance_ledgertransaction)
                       + 2 * g AS royalty_id,
                   total,
                   ROUND(total * 0.12, 2) AS commission,
                   ROUND(total * 0.05, 2) AS royalty,
                   (g - 1) %% %s AS slot,
                   TIMESTAMPTZ '2020-01-01 03:00+00'
                       + (g %% 2592000) * INTERVAL '1 second' AS occurred_at
            FROM (
                SELECT g, 20 + ((g::bigint * 7919) %% 30000) / 100.0 AS total
                FROM generate_series(1, %s) AS g
            ) AS generated
            """,
            [entities, orders],
        )
        cursor.execute(
            """
            CREATE TEMPORARY TABLE bench_slot ON COMMIT DROP AS
            SELECT ids.slot - 1 AS slot, a.id AS payable_id, p.id AS period_id
            FROM unnest(%s::bigint[]) WITH ORDINALITY AS ids(entity_id, slot)
            JOIN finance_account a
                ON a.legal_entity_id = ids.entity_id AND a.purpose = 'store_payable'
            JOIN finance_settlementperiod p ON p.legal_entity_id = ids.entity_id
            """,
            [[store.pk for store in stores]],
        )
        cursor.execute(
            """
            INSERT INTO finance_ledgertransaction
                (id, kind, idempotency_key, occurred_at, posted_at, is_late,
                 description, reason)
            SELECT sale_id, 'sale', %s || g || ':sale', occurred_at, now(), false,
                   '', ''
            FROM bench_order
            UNION ALL
            SELECT royalty_id, 'royalty', %s || g || ':royalty', occurred_at, now(),
                   false, '', ''
            FROM bench_order
            """,
            [KEY_PREFIX, KEY_PREFIX],
        )
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('finance_ledgertransaction', 'id'), "
            "(SELECT MAX(id) FROM finance_ledgertransaction))"
        )
        accounts = {
            account.purpose: account.pk
            for account in Account.objects.filter(legal_entity=franchisor)
        }
        cursor.execute(
            """
            INSERT INTO finance_ledgerentry
                (transaction_id, account_id, period_id, entry_type, debit, credit)
            SELECT o.sale_id, %(clearing)s, s.period_id, 'sale', o.total, 0
            FROM bench_order o JOIN bench_slot s USING (slot)
            UNION ALL
            SELECT o.sale_id, s.payable_id, s.period_id, 'sale', 0, o.total
            FROM bench_order o JOIN bench_slot s USING (slot)
            UNION ALL
            SELECT o.sale_id, s.payable_id, s.period_id, 'commission', o.commission, 0
            FROM bench_order o JOIN bench_slot s USING (slot)
            UNION ALL
            SELECT o.sale_id, %(commission)s, s.period_id, 'commission', 0,
                   o.commission
            FROM bench_order o JOIN bench_slot s USING (slot)
            UNION ALL
            SELECT o.royalty_id, s.payable_id, s.period_id, 'royalty', o.royalty, 0
            FROM bench_order o JOIN bench_slot s USING (slot)
            UNION ALL
            SELECT o.royalty_id, %(royalty)s, s.period_id, 'royalty', 0, o.royalty
            FROM bench_order o JOIN bench_slot s USING (slot)
            """,
            {
                "clearing": accounts["provider_clearing"],
                "commission": accounts["commission_revenue"],
                "royalty": accounts["royalty_revenue"],
            },
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE finance_ledgerentry")
        cursor.execute("ANALYZE finance_ledgertransaction")
        cursor.execute("ANALYZE finance_account")
        cursor.execute("ANALYZE finance_settlementperiod")
        cursor.execute("SELECT COUNT(*) FROM finance_ledgerentry")
        entries = cursor.fetchone()[0]
    return {
        "orders": orders,
        "entities": len(stores),
        "entries": entries,
        "seconds": time.monotonic() - started,
    }


def _floor() -> tuple[float, Decimal]:
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute(FLOOR_SQL)
        rows = cursor.fetchall()
    seconds = time.monotonic() - started
    return seconds, sum((total for _period, total in rows), Decimal(0))


def period_close_bench(*, orders: int, entities: int) -> dict:
    """Generate the ledger, then time the floor and the close over it."""
    generated = ledger_generate(orders=orders, entities=entities)
    # The first pass reads the entries into the cache, so neither timed run
    # pays for cold reads.
    _floor()
    floor_seconds, floor_total = _floor()

    run = PeriodCloseRun.objects.create(cutoff=PERIOD_END)
    started = time.monotonic()
    run = period_close_run(run_id=run.pk)
    close_seconds = time.monotonic() - started

    statements = PayoutStatement.objects.filter(close_run=run)
    statement_total = sum(statements.values_list("entries_total", flat=True))
    if statement_total != floor_total or statements.count() != entities:
        raise AssertionError(
            f"The close wrote {statements.count()} statements totalling "
            f"{statement_total}; expected {entities} totalling {floor_total}."
        )
    logger.info(
        "Period close bench: %d orders, close %.2f s, floor %.2f s",
        orders,
        close_seconds,
        floor_seconds,
    )
    return {
        **generated,
        "generate_seconds": generated["seconds"],
        "floor_seconds": floor_seconds,
        "close_seconds": close_seconds,
        "statements": statements.count(),
        "entries_total": statement_total,
    }
