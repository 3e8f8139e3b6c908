"""Daily per-location counts for the dashboards, kept by triggers on
routing assignments (PostgreSQL only).

A month of a 500-store network is about 84,000 assignments, and counting
them on every request of the network dashboard cost more than its time
budget. `monitoring_dailyfigures` holds, per location and local day, the
counts and sums of `monitoring.kpis` that depend on one timestamp each:

- received, accepted, rejected, expired and canceled, on the day of the offer;
- fulfilled, on time and revenue fulfilled, on the day the part was shipped
  or made ready;
- revenue credited, on the day of the invoice.

Statement-level triggers on `routing_assignment` subtract the contributions
of the old rows and add those of the new rows in the writing transaction, so
the table is exact at every commit. `monitoring_dailyfigures_config` records
the time zone of the days and the ship window that the trigger uses.
`monitoring.kpis` reads the table only when both match its own, and computes
everything else (late now, percentiles) from the assignments.

SQLite has no statement triggers with transition tables, so there the
dashboards always count the assignments.
"""

from django.conf import settings
from django.db import migrations

# Hours after acceptance by which a part without a ship-by time must be
# shipped or ready: monitoring.kpis.SHIP_WINDOW when this migration was made.
SHIP_WINDOW_HOURS = 24

FIGURES = (
    "received",
    "accepted",
    "rejected",
    "expired",
    "canceled",
    "fulfilled",
    "on_time",
)
SUMS = ("revenue_fulfilled", "revenue_credited")
# The SQL below is built from these constants only, with no outside input.


def _contributions(table: str, sign: int) -> str:
    """SQL for the per-day contributions of the rows of `table`, times
    `sign`, with the variables `figures_zone` and `figures_window`."""
    fulfilled_at = 'COALESCE("shipped_at", "ready_at")'
    deadline = 'COALESCE("ship_by", "accepted_at" + figures_window)'
    return f"""
        SELECT "location_id", ("offered_at" AT TIME ZONE figures_zone)::date AS "day",
            {sign} AS "received",
            {sign} * ("accepted_at" IS NOT NULL)::int AS "accepted",
            {sign} * ("state" = 'rejected')::int AS "rejected",
            {sign} * ("state" = 'expired')::int AS "expired",
            {sign} * ("state" = 'canceled')::int AS "canceled",
            0 AS "fulfilled", 0 AS "on_time",
            0::numeric AS "revenue_fulfilled", 0::numeric AS "revenue_credited"
        FROM {table}
        UNION ALL
        SELECT "location_id", ({fulfilled_at} AT TIME ZONE figures_zone)::date,
            0, 0, 0, 0, 0, {sign},
            {sign} * COALESCE(({fulfilled_at} <= {deadline})::int, 0),
            {sign} * "value", 0
        FROM {table} WHERE {fulfilled_at} IS NOT NULL
        UNION ALL
        SELECT "location_id", ("invoiced_at" AT TIME ZONE figures_zone)::date,
            0, 0, 0, 0, 0, 0, 0, 0, {sign} * COALESCE("invoice_value", 0)
        FROM {table} WHERE "invoiced_at" IS NOT NULL
    """  # noqa: S608


def _upsert(contributions: str) -> str:
    """SQL that adds the summed contributions to the daily rows, skipping
    days whose sums cancel out, in key order so that concurrent writers lock
    the rows in the same order."""
    columns = FIGURES + SUMS
    sums = ", ".join(f'sum("{column}")' for column in columns)
    changed = " OR ".join(f'sum("{column}") <> 0' for column in columns)
    updates = ", ".join(
        f'"{column}" = figures."{column}" + EXCLUDED."{column}"' for column in columns
    )
    names = ", ".join(f'"{column}"' for column in columns)
    return f"""
        INSERT INTO "monitoring_dailyfigures" AS figures
            ("location_id", "day", {names})
        SELECT "location_id", "day", {sums}
        FROM ({contributions}) AS contributions
        GROUP BY "location_id", "day"
        HAVING {changed}
        ORDER BY "location_id", "day"
        ON CONFLICT ("location_id", "day") DO UPDATE SET {updates}
    """  # noqa: S608


def _apply_function() -> str:
    new_rows = _contributions("new_rows", 1)
    old_rows = _contributions("old_rows", -1)
    return f"""
        CREATE FUNCTION "monitoring_dailyfigures_apply"() RETURNS trigger
        LANGUAGE plpgsql AS $body$
        DECLARE
            figures_zone text;
            figures_window interval;
        BEGIN
            SELECT config."zone", config."ship_window" INTO figures_zone, figures_window
            FROM "monitoring_dailyfigures_config" AS config;
            -- Without a configuration the dashboards count the assignments,
            -- so writes go on without updating the figures.
            IF figures_zone IS NULL THEN
                RETURN NULL;
            END IF;
            IF TG_OP = 'INSERT' THEN
                {_upsert(new_rows)};
            ELSIF TG_OP = 'UPDATE' THEN
                {_upsert(new_rows + " UNION ALL " + old_rows)};
            ELSE
                {_upsert(old_rows)};
            END IF;
            RETURN NULL;
        END
        $body$
    """  # noqa: S608


def _backfill() -> str:
    return f"""
        DO $body$
        DECLARE
            figures_zone text;
            figures_window interval;
        BEGIN
            SELECT config."zone", config."ship_window" INTO figures_zone, figures_window
            FROM "monitoring_dailyfigures_config" AS config;
            {_upsert(_contributions('"routing_assignment"', 1))};
        END
        $body$
    """  # noqa: S608


def _columns() -> str:
    counts = ", ".join(f'"{column}" integer NOT NULL DEFAULT 0' for column in FIGURES)
    sums = ", ".join(f'"{column}" numeric(16, 2) NOT NULL DEFAULT 0' for column in SUMS)
    return f"{counts}, {sums}"


CREATE = [
    f"""
    CREATE TABLE "monitoring_dailyfigures" (
        "location_id" bigint NOT NULL,
        "day" date NOT NULL,
        {_columns()},
        PRIMARY KEY ("day", "location_id")
    )
    """,
    # The network dashboard reads every location's days of a period through
    # the primary key, a store dashboard one location's through this index.
    """
    CREATE INDEX "monitoring_dailyfigures_location_idx"
    ON "monitoring_dailyfigures" ("location_id", "day")
    """,
    """
    CREATE TABLE "monitoring_dailyfigures_config" (
        "zone" text NOT NULL,
        "ship_window" interval NOT NULL
    )
    """,
    _apply_function(),
    """
    CREATE FUNCTION "monitoring_dailyfigures_clear"() RETURNS trigger
    LANGUAGE plpgsql AS $body$
    BEGIN
        DELETE FROM "monitoring_dailyfigures";
        RETURN NULL;
    END
    $body$
    """,
    """
    CREATE TRIGGER "monitoring_dailyfigures_insert" AFTER INSERT
    ON "routing_assignment" REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION "monitoring_dailyfigures_apply"()
    """,
    """
    CREATE TRIGGER "monitoring_dailyfigures_update" AFTER UPDATE
    ON "routing_assignment" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION "monitoring_dailyfigures_apply"()
    """,
    """
    CREATE TRIGGER "monitoring_dailyfigures_delete" AFTER DELETE
    ON "routing_assignment" REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION "monitoring_dailyfigures_apply"()
    """,
    """
    CREATE TRIGGER "monitoring_dailyfigures_truncate" AFTER TRUNCATE
    ON "routing_assignment"
    FOR EACH STATEMENT EXECUTE FUNCTION "monitoring_dailyfigures_clear"()
    """,
]

DROP = [
    'DROP TRIGGER IF EXISTS "monitoring_dailyfigures_truncate" ON "routing_assignment"',
    'DROP TRIGGER IF EXISTS "monitoring_dailyfigures_delete" ON "routing_assignment"',
    'DROP TRIGGER IF EXISTS "monitoring_dailyfigures_update" ON "routing_assignment"',
    'DROP TRIGGER IF EXISTS "monitoring_dailyfigures_insert" ON "routing_assignment"',
    'DROP FUNCTION IF EXISTS "monitoring_dailyfigures_clear"()',
    'DROP FUNCTION IF EXISTS "monitoring_dailyfigures_apply"()',
    'DROP TABLE IF EXISTS "monitoring_dailyfigures_config"',
    'DROP TABLE IF EXISTS "monitoring_dailyfigures"',
]


def daily_figures_create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in CREATE:
        schema_editor.execute(statement)
    schema_editor.execute(
        'INSERT INTO "monitoring_dailyfigures_config" ("zone", "ship_window") '
        "VALUES (%s, make_interval(hours => %s))",
        [settings.TIME_ZONE, SHIP_WINDOW_HOURS],
    )
    schema_editor.execute(_backfill())


def daily_figures_drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in DROP:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0005_dashboard_fulfilled_covering_index"),
        ("routing", "0006_assignment_ship_by"),
    ]

    operations = [
        migrations.RunPython(daily_figures_create, daily_figures_drop),
    ]
