"""Monitoring wording in pt-BR: KPI headings that agree with "Pedidos",
alert counts by severity with their translated, pluralised labels, and the
product's name with masculine articles."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import trans_real

from monitoring.models import Alert, SlaRule
from monitoring.rules import RULES
from routing.models import Assignment
from tests.i18n import pt_br
from tests.monitoring.conftest import make_assignment, make_rule

State = Assignment.State
NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


def _alert(rule, key, *, owner=None, severity="warning"):
    return Alert.objects.create(
        rule=rule,
        severity=severity,
        owner=owner,
        subject_type=Alert.SubjectType.ASSIGNMENT,
        subject_key=key,
        message=f"alert {key}",
        opened_at=NOW,
        last_seen_at=NOW,
    )


@pytest.fixture
def one_of_each(store_a):
    """Four parts at store A, one in each state the headings count."""
    offered_at = timezone.now() - timedelta(hours=1)
    for state in (State.ACCEPTED, State.REJECTED, State.EXPIRED, State.OFFERED):
        make_assignment(store_a, offered_at=offered_at, state=state)


def _kpi_label(content: str, kpi_id: str) -> str:
    """Return the heading text that follows the KPI's figure."""
    after = content.split(f'<strong id="{kpi_id}">', 1)[1]
    return after.split("<span>", 1)[1].split("</span>", 1)[0]


def test_store_headings_agree_with_orders(client, manager_a, one_of_each):
    client.force_login(manager_a)

    content = client.get(reverse("monitoring:dashboard")).content.decode()

    assert _kpi_label(content, "kpi-received") == "Pedidos recebidos"
    assert _kpi_label(content, "kpi-accepted") == "Aceitos"
    assert _kpi_label(content, "kpi-rejected") == "Recusados"
    assert _kpi_label(content, "kpi-expired") == "Vencidos"
    assert "<h2>Alertas abertos</h2>" in content
    assert "Aceita<" not in content
    assert "Recusada<" not in content
    assert "Vencida<" not in content


@pytest.mark.parametrize(
    ("count", "label"),
    [(0, "Alerta aberto"), (1, "Alerta aberto"), (2, "Alertas abertos")],
)
def test_store_open_alerts_agree_with_count(client, manager_a, store_a, count, label):
    rule = make_rule(SlaRule.Kind.OFFER_NOT_ACCEPTED, threshold=30)
    for number in range(count):
        _alert(rule, f"assignment:{number}", owner=store_a)
    client.force_login(manager_a)

    content = client.get(reverse("monitoring:dashboard")).content.decode()

    assert f'<strong id="kpi-alerts">{count}</strong>' in content
    assert _kpi_label(content, "kpi-alerts") == label


def test_network_table_headings(client, hq_user, one_of_each):
    client.force_login(hq_user)

    content = client.get(reverse("monitoring:network")).content.decode()
    table = content.split('id="network-table"', 1)[1]

    for heading in ("Recebidos", "Aceitos", "Recusados", "Vencidos"):
        assert f">{heading}</a></th>" in table
    assert ">Alertas abertos</a></th>" in table
    assert ">Aceita</a>" not in table


def _alerts_line(content: str) -> str:
    """Return the severity counts after the network dashboard's alerts link."""
    after = content.split(">Alertas</a>:", 1)[1]
    return after.split("</p>", 1)[0].strip()


def test_network_alert_counts_one_each(client, hq_user):
    rule = make_rule(SlaRule.Kind.HOOK_CONFIG)
    _alert(rule, "a", severity="critical")
    _alert(rule, "b", severity="warning")
    _alert(rule, "c", severity="info")
    client.force_login(hq_user)

    content = client.get(reverse("monitoring:network")).content.decode()

    assert _alerts_line(content) == (
        '<span class="severity-critical">1 crítico</span>, '
        '<span class="severity-info">1 informativo</span>, '
        '<span class="severity-warning">1 aviso</span>'
    )


def test_network_alert_counts_plural(client, hq_user):
    rule = make_rule(SlaRule.Kind.HOOK_CONFIG)
    for key in ("a", "b"):
        _alert(rule, f"critical-{key}", severity="critical")
        _alert(rule, f"warning-{key}", severity="warning")
        _alert(rule, f"info-{key}", severity="info")
    client.force_login(hq_user)

    content = client.get(reverse("monitoring:network")).content.decode()

    line = _alerts_line(content)
    assert '<span class="severity-critical">2 críticos</span>' in line
    assert '<span class="severity-warning">2 avisos</span>' in line
    assert '<span class="severity-info">2 informativos</span>' in line
    assert "critical<" not in line
    assert "warning<" not in line


def test_network_alert_counts_in_english(client, hq_user):
    rule = make_rule(SlaRule.Kind.HOOK_CONFIG)
    _alert(rule, "a", severity="warning")
    _alert(rule, "b", severity="warning")
    client.force_login(hq_user)

    response = client.get(
        reverse("monitoring:network"), headers={"accept-language": "en"}
    )

    assert '<span class="severity-warning">2 warnings</span>' in (
        response.content.decode()
    )


# The product's name is masculine in Portuguese: "o Ponte", "do Ponte".

PONTE_MESSAGES = [
    ("VTEX and Ponte status disagree", {}, "Status da VTEX e do Ponte divergem"),
    (
        "Order %(order)s is %(vtex)s at VTEX but %(state)s in Ponte.",
        {"order": "1001-01", "vtex": "faturado", "state": "aceito"},
        "O pedido 1001-01 está faturado na VTEX, mas aceito no Ponte.",
    ),
    (
        "The hook at VTEX does not send Ponte's X-Ponte-Hook-Token.",
        {},
        "O hook na VTEX não envia o X-Ponte-Hook-Token do Ponte.",
    ),
]


@pytest.mark.parametrize(("message", "params", "expected"), PONTE_MESSAGES)
def test_ponte_is_masculine(message, params, expected):
    assert pt_br(message, **params) == expected


def test_catalog_has_no_feminine_ponte():
    catalog = trans_real.translation("pt-br")._catalog
    feminine = re.compile(r"\b(da|na|a|pela|à) Ponte\b")

    texts = [text for _, text in catalog.items() if "Ponte" in text]

    assert texts
    assert [text for text in texts if feminine.search(text)] == []


# SLA rule thresholds: the unit agrees with the threshold.


@pytest.mark.parametrize(
    ("threshold", "unit"),
    [
        (0, "centavo de tolerância"),
        (1, "centavo de tolerância"),
        (2, "centavos de tolerância"),
    ],
)
def test_rule_unit_agrees_with_threshold(threshold, unit):
    kind = RULES[SlaRule.Kind.TOTALS_MISMATCH]

    with translation.override("pt-br"):
        assert kind.unit.for_count(threshold) == unit


def test_rule_unit_in_english():
    kind = RULES[SlaRule.Kind.OFFER_NOT_ACCEPTED]

    with translation.override("en"):
        assert kind.unit.for_count(1) == "minute"
        assert kind.unit.for_count(0) == "minutes"
        assert str(kind.unit) == "minutes"


def test_rule_list_shows_singular_unit(admin_client):
    make_rule(SlaRule.Kind.TOTALS_MISMATCH, threshold=1)
    make_rule(SlaRule.Kind.OFFER_NOT_ACCEPTED, threshold=30)

    content = admin_client.get(
        reverse("admin:monitoring_slarule_changelist")
    ).content.decode()

    assert '<td class="field-threshold_unit">centavo de tolerância</td>' in content
    assert '<td class="field-threshold_unit">minutos</td>' in content
    assert "centavos de tolerância" not in content
