from django.core.management.base import BaseCommand

from franchises.demo_network import demo_network_load


class Command(BaseCommand):
    help = (
        "Create or update the demo franchise network: legal entities, stores, "
        "distribution centres, demo users and their roles. Safe to run again."
    )

    def handle(self, *args, **options):
        summary = demo_network_load()
        self.stdout.write(f"Demo network loaded: {summary}.")
