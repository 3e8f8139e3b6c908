"""Benchmark the monitoring pages and the rules evaluation on PostgreSQL."""

import os
import platform

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from monitoring.bench import bench_run
from orders.management.commands.bench import _database_create_if_missing
from orders.models import Order


class Command(BaseCommand):
    help = (
        "Load a synthetic network into an empty PostgreSQL database, time the "
        "monitoring pages and a full rules evaluation, and print a Markdown "
        "report (or append it to --output)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--orders", type=int, default=1_000_000, help="Orders to generate."
        )
        parser.add_argument(
            "--locations", type=int, default=500, help="Stores to generate."
        )
        parser.add_argument(
            "--repeats", type=int, default=20, help="Requests timed per page."
        )
        parser.add_argument(
            "--reuse",
            action="store_true",
            help="Keep a network a previous run loaded instead of refusing it.",
        )
        parser.add_argument(
            "--output", default="-", help="Markdown file to append to; '-' prints."
        )

    def handle(self, *args, orders, locations, repeats, reuse, output, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "The benchmark needs PostgreSQL: set DATABASE_URL to an empty "
                "PostgreSQL database."
            )
        _database_create_if_missing()
        call_command("migrate", interactive=False, verbosity=0)
        if Order.objects.exists() and not reuse:
            raise CommandError(
                "The database already contains orders: point DATABASE_URL at an "
                "empty database, because the benchmark adds its own."
            )
        result = bench_run(
            orders=orders, locations=locations, repeats=repeats, reuse=reuse
        )
        report = _report(result, orders=orders, locations=locations, repeats=repeats)
        if output == "-":
            self.stdout.write(report)
        else:
            _report_write(output, report)
            self.stdout.write(f"Wrote the report to {output}")


def _report_write(path: str, report: str) -> None:
    """Insert the report at the end of the file's "## Monitoring" section, or
    append it to the file when it has no such section."""
    try:
        with open(path, encoding="utf-8") as file:
            text = file.read()
    except FileNotFoundError:
        text = ""
    heading = "\n## Monitoring\n"
    start = text.find(heading)
    if start == -1:
        text += "\n" + report
    else:
        end = text.find("\n## ", start + len(heading))
        if end == -1:
            end = len(text)
        text = text[:end].rstrip("\n") + "\n\n" + report + text[end:]
    with open(path, "w", encoding="utf-8") as file:
        file.write(text)


def _report(result: dict, *, orders: int, locations: int, repeats: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    before, after = result["load_average"]
    measured = timezone.now().strftime("%Y-%m-%d %H:%M UTC")
    loading_s = result["load"]["assignments_s"]
    loading = (
        f"Loading took {loading_s:.0f} s."
        if loading_s
        else "The network was loaded by an earlier run."
    )
    lines = [
        f"### {orders:,} orders, {locations} stores, {measured}",
        "",
        f"Machine: {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, PostgreSQL {server}, Python "
        f"{platform.python_version()}. {loading} Load average (1, 5 and 15 "
        f"minutes) before the page requests {_load_text(before)}, after them "
        f"{_load_text(after)}.",
        "",
        "| page | median ms | p95 ms | SQL queries |",
        "| --- | ---: | ---: | ---: |",
    ]
    for timing in result["pages"]:
        lines.append(
            f"| {timing.name} | {timing.p50_ms:.1f} | {timing.p95_ms:.1f} | "
            f"{timing.queries} |"
        )
    evaluations = ", ".join(f"{ms:,.0f}" for ms in result["evaluation_ms"])
    lines += [
        "",
        f"Full rules evaluation (one rule of each kind), three runs: {evaluations} ms; "
        f"alerts {result['evaluation_summary']}. Page times are {repeats} "
        "requests each through Django's test client, so they include the "
        "middleware and templates but no network.",
        "",
    ]
    return "\n".join(lines)


def _load_text(load: tuple[float, float, float]) -> str:
    return " / ".join(f"{value:.2f}" for value in load)
