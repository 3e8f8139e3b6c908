"""Routing pages: the store queue and its actions, one assignment, HQ's exception
queue and search, and the routing decision shown on an order."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from franchises.cnpj import cnpj_mask
from franchises.models import Location, Membership
from orders.models import OrderLocation
from routing.forms import parse_brl_amount
from routing.models import (
    Assignment,
    AssignmentEvent,
    AssignmentLine,
    RoutingCase,
    RoutingDecision,
    StockLevel,
)
from routing.services.nfe import nfe_check_digit
from routing.services.stock import StockRow, stock_levels_set
from routing.views import routing_decision_context, routing_explanation
from tests.factories import LocationFactory, MembershipFactory
from tests.i18n import pt_br
from tests.orders.factories import OrderFactory, OrderItemFactory

pytestmark = pytest.mark.django_db

QUEUE_URL = reverse("routing:queue")
EXCEPTIONS_URL = reverse("routing:exceptions")
SEARCH_URL = reverse("routing:search")
# A real-format NF-e key (SP, 2026-03, CNPJ 11.222.333/0001-81, model 55) whose
# last digit is the mod-11 check digit of the other 43.
NFE_KEY_BODY = "3526031122233300018155001000001234100001234"
VALID_NFE_KEY = NFE_KEY_BODY + str(nfe_check_digit(NFE_KEY_BODY))
State = Assignment.State


def log_in(client, user) -> None:
    # The persona factory sets the password without saving it, and Django ends a
    # session whose password hash differs from the stored one.
    user.save()
    client.force_login(user)


def make_assignment(
    location,
    *,
    state=State.OFFERED,
    items=(("2001", 1),),
    delivery_channel="delivery",
    offered_at=None,
    expires_in=timedelta(minutes=30),
    order=None,
    **fields,
) -> Assignment:
    """An order with `items` (SKU, quantity), a routed decision, and one
    assignment of all its items to `location` in `state`."""
    offered_at = offered_at or timezone.now()
    order = order or OrderFactory(linked_to=[location])

    order_items = [
        OrderItemFactory(
            order=order,
            item_index=index,
            sku_id=sku,
            quantity=quantity,
            selling_price=Decimal("50.00"),
            delivery_channel=delivery_channel,
        )
        for index, (sku, quantity) in enumerate(items)
    ]

    decision = RoutingDecision.objects.create(
        order=order,
        status="routed",
        deciding_step="distance",
        reason="Nearest store with stock.",
        lines=[[item.item_index, item.quantity] for item in order_items],
        candidates=[],
        triggered_by="hook",
    )

    assignment = Assignment.objects.create(
        order=order,
        decision=decision,
        location=location,
        state=state,
        value=sum(item.selling_price * item.quantity for item in order_items),
        offered_at=offered_at,
        expires_at=offered_at + expires_in,
        **fields,
    )
    AssignmentLine.objects.bulk_create(
        AssignmentLine(
            assignment=assignment,
            item_index=item.item_index,
            sku_id=item.sku_id,
            quantity=item.quantity,
        )
        for item in order_items
    )
    AssignmentEvent.objects.create(
        assignment=assignment, from_state="", to_state=State.OFFERED, at=offered_at
    )

    OrderLocation.objects.get_or_create(
        order=order, location=location, reason=OrderLocation.Reason.ASSIGNED
    )
    RoutingCase.objects.get_or_create(
        order=order, defaults={"status": RoutingCase.Status.ROUTED}
    )
    return assignment


def detail_url(assignment) -> str:
    return reverse("routing:assignment", kwargs={"pk": assignment.pk})


def action_url(assignment, action) -> str:
    return reverse(
        "routing:assignment_action", kwargs={"pk": assignment.pk, "action": action}
    )


def flashed(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def listed_assignment_ids(response) -> set[int]:
    return {
        int(pk)
        for pk in re.findall(
            r'href="/routing/assignments/(\d+)/"', response.content.decode()
        )
    }


def event_count(assignment) -> int:
    return AssignmentEvent.objects.filter(assignment=assignment).count()


# Queue


def test_queue_requires_login(client):
    response = client.get(QUEUE_URL)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_queue_shows_only_own_assignments(client, manager_a, store_a, store_b):
    own = make_assignment(store_a)
    other = make_assignment(store_b)
    log_in(client, manager_a)

    response = client.get(QUEUE_URL)

    assert response.status_code == 200
    assert listed_assignment_ids(response) == {own.pk}
    assert other.order.vtex_order_id not in response.content.decode()


def test_queue_shows_every_store_to_hq(client, hq_user, store_a, store_b):
    assignments = [make_assignment(store_a), make_assignment(store_b)]
    log_in(client, hq_user)

    response = client.get(QUEUE_URL)

    assert listed_assignment_ids(response) == {a.pk for a in assignments}
    assert "loja-b" in response.content.decode()


def test_queue_row_shows_items_and_value(client, manager_a, store_a):
    assignment = make_assignment(store_a, items=(("2001", 2), ("3107", 1)))
    log_in(client, manager_a)

    content = client.get(QUEUE_URL).content.decode()

    order_url = reverse(
        "orders:detail", kwargs={"vtex_order_id": assignment.order.vtex_order_id}
    )
    assert f'href="{order_url}"' in content
    assert "<code>2001</code> × 2" in content
    assert "<code>3107</code> × 1" in content
    assert "R$\xa0150,00" in content or "R$ 150,00" in content


def test_queue_counters_count_by_next_step(client, manager_a, store_a, store_b):
    now = timezone.now()
    make_assignment(store_a, expires_in=timedelta(minutes=30))
    make_assignment(store_a, offered_at=now - timedelta(minutes=25))
    make_assignment(store_a, offered_at=now - timedelta(minutes=40))
    make_assignment(store_a, state=State.ACCEPTED)
    make_assignment(store_a, state=State.PICKING)
    make_assignment(store_a, state=State.READY_FOR_PICKUP)
    make_assignment(store_a, state=State.SHIPPED)
    make_assignment(store_a, state=State.INVOICED)
    make_assignment(store_b)
    log_in(client, manager_a)

    response = client.get(QUEUE_URL)

    assert response.context["counters"] == {
        "offered": 3,
        "expiring": 1,
        "late": 1,
        "accepted": 1,
        "picking": 1,
        "awaiting_invoice": 2,
    }


def test_queue_marks_late_offer(client, manager_a, store_a):
    late = make_assignment(store_a, offered_at=timezone.now() - timedelta(minutes=45))
    log_in(client, manager_a)

    content = client.get(QUEUE_URL).content.decode()

    assert '<tr class="late' in content
    assert pt_br("Late") in content
    assert late.order.vtex_order_id in content


def test_queue_shows_minutes_left_to_accept(client, manager_a, store_a):
    make_assignment(store_a, expires_in=timedelta(minutes=12, seconds=30))
    log_in(client, manager_a)

    content = client.get(QUEUE_URL).content.decode()

    assert pt_br("%(minutes)s min left", minutes=12) in content


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"state": "offered"}, {"fresh", "old", "late"}),
        ({"state": "accepted"}, {"accepted"}),
        ({"state": "awaiting_invoice"}, {"shipped"}),
        ({"age": "hour"}, {"fresh", "late", "accepted", "shipped"}),
        ({"age": "older"}, {"old"}),
        ({"deadline": "late"}, {"late"}),
        ({"deadline": "expiring"}, set()),
    ],
)
def test_queue_filters(client, manager_a, store_a, params, expected):
    now = timezone.now()
    assignments = {
        "fresh": make_assignment(store_a),
        "old": make_assignment(
            store_a, offered_at=now - timedelta(days=2), expires_in=timedelta(days=3)
        ),
        "late": make_assignment(store_a, offered_at=now - timedelta(minutes=40)),
        "accepted": make_assignment(store_a, state=State.ACCEPTED),
        "shipped": make_assignment(store_a, state=State.SHIPPED),
    }
    log_in(client, manager_a)

    response = client.get(QUEUE_URL, params)

    expected_ids = {assignments[name].pk for name in expected}
    assert listed_assignment_ids(response) == expected_ids


def test_queue_hides_location_for_single_store(client, manager_a, store_a):
    make_assignment(store_a)
    log_in(client, manager_a)

    response = client.get(QUEUE_URL)

    assert "location" in response.context["table"].exclude


@pytest.mark.parametrize("persona", ["hq_user", "manager_a"])
def test_queue_query_count_is_constant(
    client, request, django_assert_num_queries, store_a, persona
):
    log_in(client, request.getfixturevalue(persona))
    states = [State.OFFERED, State.ACCEPTED, State.PICKING, State.SHIPPED]
    for index in range(5):
        make_assignment(store_a, state=states[index % len(states)])
    with CaptureQueriesContext(connection) as with_five:
        client.get(QUEUE_URL)

    for index in range(35):
        make_assignment(store_a, state=states[index % len(states)], items=(("1", 2),))
    with django_assert_num_queries(len(with_five)):
        response = client.get(QUEUE_URL)

    assert len(listed_assignment_ids(response)) == 40


# Actions


def test_accept_through_page(client, manager_a, store_a):
    assignment = make_assignment(store_a)
    log_in(client, manager_a)

    response = client.post(action_url(assignment, "accept"), {"next": QUEUE_URL})

    assignment.refresh_from_db()
    assert response.status_code == 302
    assert response.url == QUEUE_URL
    assert assignment.state == State.ACCEPTED
    assert assignment.accepted_at is not None
    assert flashed(response) == [
        pt_br("Order %(order)s accepted.", order=assignment.order.vtex_order_id)
    ]
    assert AssignmentEvent.objects.filter(
        assignment=assignment, to_state=State.ACCEPTED, user=manager_a
    ).exists()


def test_reject_out_of_stock_with_reason(client, manager_a, store_a):
    assignment = make_assignment(store_a, items=(("2001", 1),))
    stock_levels_set(rows=[StockRow(store_a.pk, "2001", 5)], source="csv")
    log_in(client, manager_a)

    response = client.post(
        action_url(assignment, "reject"),
        {"reason": "out_of_stock", "note": "Última unidade avariada"},
    )

    assignment.refresh_from_db()
    assert response.status_code == 302
    assert response.url == detail_url(assignment)
    assert assignment.state == State.REJECTED
    assert assignment.reject_reason == "out_of_stock"
    assert assignment.reject_note == "Última unidade avariada"
    assert StockLevel.objects.get(location=store_a, sku_id="2001").quantity == 0
    # No policy is active, so the re-route sends the order to HQ's queue.
    assert assignment.order.routing_case.status == RoutingCase.Status.EXCEPTION
    assert flashed(response) == [
        pt_br(
            "Order %(order)s rejected; it will be routed again.",
            order=assignment.order.vtex_order_id,
        )
    ]


def test_reject_reroutes_to_other_store(client, manager_a, store_a, store_b, policy):
    assignment = make_assignment(store_a, items=(("2001", 1),))
    stock_levels_set(
        rows=[StockRow(store_a.pk, "2001", 5), StockRow(store_b.pk, "2001", 5)],
        source="csv",
    )
    log_in(client, manager_a)

    client.post(action_url(assignment, "reject"), {"reason": "damaged"})

    offers = Assignment.objects.filter(order=assignment.order, state=State.OFFERED)
    assert [offer.location for offer in offers] == [store_b]
    assert StockLevel.objects.get(location=store_a, sku_id="2001").quantity == 5


def test_reject_without_reason_changes_nothing(client, manager_a, store_a):
    assignment = make_assignment(store_a)
    log_in(client, manager_a)

    response = client.post(action_url(assignment, "reject"), {"note": "?"})

    assignment.refresh_from_db()
    assert assignment.state == State.OFFERED
    assert event_count(assignment) == 1
    assert flashed(response) == [
        pt_br(
            "Order %(order)s was not changed: %(errors)s",
            order=assignment.order.vtex_order_id,
            errors=pt_br("Reason") + ": " + pt_br("This field is required."),
        )
    ]


def test_start_picking_through_page(client, manager_a, store_a):
    assignment = make_assignment(store_a, state=State.ACCEPTED)
    log_in(client, manager_a)

    client.post(action_url(assignment, "pick"))

    assignment.refresh_from_db()
    assert assignment.state == State.PICKING
    assert assignment.picking_at is not None


def test_mark_ready_for_pickup_through_page(client, manager_a, store_a):
    assignment = make_assignment(
        store_a, state=State.PICKING, delivery_channel="pickup-in-point"
    )
    log_in(client, manager_a)

    client.post(action_url(assignment, "ready"))

    assignment.refresh_from_db()
    assert assignment.state == State.READY_FOR_PICKUP


def test_picking_actions_follow_delivery_channel(client, manager_a, store_a):
    pickup = make_assignment(
        store_a, state=State.PICKING, delivery_channel="pickup-in-point"
    )
    delivery = make_assignment(store_a, state=State.PICKING)
    log_in(client, manager_a)

    content = client.get(QUEUE_URL).content.decode()

    assert action_url(pickup, "ready") in content
    assert action_url(pickup, "ship") not in content
    assert action_url(delivery, "ship") in content
    assert action_url(delivery, "ready") not in content


def test_mark_shipped_with_tracking(client, manager_a, store_a):
    assignment = make_assignment(store_a, state=State.PICKING)
    log_in(client, manager_a)

    client.post(
        action_url(assignment, "ship"),
        {"carrier": "Correios", "tracking_number": "BR123456789BR"},
    )

    assignment.refresh_from_db()
    assert assignment.state == State.SHIPPED
    assert assignment.carrier == "Correios"
    assert assignment.tracking_number == "BR123456789BR"


def test_invoice_with_valid_key_and_comma_value(client, manager_a, store_a):
    # 25 units at R$ 50,00: the part is worth R$ 1.250,00, and 1% less fits.
    assignment = make_assignment(store_a, state=State.SHIPPED, items=(("2001", 25),))
    log_in(client, manager_a)
    grouped_key = " ".join(
        VALID_NFE_KEY[start : start + 4] for start in range(0, 44, 4)
    )

    response = client.post(
        action_url(assignment, "invoice"),
        {
            "invoice_number": "1234",
            "invoice_key": grouped_key,
            "invoice_value": "1.245,60",
        },
    )

    assignment.refresh_from_db()
    assert assignment.state == State.INVOICED
    assert assignment.invoice_number == "1234"
    assert assignment.invoice_key == VALID_NFE_KEY
    assert assignment.invoice_value == Decimal("1245.60")
    # The key's CNPJ is not store A's, so a warning follows; see below.
    assert flashed(response)[:1] == [
        pt_br(
            "Invoice recorded for order %(order)s.",
            order=assignment.order.vtex_order_id,
        )
    ]


def test_invoice_with_other_company_key_warns_store(client, manager_a, store_a):
    assignment = make_assignment(store_a, state=State.SHIPPED, items=(("2001", 1),))
    log_in(client, manager_a)

    response = client.post(
        action_url(assignment, "invoice"),
        {
            "invoice_number": "77",
            "invoice_key": VALID_NFE_KEY,
            "invoice_value": "50,00",
        },
    )

    assignment.refresh_from_db()
    assert assignment.state == State.INVOICED
    assert assignment.invoice_issuer_mismatch is True
    assert flashed(response) == [
        pt_br(
            "Invoice recorded for order %(order)s.",
            order=assignment.order.vtex_order_id,
        ),
        pt_br(
            "The NF-e key was issued by CNPJ %(issuer)s, not by your company's "
            "CNPJ %(own)s. HQ finance will check it; if the key is wrong, "
            "tell HQ.",
            issuer="11.222.333/0001-81",
            own=cnpj_mask(store_a.legal_entity.cnpj),
        ),
    ]


@pytest.mark.parametrize(
    ("key", "error"),
    [
        (
            "1234",
            ("Invalid NF-e key: expected 44 characters, got %(count)d.", 4),
        ),
        (
            NFE_KEY_BODY + str((nfe_check_digit(NFE_KEY_BODY) + 1) % 10),
            (
                "Invalid NF-e key: its check digit does not match; "
                "copy the key again from the DANFE.",
                None,
            ),
        ),
    ],
)
def test_invoice_with_invalid_key_changes_nothing(
    client, manager_a, store_a, key, error
):
    assignment = make_assignment(store_a, state=State.SHIPPED)
    log_in(client, manager_a)

    response = client.post(
        action_url(assignment, "invoice"),
        {"invoice_number": "1234", "invoice_key": key, "invoice_value": "10,00"},
        follow=True,
    )

    assignment.refresh_from_db()
    message, count = error
    key_error = pt_br(message, count=count) if count is not None else pt_br(message)
    expected = pt_br(
        "Order %(order)s was not changed: %(errors)s",
        order=assignment.order.vtex_order_id,
        errors=key_error,
    )
    assert assignment.state == State.SHIPPED
    assert assignment.invoice_key == ""
    assert event_count(assignment) == 1
    assert [str(m) for m in response.context["messages"]] == [expected]
    assert pt_br("NF-e key") in response.content.decode()


def test_invoice_with_invalid_number_changes_nothing(client, manager_a, store_a):
    assignment = make_assignment(store_a, state=State.SHIPPED, items=(("2001", 25),))
    log_in(client, manager_a)

    response = client.post(
        action_url(assignment, "invoice"),
        {
            "invoice_number": "12-34",
            "invoice_key": VALID_NFE_KEY,
            "invoice_value": "1.245,60",
        },
        follow=True,
    )

    assignment.refresh_from_db()
    number_error = pt_br(
        "Invalid invoice number “%(value)s”: use letters and digits only.",
        value="12-34",
    )
    expected = pt_br(
        "Order %(order)s was not changed: %(errors)s",
        order=assignment.order.vtex_order_id,
        errors=number_error,
    )
    assert assignment.state == State.SHIPPED
    assert assignment.invoice_number == ""
    assert event_count(assignment) == 1
    assert [str(m) for m in response.context["messages"]] == [expected]


def test_failed_invoice_form_keeps_what_was_typed(client, manager_a, store_a):
    assignment = make_assignment(store_a, state=State.SHIPPED, items=(("2001", 25),))
    log_in(client, manager_a)
    typed = {
        "invoice_number": "12-34",
        "invoice_key": VALID_NFE_KEY,
        "invoice_value": "1.245,60",
    }

    page = client.post(
        action_url(assignment, "invoice"), typed, follow=True
    ).content.decode()
    again = client.get(detail_url(assignment)).content.decode()

    assert 'value="12-34"' in page
    assert f'value="{VALID_NFE_KEY}"' in page
    assert 'value="1.245,60"' in page
    assert "<details open>" in page
    assert 'class="field-error"' in page
    # The values are shown once; the next visit starts empty.
    assert 'value="12-34"' not in again


def test_mark_delivered_through_page(client, manager_a, store_a):
    assignment = make_assignment(store_a, state=State.INVOICED)
    log_in(client, manager_a)

    client.post(action_url(assignment, "deliver"))

    assignment.refresh_from_db()
    assert assignment.state == State.DELIVERED


def test_illegal_transition_shows_service_error(client, manager_a, store_a):
    assignment = make_assignment(store_a, state=State.PICKING)
    log_in(client, manager_a)

    response = client.post(action_url(assignment, "accept"))

    assignment.refresh_from_db()
    with translation.override("pt-br"):
        expected = gettext(
            "Assignment %(id)s is %(state)s and cannot become %(target)s."
        ) % {
            "id": assignment.pk,
            "state": State.PICKING.label,
            "target": State.ACCEPTED.label,
        }
    assert assignment.state == State.PICKING
    assert event_count(assignment) == 1
    assert flashed(response) == [expected]


def test_action_rejects_get(client, manager_a, store_a):
    assignment = make_assignment(store_a)
    log_in(client, manager_a)

    response = client.get(action_url(assignment, "accept"))

    assignment.refresh_from_db()
    assert response.status_code == 405
    assert assignment.state == State.OFFERED


def test_unknown_action_is_404(client, manager_a, store_a):
    assignment = make_assignment(store_a)
    log_in(client, manager_a)

    response = client.post(action_url(assignment, "cancel"))

    assert response.status_code == 404


def test_action_ignores_next_on_other_host(client, manager_a, store_a):
    assignment = make_assignment(store_a)
    log_in(client, manager_a)

    response = client.post(
        action_url(assignment, "accept"), {"next": "https://example.com/"}
    )

    assert response.url == detail_url(assignment)


def test_queue_forms_carry_csrf_and_next(client, manager_a, store_a):
    make_assignment(store_a)
    log_in(client, manager_a)

    content = client.get(QUEUE_URL, {"state": "offered"}).content.decode()

    assert content.count('name="csrfmiddlewaretoken"') >= 2
    assert 'name="next" value="/routing/assignments/?state=offered"' in content


# Assignment page and another store's access


def test_assignment_page_shows_lines_and_actions(client, manager_a, store_a):
    assignment = make_assignment(store_a, items=(("2001", 2),))
    log_in(client, manager_a)

    response = client.get(detail_url(assignment))

    content = response.content.decode()
    assert response.status_code == 200
    assert "<code>2001</code>" in content
    assert pt_br("Offered at") in content
    assert action_url(assignment, "accept") in content
    assert action_url(assignment, "reject") in content
    assert action_url(assignment, "pick") not in content


def test_other_store_gets_404_on_assignment_page(client, manager_b, store_a):
    assignment = make_assignment(store_a)
    log_in(client, manager_b)

    response = client.get(detail_url(assignment))

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("state", "action", "data"),
    [
        (State.OFFERED, "accept", {}),
        (State.OFFERED, "reject", {"reason": "damaged"}),
        (State.ACCEPTED, "pick", {}),
        (State.PICKING, "ready", {}),
        (State.PICKING, "ship", {"carrier": "Correios", "tracking_number": "BR1"}),
        (
            State.SHIPPED,
            "invoice",
            {
                "invoice_number": "1",
                "invoice_key": VALID_NFE_KEY,
                "invoice_value": "10,00",
            },
        ),
        (State.INVOICED, "deliver", {}),
    ],
)
def test_other_store_gets_404_on_every_action(
    client, manager_b, store_a, state, action, data
):
    assignment = make_assignment(store_a, state=state)
    log_in(client, manager_b)

    response = client.post(action_url(assignment, action), data)

    refreshed = Assignment.objects.get(pk=assignment.pk)
    assert response.status_code == 404
    assert refreshed.state == state
    assert refreshed.updated_at == assignment.updated_at
    assert event_count(assignment) == 1


# HQ pages


@pytest.mark.parametrize("url", [EXCEPTIONS_URL, SEARCH_URL])
def test_hq_pages_are_404_for_stores(client, manager_a, url):
    log_in(client, manager_a)

    response = client.get(url)

    assert response.status_code == 404


def test_exception_posts_are_404_for_stores(client, manager_a, store_a):
    case = exception_case(store_a)
    log_in(client, manager_a)

    assign = client.post(
        reverse("routing:exception_assign", kwargs={"pk": case.pk}),
        {"location": store_a.pk},
    )
    reroute = client.post(reverse("routing:exception_reroute", kwargs={"pk": case.pk}))

    assert assign.status_code == 404
    assert reroute.status_code == 404
    assert not Assignment.objects.filter(order=case.order).exists()


def exception_case(location, **order_fields) -> RoutingCase:
    """An order that no location could take, with its unroutable decision."""
    order = OrderFactory(**order_fields)
    OrderItemFactory(order=order, item_index=0, sku_id="2001", quantity=2)
    OrderItemFactory(order=order, item_index=1, sku_id="3107", quantity=1)
    RoutingDecision.objects.create(
        order=order,
        status="unroutable",
        reason="No location has stock of SKU 2001.",
        lines=[[0, 2], [1, 1]],
        triggered_by="hook",
    )
    return RoutingCase.objects.create(
        order=order, status=RoutingCase.Status.EXCEPTION, reason="No stock."
    )


def test_exception_queue_lists_cases_with_last_reason(client, hq_user, store_a):
    case = exception_case(store_a)
    routed = make_assignment(store_a)
    log_in(client, hq_user)

    response = client.get(EXCEPTIONS_URL)

    content = response.content.decode()
    assert response.status_code == 200
    assert case.order.vtex_order_id in content
    assert "No location has stock of SKU 2001." in content
    assert "<code>2001</code> × 2" in content
    assert routed.order.vtex_order_id not in content


def test_exception_queue_names_steps_in_portuguese(client, hq_user, store_a):
    case = exception_case(store_a)
    RoutingDecision.objects.filter(order=case.order).update(
        reason=(
            "No location passed the filters, and the last ones were removed by "
            "stock. Filters removed 3 of 3 locations (status 1, stock 2)."
        ),
        deciding_step="stock",
    )
    log_in(client, hq_user)

    content = client.get(EXCEPTIONS_URL).content.decode()

    stock, status = pt_br("Stock"), pt_br("Location status")
    assert (
        pt_br(
            "No location passed the filters, and the last ones were removed by "
            "%(step)s.",
            step=stock,
        )
        in content
    )
    assert (
        pt_br(
            "Filters removed %(removed)s of %(total)s locations (%(counts)s).",
            removed=3,
            total=3,
            counts=f"{status} 1, {stock} 2",
        )
        in content
    )
    assert pt_br("Step: %(step)s", step=stock) in content


def test_manual_assignment_offers_chosen_location(client, hq_user, store_a):
    case = exception_case(store_a)
    stock_levels_set(
        rows=[StockRow(store_a.pk, "2001", 5), StockRow(store_a.pk, "3107", 1)],
        source="csv",
    )
    log_in(client, hq_user)

    response = client.post(
        reverse("routing:exception_assign", kwargs={"pk": case.pk}),
        {"location": store_a.pk},
    )

    assignment = Assignment.objects.get(order=case.order)
    case.refresh_from_db()
    assert response.status_code == 302
    assert response.url == EXCEPTIONS_URL
    assert assignment.location == store_a
    assert assignment.state == State.OFFERED
    assert sorted(assignment.lines.values_list("sku_id", "quantity")) == [
        ("2001", 2),
        ("3107", 1),
    ]
    assert case.status == RoutingCase.Status.ROUTED
    assert flashed(response) == [
        pt_br(
            "Order %(order)s offered to %(location)s.",
            order=case.order.vtex_order_id,
            location="loja-a · Loja A",
        )
    ]


def test_manual_assignment_warns_of_short_stock(client, hq_user, store_a):
    case = exception_case(store_a)
    stock_levels_set(rows=[StockRow(store_a.pk, "2001", 1)], source="csv")
    log_in(client, hq_user)

    response = client.post(
        reverse("routing:exception_assign", kwargs={"pk": case.pk}),
        {"location": store_a.pk},
    )

    assert flashed(response)[1:] == [
        "loja-a · Loja A tem 1 das 2 unidades do SKU 2001 disponíveis; a loja "
        "pode recusar a parte por falta de estoque.",
        "loja-a · Loja A tem 0 de 1 unidade do SKU 3107 disponível; a loja "
        "pode recusar a parte por falta de estoque.",
    ]
    assert Assignment.objects.get(order=case.order).state == State.OFFERED


def test_manual_assignment_skips_lines_already_offered(
    client, hq_user, store_a, store_b
):
    case = exception_case(store_a)
    first = make_assignment(store_b, order=case.order, items=(), state=State.ACCEPTED)
    AssignmentLine.objects.create(
        assignment=first,
        item_index=0,
        sku_id="2001",
        quantity=2,
    )
    log_in(client, hq_user)

    client.post(
        reverse("routing:exception_assign", kwargs={"pk": case.pk}),
        {"location": store_a.pk},
    )

    manual = Assignment.objects.get(order=case.order, location=store_a)
    assert list(manual.lines.values_list("sku_id", "quantity")) == [("3107", 1)]


def test_manual_assignment_rejects_paused_location(client, hq_user, store_a):
    case = exception_case(store_a)
    Location.objects.filter(pk=store_a.pk).update(status=Location.Status.PAUSED)
    log_in(client, hq_user)

    response = client.post(
        reverse("routing:exception_assign", kwargs={"pk": case.pk}),
        {"location": store_a.pk},
    )

    case.refresh_from_db()
    assert not Assignment.objects.filter(order=case.order).exists()
    assert case.status == RoutingCase.Status.EXCEPTION
    assert len(flashed(response)) == 1


def test_assigning_handled_case_changes_nothing(client, hq_user, store_a):
    case = exception_case(store_a)
    RoutingCase.objects.filter(pk=case.pk).update(status=RoutingCase.Status.ROUTED)
    log_in(client, hq_user)

    response = client.post(
        reverse("routing:exception_assign", kwargs={"pk": case.pk}),
        {"location": store_a.pk},
    )

    assert not Assignment.objects.filter(order=case.order).exists()
    assert flashed(response) == [
        pt_br(
            "Order %(order)s has no unassigned lines or has left the exception "
            "queue; reload the page.",
            order=case.order.vtex_order_id,
        )
    ]


def test_reroute_excludes_chosen_locations(client, hq_user, store_a, store_b, policy):
    case = exception_case(store_a)
    stock_levels_set(
        rows=[
            StockRow(location.pk, sku, 5)
            for location in (store_a, store_b)
            for sku in ("2001", "3107")
        ],
        source="csv",
    )
    log_in(client, hq_user)

    response = client.post(
        reverse("routing:exception_reroute", kwargs={"pk": case.pk}),
        {"exclude": [store_a.pk]},
    )

    decision = RoutingDecision.objects.filter(order=case.order).latest("id")
    assert response.status_code == 302
    assert store_a.pk in decision.excluded_location_ids
    assert decision.triggered_by == "hq_reroute"
    assert decision.user == hq_user
    offered = Assignment.objects.filter(order=case.order)
    assert {assignment.location for assignment in offered} == {store_b}


def test_exception_queue_query_count_is_constant(
    client, hq_user, store_a, django_assert_num_queries
):
    log_in(client, hq_user)
    for _ in range(3):
        exception_case(store_a)
    with CaptureQueriesContext(connection) as with_three:
        client.get(EXCEPTIONS_URL)

    for _ in range(12):
        exception_case(store_a)
    LocationFactory.create_batch(5)
    with django_assert_num_queries(len(with_three)):
        client.get(EXCEPTIONS_URL)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"order": "1700000000001"}, {"a"}),
        ({"location": "B"}, {"b"}),
        ({"state": "accepted"}, {"b"}),
        ({"offered_at_after": "OLD", "offered_at_before": "OLD"}, {"old"}),
    ],
)
def test_search_filters(client, hq_user, store_a, store_b, params, expected):
    old_day = timezone.now() - timedelta(days=10)
    assignments = {
        "a": make_assignment(
            store_a, order=OrderFactory(vtex_order_id="1700000000001-01")
        ),
        "b": make_assignment(store_b, state=State.ACCEPTED),
        "old": make_assignment(store_a, offered_at=old_day),
    }
    values = {
        "B": str(store_b.pk),
        "OLD": timezone.localtime(old_day).strftime("%d/%m/%Y"),
    }
    log_in(client, hq_user)

    response = client.get(
        SEARCH_URL, {key: values.get(value, value) for key, value in params.items()}
    )

    assert response.status_code == 200
    assert listed_assignment_ids(response) == {
        assignments[name].pk for name in expected
    }


def test_search_query_count_is_constant(
    client, hq_user, store_a, store_b, django_assert_num_queries
):
    log_in(client, hq_user)
    for _ in range(5):
        make_assignment(store_a)
    with CaptureQueriesContext(connection) as with_five:
        client.get(SEARCH_URL, {"state": "offered"})

    for _ in range(35):
        make_assignment(store_b)
    with django_assert_num_queries(len(with_five)):
        client.get(SEARCH_URL, {"state": "offered"})


# Routing decision display


def decided_between(store_a, store_b, store_c) -> RoutingDecision:
    """A decision that sent the order to store A over B (ranked second) and C
    (excluded by capacity), with its rows in the engine's order."""
    assignment = make_assignment(store_a)
    decision = assignment.decision
    decision.candidates = [
        {
            "location_id": store_a.pk,
            "code": store_a.code,
            "distance_km": 2.1,
            "coverage": 1.0,
            "capacity_left": 42,
            "scores": {"distance": 0.934},
            "total_score": 0.934,
            "rejected_by": None,
            "rejected_reason": None,
            "finalist": True,
            "chosen": True,
        },
        {
            "location_id": store_b.pk,
            "code": store_b.code,
            "distance_km": 12.4,
            "coverage": 1.0,
            "capacity_left": 17,
            "scores": {"distance": 0.613},
            "total_score": 0.613,
            "rejected_by": None,
            "rejected_reason": None,
            "finalist": True,
            "chosen": False,
        },
        {
            "location_id": store_c.pk,
            "code": store_c.code,
            "distance_km": 80.0,
            "coverage": 1.0,
            "capacity_left": 0,
            "scores": {},
            "total_score": 0.0,
            "rejected_by": "capacity",
            "rejected_reason": "daily capacity 50 of 50 used",
            "finalist": False,
            "chosen": False,
        },
    ]
    decision.save(update_fields=["candidates"])
    return decision


def test_store_explanation_hides_other_stores_figures(manager_b, store_a, store_b):
    store_c = LocationFactory(code="loja-c", name="Loja C")
    decision = decided_between(store_a, store_b, store_c)

    with translation.override("pt-br"):
        explanation = routing_explanation(decision, manager_b)
        expected = (
            gettext("Sent to %(locations)s, decided by the step “%(step)s”.")
            % {"locations": "Loja A", "step": gettext("Distance")}
            + " "
            + gettext("Your store %(store)s: %(outcome)s.")
            % {
                "store": "loja-b",
                "outcome": gettext("ranked %(rank)d of %(count)d")
                % {"rank": 2, "count": 2},
            }
        )
    assert explanation == expected
    for figure in ("0.934", "0.613", "12.4", "2.1", "42", "17", "50"):
        assert figure not in explanation


def test_store_explanation_gives_own_exclusion_reason(store_a, store_b):
    store_c = LocationFactory(code="loja-c", name="Loja C")
    manager_c = MembershipFactory(
        role=Membership.Role.STORE_MANAGER, location=store_c
    ).user
    decision = decided_between(store_a, store_b, store_c)

    explanation = routing_explanation(decision, manager_c)

    assert "daily capacity 50 of 50 used" in explanation
    assert "0.934" not in explanation


def test_decision_table_shown_to_hq_only(hq_user, manager_b, store_a, store_b):
    store_c = LocationFactory(code="loja-c", name="Loja C")
    decision = decided_between(store_a, store_b, store_c)

    for_hq = render_to_string(
        "routing/_decision.html",
        {"routing": routing_decision_context(decision, hq_user)},
    )
    for_store = render_to_string(
        "routing/_decision.html",
        {"routing": routing_decision_context(decision, manager_b)},
    )

    assert "0,934" in for_hq or "0.934" in for_hq
    assert "daily capacity 50 of 50 used" in for_hq
    assert for_hq.index("loja-a") < for_hq.index("loja-b") < for_hq.index("loja-c")
    assert "0,934" not in for_store
    assert "0.934" not in for_store
    assert "loja-c" not in for_store
    assert "Loja A" in for_store


# Form parsing


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1.234,56", Decimal("1234.56")),
        ("1234,56", Decimal("1234.56")),
        ("1234.56", Decimal("1234.56")),
        ("R$ 1.234,56", Decimal("1234.56")),
        ("1.234", Decimal("1234.00")),
        ("1.234.567,8", Decimal("1234567.80")),
        ("0,5", Decimal("0.50")),
        ("99", Decimal("99.00")),
    ],
)
def test_brl_amount_parses(text, amount):
    assert parse_brl_amount(text) == amount


@pytest.mark.parametrize("text", ["", "abc", "1,234.56", "1.2345", "12,345", "-5"])
def test_brl_amount_rejects_malformed(text):
    with pytest.raises(ValueError):
        parse_brl_amount(text)


def test_nfe_check_digit_of_worked_example():
    # Weighted sum 644, remainder 6, so the check digit is 11 - 6.
    assert nfe_check_digit("5206043300991100250655012000000780026730161") == 5


def test_queue_counts_rows_as_assignments(client, manager_a, store_a):
    make_assignment(store_a)
    make_assignment(store_a)
    log_in(client, manager_a)

    page = client.get(QUEUE_URL).content.decode()

    with translation.override("pt-br"):
        counted = ngettext("%(counter)s assignment", "%(counter)s assignments", 2) % {
            "counter": 2
        }
    assert counted in page
