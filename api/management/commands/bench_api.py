"""Benchmark the API on PostgreSQL (see api.bench)."""

import os
import platform
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from api.bench import bench_run

# Time of one stock push of 10,000 rows, in ms. The p95 targets of the
# requests are in api.bench.
STOCK_PUSH_TARGET_MS = 5000


class Command(BaseCommand):
    help = (
        "Benchmark a store's assignment list and accept on a network of "
        "--orders orders, and a stock push of 10,000 rows, on PostgreSQL; "
        "append a Markdown report to --output."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--orders", type=int, default=1_000_000, help="Orders to generate."
        )
        parser.add_argument(
            "--locations", type=int, default=500, help="Stores to generate."
        )
        parser.add_argument(
            "--repeats", type=int, default=50, help="Requests timed per list."
        )
        parser.add_argument(
            "--offers", type=int, default=100, help="Offers the store accepts."
        )
        parser.add_argument(
            "--output",
            default="docs/benchmarks.md",
            help="Markdown file to append to; '-' prints.",
        )

    def handle(self, *args, orders, locations, repeats, offers, output, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "The API benchmark needs PostgreSQL: set DATABASE_URL to a "
                "PostgreSQL database."
            )
        call_command("migrate", interactive=False, verbosity=0)
        result = bench_run(
            orders=orders, locations=locations, repeats=repeats, offers=offers
        )
        report = _report(result, locations=locations)
        if output == "-":
            self.stdout.write(report)
        else:
            with Path(output).open("a", encoding="utf-8") as handle:
                handle.write("\n" + report)
            self.stdout.write(report)
            self.stdout.write(f"Appended to {output}")


def _report(result: dict, *, locations: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    load = (
        f"Loading the network took {result['load_s']:.0f} s."
        if result["load_s"]
        else "The network of an earlier run was reused."
    )
    lines = [
        f"### API, {timezone.now():%Y-%m-%d %H:%M} UTC",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, PostgreSQL "
        f"{server}, Python {platform.python_version()}. {result['orders']:,} "
        f"orders in the database; the store has "
        f"{result['store_assignments']:,} assignments among {locations} "
        f"stores. {load}",
        "",
        "| request | count | median ms | p95 ms | target p95 |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for timing in result["timings"]:
        target = f"{timing.target_ms:.0f} ms" if timing.target_ms else "none"
        lines.append(
            f"| {timing.name} | {timing.count} | {timing.p50_ms:.1f} | "
            f"{timing.p95_ms:.1f} | {target} |"
        )
    pushes = ", ".join(f"{ms:,.0f}" for ms in result["stock_push_ms"])
    lines += [
        "",
        f"Stock push of the same 10,000 rows, three runs: {pushes} ms; "
        f"target {STOCK_PUSH_TARGET_MS:,} ms each.",
        "",
    ]
    return "\n".join(lines)
