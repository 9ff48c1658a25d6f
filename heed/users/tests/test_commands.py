from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from heed.audit.models import AuditEvent
from heed.core.roles import Role
from heed.users.models import ApiKey, Team, User, hash_api_key
from heed.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def create_api_key(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("create_api_key", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_prints_the_key_once_for_an_existing_user(team_alpha: Team) -> None:
    user = UserFactory(username="dialer-bot", role=Role.TEAM_LEAD, team=team_alpha)
    out, err = create_api_key("--user", "dialer-bot", "--name", "dialer")
    raw = out.strip()
    key = ApiKey.objects.get()
    assert (key.user, key.name, key.key_hash) == (user, "dialer", hash_api_key(raw))
    assert "not shown again" in err
    me = Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/me")
    assert (me.status_code, me.json()["username"], me.json()["via_api_key"]) == (
        200,
        "dialer-bot",
        True,
    )


def test_creates_the_user_with_a_role(team_alpha: Team) -> None:
    out, _err = create_api_key(
        "--user", "exporter", "--name", "nightly", "--create-user", "--role", "auditor"
    )
    user = User.objects.get(username="exporter")
    assert (user.role, user.team, user.has_usable_password()) == (Role.AUDITOR, team_alpha, False)
    assert ApiKey.objects.get().key_hash == hash_api_key(out.strip())
    assert list(AuditEvent.objects.values_list("action", "actor_label")) == [
        ("user.created", "system:cli"),
        ("api_key.created", "system:cli"),
    ]


def test_unknown_user_without_create_user_fails(db: None) -> None:
    with pytest.raises(CommandError, match="No user 'ghost'"):
        create_api_key("--user", "ghost", "--name", "x")
    assert ApiKey.objects.count() == 0


def test_create_user_needs_a_role(team_alpha: Team) -> None:
    with pytest.raises(CommandError, match="--create-user needs --role"):
        create_api_key("--user", "ghost", "--name", "x", "--create-user")
    assert (User.objects.count(), ApiKey.objects.count()) == (0, 0)
