"""The alert list filters by status, rule kind, severity, owner and subject
type, keeps the filters across pages, and scopes store users to their own
alerts."""

from datetime import UTC, datetime
from html import escape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from monitoring.models import Alert, SlaRule
from monitoring.views import ALERTS_PER_PAGE
from tests.i18n import pt_br
from tests.monitoring.conftest import make_rule

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
Kind = SlaRule.Kind
Subject = Alert.SubjectType


def _alert(rule, key, *, owner=None, severity="warning", subject=Subject.ASSIGNMENT):
    return Alert.objects.create(
        rule=rule,
        severity=severity,
        owner=owner,
        subject_type=subject,
        subject_key=key,
        message=f"alert {key}",
        opened_at=NOW,
        last_seen_at=NOW,
    )


@pytest.fixture
def alerts(store_a, store_b):
    offers = make_rule(Kind.OFFER_NOT_ACCEPTED, threshold=30)
    late = make_rule(Kind.NOT_FULFILLED, threshold=24)
    hook = make_rule(Kind.HOOK_CONFIG)
    return {
        "offer_a": _alert(offers, "assignment:1", owner=store_a),
        "late_a": _alert(late, "assignment:2", owner=store_a, severity="critical"),
        "offer_b": _alert(offers, "assignment:3", owner=store_b),
        "hook": _alert(
            hook,
            "integration:vtex-hook",
            severity="critical",
            subject=Subject.INTEGRATION,
        ),
    }


def _shown(response) -> set[int]:
    return {alert.pk for alert in response.context["page"].object_list}


def _ids(alerts, *names) -> set[int]:
    return {alerts[name].pk for name in names}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ("offer_a", "late_a", "offer_b", "hook")),
        ({"kind": Kind.OFFER_NOT_ACCEPTED}, ("offer_a", "offer_b")),
        ({"severity": "critical"}, ("late_a", "hook")),
        ({"owner": "loja-a"}, ("offer_a", "late_a")),
        ({"owner": "hq"}, ("hook",)),
        ({"subject_type": Subject.INTEGRATION}, ("hook",)),
        ({"kind": Kind.NOT_FULFILLED, "owner": "loja-a"}, ("late_a",)),
        ({"severity": "critical", "owner": "loja-b"}, ()),
    ],
)
def test_hq_filters_alerts(client, hq_user, alerts, query, expected):
    client.force_login(hq_user)

    response = client.get(reverse("monitoring:alerts"), query)

    assert response.status_code == 200
    assert _shown(response) == _ids(alerts, *expected)


def test_status_filter_combines(client, hq_user, alerts):
    Alert.objects.filter(pk=alerts["offer_b"].pk).update(
        status=Alert.Status.RESOLVED, resolved_at=NOW
    )
    client.force_login(hq_user)

    unresolved = client.get(
        reverse("monitoring:alerts"), {"kind": "offer_not_accepted"}
    )
    resolved = client.get(
        reverse("monitoring:alerts"),
        {"kind": "offer_not_accepted", "status": "resolved"},
    )
    everything = client.get(
        reverse("monitoring:alerts"), {"kind": "offer_not_accepted", "status": "all"}
    )

    assert _shown(unresolved) == _ids(alerts, "offer_a")
    assert _shown(resolved) == _ids(alerts, "offer_b")
    assert _shown(everything) == _ids(alerts, "offer_a", "offer_b")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("kind", "no_such_rule"),
        ("severity", "urgent"),
        ("subject_type", "planet"),
        ("owner", "loja-z"),
        ("status", "closed"),
    ],
)
def test_invalid_filter_shows_error(client, hq_user, alerts, field, value):
    client.force_login(hq_user)

    response = client.get(reverse("monitoring:alerts"), {field: value})

    assert response.status_code == 200
    message = pt_br(
        "Select a valid choice. %(value)s is not one of the available choices.",
        value=value,
    )
    assert escape(message) in response.content.decode()
    # The invalid filter is left out; the others still apply.
    assert _shown(response) == _ids(alerts, "offer_a", "late_a", "offer_b", "hook")
    assert Alert.objects.count() == 4


def test_store_user_sees_own_alerts_only(client, manager_a, alerts):
    client.force_login(manager_a)

    response = client.get(reverse("monitoring:alerts"))
    by_kind = client.get(reverse("monitoring:alerts"), {"kind": "offer_not_accepted"})

    assert _shown(response) == _ids(alerts, "offer_a", "late_a")
    assert _shown(by_kind) == _ids(alerts, "offer_a")


@pytest.mark.parametrize("owner", ["loja-b", "hq", "loja-z"])
def test_store_user_other_owner_404(client, manager_a, alerts, owner):
    client.force_login(manager_a)

    response = client.get(reverse("monitoring:alerts"), {"owner": owner})

    assert response.status_code == 404


def test_store_user_own_owner_filter(client, manager_a, alerts):
    client.force_login(manager_a)

    response = client.get(reverse("monitoring:alerts"), {"owner": "loja-a"})

    assert _shown(response) == _ids(alerts, "offer_a", "late_a")
    content = response.content.decode()
    assert 'value="loja-a"' in content
    assert 'value="loja-b"' not in content
    assert 'value="hq"' not in content


def test_pagination_keeps_filters(client, hq_user, store_a):
    rule = make_rule(Kind.OFFER_NOT_ACCEPTED, threshold=30)
    for number in range(ALERTS_PER_PAGE + 1):
        _alert(rule, f"assignment:{number}", owner=store_a, severity="critical")
    client.force_login(hq_user)
    query = {"kind": "offer_not_accepted", "severity": "critical", "owner": "loja-a"}

    first = client.get(reverse("monitoring:alerts"), query)
    second = client.get(reverse("monitoring:alerts"), {**query, "page": 2})

    content = first.content.decode()
    assert (
        "?kind=offer_not_accepted&amp;severity=critical&amp;owner=loja-a&amp;page=2"
        in content
    )
    assert len(first.context["page"].object_list) == ALERTS_PER_PAGE
    assert len(second.context["page"].object_list) == 1
    assert "page=1" in second.content.decode()
    assert "kind=offer_not_accepted" in second.content.decode()


@pytest.mark.parametrize("user_fixture", ["hq_user", "manager_a"])
def test_alert_list_queries_do_not_grow(
    client, request, store_a, store_b, user_fixture, django_assert_num_queries
):
    user = request.getfixturevalue(user_fixture)
    client.force_login(user)
    url = reverse("monitoring:alerts")
    query = {"kind": "offer_not_accepted", "severity": "warning"}
    rule = make_rule(Kind.OFFER_NOT_ACCEPTED, threshold=30)
    _alert(rule, "assignment:0", owner=store_a)
    client.get(url, query)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, query)
        assert response.status_code == 200
        return len(captured)

    few = count_queries()
    for number in range(1, 30):
        owner = store_a if number % 2 else store_b
        _alert(rule, f"assignment:{number}", owner=owner)
    many = count_queries()

    assert many == few
