"""Integrations and tokens for API tests: store A, store B and HQ, each with
a write token, and a client that sends a token."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from api.models import ApiToken, Integration
from api.tokens import token_issue


@pytest.fixture(autouse=True)
def clear_throttle_counts():
    cache.clear()
    yield
    cache.clear()


def integration_for(location=None, *, hq=False, legal_entity=None) -> Integration:
    if hq:
        return Integration.objects.create(name="HQ ERP", scope="hq")
    if legal_entity is not None:
        return Integration.objects.create(
            name=f"ERP {legal_entity.pk}",
            scope="legal_entity",
            legal_entity=legal_entity,
        )
    return Integration.objects.create(
        name=f"POS {location.code}", scope="location", location=location
    )


def client_for(integration: Integration, access=ApiToken.Access.WRITE) -> APIClient:
    token, plain = token_issue(integration=integration, access=access)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plain}", HTTP_ACCEPT_LANGUAGE="en")
    client.token = token
    client.plain = plain
    return client


@pytest.fixture
def api_a(store_a):
    return client_for(integration_for(store_a))


@pytest.fixture
def api_b(store_b):
    return client_for(integration_for(store_b))


@pytest.fixture
def api_hq(db):
    return client_for(integration_for(hq=True))
