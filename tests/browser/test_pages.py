"""A store manager and HQ use the main monitoring pages in a real browser."""

from datetime import timedelta

import pytest
from django.utils import timezone

from monitoring.models import Alert, SlaRule
from monitoring.services.evaluation import rules_evaluate
from routing.models import Assignment
from tests.browser.conftest import log_in
from tests.monitoring.conftest import make_assignment, make_rule

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

State = Assignment.State


@pytest.fixture
def store_data(store_a, store_b):
    """History for the charts, one late offer with its alert, and a fresh offer."""
    now = timezone.now()
    for days in range(6):
        for n in range(days + 1):
            offered = now - timedelta(days=days, hours=n + 1)
            make_assignment(
                store_a if n % 3 else store_b,
                offered_at=offered,
                state=State.SHIPPED,
                accepted_at=offered + timedelta(minutes=4 + n),
                shipped_at=offered + timedelta(hours=3 + n),
                value="80.00",
            )
    make_assignment(store_a, offered_at=now - timedelta(minutes=50))
    fresh = make_assignment(
        store_a, offered_at=now, expires_at=now + timedelta(minutes=30)
    )
    make_rule(SlaRule.Kind.OFFER_NOT_ACCEPTED, threshold=30, name="Offer late")
    rules_evaluate(now=now)
    return {"fresh": fresh, "alert": Alert.objects.get(owner=store_a)}


def test_store_manager_dashboard_alert_and_offer(
    page, screenshot, manager_a, store_data
):
    log_in(page, "gerente-a")

    page.goto("/monitoring/")
    assert page.locator("h1").inner_text() == "Dashboard · Loja A"
    assert page.locator("figure.chart svg rect.bar").count() == 7
    assert page.locator("#kpi-alerts").inner_text() == "1"
    screenshot("store-dashboard")

    page.goto("/monitoring/alerts/")
    row = page.locator(f"tr[data-alert='{store_data['alert'].pk}']")
    row.get_by_role("button", name="Acknowledge").click()
    page.wait_for_load_state()
    assert "Alert acknowledged." in page.locator(".messages").inner_text()
    screenshot("alert-list")
    store_data["alert"].refresh_from_db()
    assert store_data["alert"].status == Alert.Status.ACKNOWLEDGED

    page.goto("/routing/assignments/?state=offered")
    order_id = store_data["fresh"].order.vtex_order_id
    offer_row = page.locator("tr", has_text=order_id)
    offer_row.get_by_role("button", name="Accept").click()
    page.wait_for_load_state()
    screenshot("assignment-queue")
    assert f"Order {order_id} accepted." in page.locator(".messages").inner_text()
    store_data["fresh"].refresh_from_db()
    assert store_data["fresh"].state == State.ACCEPTED


def test_hq_sees_network_dashboard(page, screenshot, hq_user, store_data):
    log_in(page, "hq")

    page.goto("/monitoring/network/?sort=code")
    assert page.locator("h1").inner_text() == "Network dashboard"
    rows = page.locator("#network-table tbody tr")
    assert rows.count() == 2
    assert rows.nth(0).locator("td").first.inner_text() == "Loja A"
    assert page.locator("figure.chart svg").count() == 1
    assert page.locator("#sync-quarantine").inner_text() == "0"
    screenshot("network-dashboard")
