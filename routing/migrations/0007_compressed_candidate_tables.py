"""Store routing candidate tables as compressed JSON bytes instead of jsonb."""

from django.db import migrations, models

import routing.fields

CHUNK = 500


def tables_compress(apps, schema_editor):
    decision_model = apps.get_model("routing", "RoutingDecision")
    rows = decision_model.objects.order_by("pk").values_list("pk", "candidates")
    changed = []
    for pk, table in rows.iterator(chunk_size=CHUNK):
        changed.append(decision_model(pk=pk, candidates_compressed=table))
        if len(changed) == CHUNK:
            decision_model.objects.bulk_update(changed, ["candidates_compressed"])
            changed = []
    decision_model.objects.bulk_update(changed, ["candidates_compressed"])


def tables_expand(apps, schema_editor):
    decision_model = apps.get_model("routing", "RoutingDecision")
    rows = decision_model.objects.order_by("pk").values_list(
        "pk", "candidates_compressed"
    )
    changed = []
    for pk, table in rows.iterator(chunk_size=CHUNK):
        changed.append(decision_model(pk=pk, candidates=table or []))
        if len(changed) == CHUNK:
            decision_model.objects.bulk_update(changed, ["candidates"])
            changed = []
    decision_model.objects.bulk_update(changed, ["candidates"])


class Migration(migrations.Migration):
    dependencies = [
        ("routing", "0006_assignment_ship_by"),
    ]

    operations = [
        migrations.AddField(
            model_name="routingdecision",
            name="candidates_compressed",
            field=routing.fields.CompressedJSONField(
                default=list, verbose_name="candidates"
            ),
        ),
        migrations.RunPython(tables_compress, tables_expand),
        migrations.RemoveField(model_name="routingdecision", name="candidates"),
        migrations.RenameField(
            model_name="routingdecision",
            old_name="candidates_compressed",
            new_name="candidates",
        ),
    ]
