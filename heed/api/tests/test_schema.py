"""Schemathesis against /api/v1/openapi.json, in process (WSGI), as an administrator with a
Bearer API key: no request the schema allows may make the server fail (5xx)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from config.wsgi import application
from heed.core.roles import Role
from heed.users.models import ApiKey, Team
from heed.users.services import api_key_create
from heed.users.tests.factories import UserFactory

EXAMPLES_PER_OPERATION = 10


@pytest.fixture
def keep_test_connection(db: None) -> Iterator[None]:
    """Like django.test.Client: keep the test's connection (and its transaction) open between
    requests instead of closing it when each request finishes."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def admin_headers(keep_test_connection: None) -> dict[str, str]:
    team = Team.objects.get_or_create(name="Alpha")[0]
    admin = UserFactory(username="schema-admin", role=Role.ADMINISTRATOR, team=team)
    UserFactory(username="schema-collector", role=Role.COLLECTOR, team=team)
    key, raw = api_key_create(actor=None, user=admin, name="schemathesis")
    ApiKey.objects.filter(pk=key.pk).update(rate_limit_per_minute=1_000_000)
    return {"Authorization": f"Bearer {raw}"}


# Building the schema needs no database: load it at collection, one test per operation.
# The coverage phase (every boundary value of every parameter) is left out to keep the run short:
# examples and random fuzzing, a few per operation, run on every `make test`.
CONFIG = schemathesis.config.SchemathesisConfig.from_dict(
    {"phases": {"coverage": {"enabled": False}}}
)
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application, config=CONFIG)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_errors(case: Any, admin_headers: dict[str, str]) -> None:
    response = case.call(headers=admin_headers)
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:500]}"
    )
