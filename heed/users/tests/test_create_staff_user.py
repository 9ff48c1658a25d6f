from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from heed.audit.models import AuditEvent
from heed.users.models import Team, User

pytestmark = pytest.mark.django_db


def test_creates_the_first_administrator_and_their_team(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEED_INITIAL_PASSWORD", "a-long-unusual-passphrase-42")
    call_command("create_staff_user", "root", "--role", "administrator", "--team", "Back office")
    user = User.objects.get(username="root")
    assert (user.role, user.team.name, user.agency_id) == ("administrator", "Back office", None)
    assert user.check_password("a-long-unusual-passphrase-42")
    assert Team.objects.filter(name="Back office").count() == 1
    assert list(AuditEvent.objects.values_list("action", flat=True)) == [
        "team.created",
        "user.created",
    ]


def test_refuses_a_weak_password_and_creates_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEED_INITIAL_PASSWORD", "12345")
    with pytest.raises(CommandError, match="password: "):
        call_command("create_staff_user", "root", "--role", "administrator", "--team", "Ops")
    assert not User.objects.exists()
    assert not Team.objects.exists()
    assert not AuditEvent.objects.exists()


def test_requires_a_team_for_staff_roles(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEED_INITIAL_PASSWORD", "a-long-unusual-passphrase-42")
    with pytest.raises(CommandError, match="--team NAME is required"):
        call_command("create_staff_user", "root", "--role", "collector")
    assert not User.objects.exists()
