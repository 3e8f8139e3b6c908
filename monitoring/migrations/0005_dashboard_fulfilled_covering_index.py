"""Let the daily series count fulfilled parts from the index alone.

The index of migration 0002 on COALESCE("shipped_at", "ready_at") serves
the dashboards' "fulfilled in the period" filter, but PostgreSQL (up to at
least version 15) answers a query from an expression index alone only when
the index also stores the columns of the expression. Including them turns
the series' scan of a month of parts into an index-only scan. SQLite has no
INCLUDE, so its index stays as 0002 made it.
"""

from django.db import migrations

NAME = "monitoring_asg_fulfilled_idx"
EXPRESSION = '((COALESCE("shipped_at", "ready_at")))'


def _index_replace(schema_editor, include: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f'DROP INDEX IF EXISTS "{NAME}"')
    schema_editor.execute(
        f'CREATE INDEX "{NAME}" ON "routing_assignment" {EXPRESSION}{include}'
    )


def covering_index_create(apps, schema_editor):
    _index_replace(schema_editor, ' INCLUDE ("shipped_at", "ready_at")')


def covering_index_drop(apps, schema_editor):
    _index_replace(schema_editor, "")


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0004_alerts_reopen_block_resend_call_counts"),
    ]

    operations = [
        migrations.RunPython(covering_index_create, covering_index_drop),
    ]
