"""routing 0007 moves stored candidate tables from jsonb to compressed bytes.

The test migrates the database back to 0006, stores decisions through the
historical models, migrates forward and reads the tables again.
"""

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from routing.fields import decode
from tests.orders.factories import OrderFactory

BEFORE = ("routing", "0006_assignment_ship_by")
MIGRATION = ("routing", "0007_compressed_candidate_tables")
TABLE = [
    {"location_id": 7, "code": "loja-a", "chosen": True, "scores": {"distance": 1.0}},
    {
        "location_id": None,
        "packed": {"steps": ["stock"], "rows": [[8, "loja-b", 12.5, 0.0, None, 0]]},
    },
]


def migrate(targets):
    """Migrate to `targets` and return the historical apps at that state."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def decision_store(apps, order, candidates):
    return apps.get_model("routing", "RoutingDecision").objects.create(
        order_id=order.pk, status="routed", triggered_by="hook", candidates=candidates
    )


def test_tables_read_the_same_after_migration(transactional_db):
    # Orders are stored with today's model: migrating routing back leaves
    # the orders app as it is.
    first, second = OrderFactory(), OrderFactory()
    apps = migrate([BEFORE])
    try:
        full = decision_store(apps, first, TABLE)
        empty = decision_store(apps, second, [])

        apps = migrate([MIGRATION])

        decisions = apps.get_model("routing", "RoutingDecision").objects
        assert decisions.get(pk=full.pk).candidates == TABLE
        assert decisions.get(pk=empty.pk).candidates == []
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT candidates FROM routing_routingdecision WHERE id = %s",
                [full.pk],
            )
            (stored,) = cursor.fetchone()
        assert decode(stored) == TABLE
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
