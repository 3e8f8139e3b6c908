"""The sync check reads VTEX's hook and feed configuration through the client,
here from the bundled simulator."""

import pytest

from monitoring.models import Alert, SlaRule, SyncCheck
from monitoring.services.evaluation import rules_evaluate
from monitoring.services.sync_health import sync_check
from tests.i18n import pt_br
from tests.monitoring.conftest import make_rule

HOOK_URL = "https://ponte.example.com/vtex/hook/"


def _configure_hook(simulator, token):
    # Set directly: configuring through the sender would ping the URL.
    simulator.hooks.url = HOOK_URL
    simulator.hooks.token = token


@pytest.mark.django_db
def test_check_reports_missing_hook(vtex):
    check = sync_check()

    assert check.hook_error == pt_br("No hook is configured at VTEX.")
    assert check.feed_error == ""
    assert check.feed_backlog == 0
    assert check.responses == 2
    assert check.throttled == 0


@pytest.mark.django_db
def test_check_keeps_header_names_only(vtex, settings):
    _configure_hook(vtex, settings.VTEX_HOOK_TOKEN)

    check = sync_check()

    assert check.hook_error == ""
    assert check.hook_token_matches is True
    assert check.hook_config["hook"] == {
        "url": HOOK_URL,
        "headers": ["X-Ponte-Hook-Token"],
    }
    assert settings.VTEX_HOOK_TOKEN not in str(check.hook_config)


@pytest.mark.django_db
def test_wrong_hook_token_opens_alert(vtex):
    _configure_hook(vtex, "another-token")
    make_rule(SlaRule.Kind.HOOK_CONFIG, expected={"url": HOOK_URL})

    sync_check()
    rules_evaluate()

    assert Alert.objects.get().message == pt_br(
        "The hook at VTEX does not send Ponte's X-Ponte-Hook-Token."
    )


@pytest.mark.django_db
def test_throttled_check_counts_429(vtex):
    vtex.inject_fault(status=429, count=1, retry_after=0, path_prefix="/api/orders/")

    check = sync_check()

    assert check.throttled == 1
    assert check.responses == 3


@pytest.mark.django_db
def test_check_skipped_without_vtex(settings):
    settings.VTEX_BASE_URL = ""
    settings.VTEX_ACCOUNT = ""

    assert sync_check() is None
    assert not SyncCheck.objects.exists()
