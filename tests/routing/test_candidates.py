from datetime import timedelta

import pytest
from django.utils import timezone

from routing.models import Assignment, RoutingDecision
from routing.services.candidates import MIN_ANSWERED_OFFERS, LocationFacts
from tests.orders.factories import OrderFactory


def offers(location, states, *, accepted_late=False):
    """Create one assignment per state at the location, offered an hour ago."""
    order = OrderFactory()
    decision = RoutingDecision.objects.create(
        order=order, status="routed", triggered_by="test"
    )
    now = timezone.now()
    for state in states:
        accepted = state in ("accepted", "picking")
        Assignment.objects.create(
            order=order,
            decision=decision,
            location=location,
            state=state,
            value=10,
            offered_at=now - timedelta(hours=1),
            expires_at=now - timedelta(minutes=30),
            accepted_at=(
                now - timedelta(minutes=10 if accepted_late else 50)
                if accepted
                else None
            ),
        )


@pytest.mark.django_db
def test_facts_ignore_rates_below_minimum_sample(store_a):
    offers(store_a, ["accepted"] * (MIN_ANSWERED_OFFERS - 1) + ["offered"] * 10)

    facts = LocationFacts.load(timezone.now())

    assert store_a.pk not in facts.rejection_rate
    assert store_a.pk not in facts.on_time_rate


@pytest.mark.django_db
def test_facts_rates_count_answered_offers_only(store_a):
    offers(store_a, ["accepted"] * 3 + ["rejected", "expired"] + ["offered"] * 20)

    facts = LocationFacts.load(timezone.now())

    assert facts.rejection_rate[store_a.pk] == pytest.approx(2 / 5)
    assert facts.on_time_rate[store_a.pk] == pytest.approx(1.0)


@pytest.mark.django_db
def test_facts_late_acceptance_lowers_on_time_rate(store_a):
    offers(store_a, ["accepted"] * MIN_ANSWERED_OFFERS, accepted_late=True)

    facts = LocationFacts.load(timezone.now())

    assert facts.on_time_rate[store_a.pk] == 0.0


@pytest.mark.django_db
def test_facts_offer_counted_updates_cached_fields(store_a):
    facts = LocationFacts.load(timezone.now())
    before = facts.candidate_fields()[store_a.pk]["open_assignments"]

    facts.offer_counted(store_a.pk)

    assert facts.candidate_fields()[store_a.pk]["open_assignments"] == before + 1
