"""Measure VTEX ingestion end to end against the bundled simulator.

Two runs over the same documents, in the same process and database:
- the floor: list the orders, fetch each document and bulk-insert it raw, with
  nothing parsed, checked or linked;
- Ponte: `orders_backfill`, which lists, fetches, parses, upserts the order and
  its children, records the status and links the locations.
The ratio of the two rates measures the cost of Ponte's own work.
"""

import os
import platform
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import psycopg
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from orders.services.backfill import _run_parallel, order_ids_list, orders_backfill
from orders.vtex.client import VtexClient

APP_KEY = "vtexappkey-bench"
APP_TOKEN = "bench-token"  # noqa: S105 (benchmark-only value)
# Raw documents inserted per statement by the floor loop.
FLOOR_BATCH = 500


class Command(BaseCommand):
    help = "Benchmark VTEX ingestion on PostgreSQL and append the result to docs/benchmarks.md."

    def add_arguments(self, parser):
        parser.add_argument(
            "--orders", type=int, default=20_000, help="Orders to ingest."
        )
        parser.add_argument(
            "--workers", type=int, default=8, help="Threads fetching and storing."
        )
        parser.add_argument(
            "--routing-orders",
            type=int,
            default=10_000,
            help="Orders routed by the routing benchmark; 0 skips it.",
        )
        parser.add_argument(
            "--routing-locations",
            type=int,
            default=500,
            help="Locations in the routing benchmark's network.",
        )
        parser.add_argument(
            "--output",
            default="docs/benchmarks.md",
            help="Markdown file the result is appended to; '-' prints only.",
        )

    def handle(
        self,
        *args,
        orders,
        workers,
        output,
        routing_orders,
        routing_locations,
        **options,
    ):
        if connection.vendor != "postgresql":
            raise CommandError(
                "The benchmark needs PostgreSQL: set DATABASE_URL to a PostgreSQL "
                "database (make bench uses postgres://postgres@127.0.0.1:5432/ponte_bench)."
            )
        _database_create_if_missing()
        call_command("migrate", interactive=False, verbosity=0)
        reports = []
        if orders:
            reports.append(self._ingestion(orders, workers))
        if routing_orders:
            reports.append(_routing_report(routing_orders, routing_locations))
        for report in reports:
            self.stdout.write(report)
            if output != "-":
                with Path(output).open("a", encoding="utf-8") as handle:
                    handle.write("\n" + report)

    def _ingestion(self, orders: int, workers: int) -> str:
        port = _free_port()
        simulator = _simulator_start(port, orders)
        try:
            client = VtexClient(
                base_url=f"http://127.0.0.1:{port}",
                app_key=APP_KEY,
                app_token=APP_TOKEN,
                max_attempts=5,
                max_backoff=2,
            )
            since = timezone.now() - timedelta(days=30)
            until = timezone.now() + timedelta(days=1)
            floor = _floor_run(client, since, until, workers)
            ponte = _ponte_run(client, since, until, workers)
        finally:
            simulator.terminate()
            simulator.wait(timeout=10)

        return _report(orders, workers, floor, ponte)


def _database_create_if_missing() -> None:
    params = settings.DATABASES["default"]
    name = params["NAME"]
    with psycopg.connect(
        host=params.get("HOST") or "127.0.0.1",
        port=params.get("PORT") or 5432,
        user=params.get("USER") or "postgres",
        password=params.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        exists = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _simulator_start(port: int, orders: int) -> subprocess.Popen:
    command = [
        sys.executable,
        "manage.py",
        "vtex_simulator",
        f"--port={port}",
        f"--orders={orders}",
        "--rate=0",
        "--seed=1",
        f"--app-key={APP_KEY}",
        f"--app-token={APP_TOKEN}",
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)  # noqa: S603
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise CommandError(f"The simulator exited with code {process.returncode}.")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            time.sleep(0.5)
    process.terminate()
    raise CommandError("The simulator did not start listening within 300 s.")


def _floor_run(client: VtexClient, since, until, workers: int) -> dict:
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw_order")
        cursor.execute("CREATE UNLOGGED TABLE bench_raw_order (id text, doc jsonb)")
    started = time.monotonic()
    ids = order_ids_list(client=client, since=since, until=until)
    fetched = _run_parallel(
        lambda order_id: (order_id, client.get_order_text(order_id)), ids, workers
    )
    batch = []
    with connection.cursor() as cursor:
        for row in fetched:
            batch.append(row)
            if len(batch) == FLOOR_BATCH:
                _floor_insert(cursor, batch)
                batch = []
        _floor_insert(cursor, batch)
    seconds = time.monotonic() - started
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM bench_raw_order")
        count = cursor.fetchone()[0]
        cursor.execute("DROP TABLE bench_raw_order")
    return {"orders": count, "seconds": seconds}


def _floor_insert(cursor, rows) -> None:
    if rows:
        cursor.executemany("INSERT INTO bench_raw_order VALUES (%s, %s)", rows)


def _ponte_run(client: VtexClient, since, until, workers: int) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE orders_order, orders_orderitem, orders_ordertotal, "
            "orders_orderpayment, orders_orderpackage, orders_orderstatuschange, "
            "orders_orderlocation, orders_quarantineddocument CASCADE"
        )
    summary = orders_backfill(since=since, until=until, client=client, workers=workers)
    if summary.failed:
        raise CommandError(f"{summary.failed} orders failed: {summary.failures[:3]}")
    return {
        "orders": summary.created + summary.updated + summary.unchanged + summary.stale,
        "quarantined": summary.quarantined,
        "seconds": summary.seconds,
    }


def _report(orders: int, workers: int, floor: dict, ponte: dict) -> str:
    floor_rate = floor["orders"] / floor["seconds"]
    ponte_rate = ponte["orders"] / ponte["seconds"]
    machine = _machine()
    lines = [
        f"### VTEX ingestion, {timezone.now():%Y-%m-%d %H:%M} UTC",
        "",
        f"- Machine: {machine}",
        f"- Data: {orders} simulator orders, {workers} threads, simulator in its own process",
        "",
        "| run | orders | seconds | orders/s |",
        "| --- | ---: | ---: | ---: |",
        f"| floor (fetch + raw bulk insert) | {floor['orders']} | {floor['seconds']:.1f} | {floor_rate:.0f} |",
        f"| Ponte (fetch, parse, upsert, status, links) | {ponte['orders']} | {ponte['seconds']:.1f} | {ponte_rate:.0f} |",
        "",
        f"Ponte / floor: {ponte_rate / floor_rate:.2f}. Target: 230 orders/s; "
        f"{'met' if ponte_rate >= 230 else 'NOT met'}.",
        "",
    ]
    return "\n".join(lines)


def _routing_report(orders: int, locations: int) -> str:
    from routing.bench import routing_bench, routing_bench_report

    return routing_bench_report(routing_bench(orders=orders, locations=locations))


def _machine() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    return (
        f"{_cpu_model()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, PostgreSQL {postgres}"
    )


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"
