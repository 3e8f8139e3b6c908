import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def attempt(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


@pytest.mark.django_db
def test_login_succeeds_with_right_password(client):
    UserFactory(username="gerente")

    response = attempt(client, "gerente", "senha-de-teste")

    assert response.status_code == 302


@pytest.mark.django_db
def test_login_locks_username_after_repeated_failures(client, settings):
    settings.LOGIN_MAX_FAILURES_PER_USER = 3
    settings.LANGUAGE_CODE = "en"
    UserFactory(username="gerente")

    for _ in range(3):
        assert attempt(client, "gerente", "errada").status_code == 200
    locked = attempt(client, "gerente", "senha-de-teste")

    assert locked.status_code == 200
    assert "_auth_user_id" not in client.session
    assert locked.context["form"].errors["__all__"] == [
        "Too many failed login attempts. Try again in 15 minutes."
    ]


@pytest.mark.django_db
def test_login_lockout_is_per_username(client, settings):
    settings.LOGIN_MAX_FAILURES_PER_USER = 2
    UserFactory(username="gerente")
    UserFactory(username="outra")

    for _ in range(2):
        attempt(client, "gerente", "errada")
    response = attempt(client, "outra", "senha-de-teste")

    assert response.status_code == 302


@pytest.mark.django_db
def test_login_locks_address_after_many_failures(client, settings):
    settings.LOGIN_MAX_FAILURES_PER_ADDRESS = 4
    UserFactory(username="gerente")

    for number in range(4):
        attempt(client, f"ninguem{number}", "errada")
    response = attempt(client, "gerente", "senha-de-teste")

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
