from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from orders.services.backfill import BackfillError, orders_backfill
from orders.vtex.client import VtexError

# More threads than this only queue up at VTEX's rate limit.
MAX_WORKERS = 32


def parse_moment(value: str, option: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise CommandError(
            f"Invalid {option} {value!r}: use ISO 8601, e.g. 2026-11-27T00:00:00-03:00."
        ) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


class Command(BaseCommand):
    help = (
        "List VTEX orders created in a period and store each one. Runs in the "
        "foreground and prints one summary line."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--since", required=True, help="Start of the creation period (ISO 8601)."
        )
        parser.add_argument(
            "--until", help="End of the creation period (ISO 8601); default now."
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=4,
            help="Threads fetching documents (1 to 32, default 4).",
        )

    def handle(self, *args, since, until, workers, **options):
        start = parse_moment(since, "--since")
        end = parse_moment(until, "--until") if until else timezone.now()
        if end <= start:
            if until:
                raise CommandError("--until must be later than --since.")
            raise CommandError("--since is in the future; give a past date.")
        if not 1 <= workers <= MAX_WORKERS:
            raise CommandError(f"--workers must be between 1 and {MAX_WORKERS}.")
        try:
            summary = orders_backfill(since=start, until=end, workers=workers)
        except (VtexError, BackfillError) as error:
            raise CommandError(f"Backfill failed: {error}") from None
        self.stdout.write(summary.line())
        if summary.failed:
            raise CommandError(
                f"{summary.failed} order(s) could not be fetched; first: "
                f"{summary.failures[0]}"
            )
