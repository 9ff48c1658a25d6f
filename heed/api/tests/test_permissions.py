"""Every foundation endpoint over the four actors: anonymous, other team/agency, same team
without the permission, the right role. Denied requests change nothing and write no audit event
or task run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client

from heed.audit.models import AuditEvent
from heed.core.roles import Role
from heed.tasks.models import TaskRun
from heed.users.models import ApiKey, Team, User
from heed.users.services import api_key_create
from heed.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ACTORS = ("anonymous", "other", "without", "right")


@dataclass
class World:
    target: User
    target_key: ApiKey
    run: TaskRun


@pytest.fixture
def world(team_alpha: Team) -> World:
    target = UserFactory(username="target", role=Role.COLLECTOR, team=team_alpha)
    key, _raw = api_key_create(actor=None, user=target, name="target key")
    run = TaskRun.objects.create(kind="test.kind", created_by=target)
    return World(target=target, target_key=key, run=run)


@dataclass
class Case:
    name: str
    method: str
    path: str  # formatted with the world's ids
    right: str
    without: str
    expected: dict[str, int]
    other: str = ""
    body: dict[str, Any] = field(default_factory=dict)
    writes: bool = False


CASES = [
    Case(
        "list users",
        "get",
        "/api/v1/users",
        Role.TEAM_LEAD,
        Role.COLLECTOR,
        {"anonymous": 401, "other": 200, "without": 403, "right": 200},
    ),
    Case(
        "get a user",
        "get",
        "/api/v1/users/{target}",
        Role.TEAM_LEAD,
        Role.COLLECTOR,
        {"anonymous": 401, "other": 404, "without": 403, "right": 200},
    ),
    Case(
        "list API keys",
        "get",
        "/api/v1/api-keys",
        Role.ADMINISTRATOR,
        Role.TEAM_LEAD,
        {"anonymous": 401, "other": 200, "without": 200, "right": 200},
        other=Role.TEAM_LEAD,
    ),
    Case(
        "create a key for someone",
        "post",
        "/api/v1/api-keys",
        Role.ADMINISTRATOR,
        Role.TEAM_LEAD,
        {"anonymous": 401, "other": 404, "without": 403, "right": 201},
        other=Role.TEAM_LEAD,
        body={"name": "for target", "user_id": "{target}"},
        writes=True,
    ),
    Case(
        "revoke someone's key",
        "post",
        "/api/v1/api-keys/{key}/revoke",
        Role.ADMINISTRATOR,
        Role.TEAM_LEAD,
        {"anonymous": 401, "other": 404, "without": 404, "right": 200},
        other=Role.TEAM_LEAD,
        writes=True,
    ),
    Case(
        "read the audit log",
        "get",
        "/api/v1/audit/events",
        Role.AUDITOR,
        Role.COLLECTOR,
        {"anonymous": 401, "other": 403, "without": 403, "right": 200},
        other=Role.AGENCY_USER,
    ),
    Case(
        "verify the audit chain",
        "post",
        "/api/v1/audit/verify",
        Role.AUDITOR,
        Role.COMPLIANCE_OFFICER,
        {"anonymous": 401, "other": 403, "without": 403, "right": 200},
        other=Role.AGENCY_USER,
    ),
    Case(
        "list task runs",
        "get",
        "/api/v1/tasks/runs",
        Role.TEAM_LEAD,
        Role.COLLECTOR,
        {"anonymous": 401, "other": 200, "without": 200, "right": 200},
        other=Role.AGENCY_USER,
    ),
    Case(
        "get a task run",
        "get",
        "/api/v1/tasks/runs/{run}",
        Role.TEAM_LEAD,
        Role.COLLECTOR,
        {"anonymous": 401, "other": 404, "without": 404, "right": 200},
        other=Role.AGENCY_USER,
    ),
]


def fill(template: Any, world: World) -> Any:
    ids = {"target": world.target.pk, "key": world.target_key.pk, "run": world.run.pk}
    if isinstance(template, str):
        text = template.format(**ids)
        return int(text) if text.isdigit() and template.startswith("{") else text
    if isinstance(template, dict):
        return {k: fill(v, world) for k, v in template.items()}
    return template


def request(client: Client, case: Case, world: World) -> Any:
    path = fill(case.path, world)
    if case.method == "get":
        return client.get(path)
    return client.post(path, fill(case.body, world), content_type="application/json")


def client_of(actor: str, actors: Any, client_for: Any) -> Client:
    if actor == "anonymous":
        return Client()
    return client_for(getattr(actors, actor))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
@pytest.mark.parametrize("actor", ACTORS)
def test_endpoint_answers_each_actor(
    case: Case, actor: str, world: World, actors: Any, client_for: Any, snapshot: Any
) -> None:
    four = actors(case.right, case.without, case.other)
    client = client_of(actor, four, client_for)
    before = snapshot()
    response = request(client, case, world)
    assert response.status_code == case.expected[actor], response.content
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"code", "message", "fields"}
        before.assert_unchanged()
        world.target_key.refresh_from_db()
        assert world.target_key.revoked_at is None
    elif not case.writes:
        before.assert_unchanged()


def test_scoped_lists_show_only_what_is_in_scope(
    world: World, actors: Any, client_for: Any
) -> None:
    four = actors(Role.TEAM_LEAD, Role.COLLECTOR)

    def usernames(user: User) -> set[str]:
        items = client_for(user).get("/api/v1/users").json()["items"]
        return {item["username"] for item in items}

    assert usernames(four.right) == {"target", four.right.username, four.without.username}
    assert usernames(four.other) == {four.other.username}

    def key_names(user: User) -> list[str]:
        return [k["name"] for k in client_for(user).get("/api/v1/api-keys").json()["items"]]

    admin = UserFactory(role=Role.ADMINISTRATOR, team=world.target.team)
    assert key_names(four.right) == []
    assert key_names(world.target) == ["target key"]
    assert key_names(admin) == ["target key"]

    def run_ids(user: User) -> list[str]:
        return [r["id"] for r in client_for(user).get("/api/v1/tasks/runs").json()["items"]]

    assert run_ids(four.right) == [str(world.run.pk)]
    assert run_ids(world.target) == [str(world.run.pk)]
    assert run_ids(four.without) == []


def test_allowed_writes_are_audited(world: World, team_alpha: Team, client_for: Any) -> None:
    admin = UserFactory(role=Role.ADMINISTRATOR, team=team_alpha)
    client = client_for(admin)
    created = client.post(
        "/api/v1/api-keys",
        {"name": "ops", "user_id": world.target.pk},
        content_type="application/json",
    )
    assert created.status_code == 201
    assert created.json()["key"].startswith("heed_")
    revoked = client.post(f"/api/v1/api-keys/{world.target_key.pk}/revoke")
    assert revoked.json()["revoked_at"] is not None
    assert list(
        AuditEvent.objects.filter(actor_user_id=admin.pk).values_list("action", "target_id")
    ) == [
        ("api_key.created", str(created.json()["id"])),
        ("api_key.revoked", str(world.target_key.pk)),
    ]


def test_own_key_can_be_created_and_revoked_by_its_owner(world: World, client_for: Any) -> None:
    client = client_for(world.target)
    created = client.post("/api/v1/api-keys", {"name": "mine"}, content_type="application/json")
    assert created.status_code == 201
    assert created.json()["user_id"] == world.target.pk
    assert client.post(f"/api/v1/api-keys/{created.json()['id']}/revoke").status_code == 200


def test_agency_user_cannot_create_keys(agency_north: Any, client_for: Any, snapshot: Any) -> None:
    agent = UserFactory(role=Role.AGENCY_USER, team=None, agency=agency_north)
    before = snapshot()
    response = client_for(agent).post(
        "/api/v1/api-keys", {"name": "mine"}, content_type="application/json"
    )
    assert response.status_code == 403
    before.assert_unchanged()


def test_me_needs_only_authentication(world: World) -> None:
    assert Client().get("/api/v1/me").status_code == 401
