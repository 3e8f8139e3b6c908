"""PostgreSQL guard: a ledger entry may only be inserted into an open period.

The trigger locks the period row in share mode, so an insert waits for a
period close that is switching the period to closing, and then sees the new
status. Other databases rely on finance.services.ledger's checks.
"""

from django.db import migrations

FORWARD = [
    """
    CREATE FUNCTION finance_reject_entry_outside_open_period() RETURNS trigger AS $$
    DECLARE
        period_status text;
    BEGIN
        SELECT status INTO period_status
            FROM finance_settlementperiod WHERE id = NEW.period_id FOR SHARE;
        IF period_status IS DISTINCT FROM 'open' THEN
            RAISE EXCEPTION
                'settlement period % is %; ledger entries go into an open period',
                NEW.period_id, period_status
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER finance_ledgerentry_open_period
        BEFORE INSERT ON finance_ledgerentry
        FOR EACH ROW EXECUTE FUNCTION finance_reject_entry_outside_open_period();
    """,
]

BACKWARD = [
    "DROP TRIGGER IF EXISTS finance_ledgerentry_open_period ON finance_ledgerentry;",
    "DROP FUNCTION IF EXISTS finance_reject_entry_outside_open_period();",
]


def _run(schema_editor, statements: list[str]) -> None:
    # A cursor without parameters, because the PL/pgSQL bodies contain `%`.
    with schema_editor.connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        _run(schema_editor, FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        _run(schema_editor, BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("finance", "0003_statements_and_reconciliation")]

    operations = [migrations.RunPython(forward, backward)]
