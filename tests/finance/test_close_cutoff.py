"""A period close only reaches periods that ended before today."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from finance.models_statements import PeriodCloseRun
from finance.services.periods import PeriodCloseError, period_close_run_start
from franchises.models import Membership
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

# 04/12/2026 at noon in São Paulo.
NOW = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)


def expected_message() -> str:
    with translation.override("pt-br"):
        return translation.gettext(
            "Only periods that ended before today (%(today)s) can close; "
            "choose %(yesterday)s or an earlier date."
        ) % {"today": "04/12/2026", "yesterday": "03/12/2026"}


@pytest.fixture
def frozen_now(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


@pytest.mark.parametrize("days_ahead", [0, 1, 365 * 4])
def test_close_of_running_period_rejected(frozen_now, days_ahead):
    cutoff = NOW.date() + timedelta(days=days_ahead)

    with translation.override("pt-br"), pytest.raises(PeriodCloseError) as raised:
        period_close_run_start(cutoff=cutoff)

    assert str(raised.value) == expected_message()
    assert not PeriodCloseRun.objects.exists()


def test_close_through_yesterday_is_queued(frozen_now):
    run = period_close_run_start(cutoff=NOW.date() - timedelta(days=1))

    assert run.cutoff.isoformat() == "2026-12-03"


def test_close_page_rejects_future_cutoff(client, frozen_now):
    user = UserFactory(username="financeiro-corte", is_staff=True)
    MembershipFactory(user=user, role=Membership.Role.HQ_FINANCE, location=None)
    client.force_login(user)

    response = client.post(reverse("finance:period_close"), {"cutoff": "31/12/2030"})

    assert response.status_code == 200
    assert response.context["form"].errors["cutoff"] == [expected_message()]
    assert not PeriodCloseRun.objects.exists()
