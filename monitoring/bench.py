"""Speed of the monitoring pages and of a full rules evaluation at scale.

The network is loaded into PostgreSQL with `INSERT … SELECT generate_series`:
orders spread over the last year and over the stores, with one item and one
assignment each. Rows are generated, not realistic documents (`Order.raw` is
`{}`). The store dashboard, the network dashboard, the order list and the
alert list are timed through Django's test client with their SQL query
counts, and `rules_evaluate` with one rule of every kind.
"""

import os
import statistics
import time
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, models
from django.db.models.fields.json import JSONField
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from franchises.models import LegalEntity, Location, Membership
from monitoring.models import SlaRule
from monitoring.services.evaluation import rules_evaluate
from orders.models import Order, OrderItem, OrderLocation
from routing.models import Assignment, RoutingDecision

BENCH_USER = "bench-hq"
BENCH_STORE_USER = "bench-loja"


@dataclass
class Timing:
    name: str
    p50_ms: float
    p95_ms: float
    queries: int


def _default_sql(field: models.Field) -> str:
    """SQL for a column the generator does not set: NULL when allowed, else a
    neutral value of the column's type."""
    if field.null:
        return "NULL"
    if isinstance(field, JSONField):
        return "'{}'::jsonb"
    if isinstance(field, models.BooleanField):
        return "false"
    if isinstance(field, models.DateTimeField):
        return "now()"
    if isinstance(field, models.DecimalField | models.IntegerField):
        return "0"
    return "''"


def _insert_select(model, values: dict[str, str], source: str) -> None:
    """Insert one row of `model` per row of `source`, with SQL expressions for
    the given columns and neutral values for the rest."""
    columns, expressions = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(f'"{field.column}"')
        expressions.append(values.get(field.column, _default_sql(field)))
    # Every part of the statement is built here from model metadata and
    # numbers, with no outside input.
    table = model._meta.db_table
    sql = (
        f'INSERT INTO "{table}" ({", ".join(columns)}) '  # noqa: S608
        f"SELECT {', '.join(expressions)} FROM {source}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)


def bench_network_load(*, orders: int, locations: int) -> dict:
    """Create `locations` stores and `orders` orders with their items, links
    and assignments; return the elapsed seconds per step."""
    started = time.monotonic()
    elapsed = {}
    entity = LegalEntity.objects.create(
        cnpj="11222333000181", legal_name="Rede de teste Ltda", kind="franchisee"
    )
    Location.objects.bulk_create(
        [
            Location(
                code=f"bench-{n:04d}",
                name=f"Loja {n:04d}",
                kind=Location.Kind.STORE,
                legal_entity=entity,
                city="São Paulo",
                state="SP",
            )
            for n in range(locations)
        ]
    )
    first_location = Location.objects.order_by("pk").values_list("pk", flat=True)[0]

    # Order n is created n × (365 days / orders) before now, newest first.
    step_seconds = 365 * 86400 / orders
    created = f"now() - (g * {step_seconds:.6f}) * interval '1 second'"
    _insert_select(
        Order,
        {
            "vtex_order_id": "'bench-' || g || '-01'",
            "order_group": "'bench-' || g",
            "status": (
                "CASE WHEN g < 200 THEN 'handling' WHEN g % 33 = 0 THEN 'canceled' "
                "ELSE 'invoiced' END"
            ),
            "sales_channel": "'1'",
            "creation_date": created,
            "last_change": created,
            "value_cents": "12990",
            "total": "129.90",
            "items_total": "119.90",
            "shipping_total": "10.00",
            "raw": "'{}'::jsonb",
            "created_at": created,
            "updated_at": created,
        },
        f"generate_series(1, {orders}) AS g",
    )
    elapsed["orders_s"] = time.monotonic() - started

    order_source = (
        f"(SELECT id, creation_date, status, "  # noqa: S608
        f"{first_location} + (id % {locations}) AS location_id, "
        f"row_number() OVER (ORDER BY creation_date DESC) AS g "
        f"FROM orders_order WHERE vtex_order_id LIKE 'bench-%') AS o"
    )
    _insert_select(
        OrderItem,
        {
            "order_id": "o.id",
            "item_index": "0",
            "sku_id": "'1001'",
            "name": "'Produto'",
            "quantity": "1",
            "unit_multiplier": "1",
            "price": "119.90",
            "selling_price": "119.90",
            "shipping_estimate_date": "o.creation_date + interval '3 days'",
        },
        order_source,
    )
    _insert_select(
        OrderLocation,
        {"order_id": "o.id", "location_id": "o.location_id", "reason": "'assigned'"},
        order_source,
    )
    elapsed["items_and_links_s"] = time.monotonic() - started

    some_order = Order.objects.filter(vtex_order_id="bench-1-01").get()
    decision = RoutingDecision.objects.create(
        order=some_order, status="routed", triggered_by="bench"
    )
    offered = "o.creation_date + interval '1 minute'"
    accepted = f"{offered} + ((o.g % 50) + 2) * interval '1 minute'"
    fulfilled = f"{accepted} + ((o.g % 40) + 1) * interval '1 hour'"
    # The newest 200 parts are open, as in a live network; older ones are
    # canceled (with their order), rejected, expired or delivered.
    state = (
        "CASE WHEN o.g <= 60 THEN 'offered' WHEN o.g <= 120 THEN 'accepted' "
        "WHEN o.g <= 200 THEN 'picking' WHEN o.status = 'canceled' THEN 'canceled' "
        "WHEN o.g % 20 = 0 THEN 'rejected' WHEN o.g % 31 = 0 THEN 'expired' "
        "ELSE 'delivered' END"
    )
    # Routing sets the ship-by time when it offers a part: 24, 36 or 48 hours
    # after the offer here, so some delivered parts ship late. Every tenth part
    # has none, like parts of a location without valid opening hours, and
    # falls back to the fixed window after acceptance.
    ship_by = (
        "CASE WHEN o.g % 10 = 0 THEN NULL "
        f"ELSE {offered} + (24 + 12 * (o.g % 3)) * interval '1 hour' END"
    )
    is_fulfilled = f"({state}) = 'delivered'"
    is_accepted = f"({state}) IN ('accepted', 'picking', 'delivered')"
    _insert_select(
        Assignment,
        {
            "order_id": "o.id",
            "decision_id": str(decision.pk),
            "location_id": "o.location_id",
            "state": state,
            "value": "129.90",
            "offered_at": offered,
            "expires_at": f"{offered} + interval '30 minutes'",
            "ship_by": ship_by,
            "accepted_at": f"CASE WHEN {is_accepted} THEN {accepted} END",
            "shipped_at": f"CASE WHEN {is_fulfilled} THEN {fulfilled} END",
            "invoiced_at": f"CASE WHEN {is_fulfilled} THEN {fulfilled} END",
            "invoice_value": f"CASE WHEN {is_fulfilled} THEN 129.90 END",
            "delivered_at": (
                f"CASE WHEN {is_fulfilled} THEN {fulfilled} + interval '1 day' END"
            ),
            "created_at": offered,
            "updated_at": offered,
        },
        order_source,
    )
    # VACUUM also marks the loaded pages all-visible, as autovacuum does in
    # time on a live database, so that index-only scans skip the table.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    elapsed["assignments_s"] = time.monotonic() - started
    return elapsed


def _users(location: Location):
    from django.contrib.auth.models import User

    hq, created = User.objects.get_or_create(username=BENCH_USER)
    if created:
        Membership.objects.create(user=hq, role=Membership.Role.HQ_OPS)
    store, created = User.objects.get_or_create(username=BENCH_STORE_USER)
    if created:
        Membership.objects.create(
            user=store, role=Membership.Role.STORE_MANAGER, location=location
        )
    return hq, store


def _time_page(client: Client, name: str, url: str, repeats: int) -> Timing:
    client.get(url)  # warms caches and the connection
    durations = []
    queries = 0
    for _ in range(repeats):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            durations.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url} returned HTTP {response.status_code}")
        queries = len(captured)
    durations.sort()
    p95 = durations[max(0, round(0.95 * len(durations)) - 1)]
    return Timing(name, statistics.median(durations), p95, queries)


def bench_rules() -> None:
    """Create one enabled rule of every kind, with production-like thresholds."""
    thresholds = {
        SlaRule.Kind.OFFER_NOT_ACCEPTED: 30,
        SlaRule.Kind.NOT_FULFILLED: 24,
        SlaRule.Kind.DELIVERY_DATE_PASSED: 0,
        SlaRule.Kind.STUCK_VTEX_STATUS: 48,
        SlaRule.Kind.STUCK_ASSIGNMENT_STATE: 48,
        SlaRule.Kind.STATUS_MISMATCH: 60,
        SlaRule.Kind.NO_ORDER_SYNCED: 30,
        SlaRule.Kind.FEED_BACKLOG: 1000,
        SlaRule.Kind.TOTALS_MISMATCH: 0,
    }
    SlaRule.objects.bulk_create(
        [
            SlaRule(kind=kind, name=str(kind.label), threshold=thresholds.get(kind, 0))
            for kind in SlaRule.Kind
        ]
    )


def bench_run(*, orders: int, locations: int, repeats: int, reuse: bool) -> dict:
    """Load the network (unless `reuse` and it is there), then time everything."""
    if reuse and Order.objects.filter(vtex_order_id="bench-1-01").exists():
        load = {"assignments_s": 0.0}
    else:
        load = bench_network_load(orders=orders, locations=locations)
        bench_rules()

    evaluations = []
    for _ in range(3):
        started = time.perf_counter()
        summary = rules_evaluate()
        evaluations.append((time.perf_counter() - started) * 1000)

    location = Location.objects.order_by("code").first()
    hq, store = _users(location)
    # A host ALLOWED_HOSTS accepts by default.
    hq_client = Client(SERVER_NAME="127.0.0.1")
    store_client = Client(SERVER_NAME="127.0.0.1")
    hq_client.force_login(hq)
    store_client.force_login(store)
    load_before = os.getloadavg()
    since = (timezone.localdate() - timedelta(days=29)).isoformat()
    month = f"?period=custom&start={since}&end={timezone.localdate().isoformat()}"
    pages = [
        _time_page(
            store_client,
            "store dashboard, 30 days",
            reverse("monitoring:dashboard") + month,
            repeats,
        ),
        _time_page(
            hq_client,
            "network dashboard, 30 days",
            reverse("monitoring:network") + month,
            repeats,
        ),
        _time_page(
            hq_client,
            "network dashboard, 7 days",
            reverse("monitoring:network"),
            repeats,
        ),
        _time_page(
            hq_client,
            "network dashboard, today",
            reverse("monitoring:network") + "?period=today",
            repeats,
        ),
        _time_page(store_client, "order list (store)", reverse("orders:list"), repeats),
        _time_page(hq_client, "order list (HQ)", reverse("orders:list"), repeats),
        _time_page(
            store_client, "alert list (store)", reverse("monitoring:alerts"), repeats
        ),
        _time_page(hq_client, "alert list (HQ)", reverse("monitoring:alerts"), repeats),
    ]
    return {
        "load": load,
        # One-, five- and fifteen-minute load averages of the machine, because
        # other work on it slows the pages down.
        "load_average": (load_before, os.getloadavg()),
        "evaluation_ms": evaluations,
        "evaluation_summary": dict(summary),
        "pages": pages,
    }
