"""Schema-driven tests of the whole API with schemathesis against a live
server: no response is a 5xx, and every response matches the schema."""

import pytest
import schemathesis
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.models import ApiToken
from tests.api.conftest import client_for, integration_for
from tests.routing.test_pages import make_assignment

schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(public=True))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def hq_token(transactional_db, store_a):
    """An HQ write token with room for every generated request, and a few
    rows for the generated ids to hit."""
    client = client_for(integration_for(hq=True))
    ApiToken.objects.filter(pk=client.token.pk).update(requests_per_minute=100_000)
    for _ in range(3):
        make_assignment(store_a)
    return client.plain


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_matches_schema(case, live_server, hq_token):
    case.call_and_validate(
        base_url=live_server.url,
        headers={"Authorization": f"Bearer {hq_token}"},
        checks=CHECKS,
    )
