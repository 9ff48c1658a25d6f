"""The UI shell: navigation per role, home numbers, language switch, sign-in and sign-out."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from heed.core.roles import Role
from heed.users.models import Team
from heed.users.tests.factories import TEST_PASSWORD, UserFactory
from heed.web.nav import items_for

pytestmark = pytest.mark.django_db

FOUNDATION_URLS = {"/", "/admin/users/", "/admin/teams/", "/audit/", "/tasks/", "/api-keys/"}


def foundation_nav(user: Any) -> list[str]:
    return [str(i["label"]) for i in items_for(user) if i["url"] in FOUNDATION_URLS]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.COLLECTOR, ["Home", "API keys"]),
        (Role.TEAM_LEAD, ["Home", "Background tasks", "API keys"]),
        (Role.AGENCY_USER, ["Home"]),
        (Role.AUDITOR, ["Home", "Audit log", "Background tasks"]),
        (Role.COMPLIANCE_OFFICER, ["Home", "Audit log", "Background tasks", "API keys"]),
        (
            Role.ADMINISTRATOR,
            ["Home", "Audit log", "Background tasks", "Staff", "Teams & agencies", "API keys"],
        ),
    ],
)
def test_navigation_shows_each_role_only_what_it_may_use(role: str, expected: list[str]) -> None:
    assert foundation_nav(UserFactory(role=role)) == expected


def test_every_foundation_navigation_entry_opens_for_its_role(client_for: Any) -> None:
    for role in Role.values:
        user = UserFactory(role=role)
        client = client_for(user)
        for item in items_for(user):
            if item["url"] not in FOUNDATION_URLS:
                continue  # each app tests its own screens
            response = client.get(item["url"])
            assert (role, item["url"], response.status_code) == (role, item["url"], 200)


def test_home_shows_real_numbers(team_alpha: Team, client_for: Any) -> None:
    admin = UserFactory(role=Role.ADMINISTRATOR, team=team_alpha)
    for n in range(3):
        UserFactory(role=Role.COLLECTOR, team=team_alpha)
    response = client_for(admin).get("/")
    widgets = {str(w["label"]): w["value"] for w in response.context["widgets"]}
    assert widgets["Active staff"] == 4
    assert widgets["Teams"] == 1


def test_language_switch_saves_the_choice_and_translates(team_alpha: Team) -> None:
    user = UserFactory(role=Role.COLLECTOR, team=team_alpha)
    client = Client()
    client.post("/login/", {"username": user.username, "password": TEST_PASSWORD})
    english = client.get("/").content.decode()
    assert ">Home</a>" in english
    response = client.post("/account/language/", {"language": "zh-hans", "next": "/"})
    assert (response.status_code, response["Location"]) == (302, "/")
    user.refresh_from_db()
    assert user.language == "zh-hans"
    chinese = client.get("/").content.decode()
    assert ">首页</a>" in chinese
    assert "退出登录" in chinese
    assert '<html lang="zh-hans">' in chinese


def test_language_switch_refuses_unknown_languages_and_foreign_redirects(
    team_alpha: Team, client_for: Any
) -> None:
    user = UserFactory(role=Role.COLLECTOR, team=team_alpha)
    client = client_for(user)
    assert client.post("/account/language/", {"language": "xx"})["Location"] == "/"
    user.refresh_from_db()
    assert user.language == "en"
    response = client.post(
        "/account/language/", {"language": "zh-hans", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_sign_in_page_and_sign_out(team_alpha: Team) -> None:
    user = UserFactory(role=Role.COLLECTOR, team=team_alpha)
    client = Client()
    assert client.get("/login/").status_code == 200
    client.post("/login/", {"username": user.username, "password": TEST_PASSWORD})
    assert client.get("/").status_code == 200
    response = client.post("/logout/")
    assert (response.status_code, response["Location"]) == (302, "/login/")
    assert client.get("/").status_code == 302


def test_pages_carry_a_request_id(team_alpha: Team, client_for: Any) -> None:
    client = client_for(UserFactory(role=Role.COLLECTOR, team=team_alpha))
    assert len(client.get("/")["X-Request-ID"]) == 32
    given = client.get("/", HTTP_X_REQUEST_ID="trace-abc-123")
    assert given["X-Request-ID"] == "trace-abc-123"
    forged = client.get("/", HTTP_X_REQUEST_ID="<script>")
    assert forged["X-Request-ID"] != "<script>"
