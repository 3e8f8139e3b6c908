"""Partial returns registered in the admin from an order part's roles."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.urls import reverse

from finance.models import LedgerEntry, LedgerTransaction, LineShare
from finance.services.posting import order_part_settle
from franchises.models import Membership
from tests.finance.conftest import order_make, part_make
from tests.finance.test_admin import hq
from tests.i18n import pt_br

pytestmark = pytest.mark.django_db
UNITS_LEFT = (
    "Item %(index)s of order %(order)s has %(left)s units left to return; "
    "%(qty)s requested."
)


@pytest.fixture
def roles(finance_network):
    """Two lines invoiced by store B: three units at 100,00 with 25,00
    freight, and two units at 50,00 with no freight."""
    order = order_make(
        items=[("100.00", 3), ("50.00", 2)],
        shipping=["25.00", "0.00"],
        postal_code="01310-100",
    )
    outcome = order_part_settle(assignment_id=part_make(order, finance_network["b"]).pk)
    return outcome.roles


@pytest.fixture
def finance_user(db):
    return hq(Membership.Role.HQ_FINANCE, "financeiro-1")


def return_url(roles) -> str:
    return reverse("admin:finance_orderroles_return", args=[roles.pk])


def return_form(**changes) -> dict:
    form = {
        "return_id": "NFD-7",
        "returned_on": "2026-03-10",
        "quantity_0": "1",
        "quantity_1": "0",
    }
    form.update(changes)
    return form


def shares_total(**filters) -> Decimal:
    total = LineShare.objects.filter(**filters).aggregate(total=Sum("amount"))["total"]
    return Decimal(total).quantize(Decimal("0.01"))


def assert_nothing_posted(before: int) -> None:
    assert LedgerTransaction.objects.count() == before
    assert not LedgerTransaction.objects.filter(kind="return").exists()


def test_return_page_lists_item_lines(client, roles, finance_user):
    client.force_login(finance_user)

    response = client.get(return_url(roles))

    assert response.status_code == 200
    form = response.context["form"]
    item_0 = roles.order.items.get(item_index=0)
    item_1 = roles.order.items.get(item_index=1)
    assert form.fields["quantity_0"].label == f"{item_0.sku_id} · {item_0.name}"
    assert form.fields["quantity_1"].label == f"{item_1.sku_id} · {item_1.name}"
    assert form.fields["quantity_0"].help_text == pt_br(
        "Units returned; %(left)s left to return.", left=3
    )
    assert form.fields["quantity_1"].help_text == pt_br(
        "Units returned; %(left)s left to return.", left=2
    )


def test_date_picker_limits_return_date(client, roles, finance_user, monkeypatch):
    # 23:00 on 15 March 2026 in São Paulo, already 16 March in UTC.
    monkeypatch.setattr(
        "django.utils.timezone.now", lambda: datetime(2026, 3, 16, 2, 0, tzinfo=UTC)
    )
    client.force_login(finance_user)

    response = client.get(return_url(roles))

    attrs = response.context["form"].fields["returned_on"].widget.attrs
    assert attrs["max"] == "2026-03-15"
    assert attrs["min"] == "2026-03-02"
    assert 'max="2026-03-15"' in response.content.decode()


def test_roles_page_links_return_page(client, roles, finance_user):
    client.force_login(finance_user)

    response = client.get(reverse("admin:finance_orderroles_change", args=[roles.pk]))

    assert response.status_code == 200
    assert return_url(roles) in response.content.decode()


def test_finance_posts_partial_return(client, roles, finance_user):
    client.force_login(finance_user)

    response = client.post(return_url(roles), return_form(quantity_1="1"))

    posted = LedgerTransaction.objects.get(kind="return")
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "admin:finance_ledgertransaction_change", args=[posted.pk]
    )
    assert posted.created_by == finance_user
    assert posted.roles == roles
    assert posted.original.kind == "sale"
    assert posted.occurred_at.date().isoformat() == "2026-03-10"
    # One of three units of 325,00 (300,00 + 25,00 freight) and one of two
    # units of 100,00: 108,33 + 50,00.
    assert shares_total(transaction=posted, item_index=0) == Decimal("-108.33")
    assert shares_total(transaction=posted, item_index=1) == Decimal("-50.00")
    assert shares_total(transaction=posted) == Decimal("-158.33")
    debits = posted.entries.aggregate(total=Sum("debit"))["total"]
    credits = posted.entries.aggregate(total=Sum("credit"))["total"]
    assert debits == credits
    quantities = dict(
        LineShare.objects.filter(transaction=posted, entry_type="sale").values_list(
            "item_index", "quantity"
        )
    )
    assert quantities == {0: -1, 1: -1}


def test_every_transaction_balances_after_return(client, roles, finance_user):
    client.force_login(finance_user)

    client.post(return_url(roles), return_form(quantity_0="2", quantity_1="2"))

    for posted in LedgerTransaction.objects.all():
        debits = posted.entries.aggregate(total=Sum("debit"))["total"]
        credits = posted.entries.aggregate(total=Sum("credit"))["total"]
        assert debits == credits, posted.kind
    # 216,67 of the first line and all 100,00 of the second were returned.
    returned = LedgerTransaction.objects.get(kind="return")
    assert shares_total(transaction=returned) == Decimal("-316.67")
    assert shares_total(roles=roles) == Decimal("108.33")


def test_repeated_return_id_posts_nothing(client, roles, finance_user):
    client.force_login(finance_user)
    client.post(return_url(roles), return_form(), follow=True)
    count = LedgerTransaction.objects.count()
    entries = LedgerEntry.objects.count()

    response = client.post(return_url(roles), return_form())

    posted = LedgerTransaction.objects.get(kind="return")
    assert response.status_code == 302
    assert LedgerTransaction.objects.count() == count
    assert LedgerEntry.objects.count() == entries
    assert shares_total(transaction=posted) == Decimal("-108.33")
    page = client.get(response["Location"])
    assert [str(m) for m in page.context["messages"]] == [
        pt_br(
            "Return %(id)s was already posted; nothing new was posted.",
            id="NFD-7",
        )
    ]


def test_changed_replay_shows_differences(client, roles, finance_user):
    client.force_login(finance_user)
    client.post(return_url(roles), return_form(), follow=True)
    before = LedgerTransaction.objects.count()
    shares = LineShare.objects.count()

    response = client.post(
        return_url(roles), return_form(quantity_0="2", returned_on="2026-03-11")
    )

    differences = "; ".join(
        [
            pt_br(
                "item %(index)s: quantity posted %(posted)s, requested %(requested)s",
                index=0,
                posted=1,
                requested=2,
            ),
            pt_br(
                "date: posted %(posted)s, requested %(requested)s",
                posted="10/03/2026",
                requested="11/03/2026",
            ),
        ]
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        pt_br(
            "Return %(id)s was already posted with different content "
            "(%(differences)s). Register a different return under a new id.",
            id="NFD-7",
            differences=differences,
        )
    ]
    assert LedgerTransaction.objects.count() == before
    assert LineShare.objects.count() == shares
    assert shares_total(transaction__kind="return") == Decimal("-108.33")


@pytest.mark.parametrize(
    ("returned_on", "message", "params"),
    [
        (
            "2030-01-01",
            "The return date %(date)s is after today, %(today)s. Enter the date "
            "the goods came back.",
            {"date": "01/01/2030", "today": "15/03/2026"},
        ),
        (
            "2026-03-16",
            "The return date %(date)s is after today, %(today)s. Enter the date "
            "the goods came back.",
            {"date": "16/03/2026", "today": "15/03/2026"},
        ),
        (
            "2026-03-01",
            "The return date %(date)s is before %(invoiced)s, when the part was "
            "invoiced. Enter the date the goods came back.",
            {"date": "01/03/2026", "invoiced": "02/03/2026"},
        ),
    ],
)
def test_return_date_out_of_range_rejected(
    client, roles, finance_user, monkeypatch, returned_on, message, params
):
    # 23:00 on 15 March 2026 in São Paulo, already 16 March in UTC.
    monkeypatch.setattr(
        "django.utils.timezone.now", lambda: datetime(2026, 3, 16, 2, 0, tzinfo=UTC)
    )
    client.force_login(finance_user)
    before = LedgerTransaction.objects.count()
    shares = LineShare.objects.count()

    response = client.post(return_url(roles), return_form(returned_on=returned_on))

    assert response.status_code == 200
    assert response.context["form"].errors["returned_on"] == [pt_br(message, **params)]
    assert_nothing_posted(before)
    assert LineShare.objects.count() == shares


@pytest.mark.parametrize(
    ("changes", "message", "params"),
    [
        (
            {"return_id": "  "},
            "A return needs an id, such as its input invoice number.",
            {},
        ),
        (
            {"quantity_0": "0"},
            "A return needs at least one line.",
            {},
        ),
        (
            {"quantity_0": "4"},
            UNITS_LEFT,
            {"index": 0, "left": 3, "qty": 4},
        ),
    ],
)
def test_invalid_return_posts_nothing(
    client, roles, finance_user, changes, message, params
):
    client.force_login(finance_user)
    if "order" in message:
        params = {**params, "order": roles.order.vtex_order_id}
    before = LedgerTransaction.objects.count()
    shares = LineShare.objects.count()

    response = client.post(return_url(roles), return_form(**changes))

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [pt_br(message, **params)]
    assert_nothing_posted(before)
    assert LineShare.objects.count() == shares


def test_return_needs_a_date(client, roles, finance_user):
    client.force_login(finance_user)
    before = LedgerTransaction.objects.count()

    response = client.post(return_url(roles), return_form(returned_on=""))

    assert response.status_code == 200
    assert "returned_on" in response.context["form"].errors
    assert_nothing_posted(before)


def test_returned_line_leaves_the_form(client, roles, finance_user):
    client.force_login(finance_user)
    client.post(return_url(roles), return_form(quantity_0="0", quantity_1="2"))

    response = client.get(return_url(roles))

    assert "quantity_0" in response.context["form"].fields
    assert "quantity_1" not in response.context["form"].fields


def test_administrator_may_post_return(client, roles):
    client.force_login(hq(Membership.Role.HQ_ADMIN, "administrador"))

    response = client.post(return_url(roles), return_form())

    assert response.status_code == 302
    assert LedgerTransaction.objects.filter(kind="return").count() == 1


def test_operations_cannot_post_return(client, roles):
    client.force_login(hq(Membership.Role.HQ_OPS, "ops"))
    before = LedgerTransaction.objects.count()

    assert client.get(return_url(roles)).status_code == 403
    assert client.post(return_url(roles), return_form()).status_code == 403
    assert_nothing_posted(before)
    page = client.get(reverse("admin:finance_orderroles_change", args=[roles.pk]))
    assert return_url(roles) not in page.content.decode()


def test_store_user_never_reaches_return(client, roles, manager_b):
    client.force_login(manager_b)
    before = LedgerTransaction.objects.count()

    get = client.get(return_url(roles))
    post = client.post(return_url(roles), return_form())

    assert get.status_code == 302
    assert get["Location"].startswith(reverse("admin:login"))
    assert post.status_code == 302
    assert_nothing_posted(before)
