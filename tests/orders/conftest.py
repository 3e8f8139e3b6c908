"""A VTEX simulator on loopback, and settings that point the client at it."""

from datetime import UTC, datetime

import pytest

from orders.simulator import VtexSimulator

APP_KEY = "vtexappkey-ponteteste-TEST"
APP_TOKEN = "test-app-token"
DAY = datetime(2026, 11, 27, tzinfo=UTC)


@pytest.fixture
def simulator():
    return VtexSimulator(seed=7, app_key=APP_KEY, app_token=APP_TOKEN)


@pytest.fixture
def vtex(simulator, settings):
    """The simulator served over HTTP, with VTEX settings pointing at it."""
    server = simulator.serve(host="127.0.0.1", port=0)
    settings.VTEX_BASE_URL = server.url
    settings.VTEX_APP_KEY = APP_KEY
    settings.VTEX_APP_TOKEN = APP_TOKEN
    yield simulator
    server.shutdown()
