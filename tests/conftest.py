"""Personas shared by the whole suite: HQ, a manager of store A and a manager of
store B, the outsider who must never see store A's data."""

import pytest

from franchises.models import Membership
from tests.factories import LocationFactory, MembershipFactory, UserFactory


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    skip_postgres = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip_postgres)


@pytest.fixture(autouse=True)
def default_language():
    """Start and leave every test in the project's default language: a
    request with another Accept-Language leaves its language active in the
    thread, which later tests would otherwise inherit."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def store_a(db):
    return LocationFactory(
        code="loja-a",
        name="Loja A",
        vtex_warehouse_id="wh-a",
        vtex_dock_id="dock-a",
        vtex_pickup_point_id="pp-a",
    )


@pytest.fixture
def store_b(db):
    return LocationFactory(
        code="loja-b",
        name="Loja B",
        vtex_warehouse_id="wh-b",
        vtex_dock_id="dock-b",
        vtex_pickup_point_id="pp-b",
    )


@pytest.fixture
def hq_user(db):
    user = UserFactory(username="hq")
    MembershipFactory(user=user, role=Membership.Role.HQ_OPS, location=None)
    return user


@pytest.fixture
def manager_a(store_a):
    user = UserFactory(username="gerente-a")
    MembershipFactory(user=user, role=Membership.Role.STORE_MANAGER, location=store_a)
    return user


@pytest.fixture
def manager_b(store_b):
    user = UserFactory(username="gerente-b")
    MembershipFactory(user=user, role=Membership.Role.STORE_MANAGER, location=store_b)
    return user
