"""Parts that had left the shelf when VTEX canceled their order: flagged,
kept in their state, and no longer invoiced or marked delivered."""

from decimal import Decimal

import pytest
from django.urls import reverse

from orders.models import Order, VtexOutboxCall
from orders.signals import orders_stored
from routing.models import Assignment, AssignmentEvent
from routing.services import assignments as assignment_services
from routing.services.assignments import (
    ORDER_CANCELED_REASON,
    TransitionError,
    assignment_mark_delivered,
    assignment_mark_invoiced,
    assignment_order_canceled,
    assignments_flag_canceled_orders,
)
from tests.routing.test_pages import (
    action_url,
    detail_url,
    event_count,
    flashed,
    log_in,
    make_assignment,
    pt_br,
)
from tests.routing.test_workflow_checks import nfe_key

pytestmark = pytest.mark.django_db
State = Assignment.State

DELIVERED_ERROR = (
    "Order %(order)s was canceled at VTEX, so assignment %(id)s cannot be "
    "marked delivered. Do not hand over the goods; arrange their return with HQ."
)
INVOICED_ERROR = (
    "Order %(order)s was canceled at VTEX, so assignment %(id)s cannot be "
    "invoiced. Do not issue an NF-e for it; arrange the return of the goods "
    "with HQ."
)


def cancel(assignment: Assignment) -> None:
    Order.objects.filter(pk=assignment.order_id).update(status="canceled")
    assignment.refresh_from_db()


def flag_events(assignment: Assignment) -> list[AssignmentEvent]:
    return list(
        AssignmentEvent.objects.filter(
            assignment=assignment, details__reason=ORDER_CANCELED_REASON
        )
    )


@pytest.fixture
def invoiced_part(store_a):
    """An invoiced part of an order that VTEX then canceled."""
    assignment = make_assignment(store_a, state=State.INVOICED)
    cancel(assignment)
    return assignment


# The flag


def test_flag_marks_invoiced_part_once(invoiced_part):
    first = assignments_flag_canceled_orders(order_ids=[invoiced_part.order_id])
    second = assignments_flag_canceled_orders(order_ids=[invoiced_part.order_id])

    events = flag_events(invoiced_part)
    assert first == 1
    assert second == 0
    assert len(events) == 1
    assert events[0].from_state == State.INVOICED
    assert events[0].to_state == State.INVOICED
    invoiced_part.refresh_from_db()
    assert invoiced_part.state == State.INVOICED
    assert assignment_order_canceled(invoiced_part) is True


@pytest.mark.parametrize(
    ("state", "flagged"),
    [
        (State.OFFERED, 0),
        (State.PICKING, 0),
        (State.READY_FOR_PICKUP, 1),
        (State.SHIPPED, 1),
        (State.DELIVERED, 1),
    ],
)
def test_flag_skips_open_parts(store_a, state, flagged):
    assignment = make_assignment(store_a, state=state)
    cancel(assignment)

    count = assignments_flag_canceled_orders(order_ids=[assignment.order_id])

    assert count == flagged
    assert len(flag_events(assignment)) == flagged


def test_flag_skips_orders_not_canceled(store_a):
    assignment = make_assignment(store_a, state=State.INVOICED)

    count = assignments_flag_canceled_orders(order_ids=[assignment.order_id])

    assert count == 0
    assert flag_events(assignment) == []
    assert assignment_order_canceled(assignment) is False


def test_stored_orders_signal_flags_part(invoiced_part):
    orders_stored.send(sender=Order, order_ids=[invoiced_part.order_id], source="hook")

    assert len(flag_events(invoiced_part)) == 1


# Refused moves


def test_delivered_refused_after_cancel(invoiced_part):
    events_before = event_count(invoiced_part)

    with pytest.raises(TransitionError) as raised:
        assignment_mark_delivered(assignment=invoiced_part)

    assert str(raised.value) == pt_br(
        DELIVERED_ERROR,
        order=invoiced_part.order.vtex_order_id,
        id=invoiced_part.pk,
    )
    invoiced_part.refresh_from_db()
    assert invoiced_part.state == State.INVOICED
    assert invoiced_part.delivered_at is None
    assert event_count(invoiced_part) == events_before


def test_delivered_refused_when_cancel_races(invoiced_part, monkeypatch):
    # The order is canceled after the early check: the compare-and-swap
    # still refuses the move.
    monkeypatch.setattr(
        assignment_services, "_raise_if_order_canceled", lambda *args: None
    )
    events_before = event_count(invoiced_part)

    with pytest.raises(TransitionError) as raised:
        assignment_mark_delivered(assignment=invoiced_part)

    assert str(raised.value) == pt_br(
        DELIVERED_ERROR,
        order=invoiced_part.order.vtex_order_id,
        id=invoiced_part.pk,
    )
    invoiced_part.refresh_from_db()
    assert invoiced_part.state == State.INVOICED
    assert event_count(invoiced_part) == events_before


def test_invoice_refused_after_cancel(store_a):
    assignment = make_assignment(store_a, state=State.SHIPPED)
    cancel(assignment)
    events_before = event_count(assignment)

    with pytest.raises(TransitionError) as raised:
        assignment_mark_invoiced(
            assignment=assignment,
            invoice_number="1234",
            invoice_key=nfe_key(store_a.legal_entity.cnpj),
            invoice_value=Decimal("50.00"),
        )

    assert str(raised.value) == pt_br(
        INVOICED_ERROR, order=assignment.order.vtex_order_id, id=assignment.pk
    )
    assignment.refresh_from_db()
    assert assignment.state == State.SHIPPED
    assert assignment.invoice_key == ""
    assert assignment.invoice_value is None
    assert event_count(assignment) == events_before
    assert VtexOutboxCall.objects.count() == 0


def test_delivered_allowed_without_cancel(store_a):
    assignment = make_assignment(store_a, state=State.INVOICED)

    moved = assignment_mark_delivered(assignment=assignment)

    assert moved.state == State.DELIVERED


# Pages


def test_page_hides_deliver_and_says_canceled(client, manager_a, invoiced_part):
    log_in(client, manager_a)

    page = client.get(detail_url(invoiced_part)).content.decode()

    assert pt_br("Order canceled at VTEX") in page
    assert pt_br("Mark delivered") not in page
    assert action_url(invoiced_part, "deliver") not in page


def test_page_offers_deliver_without_cancel(client, manager_a, store_a):
    assignment = make_assignment(store_a, state=State.INVOICED)
    log_in(client, manager_a)

    page = client.get(detail_url(assignment)).content.decode()

    assert pt_br("Mark delivered") in page
    assert pt_br("Order canceled at VTEX") not in page


def test_page_post_deliver_shows_error(client, manager_a, invoiced_part):
    log_in(client, manager_a)

    response = client.post(action_url(invoiced_part, "deliver"))

    assert flashed(response) == [
        pt_br(
            DELIVERED_ERROR,
            order=invoiced_part.order.vtex_order_id,
            id=invoiced_part.pk,
        )
    ]
    invoiced_part.refresh_from_db()
    assert invoiced_part.state == State.INVOICED


def test_queue_hides_deliver_after_cancel(client, manager_a, invoiced_part):
    log_in(client, manager_a)

    page = client.get(reverse("routing:queue")).content.decode()

    assert action_url(invoiced_part, "deliver") not in page


def test_hq_timeline_shows_flag(client, hq_user, invoiced_part):
    assignments_flag_canceled_orders(order_ids=[invoiced_part.order_id])
    log_in(client, hq_user)

    page = client.get(detail_url(invoiced_part)).content.decode()

    assert f"{pt_br('Reason')}: {pt_br('Order canceled at VTEX')}" in page


def test_admin_filters_canceled_parts(admin_client, invoiced_part, store_a):
    not_canceled = make_assignment(store_a, state=State.INVOICED)
    url = reverse("admin:routing_assignment_changelist")

    response = admin_client.get(url, {"order_canceled": "yes"})

    listed = {row.pk for row in response.context["cl"].result_list}
    assert listed == {invoiced_part.pk}
    assert not_canceled.pk not in listed
