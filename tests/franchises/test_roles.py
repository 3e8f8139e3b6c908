import pytest
from django.urls import reverse

from franchises.models import Membership
from tests.factories import MembershipFactory, UserFactory


def hq(role):
    user = UserFactory()
    MembershipFactory(user=user, role=role, location=None)
    user.refresh_from_db()
    return user


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/admin/django_celery_beat/periodictask/",
        "/admin/routing/routingpolicy/",
        "/admin/franchises/location/",
        "/admin/orders/order/",
    ],
)
def test_hq_operations_can_view_admin_pages(client, url):
    client.force_login(hq(Membership.Role.HQ_OPS))

    assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_policy_add_allowed_for_ops_only(client):
    add = reverse("admin:routing_routingpolicy_add")

    client.force_login(hq(Membership.Role.HQ_OPS))
    ops = client.get(add).status_code
    client.force_login(hq(Membership.Role.HQ_FINANCE))
    finance = client.get(add).status_code

    assert ops == 200
    assert finance == 403


@pytest.mark.django_db
def test_store_manager_never_reaches_admin(client, manager_a):
    manager_a.refresh_from_db()
    client.force_login(manager_a)

    response = client.get("/admin/routing/routingpolicy/")

    assert manager_a.is_staff is False
    assert response.status_code == 302


@pytest.mark.django_db
def test_removing_hq_role_removes_admin_access():
    user = hq(Membership.Role.HQ_OPS)

    user.memberships.all().delete()

    user.refresh_from_db()
    assert user.is_staff is False
    assert user.groups.count() == 0
