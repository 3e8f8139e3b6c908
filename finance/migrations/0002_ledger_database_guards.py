"""PostgreSQL guards for the ledger: entries and transactions are never updated
or deleted, and each transaction balances when the database transaction
commits. Other databases rely on finance.services.ledger's checks."""

from django.db import migrations

FORWARD = [
    """
    CREATE FUNCTION finance_reject_ledger_change() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'ledger rows are append-only: % on % is not allowed',
            TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'integrity_constraint_violation';
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER finance_ledgerentry_append_only
        BEFORE UPDATE OR DELETE ON finance_ledgerentry
        FOR EACH ROW EXECUTE FUNCTION finance_reject_ledger_change();
    """,
    """
    CREATE TRIGGER finance_ledgertransaction_append_only
        BEFORE UPDATE OR DELETE ON finance_ledgertransaction
        FOR EACH ROW EXECUTE FUNCTION finance_reject_ledger_change();
    """,
    """
    CREATE FUNCTION finance_check_transaction_balanced() RETURNS trigger AS $$
    DECLARE
        total_debit numeric;
        total_credit numeric;
        entry_count integer;
    BEGIN
        SELECT COALESCE(SUM(debit), 0), COALESCE(SUM(credit), 0), COUNT(*)
            INTO total_debit, total_credit, entry_count
            FROM finance_ledgerentry WHERE transaction_id = NEW.transaction_id;
        IF entry_count < 2 OR total_debit <> total_credit THEN
            RAISE EXCEPTION
                'ledger transaction % is unbalanced: % entries, debit %, credit %',
                NEW.transaction_id, entry_count, total_debit, total_credit
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE CONSTRAINT TRIGGER finance_ledgerentry_balanced
        AFTER INSERT ON finance_ledgerentry
        DEFERRABLE INITIALLY DEFERRED
        FOR EACH ROW EXECUTE FUNCTION finance_check_transaction_balanced();
    """,
]

BACKWARD = [
    "DROP TRIGGER IF EXISTS finance_ledgerentry_balanced ON finance_ledgerentry;",
    "DROP FUNCTION IF EXISTS finance_check_transaction_balanced();",
    "DROP TRIGGER IF EXISTS finance_ledgertransaction_append_only"
    " ON finance_ledgertransaction;",
    "DROP TRIGGER IF EXISTS finance_ledgerentry_append_only ON finance_ledgerentry;",
    "DROP FUNCTION IF EXISTS finance_reject_ledger_change();",
]


def _run(schema_editor, statements: list[str]) -> None:
    # A cursor without parameters, because the PL/pgSQL bodies contain `%`.
    with schema_editor.connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    _run(schema_editor, FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    _run(schema_editor, BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("finance", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
