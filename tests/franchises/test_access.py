import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.http import Http404

from franchises.access import (
    order_for_user_or_404,
    user_is_hq,
    visible_locations,
    visible_orders,
)
from franchises.models import Membership
from orders.services.refresh import order_store_document
from tests.factories import LocationFactory, MembershipFactory, UserFactory
from tests.orders.documents import vtex_document, vtex_text


def store(name):
    document = vtex_document(name)
    order_store_document(
        vtex_order_id=document["orderId"], text=vtex_text(document), source="hook"
    )
    return document["orderId"]


@pytest.mark.django_db
def test_hq_sees_every_order(hq_user, store_a, store_b):
    store("delivery-sao-paulo")
    store("pickup-corporate")

    assert user_is_hq(hq_user)
    assert visible_orders(hq_user).count() == 2


@pytest.mark.django_db
def test_manager_sees_only_own_store_orders(manager_a, manager_b):
    order_a = store("delivery-sao-paulo")
    order_b = store("pickup-corporate")

    assert list(visible_orders(manager_a).values_list("vtex_order_id", flat=True)) == [
        order_a
    ]
    assert list(visible_orders(manager_b).values_list("vtex_order_id", flat=True)) == [
        order_b
    ]


@pytest.mark.django_db
def test_manager_of_other_store_gets_404(manager_b):
    order_a = store("delivery-sao-paulo")

    with pytest.raises(Http404):
        order_for_user_or_404(manager_b, vtex_order_id=order_a)


@pytest.mark.django_db
def test_entity_membership_sees_all_entity_locations(store_a):
    sibling = LocationFactory(legal_entity=store_a.legal_entity)
    LocationFactory()
    owner = UserFactory()
    MembershipFactory(
        user=owner,
        role=Membership.Role.STORE_MANAGER,
        location=None,
        legal_entity=store_a.legal_entity,
    )

    assert set(visible_locations(owner)) == {store_a, sibling}


@pytest.mark.django_db
def test_anonymous_and_inactive_users_see_nothing(manager_a):
    store("delivery-sao-paulo")
    manager_a.is_active = False
    manager_a.save()

    assert visible_orders(AnonymousUser()).count() == 0
    assert visible_orders(manager_a).count() == 0


@pytest.mark.django_db
def test_user_without_membership_sees_nothing(store_a):
    store("delivery-sao-paulo")

    assert visible_orders(UserFactory()).count() == 0


@pytest.mark.django_db
def test_membership_rejects_store_role_without_scope():
    user = UserFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=user, role=Membership.Role.STORE_MANAGER)

    assert Membership.objects.count() == 0


@pytest.mark.django_db
def test_membership_rejects_hq_role_with_location(store_a):
    user = UserFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            user=user, role=Membership.Role.HQ_OPS, location=store_a
        )

    assert Membership.objects.count() == 0
