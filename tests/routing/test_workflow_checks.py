"""Store workflow checks: invoice plausibility, out-of-stock rejections that
name their SKUs, and what a store sees of a part that was routed again."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.models import OrderLocation, VtexOutboxCall
from routing.models import Assignment, StockLevel, StockSnapshot
from routing.services.assignments import (
    TransitionError,
    assignment_mark_invoiced,
    assignment_reject,
)
from routing.services.nfe import invoice_range, nfe_check_digit
from routing.services.stock import StockRow, stock_levels_set
from tests.orders.factories import OrderFactory
from tests.routing.test_pages import (
    action_url,
    detail_url,
    event_count,
    flashed,
    log_in,
    make_assignment,
    pt_br,
)

pytestmark = pytest.mark.django_db
State = Assignment.State
OTHER_CNPJ = "11222333000181"


def nfe_key(
    cnpj: str,
    *,
    uf: str = "35",
    yymm: str = "2603",
    model: str = "55",
    check_digit_offset: int = 0,
) -> str:
    """A 44-digit access key with the given parts and a correct check digit,
    unless `check_digit_offset` shifts it."""
    body = f"{uf}{yymm}{cnpj}{model}001000001234100001234"
    assert len(body) == 43
    digit = (nfe_check_digit(body) + check_digit_offset) % 10
    return body + str(digit)


def invoice(assignment, *, key, value="50.00"):
    return assignment_mark_invoiced(
        assignment=assignment,
        invoice_number="1234",
        invoice_key=key,
        invoice_value=Decimal(value),
    )


def assert_not_invoiced(assignment) -> None:
    assignment.refresh_from_db()
    assert assignment.state == State.SHIPPED
    assert assignment.invoice_key == ""
    assert assignment.invoice_value is None
    assert assignment.invoice_issuer_cnpj == ""
    assert event_count(assignment) == 1
    assert VtexOutboxCall.objects.count() == 0


# Invoice: the access key


def test_invoice_of_own_cnpj_is_not_flagged(store_a):
    assignment = make_assignment(store_a, state=State.SHIPPED)
    own_cnpj = store_a.legal_entity.cnpj

    invoice(assignment, key=nfe_key(own_cnpj))

    assignment.refresh_from_db()
    assert assignment.state == State.INVOICED
    assert assignment.invoice_issuer_cnpj == own_cnpj
    assert assignment.invoice_issuer_mismatch is False


def test_invoice_of_other_cnpj_is_flagged(store_a):
    assignment = make_assignment(store_a, state=State.SHIPPED)

    invoice(assignment, key=nfe_key(OTHER_CNPJ))

    assignment.refresh_from_db()
    assert assignment.state == State.INVOICED
    assert assignment.invoice_issuer_cnpj == OTHER_CNPJ
    assert assignment.invoice_issuer_mismatch is True


def test_key_with_alphanumeric_cnpj_is_accepted_and_upper_cased(store_a):
    # The example CNPJ that the Receita Federal published with the
    # alphanumeric format: 12.ABC.345/01DE-35.
    key = nfe_key("12ABC34501DE35")
    assignment = make_assignment(store_a, state=State.SHIPPED)

    invoice(assignment, key=key.lower())

    assignment.refresh_from_db()
    assert assignment.invoice_key == key
    assert assignment.invoice_issuer_cnpj == "12ABC34501DE35"
    assert assignment.invoice_issuer_mismatch is True


def test_nfce_model_is_accepted(store_a):
    assignment = make_assignment(store_a, state=State.SHIPPED)

    invoice(assignment, key=nfe_key(OTHER_CNPJ, model="65"))

    assignment.refresh_from_db()
    assert assignment.state == State.INVOICED


@pytest.mark.parametrize(
    ("key", "message", "params"),
    [
        (
            "1234",
            "Invalid NF-e key: expected 44 characters, got %(count)d.",
            {"count": 4},
        ),
        (
            nfe_key(OTHER_CNPJ)[:42] + "X" + nfe_key(OTHER_CNPJ)[43],
            "Invalid NF-e key: only digits are allowed, except letters A-Z "
            "in the issuer's CNPJ (positions 7-18).",
            {},
        ),
        (
            nfe_key(OTHER_CNPJ, uf="34"),
            "Invalid NF-e key: %(code)s in positions 1-2 is not the IBGE code "
            "of a Brazilian state, such as 35 for SP.",
            {"code": "34"},
        ),
        (
            nfe_key(OTHER_CNPJ, yymm="2613"),
            "Invalid NF-e key: positions 3-6 must be the year and month of "
            "issue (YYMM), but %(value)s has no month %(month)s.",
            {"value": "2613", "month": "13"},
        ),
        (
            nfe_key(OTHER_CNPJ, model="57"),
            "Invalid NF-e key: the model in positions 21-22 is %(model)s, "
            "but only 55 (NF-e) and 65 (NFC-e) are accepted.",
            {"model": "57"},
        ),
        (
            nfe_key(OTHER_CNPJ, check_digit_offset=1),
            "Invalid NF-e key: its check digit does not match; "
            "copy the key again from the DANFE.",
            {},
        ),
    ],
)
def test_invalid_key_writes_nothing(store_a, key, message, params):
    assignment = make_assignment(store_a, state=State.SHIPPED)

    with pytest.raises(TransitionError) as raised:
        invoice(assignment, key=key)

    expected = pt_br(message, **params) if params else pt_br(message)
    assert str(raised.value) == expected
    assert_not_invoiced(assignment)


# Invoice: the value


@pytest.fixture
def part_with_freight(store_a):
    """Item 0 (R$ 49,90) of an order with items worth R$ 99,80 and R$ 20,00
    of freight: the part's freight share is R$ 10,00."""
    order = OrderFactory(linked_to=[store_a], shipping_total=Decimal("20.00"))
    assignment = make_assignment(
        store_a, state=State.SHIPPED, order=order, items=(("2021", 1), ("2014", 1))
    )
    assignment.order.items.update(selling_price=Decimal("49.90"))
    # The part covers only item 0.
    assignment.lines.filter(item_index=1).delete()
    Assignment.objects.filter(pk=assignment.pk).update(value=Decimal("49.90"))
    assignment.refresh_from_db()
    return assignment


def test_invoice_range_adds_freight_share(part_with_freight):
    accepted = invoice_range(assignment=part_with_freight)

    assert accepted.merchandise == Decimal("49.90")
    assert accepted.freight_share == Decimal("10.00")
    # Tolerance: 1% of R$ 59,90 is R$ 0,60, more than the R$ 0,50 floor.
    assert accepted.low == Decimal("49.30")
    assert accepted.high == Decimal("60.50")


@pytest.mark.parametrize("value", ["49.30", "49.90", "59.90", "60.50"])
def test_invoice_value_in_range_is_accepted(part_with_freight, value):
    invoice(part_with_freight, key=nfe_key(OTHER_CNPJ), value=value)

    part_with_freight.refresh_from_db()
    assert part_with_freight.state == State.INVOICED
    assert part_with_freight.invoice_value == Decimal(value)


@pytest.mark.parametrize("value", ["49.29", "60.51", "1234.56"])
def test_invoice_value_out_of_range_writes_nothing(part_with_freight, value):
    with pytest.raises(TransitionError) as raised:
        invoice(part_with_freight, key=nfe_key(OTHER_CNPJ), value=value)

    amount = f"R$ {Decimal(value):,.2f}".replace(",", "_")
    amount = amount.replace(".", ",").replace("_", ".")
    expected = pt_br(
        "The invoice value %(value)s does not match this part: expected "
        "between %(low)s and %(high)s (items %(merchandise)s plus up to "
        "%(freight)s of freight). Check the total on the DANFE.",
        value=amount,
        low="R$ 49,30",
        high="R$ 60,50",
        merchandise="R$ 49,90",
        freight="R$ 10,00",
    )
    assert str(raised.value) == expected
    assert_not_invoiced(part_with_freight)


def test_page_rejects_large_invoice_on_small_part(client, manager_a, store_a):
    assignment = make_assignment(store_a, state=State.SHIPPED)
    Assignment.objects.filter(pk=assignment.pk).update(value=Decimal("49.90"))
    log_in(client, manager_a)

    response = client.post(
        action_url(assignment, "invoice"),
        {
            "invoice_number": "1234",
            "invoice_key": nfe_key(OTHER_CNPJ),
            "invoice_value": "1.234,56",
        },
    )

    assert_not_invoiced(assignment)
    assert flashed(response) == [
        pt_br(
            "The invoice value %(value)s does not match this part: expected "
            "between %(low)s and %(high)s (items %(merchandise)s plus up to "
            "%(freight)s of freight). Check the total on the DANFE.",
            value="R$ 1.234,56",
            low="R$ 49,40",
            high="R$ 50,40",
            merchandise="R$ 49,90",
            freight="R$ 0,00",
        )
    ]


def test_issuer_mismatch_shown_to_hq_only(client, hq_user, manager_a, store_a):
    assignment = make_assignment(store_a, state=State.SHIPPED)
    invoice(assignment, key=nfe_key(OTHER_CNPJ))
    warning = pt_br("NF-e issuer")

    log_in(client, hq_user)
    hq_page = client.get(detail_url(assignment)).content.decode()
    log_in(client, manager_a)
    store_page = client.get(detail_url(assignment)).content.decode()

    assert warning in hq_page
    assert "11.222.333/0001-81" in hq_page
    assert warning not in store_page


# Out-of-stock rejection


@pytest.fixture
def two_sku_part(store_a):
    """An offer of SKU 2021 x4 and SKU 2014 x1 to store A, which holds 10 of each."""
    assignment = make_assignment(store_a, items=(("2021", 4), ("2014", 1)))
    stock_levels_set(
        rows=[StockRow(store_a.pk, "2021", 10), StockRow(store_a.pk, "2014", 10)],
        source="csv",
    )
    return assignment


def quantities(location) -> dict[str, int]:
    return dict(
        StockLevel.objects.filter(location=location).values_list("sku_id", "quantity")
    )


def test_out_of_stock_zeroes_only_named_sku(two_sku_part, store_a):
    assignment_reject(
        assignment=two_sku_part, reason="out_of_stock", missing_sku_ids=["2021"]
    )

    two_sku_part.refresh_from_db()
    assert two_sku_part.state == State.REJECTED
    assert quantities(store_a) == {"2021": 0, "2014": 10}
    event = two_sku_part.events.get(to_state=State.REJECTED)
    assert event.details["missing_sku_ids"] == ["2021"]


@pytest.mark.parametrize(
    ("named", "message", "params"),
    [
        (
            [],
            "Choose the SKUs that are out of stock among %(skus)s.",
            {"skus": "2014, 2021"},
        ),
        (
            ["2021", "9999"],
            "SKU %(unknown)s is not in assignment %(id)s; its SKUs are %(skus)s.",
            {"unknown": "9999", "skus": "2014, 2021"},
        ),
    ],
)
def test_out_of_stock_with_bad_skus_writes_nothing(
    two_sku_part, store_a, named, message, params
):
    snapshots = StockSnapshot.objects.count()

    with pytest.raises(TransitionError) as raised:
        assignment_reject(
            assignment=two_sku_part, reason="out_of_stock", missing_sku_ids=named
        )

    if "id" in message:
        params = {**params, "id": two_sku_part.pk}
    assert str(raised.value) == pt_br(message, **params)
    two_sku_part.refresh_from_db()
    assert two_sku_part.state == State.OFFERED
    assert event_count(two_sku_part) == 1
    assert quantities(store_a) == {"2021": 10, "2014": 10}
    assert StockSnapshot.objects.count() == snapshots


def test_page_rejects_naming_one_sku(client, manager_a, two_sku_part, store_a):
    log_in(client, manager_a)

    page = client.get(detail_url(two_sku_part)).content.decode()
    client.post(
        action_url(two_sku_part, "reject"),
        {"reason": "out_of_stock", "missing_sku_ids": ["2014"]},
    )

    assert 'value="2021"' in page
    assert 'value="2014"' in page
    assert quantities(store_a) == {"2021": 10, "2014": 0}


def test_page_requires_sku_choice_for_two_skus(
    client, manager_a, two_sku_part, store_a
):
    log_in(client, manager_a)

    response = client.post(
        action_url(two_sku_part, "reject"), {"reason": "out_of_stock"}
    )

    two_sku_part.refresh_from_db()
    assert two_sku_part.state == State.OFFERED
    assert quantities(store_a) == {"2021": 10, "2014": 10}
    assert flashed(response) == [
        pt_br(
            "Order %(order)s was not changed: %(errors)s",
            order=two_sku_part.order.vtex_order_id,
            errors=pt_br("Out-of-stock SKUs")
            + ": "
            + pt_br("Choose the SKUs that are out of stock."),
        )
    ]


def test_page_zeroes_single_sku_without_choice(client, manager_a, store_a):
    assignment = make_assignment(store_a, items=(("2001", 2),))
    stock_levels_set(rows=[StockRow(store_a.pk, "2001", 5)], source="csv")
    log_in(client, manager_a)

    page = client.get(detail_url(assignment)).content.decode()
    client.post(action_url(assignment, "reject"), {"reason": "out_of_stock"})

    assert "missing_sku_ids" not in page
    assert quantities(store_a) == {"2001": 0}


def test_damaged_rejection_keeps_stock(client, manager_a, two_sku_part, store_a):
    log_in(client, manager_a)

    client.post(
        action_url(two_sku_part, "reject"),
        {"reason": "damaged", "missing_sku_ids": ["2021"]},
    )

    two_sku_part.refresh_from_db()
    assert two_sku_part.state == State.REJECTED
    assert quantities(store_a) == {"2021": 10, "2014": 10}


# A part routed again


@pytest.fixture
def rerouted(store_a, store_b, policy):
    """An offer to store A, linked to the order only by routing, that store A
    rejects; the policy sends it to store B."""
    order = OrderFactory()
    assignment = make_assignment(store_a, order=order, items=(("2001", 1),))
    stock_levels_set(
        rows=[StockRow(store_a.pk, "2001", 5), StockRow(store_b.pk, "2001", 5)],
        source="csv",
    )
    assignment_reject(assignment=assignment, reason="damaged")
    assignment.refresh_from_db()
    return assignment


def test_reroute_drops_old_store_link(rerouted, store_a, store_b):
    links = set(
        OrderLocation.objects.filter(
            order=rerouted.order, reason=OrderLocation.Reason.ASSIGNED
        ).values_list("location__code", flat=True)
    )

    assert links == {store_b.code}


def test_old_store_loses_order_page(client, manager_a, rerouted):
    log_in(client, manager_a)
    order_url = reverse(
        "orders:detail", kwargs={"vtex_order_id": rerouted.order.vtex_order_id}
    )

    response = client.get(order_url)

    assert response.status_code == 404


def test_old_store_page_says_rerouted(client, manager_a, rerouted, store_b):
    log_in(client, manager_a)

    response = client.get(detail_url(rerouted))

    page = response.content.decode()
    assert response.status_code == 200
    assert pt_br("Part routed again") in page
    assert pt_br("Routing decision") not in page
    assert store_b.name not in page
    assert store_b.code not in page
    order_url = reverse(
        "orders:detail", kwargs={"vtex_order_id": rerouted.order.vtex_order_id}
    )
    assert order_url not in page


def test_hq_page_shows_new_assignment(client, hq_user, rerouted, store_b):
    successor = Assignment.objects.get(order=rerouted.order, location=store_b)
    log_in(client, hq_user)

    page = client.get(detail_url(rerouted)).content.decode()

    assert pt_br("Part routed again") in page
    assert detail_url(successor) in page
    assert pt_br("Routing decision") in page
    assert "rejected" in page


def test_split_keeps_link_of_store_with_live_part(store_a, store_b, policy):
    order = OrderFactory()
    kept = make_assignment(
        store_a, order=order, state=State.ACCEPTED, items=(("2001", 1), ("3107", 1))
    )
    # Store A holds both parts of a split: item 0 accepted, item 1 offered.
    second = Assignment.objects.create(
        order=order,
        decision=kept.decision,
        location=store_a,
        value=Decimal("50.00"),
        offered_at=kept.offered_at,
        expires_at=kept.expires_at,
    )
    kept.lines.filter(item_index=1).update(assignment=second)
    stock_levels_set(rows=[StockRow(store_b.pk, "3107", 5)], source="csv")

    assignment_reject(assignment=second, reason="damaged")

    assert OrderLocation.objects.filter(
        order=order, location=store_a, reason=OrderLocation.Reason.ASSIGNED
    ).exists()


def test_migration_drops_links_of_rerouted_parts(store_a, store_b):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("routing.migrations.0005_drop_links_of_rerouted_parts")
    order = OrderFactory()
    rejected = make_assignment(store_a, order=order, items=(("2001", 1),))
    Assignment.objects.filter(pk=rejected.pk).update(state=State.REJECTED)
    # Store B's first part expired, its second is live.
    expired = make_assignment(store_b, items=(("2001", 1),))
    Assignment.objects.filter(pk=expired.pk).update(state=State.EXPIRED)
    Assignment.objects.create(
        order=expired.order,
        decision=expired.decision,
        location=store_b,
        state=State.ACCEPTED,
        value=Decimal("50.00"),
        offered_at=expired.offered_at,
        expires_at=expired.expires_at,
    )
    canceled = make_assignment(store_a, items=(("2001", 1),))
    Assignment.objects.filter(pk=canceled.pk).update(state=State.CANCELED)

    migration.drop_links(apps, None)

    links = set(
        OrderLocation.objects.filter(reason=OrderLocation.Reason.ASSIGNED).values_list(
            "order_id", "location_id"
        )
    )
    assert links == {
        (expired.order_id, store_b.pk),
        (canceled.order_id, store_a.pk),
    }


def test_expired_offer_drops_link_and_says_so(client, manager_a, store_a, policy):
    from routing.services.assignments import assignment_expire

    order = OrderFactory()
    assignment = make_assignment(
        store_a,
        order=order,
        offered_at=timezone.now() - timedelta(hours=1),
        expires_in=timedelta(minutes=30),
    )
    log_in(client, manager_a)

    assert assignment_expire(assignment=assignment) is True
    page = client.get(detail_url(assignment)).content.decode()

    assert not OrderLocation.objects.filter(
        order=order, location=store_a, reason=OrderLocation.Reason.ASSIGNED
    ).exists()
    assert pt_br("Part routed again") in page
    assert "expirou" in page


def test_invoice_form_shows_accepted_range(client, manager_a, part_with_freight):
    log_in(client, manager_a)

    page = client.get(detail_url(part_with_freight)).content.decode()

    assert (
        pt_br(
            "Between %(low)s and %(high)s: the items, with or without their "
            "freight share.",
            low="R$ 49,30",
            high="R$ 60,50",
        )
        in page
    )


def test_page_rejects_sku_outside_part(client, manager_a, two_sku_part, store_a):
    log_in(client, manager_a)

    response = client.post(
        action_url(two_sku_part, "reject"),
        {"reason": "out_of_stock", "missing_sku_ids": ["9999"]},
    )

    two_sku_part.refresh_from_db()
    assert two_sku_part.state == State.OFFERED
    assert event_count(two_sku_part) == 1
    assert quantities(store_a) == {"2021": 10, "2014": 10}
    assert flashed(response) == [
        pt_br(
            "Order %(order)s was not changed: %(errors)s",
            order=two_sku_part.order.vtex_order_id,
            errors=pt_br("Out-of-stock SKUs")
            + ": "
            + pt_br(
                "Select a valid choice. %(value)s is not one of the available choices.",
                value="9999",
            ),
        )
    ]


def test_queue_drops_order_link_of_rerouted_part(client, manager_a, rerouted):
    order_url = reverse(
        "orders:detail", kwargs={"vtex_order_id": rerouted.order.vtex_order_id}
    )
    log_in(client, manager_a)

    page = client.get(reverse("routing:queue")).content.decode()

    assert detail_url(rerouted) in page
    assert rerouted.order.vtex_order_id in page
    assert order_url not in page


def test_search_keeps_order_link_for_hq(client, hq_user, rerouted):
    order_url = reverse(
        "orders:detail", kwargs={"vtex_order_id": rerouted.order.vtex_order_id}
    )
    log_in(client, hq_user)

    page = client.get(reverse("routing:search")).content.decode()

    assert order_url in page
