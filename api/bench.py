"""Benchmark of the API on PostgreSQL: a store's assignment list and accept on
a network of 1,000,000 orders, and a stock push of 10,000 rows.

The network is loaded with `INSERT … SELECT generate_series`, through the
helper of `monitoring.bench`. Orders spread over the last 365 days, with one
assignment each, over 500 stores whose codes start with `api-bench-`. That
prefix keeps it apart from the other benchmarks' networks in the same
database. A second load is skipped when the network is there. Requests go through Django's test
client in the same process, so a time covers middleware, authentication,
throttling, the view, the SQL and JSON rendering, but no network.
"""

import statistics
import time
from dataclasses import dataclass

from django.db import connection
from django.test import Client

from api.models import ApiToken, Integration
from api.tokens import token_issue
from franchises.cnpj import FIRST_WEIGHTS, SECOND_WEIGHTS, cnpj_check_digit
from franchises.models import LegalEntity, Location
from monitoring.bench import _insert_select
from orders.models import Order
from routing.models import Assignment, RoutingDecision

PREFIX = "api-bench-"
ORDER_PREFIX = "apibench-"


@dataclass
class Timing:
    name: str
    count: int
    p50_ms: float
    p95_ms: float
    # Target of the p95, or None for a figure measured for information.
    target_ms: float | None


def _timing(name: str, durations: list[float], target_ms=100) -> Timing:
    ordered = sorted(durations)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return Timing(name, len(ordered), statistics.median(ordered), p95, target_ms)


def _entity() -> LegalEntity:
    base = "998877660001"
    first = cnpj_check_digit(base, FIRST_WEIGHTS)
    cnpj = f"{base}{first}{cnpj_check_digit(base + str(first), SECOND_WEIGHTS)}"
    entity, _ = LegalEntity.objects.get_or_create(
        cnpj=cnpj,
        defaults={"legal_name": "Rede API bench Ltda", "kind": "franchisee"},
    )
    return entity


def network_load(*, orders: int, locations: int) -> float:
    """Create the stores, orders and assignments; return the seconds taken."""
    started = time.monotonic()
    entity = _entity()
    Location.objects.bulk_create(
        [
            Location(
                code=f"{PREFIX}{n:04d}",
                name=f"Loja API {n:04d}",
                kind=Location.Kind.STORE,
                legal_entity=entity,
                city="São Paulo",
                state="SP",
            )
            for n in range(locations)
        ]
    )
    first = (
        Location.objects.filter(code__startswith=PREFIX)
        .order_by("pk")
        .values_list("pk", flat=True)[0]
    )
    step_seconds = 365 * 86400 / orders
    created = f"now() - (g * {step_seconds:.6f}) * interval '1 second'"
    _insert_select(
        Order,
        {
            "vtex_order_id": f"'{ORDER_PREFIX}' || g || '-01'",
            "order_group": f"'{ORDER_PREFIX}' || g",
            "status": "'invoiced'",
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
    decision = RoutingDecision.objects.create(
        order=Order.objects.get(vtex_order_id=f"{ORDER_PREFIX}1-01"),
        status="routed",
        triggered_by="bench",
    )
    source = (
        f"(SELECT id, creation_date, "  # noqa: S608
        f"{first} + (id % {locations}) AS location_id FROM orders_order "
        f"WHERE vtex_order_id LIKE '{ORDER_PREFIX}%') AS o"
    )
    offered = "o.creation_date + interval '1 minute'"
    _insert_select(
        Assignment,
        {
            "order_id": "o.id",
            "decision_id": str(decision.pk),
            "location_id": "o.location_id",
            "state": "CASE WHEN o.id % 20 = 0 THEN 'rejected' ELSE 'delivered' END",
            "value": "129.90",
            "offered_at": offered,
            "expires_at": f"{offered} + interval '30 minutes'",
            "created_at": offered,
            "updated_at": offered,
        },
        source,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return time.monotonic() - started


def offers_make(location: Location, count: int) -> list[int]:
    """Give the store `count` new offered assignments, on orders of their own."""
    decision = RoutingDecision.objects.filter(triggered_by="bench").first()
    run = int(time.time())
    orders = Order.objects.bulk_create(
        [
            Order(
                vtex_order_id=f"{ORDER_PREFIX}offer-{run}-{n}-01",
                order_group=f"{ORDER_PREFIX}offer-{run}-{n}",
                status="ready-for-handling",
                creation_date=_now(),
                last_change=_now(),
                value_cents=12990,
                total="129.90",
                raw={},
            )
            for n in range(count)
        ]
    )
    assignments = Assignment.objects.bulk_create(
        [
            Assignment(
                order=order,
                decision=decision,
                location=location,
                state=Assignment.State.OFFERED,
                value="129.90",
                offered_at=_now(),
                expires_at=_now() + _minutes(30),
            )
            for order in orders
        ]
    )
    return [assignment.pk for assignment in assignments]


def _now():
    from django.utils import timezone

    return timezone.now()


def _minutes(count: int):
    from datetime import timedelta

    return timedelta(minutes=count)


def _client_for(location: Location) -> Client:
    integration, _ = Integration.objects.get_or_create(
        name=f"bench {location.code}", scope="location", location=location
    )
    token, plain = token_issue(integration=integration, access=ApiToken.Access.WRITE)
    ApiToken.objects.filter(pk=token.pk).update(requests_per_minute=1_000_000)
    return Client(SERVER_NAME="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {plain}")


def _time(client: Client, method: str, url: str, **kwargs) -> float:
    started = time.perf_counter()
    response = getattr(client, method)(url, **kwargs)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(
            f"{method.upper()} {url} returned HTTP {response.status_code}: "
            f"{response.content[:300]!r}"
        )
    return elapsed


def bench_run(*, orders: int, locations: int, repeats: int, offers: int) -> dict:
    loaded = Location.objects.filter(code=f"{PREFIX}0000").exists()
    load_s = 0.0 if loaded else network_load(orders=orders, locations=locations)
    store = Location.objects.get(code=f"{PREFIX}0000")
    client = _client_for(store)
    offer_ids = offers_make(store, offers)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE routing_assignment")

    timings = []
    for name, query, target_ms in (
        ("assignments list, first page of 50", "", 100),
        ("assignments list, state=offered", "?state=offered", 100),
        ("assignments list, page of 500", "?page_size=500", None),
    ):
        url = "/api/v1/assignments/" + query
        client.get(url)  # warms caches and the connection
        durations = [_time(client, "get", url) for _ in range(repeats)]
        timings.append(_timing(name, durations, target_ms))
    timings.append(
        _timing(
            "assignment accept",
            [
                _time(client, "post", f"/api/v1/assignments/{pk}/accept/")
                for pk in offer_ids
            ],
        )
    )

    rows = [
        {"sku_id": f"SKU-{n:05d}", "quantity": n % 50, "lead_time_hours": 4}
        for n in range(10_000)
    ]
    pushes = [
        _time(
            client,
            "post",
            f"/api/v1/locations/{store.code}/stock/",
            data={"rows": rows},
            content_type="application/json",
        )
        for _ in range(3)
    ]
    return {
        "load_s": load_s,
        "orders": Order.objects.count(),
        "store_assignments": Assignment.objects.filter(location=store).count(),
        "timings": timings,
        "stock_push_ms": pushes,
    }
