from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from heed.core.errors import NotFound
from heed.core.roles import Role
from heed.users.models import Agency, ApiKey, Team, User
from heed.users.selectors import (
    agency_get_for_user,
    api_key_get_for_user,
    team_get_for_user,
    user_get_for_user,
    user_list_for_user,
)
from heed.users.services import api_key_create
from heed.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(team_alpha: Team, team_beta: Team, agency_north: Agency, agency_south: Agency) -> Any:
    class World:
        alpha_collector = UserFactory(username="a_col", role=Role.COLLECTOR, team=team_alpha)
        alpha_lead = UserFactory(username="a_lead", role=Role.TEAM_LEAD, team=team_alpha)
        beta_collector = UserFactory(username="b_col", role=Role.COLLECTOR, team=team_beta)
        north_agent = UserFactory(
            username="n_agent", role=Role.AGENCY_USER, team=None, agency=agency_north
        )
        south_agent = UserFactory(
            username="s_agent", role=Role.AGENCY_USER, team=None, agency=agency_south
        )
        auditor = UserFactory(username="auditor", role=Role.AUDITOR, team=team_beta)
        admin = UserFactory(username="admin", role=Role.ADMINISTRATOR, team=team_beta)

    return World


def visible(user: Any) -> list[str]:
    return sorted(u.username for u in user_list_for_user(user))


def test_users_in_scope_per_role(world: Any) -> None:
    everyone = sorted(User.objects.values_list("username", flat=True))
    assert visible(world.alpha_collector) == ["a_col"]
    assert visible(world.alpha_lead) == ["a_col", "a_lead"]
    assert visible(world.north_agent) == ["n_agent"]
    assert visible(world.auditor) == everyone
    assert visible(world.admin) == everyone
    assert visible(AnonymousUser()) == []


def test_user_lookup_answers_the_same_for_missing_and_not_yours(world: Any) -> None:
    assert user_get_for_user(world.alpha_lead, world.alpha_collector.pk) == world.alpha_collector
    missing = User.objects.order_by("-pk").first().pk + 1  # type: ignore[union-attr]
    answers = []
    for pk in (world.beta_collector.pk, missing):
        with pytest.raises(NotFound) as caught:
            user_get_for_user(world.alpha_lead, pk)
        answers.append(str(caught.value))
    assert answers == ["Not found.", "Not found."]


def test_team_and_agency_lookups_are_scoped(
    world: Any, team_beta: Team, agency_south: Agency
) -> None:
    with pytest.raises(NotFound):
        team_get_for_user(world.alpha_collector, team_beta.pk)
    with pytest.raises(NotFound):
        agency_get_for_user(world.north_agent, agency_south.pk)
    with pytest.raises(NotFound):
        team_get_for_user(world.north_agent, team_beta.pk)
    assert team_get_for_user(world.auditor, team_beta.pk) == team_beta
    assert agency_get_for_user(world.south_agent, agency_south.pk) == agency_south
    assert agency_get_for_user(world.admin, agency_south.pk) == agency_south


def test_api_keys_are_scoped_to_their_owner_unless_manage_all(world: Any) -> None:
    key, _raw = api_key_create(actor=None, user=world.alpha_lead, name="dialer")
    assert api_key_get_for_user(world.alpha_lead, key.pk) == key
    assert api_key_get_for_user(world.admin, key.pk) == key
    for other in (world.alpha_collector, world.auditor, AnonymousUser()):
        with pytest.raises(NotFound):
            api_key_get_for_user(other, key.pk)
    assert list(ApiKey.objects.for_user(world.alpha_collector)) == []
