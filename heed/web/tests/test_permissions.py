"""Every foundation screen over the four actors: anonymous, other team/agency, same team without
the permission, the right role. Denied requests change nothing and write no audit event or task
run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client

from heed.audit.models import AuditEvent
from heed.core.roles import Role
from heed.tasks.models import TaskRun
from heed.users.models import Agency, ApiKey, Team, User
from heed.users.services import api_key_create
from heed.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ACTORS = ("anonymous", "other", "without", "right")


@dataclass
class World:
    target: User
    target_key: ApiKey
    team: Team


@pytest.fixture
def world(team_alpha: Team) -> World:
    target = UserFactory(username="target", role=Role.COLLECTOR, team=team_alpha)
    key, _raw = api_key_create(actor=None, user=target, name="target key")
    return World(target=target, target_key=key, team=team_alpha)


@dataclass
class Screen:
    name: str
    method: str
    path: str
    right: str
    without: str
    other: str
    expected: dict[str, int]
    data: dict[str, Any] = field(default_factory=dict)
    writes: bool = False


DENIED_ANONYMOUS = 302  # to the sign-in page


SCREENS = [
    Screen(
        "staff list",
        "get",
        "/admin/users/",
        Role.ADMINISTRATOR,
        Role.TEAM_LEAD,
        Role.AGENCY_USER,
        {"anonymous": 302, "other": 403, "without": 403, "right": 200},
    ),
    Screen(
        "new user form",
        "get",
        "/admin/users/new/",
        Role.ADMINISTRATOR,
        Role.TEAM_LEAD,
        Role.AGENCY_USER,
        {"anonymous": 302, "other": 403, "without": 403, "right": 200},
    ),
    Screen(
        "create a user",
        "post",
        "/admin/users/new/",
        Role.ADMINISTRATOR,
        Role.TEAM_LEAD,
        Role.AGENCY_USER,
        {"anonymous": 302, "other": 403, "without": 403, "right": 302},
        data={"username": "newbie", "role": "collector", "team": "{team}", "password": "p" * 12},
        writes=True,
    ),
    Screen(
        "change membership",
        "post",
        "/admin/users/{target}/",
        Role.ADMINISTRATOR,
        Role.TEAM_LEAD,
        Role.AGENCY_USER,
        {"anonymous": 302, "other": 403, "without": 403, "right": 302},
        data={"role": "team_lead", "team": "{team}", "is_active": "on", "reason": "promoted"},
        writes=True,
    ),
    Screen(
        "teams and agencies",
        "get",
        "/admin/teams/",
        Role.ADMINISTRATOR,
        Role.MANAGER,
        Role.AGENCY_USER,
        {"anonymous": 302, "other": 403, "without": 403, "right": 200},
    ),
    Screen(
        "create a team",
        "post",
        "/admin/teams/",
        Role.ADMINISTRATOR,
        Role.MANAGER,
        Role.AGENCY_USER,
        {"anonymous": 302, "other": 403, "without": 403, "right": 302},
        data={"kind": "team", "name": "Gamma"},
        writes=True,
    ),
    Screen(
        "API keys",
        "get",
        "/api-keys/",
        Role.COLLECTOR,
        Role.AUDITOR,
        Role.AGENCY_USER,
        {"anonymous": 302, "other": 403, "without": 403, "right": 200},
    ),
    Screen(
        "create own API key",
        "post",
        "/api-keys/",
        Role.COLLECTOR,
        Role.AUDITOR,
        Role.AGENCY_USER,
        {"anonymous": 302, "other": 403, "without": 403, "right": 200},
        data={"name": "my dialer"},
        writes=True,
    ),
    Screen(
        "revoke someone's key",
        "post",
        "/api-keys/{key}/revoke/",
        Role.ADMINISTRATOR,
        Role.TEAM_LEAD,
        Role.COLLECTOR,
        {"anonymous": 302, "other": 404, "without": 404, "right": 302},
        writes=True,
    ),
    Screen(
        "audit log",
        "get",
        "/audit/",
        Role.AUDITOR,
        Role.COLLECTOR,
        Role.AGENCY_USER,
        {"anonymous": 302, "other": 403, "without": 403, "right": 200},
    ),
    Screen(
        "start audit verification",
        "post",
        "/audit/verify/",
        Role.AUDITOR,
        Role.COMPLIANCE_OFFICER,
        Role.AGENCY_USER,
        {"anonymous": 302, "other": 403, "without": 403, "right": 302},
        writes=True,
    ),
    Screen(
        "task runs",
        "get",
        "/tasks/",
        Role.TEAM_LEAD,
        Role.COLLECTOR,
        Role.AGENCY_USER,
        {"anonymous": 302, "other": 403, "without": 403, "right": 200},
    ),
]


def fill(value: Any, world: World) -> Any:
    ids = {"target": world.target.pk, "key": world.target_key.pk, "team": world.team.pk}
    if isinstance(value, str):
        return value.format(**ids)
    return {k: fill(v, world) for k, v in value.items()}


@pytest.mark.parametrize("screen", SCREENS, ids=[s.name for s in SCREENS])
@pytest.mark.parametrize("actor", ACTORS)
def test_screen_answers_each_actor(
    screen: Screen,
    actor: str,
    world: World,
    actors: Any,
    client_for: Any,
    snapshot: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    four = actors(screen.right, screen.without, screen.other)
    client = Client() if actor == "anonymous" else client_for(getattr(four, actor))
    before = snapshot()
    path = fill(screen.path, world)
    with django_capture_on_commit_callbacks(execute=True):
        if screen.method == "get":
            response = client.get(path)
        else:
            response = client.post(path, fill(screen.data, world))
    assert response.status_code == screen.expected[actor], response.content[:500]
    if actor == "anonymous":
        assert response["Location"].startswith("/login/?next=")
    denied = actor != "right"
    if denied or not screen.writes:
        before.assert_unchanged()
        world.target.refresh_from_db()
        assert world.target.role == Role.COLLECTOR
        world.target_key.refresh_from_db()
        assert world.target_key.revoked_at is None
    if not denied and screen.writes:
        assert AuditEvent.objects.count() > before.before["audit events"] or (
            TaskRun.objects.count() == before.before["task runs"] + 1
        )


def test_allowed_admin_writes_do_what_they_say(world: World, client_for: Any) -> None:
    admin = UserFactory(role=Role.ADMINISTRATOR, team=world.team)
    client = client_for(admin)
    client.post(
        "/admin/users/new/",
        {"username": "newbie", "role": "collector", "team": world.team.pk, "password": "p" * 12},
    )
    client.post(
        f"/admin/users/{world.target.pk}/",
        {"role": "team_lead", "team": world.team.pk, "is_active": "on", "reason": "promoted"},
    )
    client.post("/admin/teams/", {"kind": "team", "name": "Gamma"})
    client.post("/admin/teams/", {"kind": "agency", "code": "east", "name": "East Partners"})
    client.post(f"/api-keys/{world.target_key.pk}/revoke/")
    world.target.refresh_from_db()
    world.target_key.refresh_from_db()
    assert User.objects.get(username="newbie").team == world.team
    assert world.target.role == Role.TEAM_LEAD
    assert Team.objects.filter(name="Gamma").exists()
    assert Agency.objects.get(code="east").name == "East Partners"
    assert world.target_key.revoked_at is not None
    assert list(
        AuditEvent.objects.filter(actor_user_id=admin.pk).values_list("action", "reason")
    ) == [
        ("user.created", ""),
        ("user.membership_changed", "promoted"),
        ("team.created", ""),
        ("agency.created", ""),
        ("api_key.revoked", "revoked in the UI"),
    ]


def test_invalid_membership_shows_the_rule_and_changes_nothing(
    world: World, agency_north: Agency, client_for: Any, snapshot: Any
) -> None:
    admin = UserFactory(role=Role.ADMINISTRATOR, team=world.team)
    before = snapshot()
    response = client_for(admin).post(
        f"/admin/users/{world.target.pk}/",
        {"role": "collector", "agency": agency_north.pk, "is_active": "on"},
    )
    assert response.status_code == 200
    assert "A staff user belongs to one team" in response.content.decode()
    before.assert_unchanged()
    world.target.refresh_from_db()
    assert (world.target.team, world.target.agency) == (world.team, None)


def test_created_api_key_is_shown_once(world: World, client_for: Any) -> None:
    client = client_for(world.target)
    response = client.post("/api-keys/", {"name": "my dialer"})
    key = ApiKey.objects.get(name="my dialer")
    shown = response.context["new_key"]
    assert shown.startswith(f"heed_{key.prefix}_")
    assert shown in response.content.decode()
    assert shown not in client.get("/api-keys/").content.decode()


@pytest.mark.parametrize("path", ["/", "/account/", "/account/password/", "/account/mfa/enrol/"])
def test_personal_screens_need_only_a_sign_in(world: World, client_for: Any, path: str) -> None:
    assert Client().get(path).status_code == 302
    assert client_for(world.target).get(path).status_code == 200
