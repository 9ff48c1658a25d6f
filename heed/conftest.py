"""Fixtures every app's tests share: the four actors of permission tests, API clients."""

from __future__ import annotations

import os

os.environ.setdefault("HEED_TESTING", "1")
os.environ.setdefault("HEED_TASKS_BACKEND", "immediate")

from collections.abc import Callable  # noqa: E402
from typing import Any, cast  # noqa: E402

import pytest  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db.backends.signals import connection_created  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from heed.core.roles import Role  # noqa: E402
from heed.users.models import User  # noqa: E402
from heed.users.tests.factories import AgencyFactory, TeamFactory, UserFactory  # noqa: E402

# pytest-django reads the settings before this file is imported, so the environment defaults above
# only reach subprocesses. Apply the same test configuration to this process (override_settings
# sends setting_changed, which clears the hasher and task-backend caches).
_TEST_SETTINGS: dict[str, Any] = {
    "TASKS": {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
}
if not settings.TESTING:
    _TEST_SETTINGS["PASSWORD_HASHERS"] = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
    ]
    _TEST_SETTINGS["TESTING"] = True
if _TEST_SETTINGS["TASKS"] != settings.TASKS or not settings.TESTING:
    override_settings(**_TEST_SETTINGS).enable()


def _allow_audit_reset(sender: Any, connection: Any, **kwargs: Any) -> None:
    """PostgreSQL refuses TRUNCATE of the audit tables (audit migration 0004) unless the session
    says otherwise; the suite empties every table between transactional tests, so its own
    connections do."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET heed.audit_reset = 'allowed'")


connection_created.connect(_allow_audit_reset, dispatch_uid="heed.tests.audit_reset")


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
        return cast(User, UserFactory(role=role, **kwargs))

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


# --- Infrastructure (test runner) -----------------------------------------------------------


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """Give each pytest process its own test database.

    Several people (and CI) run the suite on one machine and one development PostgreSQL; a fixed
    test database name would let two runs drop each other's database mid-run.
    """
    from pytest_django.fixtures import _set_suffix_to_test_databases

    _set_suffix_to_test_databases(suffix=f"p{os.getpid()}")


@pytest.fixture
def is_postgres() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


# --- The four actors of permission tests ----------------------------------------------------


class Actors:
    """``anonymous``, ``other`` (other team/agency, right role), ``without`` (same team, a role
    without the permission) and ``right`` (same team, the right role) for one permission check."""

    def __init__(self, anonymous: Client, other: User, without: User, right: User) -> None:
        self.anonymous = anonymous
        self.other = other
        self.without = without
        self.right = right


@pytest.fixture
def actors(db: None, team_alpha: Any, team_beta: Any) -> Callable[..., Actors]:
    """``actors(right_role, without_role=Role.COLLECTOR, other_role=None)`` → :class:`Actors`:
    ``right`` and ``without`` in team Alpha (agency North for agency users), ``other`` holding
    ``other_role`` (default ``right_role``) in team Beta (agency South for agency users)."""

    def make(right_role: str, without_role: str = Role.COLLECTOR, other_role: str = "") -> Actors:
        other_role = other_role or right_role

        def in_home(role: str, home: str) -> dict[str, Any]:
            if role == Role.AGENCY_USER:
                code = "north" if home == "home" else "south"
                return {"agency": AgencyFactory(code=code, name=code.title()), "team": None}
            return {"team": team_alpha if home == "home" else team_beta, "agency": None}

        return Actors(
            anonymous=Client(),
            other=cast(User, UserFactory(role=other_role, **in_home(other_role, "other"))),
            without=cast(User, UserFactory(role=without_role, **in_home(without_role, "home"))),
            right=cast(User, UserFactory(role=right_role, **in_home(right_role, "home"))),
        )

    return make


class Snapshot:
    """Counts rows that a denied request must not create: audit events, task runs, users,
    teams, agencies, API keys. ``assert_unchanged()`` compares with the counts at creation."""

    def __init__(self) -> None:
        self.before = self._counts()

    @staticmethod
    def _counts() -> dict[str, int]:
        from heed.audit.models import AuditEvent
        from heed.tasks.models import TaskRun
        from heed.users.models import Agency, ApiKey, Team

        return {
            "audit events": AuditEvent.objects.count(),
            "task runs": TaskRun.objects.count(),
            "users": User.objects.count(),
            "teams": Team.objects.count(),
            "agencies": Agency.objects.count(),
            "api keys": ApiKey.objects.count(),
            "revoked api keys": ApiKey.objects.filter(revoked_at__isnull=False).count(),
        }

    def assert_unchanged(self) -> None:
        assert self._counts() == self.before


@pytest.fixture
def snapshot(db: None) -> Callable[[], Snapshot]:
    """``snap = snapshot()`` before a denied request, ``snap.assert_unchanged()`` after it."""
    return Snapshot


def pytest_configure(config: pytest.Config) -> None:
    # WhiteNoise warns once per test client that var/static/ (collectstatic's output) is absent.
    config.addinivalue_line("filterwarnings", "ignore:No directory at:UserWarning")
