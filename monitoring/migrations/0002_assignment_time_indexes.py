"""Indexes on routing assignments for the dashboards' period filters.

The dashboards select assignments by when they were offered, accepted,
fulfilled (shipped, or else made ready) and invoiced, across every location.
Routing's own indexes start with the location or the state, so without these
the network dashboard reads every assignment. They live here because only
monitoring queries by these columns; Django's model state does not know them.
"""

from django.db import migrations

INDEXES = {
    "monitoring_asg_offered_idx": '("offered_at")',
    "monitoring_asg_accepted_idx": '("accepted_at")',
    "monitoring_asg_invoiced_idx": '("invoiced_at")',
    # The same expression as Coalesce("shipped_at", "ready_at") in monitoring.kpis.
    "monitoring_asg_fulfilled_idx": '((COALESCE("shipped_at", "ready_at")))',
}


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0001_initial"),
        ("routing", "0004_invoice_issuer_stock_import"),
    ]

    operations = [
        migrations.RunSQL(
            sql=f'CREATE INDEX IF NOT EXISTS "{name}" ON "routing_assignment" {columns}',
            reverse_sql=f'DROP INDEX IF EXISTS "{name}"',
        )
        for name, columns in INDEXES.items()
    ]
