"""Run the whole product on its embedded defaults: SQLite, the filesystem broker
and the bundled VTEX simulator, each in its own process."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import timezone

DEMO_APP_KEY = "vtexappkey-ponte-demo"
DEMO_APP_TOKEN = "demo-app-token"  # noqa: S105 (demo-only value)
DEMO_HOOK_TOKEN = "demo-hook-token"  # noqa: S105 (demo-only value)


def _interrupt(signum, frame):
    """Stop on SIGTERM as on Ctrl-C, so the children stop too."""
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = (
        "Start the VTEX simulator, a Celery worker, Celery beat and the web server "
        "on loopback, load the demo network, and stream orders until Ctrl-C."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000, help="Web server port.")
        parser.add_argument(
            "--simulator-port", type=int, default=8765, help="VTEX simulator port."
        )
        parser.add_argument(
            "--orders", type=int, default=300, help="Orders the simulator starts with."
        )
        parser.add_argument(
            "--rate", type=int, default=30, help="New orders per minute."
        )

    def handle(self, *args, port, simulator_port, orders, rate, **options):
        from finance.demo import demo_finance_load
        from franchises.demo_network import DEMO_LOGINS
        from monitoring.demo import demo_monitoring_load
        from routing.demo import demo_routing_load

        call_command("migrate", interactive=False, verbosity=0)
        call_command("load_demo_network")
        self.stdout.write(f"Demo routing: {demo_routing_load()}")
        self.stdout.write(f"Demo finance: {demo_finance_load()}")
        self.stdout.write(f"Demo monitoring: {demo_monitoring_load()}")

        web_url = f"http://127.0.0.1:{port}"
        simulator_url = f"http://127.0.0.1:{simulator_port}"
        env = self._child_environment(simulator_url)
        manage = [sys.executable, "manage.py"]
        celery = [sys.executable, "-m", "celery", "-A", "config"]
        commands = {
            "worker": celery
            + ["worker", "--loglevel=INFO", "--concurrency=2", "--without-gossip"],
            "beat": celery + ["beat", "--loglevel=INFO"],
            "web": manage + ["runserver", "--noreload", f"127.0.0.1:{port}"],
            "simulator": manage
            + [
                "vtex_simulator",
                f"--port={simulator_port}",
                f"--orders={orders}",
                f"--rate={rate}",
                f"--hook-url={web_url}/vtex/hook/",
                f"--hook-token={DEMO_HOOK_TOKEN}",
                f"--app-key={DEMO_APP_KEY}",
                f"--app-token={DEMO_APP_TOKEN}",
            ],
        }
        children: dict[str, subprocess.Popen] = {}
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            for name, command in commands.items():
                children[name] = subprocess.Popen(command, env=env)  # noqa: S603
                if name in ("web", "simulator"):
                    # The simulator posts hooks to the web server and the
                    # backfill reads the simulator: each waits for the other.
                    time.sleep(2)
            since = (timezone.now() - timedelta(days=4)).isoformat()
            children["backfill"] = subprocess.Popen(  # noqa: S603
                manage + ["vtex_backfill", f"--since={since}", "--workers=2"], env=env
            )
            self._banner(web_url, simulator_url, DEMO_LOGINS)
            self._watch(children, commands, env)
        except KeyboardInterrupt:
            self.stdout.write("\nStopping…")
        finally:
            self._stop(children)

    def _child_environment(self, simulator_url: str) -> dict:
        env = dict(os.environ)
        env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
        env["VTEX_BASE_URL"] = simulator_url
        env["VTEX_APP_KEY"] = DEMO_APP_KEY
        env["VTEX_APP_TOKEN"] = DEMO_APP_TOKEN
        env["VTEX_HOOK_TOKEN"] = DEMO_HOOK_TOKEN
        env.setdefault("VTEX_ACCOUNT", "pontedemo")
        return env

    def _banner(self, web_url: str, simulator_url: str, logins) -> None:
        lines = [
            "",
            f"Ponte is running at {web_url}/  (admin: {web_url}/admin/)",
            f"VTEX simulator at {simulator_url}",
            "Demo logins:",
        ]
        lines += [
            f"  {user:<20} {password:<16} {about}" for user, password, about in logins
        ]
        lines += ["Press Ctrl-C to stop.", ""]
        self.stdout.write("\n".join(lines))

    def _watch(self, children, commands, env) -> None:
        """Restart a worker or beat that exits; stop when the web server or
        the simulator exits, since the demo is no use without them."""
        while True:
            time.sleep(1)
            for name, child in list(children.items()):
                code = child.poll()
                if code is None or name == "backfill":
                    continue
                if name in ("worker", "beat"):
                    self.stderr.write(
                        f"The {name} process exited with code {code}; restarting it."
                    )
                    children[name] = subprocess.Popen(commands[name], env=env)  # noqa: S603
                    continue
                self.stderr.write(f"The {name} process exited with code {code}.")
                return

    def _stop(self, children: dict[str, subprocess.Popen]) -> None:
        # Ctrl-C already reached every child through the terminal's process
        # group; a second SIGINT would make the worker abandon its tasks. So
        # wait first, then send SIGTERM to whatever still runs, then kill.
        for wait_seconds, stop in ((5, None), (10, "terminate"), (5, "kill")):
            running = [child for child in children.values() if child.poll() is None]
            for child in running:
                if stop:
                    getattr(child, stop)()
            deadline = time.monotonic() + wait_seconds
            for child in running:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    child.wait(timeout=max(0.1, deadline - time.monotonic()))
