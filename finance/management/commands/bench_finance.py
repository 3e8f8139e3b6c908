"""Benchmark the settlement period close on PostgreSQL (see finance.bench)."""

from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from finance.bench import BenchDatabaseNotEmpty, period_close_bench

# The close must finish within this many seconds for 1,000,000 orders over
# 500 legal entities.
TARGET_SECONDS = 60


class Command(BaseCommand):
    help = (
        "Benchmark the period close on PostgreSQL and append the result to "
        "docs/benchmarks.md. Empties the finance ledger of the database first."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--orders",
            type=int,
            default=1_000_000,
            help="Invoiced orders in the closed period; 0 skips the benchmark.",
        )
        parser.add_argument(
            "--entities",
            type=int,
            default=500,
            help="Franchisee legal entities the orders are spread over.",
        )
        parser.add_argument(
            "--output",
            default="docs/benchmarks.md",
            help="Markdown file the result is appended to; '-' prints only.",
        )

    def handle(self, *args, orders, entities, output, **options):
        if not orders:
            return
        if connection.vendor != "postgresql":
            raise CommandError(
                "The benchmark needs PostgreSQL: set DATABASE_URL to a PostgreSQL "
                "database (make bench uses postgres://postgres@127.0.0.1:5432/ponte_bench)."
            )
        if orders < 0 or entities < 1:
            raise CommandError(
                f"Invalid size: --orders must be 0 or more (got {orders}) and "
                f"--entities 1 or more (got {entities})."
            )
        from orders.management.commands.bench import _database_create_if_missing

        _database_create_if_missing()
        call_command("migrate", interactive=False, verbosity=0)
        try:
            result = period_close_bench(orders=orders, entities=entities)
        except BenchDatabaseNotEmpty as error:
            raise CommandError(str(error)) from error
        report = _report(result)
        self.stdout.write(report)
        if output != "-":
            with Path(output).open("a", encoding="utf-8") as handle:
                handle.write("\n" + report)


def _report(result: dict) -> str:
    from orders.management.commands.bench import _machine

    close, floor = result["close_seconds"], result["floor_seconds"]
    met = "met" if close < TARGET_SECONDS else "NOT met"
    lines = [
        f"### Finance period close, {timezone.now():%Y-%m-%d %H:%M} UTC",
        "",
        f"- Machine: {_machine()}",
        f"- Data: {result['orders']} invoiced orders over {result['entities']} "
        f"legal entities in one period, {result['entries']} ledger entries "
        f"(half of them store-payable), generated in {result['generate_seconds']:.0f} s",
        "",
        "| run | seconds |",
        "| --- | ---: |",
        f"| floor (one GROUP BY over the store-payable entries) | {floor:.2f} |",
        f"| Ponte (period_close_run: statements, lines, events) | {close:.2f} |",
        "",
        f"Ponte / floor: {close / floor:.2f}. Target: under {TARGET_SECONDS} s; {met}.",
        "",
    ]
    return "\n".join(lines)
