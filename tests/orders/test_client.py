import pytest

from orders.vtex.client import (
    VtexClient,
    VtexConfigurationError,
    VtexError,
    VtexNotFound,
)
from tests.orders.conftest import APP_KEY, APP_TOKEN
from tests.orders.documents import vtex_document, vtex_plain


def client_for(vtex, settings, sleeps, **overrides):
    options = {
        "base_url": settings.VTEX_BASE_URL,
        "app_key": APP_KEY,
        "app_token": APP_TOKEN,
        "max_attempts": 3,
        "max_backoff": 30,
        "sleep": sleeps.append,
    }
    options.update(overrides)
    return VtexClient(**options)


@pytest.fixture
def sleeps():
    return []


def test_client_builds_vtex_host_from_account(settings):
    settings.VTEX_BASE_URL = ""
    settings.VTEX_ACCOUNT = "minhaloja"
    settings.VTEX_ENVIRONMENT = "vtexcommercestable"

    client = VtexClient.from_settings()

    assert client.base_url == "https://minhaloja.vtexcommercestable.com.br"


def test_client_without_host_fails_clearly(settings):
    settings.VTEX_BASE_URL = ""
    settings.VTEX_ACCOUNT = ""

    with pytest.raises(VtexConfigurationError, match="set VTEX_ACCOUNT"):
        VtexClient.from_settings()


def test_client_honours_retry_after_on_429(vtex, settings, sleeps):
    document = vtex_document("delivery-sao-paulo")
    vtex.put_document(vtex_plain(document))
    vtex.inject_fault(status=429, count=1, retry_after=7)

    text = client_for(vtex, settings, sleeps).get_order_text(document["orderId"])

    assert '"1480140512345-01"' in text
    assert sleeps == [7.0]


def test_client_retries_5xx_with_backoff(vtex, settings, sleeps):
    document = vtex_document("delivery-sao-paulo")
    vtex.put_document(vtex_plain(document))
    vtex.inject_fault(status=502, count=2)

    client_for(vtex, settings, sleeps).get_order_text(document["orderId"])

    assert len(sleeps) == 2
    assert 0.5 <= sleeps[0] <= 0.625
    assert 1.0 <= sleeps[1] <= 1.25


def test_client_caps_retry_after(vtex, settings, sleeps):
    document = vtex_document("delivery-sao-paulo")
    vtex.put_document(vtex_plain(document))
    vtex.inject_fault(status=429, count=1, retry_after=3600)

    client_for(vtex, settings, sleeps, max_backoff=5).get_order_text(
        document["orderId"]
    )

    assert sleeps == [5.0]


def test_client_fails_clearly_after_last_attempt(vtex, settings, sleeps):
    vtex.inject_fault(status=503, count=5)

    with pytest.raises(VtexError) as caught:
        client_for(vtex, settings, sleeps).get_order_text("1480140512345-01")

    assert str(caught.value) == (
        "GET /api/oms/pvt/orders/1480140512345-01 failed after 3 attempts: HTTP 503"
    )
    assert len(sleeps) == 2


def test_client_reports_not_found(vtex, settings, sleeps):
    with pytest.raises(VtexNotFound):
        client_for(vtex, settings, sleeps).get_order_text("nao-existe-01")

    assert sleeps == []


def test_client_sends_app_key_and_token(vtex, settings, sleeps):
    document = vtex_document("delivery-sao-paulo")
    vtex.put_document(vtex_plain(document))

    with pytest.raises(VtexError, match="HTTP 401"):
        client_for(vtex, settings, sleeps, app_token="wrong").get_order_text(
            document["orderId"]
        )
