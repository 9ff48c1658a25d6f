from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.hashers import check_password, identify_hasher, make_password
from django.db import IntegrityError, transaction

from heed.core.roles import Role
from heed.users.models import Agency, Team, User
from heed.users.tests.factories import TEST_PASSWORD, UserFactory

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def team(db: None) -> Team:
    return Team.objects.create(name="Alpha")


@pytest.fixture
def agency(db: None) -> Agency:
    return Agency.objects.create(code="north", name="North")


def create_raw(**fields: object) -> None:
    with transaction.atomic():
        User.objects.create(username="u", **fields)


def test_staff_user_in_one_team_is_valid(team: Team) -> None:
    create_raw(role=Role.COLLECTOR, team=team)
    assert User.objects.get(username="u").team == team


def test_agency_user_in_one_agency_is_valid(agency: Agency) -> None:
    create_raw(role=Role.AGENCY_USER, agency=agency)
    assert User.objects.get(username="u").agency == agency


@pytest.mark.parametrize(
    ("role", "homes", "constraint"),
    [
        # Rows breaking both rules: SQLite and PostgreSQL name a different one first.
        (Role.COLLECTOR, "both", "user_one_team_or_agency|user_agency_role_matches_agency"),
        (Role.COLLECTOR, "neither", "user_one_team_or_agency"),
        (Role.AGENCY_USER, "neither", "user_one_team_or_agency|user_agency_role_matches_agency"),
        (Role.AGENCY_USER, "team", "user_agency_role_matches_agency"),
        (Role.MANAGER, "agency", "user_agency_role_matches_agency"),
        ("janitor", "team", "user_role_known"),
        ("", "team", "user_role_known"),
    ],
)
def test_database_refuses_users_outside_one_team_xor_one_agency(
    team: Team, agency: Agency, role: str, homes: str, constraint: str
) -> None:
    fields = {
        "both": {"team": team, "agency": agency},
        "neither": {},
        "team": {"team": team},
        "agency": {"agency": agency},
    }[homes]
    with pytest.raises(IntegrityError, match=constraint):
        create_raw(role=role, **fields)
    assert User.objects.count() == 0


def test_superuser_without_team_or_role_is_allowed(db: None) -> None:
    create_raw(role="", is_superuser=True)
    assert User.objects.get(username="u").is_superuser is True


def test_user_permissions_follow_the_role(team: Team) -> None:
    user = UserFactory(role=Role.AUDITOR, team=team)
    assert user.can("audit.verify") is True
    assert user.can("users.manage") is False
    user.is_active = False
    assert user.can("audit.verify") is False


def test_argon2_hashes_and_checks_a_password() -> None:
    encoded = make_password("a long passphrase 42", hasher="argon2")
    assert encoded.startswith("argon2$argon2id$")
    assert identify_hasher(encoded).algorithm == "argon2"
    assert check_password("a long passphrase 42", encoded) is True
    assert check_password("a long passphrase 43", encoded) is False


def test_a_user_with_an_argon2_password_signs_in(team: Team, client) -> None:  # type: ignore[no-untyped-def]
    user = UserFactory(role=Role.COLLECTOR, team=team)
    user.password = make_password(TEST_PASSWORD, hasher="argon2")
    user.save(update_fields=["password"])
    response = client.post("/login/", {"username": user.username, "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_argon2_is_the_only_production_hasher(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEED_")}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "HEED_VAR_DIR": str(tmp_path)})
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "from django.contrib.auth.hashers import get_hasher; "
        "print(settings.PASSWORD_HASHERS, get_hasher().algorithm)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ("['django.contrib.auth.hashers.Argon2PasswordHasher'] argon2")
