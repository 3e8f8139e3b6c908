import gc
import logging
import signal
import time
from datetime import UTC, datetime, timedelta

from django.core.management.base import BaseCommand, CommandError

from orders.simulator import VtexSimulator
from orders.simulator.feed import DEFAULT_VISIBILITY_TIMEOUT

logger = logging.getLogger(__name__)

LOG_INTERVAL_SECONDS = 60
HISTORY_DAYS = 3


class Command(BaseCommand):
    help = (
        "Serve a simulated VTEX account (orders, feed, hook, list) on loopback "
        "until Ctrl-C. Point Ponte at it with VTEX_BASE_URL."
    )

    def add_arguments(self, parser):
        self._add_server_arguments(parser)
        self._add_data_arguments(parser)
        self._add_fault_arguments(parser)

    def _add_server_arguments(self, parser):
        parser.add_argument(
            "--port", type=int, required=True, help="TCP port to listen on."
        )
        parser.add_argument(
            "--host",
            default="127.0.0.1",
            help="Address to bind; the default, 127.0.0.1, accepts local clients only.",
        )
        parser.add_argument("--app-key", help="Required X-VTEX-API-AppKey value.")
        parser.add_argument("--app-token", help="Required X-VTEX-API-AppToken value.")
        parser.add_argument(
            "--hook-url",
            help="Loopback URL that receives a hook POST on every status change.",
        )
        parser.add_argument(
            "--hook-token",
            help="Value of the X-Ponte-Hook-Token header sent with each hook.",
        )

    def _add_data_arguments(self, parser):
        parser.add_argument(
            "--seed", type=int, default=1, help="Seed of the generated data."
        )
        parser.add_argument(
            "--orders",
            type=int,
            default=500,
            help=f"Orders created over the last {HISTORY_DAYS} days at start.",
        )
        parser.add_argument(
            "--rate",
            type=float,
            default=0.0,
            help="New orders per minute while serving; 0 turns live traffic off.",
        )
        parser.add_argument(
            "--visibility-timeout",
            type=float,
            default=DEFAULT_VISIBILITY_TIMEOUT,
            help="Seconds a retrieved feed event stays hidden before it returns.",
        )

    def _add_fault_arguments(self, parser):
        parser.add_argument(
            "--fail-429",
            type=float,
            default=0.0,
            help="Fraction (0 to 1) of API requests that get 429 with Retry-After.",
        )
        parser.add_argument(
            "--fail-5xx",
            type=float,
            default=0.0,
            help="Fraction (0 to 1) of API requests that get 500, 502, 503 or 504.",
        )

    def handle(self, *args, **options):
        if bool(options["app_key"]) != bool(options["app_token"]):
            raise CommandError("Pass both --app-key and --app-token, or neither.")

        simulator = self._build(options)
        try:
            server = simulator.serve(host=options["host"], port=options["port"])
        except OSError as error:
            raise CommandError(
                f"Cannot listen on {options['host']}:{options['port']}: {error}."
            ) from None

        self.stdout.write(f"VTEX simulator listening on {server.url}")
        self.stdout.write(f"Set VTEX_BASE_URL={server.url} for Ponte. Ctrl-C stops.")
        if options["rate"] > 0:
            simulator.start_generator(options["rate"])
        # The benchmark and process managers stop it with SIGTERM, which then
        # takes the same clean path as Ctrl-C.
        signal.signal(signal.SIGTERM, _raise_interrupt)
        try:
            self._log_until_interrupted(simulator)
        except KeyboardInterrupt:
            self.stdout.write("Stopping.")
        finally:
            simulator.stop_generator()
            server.shutdown()

    def _build(self, options) -> VtexSimulator:
        simulator = VtexSimulator(
            seed=options["seed"],
            app_key=options["app_key"],
            app_token=options["app_token"],
            visibility_timeout=options["visibility_timeout"],
        )
        try:
            simulator.set_fault_rates(options["fail_429"], options["fail_5xx"])
            if options["hook_url"]:
                simulator.set_hook(options["hook_url"], options["hook_token"])
        except ValueError as error:
            raise CommandError(str(error)) from None

        if options["orders"] > 0:
            end = datetime.now(UTC)
            started = time.monotonic()
            simulator.generate_orders(
                options["orders"], end - timedelta(days=HISTORY_DAYS), end
            )
            # This process only serves the simulator: keeping the generated
            # documents out of later garbage collections makes them cheaper.
            gc.freeze()
            self.stdout.write(
                f"Generated {options['orders']} orders in "
                f"{time.monotonic() - started:.1f} s."
            )
        return simulator

    def _log_until_interrupted(self, simulator: VtexSimulator) -> None:
        while True:
            time.sleep(LOG_INTERVAL_SECONDS)
            stats = simulator.stats()
            logger.info(
                "Simulator: %d orders, %d feed events pending, %d requests, "
                "%d hooks sent, %d hooks failed, %d invoices",
                stats["orders"],
                stats["feed_pending"],
                stats["requests"],
                stats["hooks_sent"],
                stats["hooks_failed"],
                stats["invoices"],
            )


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt
