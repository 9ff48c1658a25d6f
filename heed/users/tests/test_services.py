from __future__ import annotations

import pytest

from heed.audit.models import AuditEvent
from heed.core.errors import ApplicationError, PermissionDenied
from heed.core.roles import Role
from heed.users.models import Agency, ApiKey, Team, User, hash_api_key
from heed.users.services import (
    agency_create,
    api_key_create,
    api_key_revoke,
    team_create,
    user_create,
    user_set_language,
    user_update_membership,
)
from heed.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_administrator_creates_a_user_and_the_event_is_audited(team_alpha: Team) -> None:
    admin = UserFactory(role=Role.ADMINISTRATOR, team=team_alpha)
    user = user_create(
        actor=admin, username="newbie", password="x" * 12, role=Role.COLLECTOR, team=team_alpha
    )
    assert (user.role, user.team, user.agency, user.check_password("x" * 12)) == (
        Role.COLLECTOR,
        team_alpha,
        None,
        True,
    )
    event = AuditEvent.objects.get(action="user.created")
    assert (event.actor_user_id, event.target_type, event.target_id, event.changes) == (
        admin.pk,
        "users.user",
        str(user.pk),
        {"role": "collector", "team": team_alpha.pk, "agency": None},
    )


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.ADMINISTRATOR])
def test_only_administrators_create_users(role: str, team_alpha: Team, snapshot) -> None:  # type: ignore[no-untyped-def]
    actor = UserFactory(role=role)
    snap = snapshot()
    with pytest.raises(PermissionDenied):
        user_create(actor=actor, username="x1", password=None, role=Role.COLLECTOR, team=team_alpha)
    with pytest.raises(PermissionDenied):
        team_create(actor=actor, name="Gamma")
    with pytest.raises(PermissionDenied):
        agency_create(actor=actor, code="east", name="East")
    snap.assert_unchanged()


def test_membership_rules_are_checked_before_writing(
    team_alpha: Team, agency_north: Agency
) -> None:
    with pytest.raises(ApplicationError) as caught:
        user_create(actor=None, username="a", password=None, role=Role.AGENCY_USER, team=team_alpha)
    assert caught.value.fields == {"agency": ["required for agency users"]}
    with pytest.raises(ApplicationError) as caught:
        user_create(
            actor=None, username="b", password=None, role=Role.COLLECTOR, agency=agency_north
        )
    assert caught.value.fields == {"team": ["required for this role"]}
    with pytest.raises(ApplicationError) as caught:
        user_create(actor=None, username="c", password=None, role="janitor", team=team_alpha)
    assert caught.value.fields == {"role": ["unknown role"]}
    assert (User.objects.count(), AuditEvent.objects.count()) == (0, 0)


def test_duplicate_username_is_refused(team_alpha: Team) -> None:
    user_create(actor=None, username="dup", password=None, role=Role.COLLECTOR, team=team_alpha)
    with pytest.raises(ApplicationError) as caught:
        user_create(actor=None, username="dup", password=None, role=Role.COLLECTOR, team=team_alpha)
    assert (caught.value.code, caught.value.fields) == ("duplicate", {"username": ["taken"]})
    assert AuditEvent.objects.filter(action="user.created").count() == 1


def test_membership_change_records_before_and_after(team_alpha: Team, team_beta: Team) -> None:
    admin = UserFactory(role=Role.ADMINISTRATOR, team=team_alpha)
    user = UserFactory(role=Role.COLLECTOR, team=team_alpha)
    user_update_membership(
        actor=admin,
        user=user,
        role=Role.TEAM_LEAD,
        team=team_beta,
        agency=None,
        is_active=True,
        reason="promotion",
    )
    user.refresh_from_db()
    assert (user.role, user.team) == (Role.TEAM_LEAD, team_beta)
    event = AuditEvent.objects.get(action="user.membership_changed")
    assert event.changes == {
        "role": ["collector", "team_lead"],
        "team": [team_alpha.pk, team_beta.pk],
    }
    assert event.reason == "promotion"


def test_administrator_cannot_demote_or_deactivate_themselves(team_alpha: Team) -> None:
    admin = UserFactory(role=Role.ADMINISTRATOR, team=team_alpha)
    with pytest.raises(ApplicationError) as caught:
        user_update_membership(
            actor=admin,
            user=admin,
            role=Role.ADMINISTRATOR,
            team=team_alpha,
            agency=None,
            is_active=False,
        )
    assert caught.value.code == "self_change"
    admin.refresh_from_db()
    assert admin.is_active is True


def test_language_is_saved_per_user(team_alpha: Team) -> None:
    user = UserFactory(role=Role.COLLECTOR, team=team_alpha)
    user_set_language(actor=user, user=user, language="zh-hans")
    user.refresh_from_db()
    assert user.language == "zh-hans"
    with pytest.raises(ApplicationError):
        user_set_language(actor=user, user=user, language="fr")


def test_api_key_is_stored_hashed_and_shown_once(team_alpha: Team) -> None:
    user = UserFactory(role=Role.COLLECTOR, team=team_alpha)
    key, raw = api_key_create(actor=user, user=user, name=" dialer ")
    assert raw.startswith(f"heed_{key.prefix}_")
    assert len(raw) > 40
    assert key.key_hash == hash_api_key(raw)
    assert key.name == "dialer"
    stored = ApiKey.objects.filter(pk=key.pk).values().get()
    assert raw not in {str(value) for value in stored.values()}


def test_keys_for_someone_else_need_manage_all(team_alpha: Team, snapshot) -> None:  # type: ignore[no-untyped-def]
    lead = UserFactory(role=Role.TEAM_LEAD, team=team_alpha)
    collector = UserFactory(role=Role.COLLECTOR, team=team_alpha)
    agent = UserFactory(role=Role.AGENCY_USER)
    admin = UserFactory(role=Role.ADMINISTRATOR, team=team_alpha)
    key, _raw = api_key_create(actor=collector, user=collector, name="mine")
    snap = snapshot()
    with pytest.raises(PermissionDenied):
        api_key_create(actor=lead, user=collector, name="not mine")
    with pytest.raises(PermissionDenied):
        api_key_create(actor=agent, user=agent, name="agency")
    with pytest.raises(PermissionDenied):
        api_key_revoke(actor=lead, key=key)
    snap.assert_unchanged()
    api_key_create(actor=admin, user=collector, name="by admin")
    api_key_revoke(actor=admin, key=key, reason="left")
    key.refresh_from_db()
    assert key.is_active is False
    assert list(
        AuditEvent.objects.filter(action__startswith="api_key.").values_list(
            "action", "actor_user_id", "reason"
        )
    ) == [
        ("api_key.created", collector.pk, ""),
        ("api_key.created", admin.pk, ""),
        ("api_key.revoked", admin.pk, "left"),
    ]


def test_revoking_twice_writes_one_event(team_alpha: Team) -> None:
    user = UserFactory(role=Role.COLLECTOR, team=team_alpha)
    key, _raw = api_key_create(actor=user, user=user, name="k")
    api_key_revoke(actor=user, key=key)
    first = key.revoked_at
    api_key_revoke(actor=user, key=key)
    assert key.revoked_at == first
    assert AuditEvent.objects.filter(action="api_key.revoked").count() == 1
