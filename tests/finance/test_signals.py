"""Postings follow routing's and the order refresh's signals."""

from decimal import Decimal

import pytest

from finance.models import LedgerTransaction, OrderRoles
from orders.signals import orders_stored
from routing.services.assignments import assignment_mark_invoiced
from routing.signals import assignment_moved
from tests.finance.conftest import nfe_key, order_make, part_make

pytestmark = pytest.mark.django_db


def test_invoicing_through_workflow_posts_sale(
    finance_network, django_capture_on_commit_callbacks
):
    store_b = finance_network["b"]
    order = order_make(items=[("200.00", 1)], shipping=["20.00"])
    assignment = part_make(order, store_b, state="shipped")

    with django_capture_on_commit_callbacks(execute=True):
        assignment_mark_invoiced(
            assignment=assignment,
            invoice_number="4521",
            invoice_key=nfe_key(store_b.legal_entity.cnpj, 4521),
            invoice_value=Decimal("220.00"),
        )

    roles = OrderRoles.objects.get(assignment=assignment)
    assert roles.invoice_key == nfe_key(store_b.legal_entity.cnpj, 4521)
    assert LedgerTransaction.objects.filter(order=order).count() == 4


def test_other_transitions_post_nothing(finance_network):
    order = order_make(items=[("200.00", 1)])
    assignment = part_make(order, finance_network["b"])

    assignment_moved.send(
        sender=None,
        assignment_id=assignment.pk,
        from_state="invoiced",
        to_state="delivered",
    )

    assert LedgerTransaction.objects.count() == 0


def test_repeated_invoiced_signal_posts_once(finance_network):
    order = order_make(items=[("200.00", 1)])
    assignment = part_make(order, finance_network["b"])

    for _ in range(3):
        assignment_moved.send(
            sender=None,
            assignment_id=assignment.pk,
            from_state="shipped",
            to_state="invoiced",
        )

    assert LedgerTransaction.objects.filter(kind="sale").count() == 1


def test_stored_canceled_order_is_reversed(finance_network):
    order = order_make(items=[("200.00", 1)], shipping=["20.00"])
    assignment = part_make(order, finance_network["b"])
    assignment_moved.send(
        sender=None,
        assignment_id=assignment.pk,
        from_state="shipped",
        to_state="invoiced",
    )
    order.status = "canceled"
    order.save()

    for _ in range(2):
        orders_stored.send(sender=None, order_ids=[order.pk], source="hook")

    cancellation = LedgerTransaction.objects.get(kind="cancellation")
    assert cancellation.original.kind == "sale"
    entries = list(cancellation.entries.all())
    assert sum(e.debit for e in entries) == sum(e.credit for e in entries)
