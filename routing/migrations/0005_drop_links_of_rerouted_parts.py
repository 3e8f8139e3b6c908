"""Drop the "assigned" links that rejected or expired parts left behind.

Before this migration a location kept its link to an order after its part
was routed again, so its users still saw the order. A link goes when every
assignment of that order at that location was rejected or expired.
"""

from django.db import migrations
from django.db.models import Exists, OuterRef

CLOSED_FOR_GOOD = ("rejected", "expired")


def drop_links(apps, schema_editor):
    Assignment = apps.get_model("routing", "Assignment")
    OrderLocation = apps.get_model("orders", "OrderLocation")
    parts = Assignment.objects.filter(
        order_id=OuterRef("order_id"), location_id=OuterRef("location_id")
    )
    OrderLocation.objects.filter(reason="assigned").annotate(
        has_parts=Exists(parts),
        has_other_parts=Exists(parts.exclude(state__in=CLOSED_FOR_GOOD)),
    ).filter(has_parts=True, has_other_parts=False).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0003_alter_orderlocation_reason"),
        ("routing", "0004_invoice_issuer_stock_import"),
    ]

    operations = [migrations.RunPython(drop_links, migrations.RunPython.noop)]
