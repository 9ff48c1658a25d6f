"""Fixtures every app's tests share: the four actors of permission tests, API clients."""

from __future__ import annotations

import os

os.environ.setdefault("HEED_TESTING", "1")
os.environ.setdefault("HEED_TASKS_BACKEND", "immediate")

from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402
from django.test import Client  # noqa: E402

from heed.core.roles import Role  # noqa: E402
from heed.users.models import User  # noqa: E402
from heed.users.tests.factories import AgencyFactory, TeamFactory, UserFactory  # noqa: E402


@pytest.fixture
def team_alpha() -> Any:
    return TeamFactory(name="Alpha")


@pytest.fixture
def team_beta() -> Any:
    return TeamFactory(name="Beta")


@pytest.fixture
def agency_north() -> Any:
    return AgencyFactory(code="north", name="North Agency")


@pytest.fixture
def agency_south() -> Any:
    return AgencyFactory(code="south", name="South Agency")


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    def make(role: str = Role.COLLECTOR, **kwargs: Any) -> User:
        return UserFactory(role=role, **kwargs)

    return make


@pytest.fixture
def api_client_for() -> Callable[[User], Client]:
    """A test client authenticated with a fresh API key of ``user`` (Bearer header)."""
    from heed.users.services import api_key_create

    def make(user: User) -> Client:
        _key, raw = api_key_create(actor=None, user=user, name="test")
        return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    return make


@pytest.fixture
def client_for() -> Callable[[User], Client]:
    """A browser-like test client logged in as ``user`` (session)."""

    def make(user: User) -> Client:
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return make
