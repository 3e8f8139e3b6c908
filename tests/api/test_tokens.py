"""Tokens: stored hashed, scoped, read or write, revocable, rate-limited."""

import hashlib

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from api.models import ApiToken
from api.tokens import token_revoke
from tests.api.conftest import client_for, integration_for
from tests.i18n import pt_br

pytestmark = pytest.mark.django_db
ASSIGNMENTS = "/api/v1/assignments/"


def test_token_stored_as_hash_only(api_a):
    token = ApiToken.objects.get()

    assert token.token_hash == hashlib.sha256(api_a.plain.encode()).hexdigest()
    assert api_a.plain not in {token.prefix, token.token_hash, token.label}
    assert api_a.plain.startswith(token.prefix)


def test_missing_token_is_401():
    response = APIClient().get(ASSIGNMENTS)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Bearer"


def test_unknown_token_is_401(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer pnt_nothing")

    response = client.get(ASSIGNMENTS)

    assert response.status_code == 401
    assert response.json()["error"]["message"] == pt_br("Invalid or revoked token.")


def test_revoked_token_is_401(api_a):
    token_revoke(token=api_a.token)

    response = api_a.get(ASSIGNMENTS)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_use_records_last_used(api_a):
    assert api_a.token.last_used_at is None

    api_a.get(ASSIGNMENTS)

    api_a.token.refresh_from_db()
    assert api_a.token.last_used_at is not None


def test_read_token_cannot_write(store_a):
    client = client_for(integration_for(store_a), access=ApiToken.Access.READ)

    listed = client.get(ASSIGNMENTS)
    response = client.post(f"{ASSIGNMENTS}1/accept/")

    assert listed.status_code == 200
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert "read-only" in response.json()["error"]["message"]


def test_rate_limit_gives_429_with_retry_after(api_a):
    ApiToken.objects.filter(pk=api_a.token.pk).update(requests_per_minute=2)

    statuses = [api_a.get(ASSIGNMENTS).status_code for _ in range(3)]
    response = api_a.get(ASSIGNMENTS)

    assert statuses == [200, 200, 429]
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response.json()["error"]["code"] == "throttled"


def test_rate_limit_counts_per_token(api_a, api_b):
    ApiToken.objects.update(requests_per_minute=1)

    first_a = api_a.get(ASSIGNMENTS)
    first_b = api_b.get(ASSIGNMENTS)
    second_a = api_a.get(ASSIGNMENTS)

    assert first_a.status_code == 200
    assert first_b.status_code == 200
    assert second_a.status_code == 429


def test_admin_shows_new_token_once(admin_client, store_a):
    integration = integration_for(store_a)

    response = admin_client.post(
        reverse("admin:api_apitoken_add"),
        {
            "integration": integration.pk,
            "label": "caixa",
            "access": "write",
            "requests_per_minute": 100,
        },
        follow=True,
    )

    token = ApiToken.objects.get()
    shown = [str(m) for m in response.context["messages"]]
    plain = next(word for word in shown[0].split() if word.startswith("pnt_"))
    plain = plain.rstrip(".")
    assert token.token_hash == hashlib.sha256(plain.encode()).hexdigest()
    page = admin_client.get(reverse("admin:api_apitoken_change", args=[token.pk]))
    assert plain not in page.content.decode()


def test_admin_revoke_action(admin_client, api_a):
    admin_client.post(
        reverse("admin:api_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [api_a.token.pk]},
    )

    api_a.token.refresh_from_db()
    assert api_a.token.revoked_at is not None
    assert api_a.get(ASSIGNMENTS).status_code == 401


def test_integration_scope_needs_its_target(store_a):
    from django.core.exceptions import ValidationError

    from api.models import Integration

    integration = Integration(name="x", scope="location")

    with pytest.raises(ValidationError) as raised:
        integration.full_clean()

    assert pt_br("Choose the location of this scope.") in str(raised.value)
    assert Integration.objects.count() == 0
