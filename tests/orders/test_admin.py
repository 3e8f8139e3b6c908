"""Orders admin: view-only pages for every model, HQ access, documents shown."""

import pytest
from django.contrib import admin
from django.urls import reverse

from orders.models import Order, OrderItem, QuarantinedDocument, VtexOutboxCall
from tests.factories import UserFactory
from tests.orders.factories import (
    HookNotificationFactory,
    QuarantinedDocumentFactory,
    order_with_details,
)

pytestmark = pytest.mark.django_db

ORDERS_MODELS = [
    model for model in admin.site._registry if model._meta.app_label == "orders"
]


def admin_url(model, view: str, *args) -> str:
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def log_in(client, user) -> None:
    # The persona factory sets the password without saving it, and Django ends a
    # session whose password hash differs from the stored one.
    user.save()
    client.force_login(user)


@pytest.fixture
def superuser_client(client):
    log_in(client, UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def one_of_each(store_a):
    order = order_with_details(linked_to=[store_a])
    QuarantinedDocumentFactory()
    HookNotificationFactory(vtex_order_id=order.vtex_order_id)
    VtexOutboxCall.objects.create(
        kind=VtexOutboxCall.Kind.START_HANDLING,
        order=order,
        path=f"/api/oms/pvt/orders/{order.vtex_order_id}/start-handling",
        idempotency_key=f"start_handling:{order.vtex_order_id}",
        next_attempt_at=order.last_change,
    )
    return order


def test_every_orders_model_is_registered():
    names = {model.__name__ for model in ORDERS_MODELS}

    assert names == {
        "Order",
        "OrderLocation",
        "OrderItem",
        "OrderTotal",
        "OrderPayment",
        "OrderPackage",
        "OrderStatusChange",
        "QuarantinedDocument",
        "HookNotification",
        "VtexOutboxCall",
    }


@pytest.mark.parametrize("model", ORDERS_MODELS, ids=lambda model: model.__name__)
def test_orders_admin_pages_open_for_superuser(superuser_client, one_of_each, model):
    instance = model.objects.first()

    changelist = superuser_client.get(admin_url(model, "changelist"))
    change = superuser_client.get(admin_url(model, "change", instance.pk))

    assert changelist.status_code == 200
    assert change.status_code == 200
    assert 'name="_save"' not in change.content.decode()


@pytest.mark.parametrize("model", ORDERS_MODELS, ids=lambda model: model.__name__)
def test_orders_admin_refuses_add_and_delete(superuser_client, one_of_each, model):
    instance = model.objects.first()

    add = superuser_client.get(admin_url(model, "add"))
    delete = superuser_client.post(
        admin_url(model, "delete", instance.pk), {"post": "yes"}
    )

    assert add.status_code == 403
    assert delete.status_code == 403
    assert model.objects.filter(pk=instance.pk).exists()


def test_order_admin_ignores_posted_changes(superuser_client, one_of_each):
    response = superuser_client.post(
        admin_url(Order, "change", one_of_each.pk), {"status": "canceled"}
    )

    one_of_each.refresh_from_db()
    assert response.status_code == 403
    assert one_of_each.status == "ready-for-handling"


def test_order_admin_shows_items_and_pretty_document(superuser_client, one_of_each):
    response = superuser_client.get(admin_url(Order, "change", one_of_each.pk))

    content = response.content.decode()
    assert "Tênis de corrida" in content
    assert f"&quot;orderId&quot;: &quot;{one_of_each.vtex_order_id}&quot;" in content
    assert (
        "R$ 1.234,56"
        in superuser_client.get(admin_url(Order, "changelist")).content.decode()
    )


def test_quarantine_admin_shows_payload(superuser_client):
    document = QuarantinedDocumentFactory()

    response = superuser_client.get(
        admin_url(QuarantinedDocument, "change", document.pk)
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert "expected an integer number of cents" in content
    assert f"&quot;orderId&quot;: &quot;{document.vtex_order_id}&quot;" in content


def test_hq_staff_views_orders_without_model_permissions(client, hq_user, one_of_each):
    hq_user.is_staff = True
    log_in(client, hq_user)

    index = client.get(reverse("admin:index"))
    changelist = client.get(admin_url(Order, "changelist"))
    change = client.get(admin_url(Order, "change", one_of_each.pk))
    items = client.get(admin_url(OrderItem, "changelist"))

    assert index.status_code == 200
    assert admin_url(Order, "changelist") in index.content.decode()
    assert changelist.status_code == 200
    assert change.status_code == 200
    assert items.status_code == 200


def test_store_staff_cannot_view_orders_in_admin(client, manager_a, one_of_each):
    manager_a.is_staff = True
    log_in(client, manager_a)

    changelist = client.get(admin_url(Order, "changelist"))
    change = client.get(admin_url(Order, "change", one_of_each.pk))

    assert changelist.status_code == 403
    assert change.status_code == 403
