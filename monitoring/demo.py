"""SLA rules for the demo network, so that alerts show what Ponte watches."""

from django.db import transaction

from monitoring.models import Severity, SlaRule

Kind = SlaRule.Kind
# (kind, name, threshold, severity, minutes before escalation). Thresholds are
# in the unit of each kind (monitoring.rules.RULES).
DEMO_RULES = (
    (Kind.OFFER_NOT_ACCEPTED, "Oferta sem aceite em 15 min", 15, Severity.WARNING, 30),
    (Kind.NOT_FULFILLED, "Não enviado em 24 h", 24, Severity.WARNING, None),
    (Kind.DELIVERY_DATE_PASSED, "Entrega prometida vencida", 0, Severity.CRITICAL, None),
    (Kind.STUCK_ASSIGNMENT_STATE, "Parado há 48 h", 48, Severity.WARNING, None),
    (Kind.STATUS_MISMATCH, "Status VTEX diferente", 60, Severity.WARNING, None),
    (Kind.UNROUTABLE, "Pedido sem local viável", 0, Severity.CRITICAL, 60),
    (Kind.TOTALS_MISMATCH, "Totais do pedido não fecham", 1, Severity.WARNING, None),
    (Kind.QUARANTINED, "Documento em quarentena", 0, Severity.WARNING, None),
    (Kind.INVOICE_CNPJ_MISMATCH, "CNPJ da nota diferente", 0, Severity.CRITICAL, None),
    (Kind.WEBHOOK_FAILED, "Webhooks que falharam", 0, Severity.WARNING, None),
    (Kind.VTEX_WRITEBACK_FAILED, "Envio à VTEX recusado", 0, Severity.CRITICAL, None),
)  # fmt: skip


def demo_monitoring_load() -> dict[str, int]:
    """Create the demo rules that do not exist yet; returns how many."""
    created = 0
    with transaction.atomic():
        for kind, name, threshold, severity, escalate in DEMO_RULES:
            _rule, was_created = SlaRule.objects.get_or_create(
                kind=kind,
                location=None,
                sales_channel="",
                defaults={
                    "name": name,
                    "threshold": threshold,
                    "severity": severity,
                    "escalate_after_minutes": escalate,
                },
            )
            created += was_created
    return {"rules": created}
