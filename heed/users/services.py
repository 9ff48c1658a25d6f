"""Writes on users, teams, agencies and API keys. Every change is audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from heed.audit.services import record
from heed.core.errors import ApplicationError, PermissionDenied
from heed.core.roles import Role, has_permission
from heed.users.models import Agency, ApiKey, Team, User, hash_api_key, new_api_key_secret


def _require(actor: Any, permission: str) -> None:
    if actor is not None and not has_permission(actor, permission):
        raise PermissionDenied()


def _check_membership(role: str, team: Team | None, agency: Agency | None) -> None:
    if role not in Role.values:
        raise ApplicationError(f"Unknown role {role!r}.", fields={"role": ["unknown role"]})
    if role == Role.AGENCY_USER:
        if agency is None or team is not None:
            raise ApplicationError(
                "An agency user belongs to one agency and no team.",
                fields={"agency": ["required for agency users"]},
            )
    elif team is None or agency is not None:
        raise ApplicationError(
            "A staff user belongs to one team (agency users to one agency).",
            fields={"team": ["required for this role"]},
        )


@transaction.atomic
def user_create(
    *,
    actor: Any,
    username: str,
    password: str | None,
    role: str,
    team: Team | None = None,
    agency: Agency | None = None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    language: str = "en",
) -> User:
    """Create a staff user. ``actor=None`` only from trusted commands (demo set-up, CLI)."""
    _require(actor, "users.manage")
    _check_membership(role, team, agency)
    if User.objects.filter(username=username).exists():
        raise ApplicationError(
            f"The username {username!r} is taken.", "duplicate", fields={"username": ["taken"]}
        )
    user = User(
        username=username,
        role=role,
        team=team,
        agency=agency,
        first_name=first_name,
        last_name=last_name,
        email=email,
        language=language,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    record(
        action="user.created",
        actor=actor or "system:cli",
        target=user,
        changes={
            "role": role,
            "team": getattr(team, "pk", None),
            "agency": getattr(agency, "pk", None),
        },
    )
    return user


@transaction.atomic
def user_update_membership(
    *,
    actor: Any,
    user: User,
    role: str,
    team: Team | None,
    agency: Agency | None,
    is_active: bool,
    reason: str = "",
) -> User:
    _require(actor, "users.manage")
    _check_membership(role, team, agency)
    if actor is not None and user.pk == actor.pk and (role != actor.role or not is_active):
        raise ApplicationError(
            "You cannot change your own role or deactivate yourself.", "self_change"
        )
    before = {
        "role": user.role,
        "team": user.team_id,
        "agency": user.agency_id,
        "is_active": user.is_active,
    }
    user.role, user.team, user.agency, user.is_active = role, team, agency, is_active
    user.save(update_fields=["role", "team", "agency", "is_active"])
    after = {"role": role, "team": user.team_id, "agency": user.agency_id, "is_active": is_active}
    changed = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    if changed:
        record(
            action="user.membership_changed",
            actor=actor,
            target=user,
            changes=changed,
            reason=reason,
        )
    return user


@transaction.atomic
def user_set_language(*, actor: Any, user: User, language: str) -> User:
    if language not in dict(User._meta.get_field("language").choices or []):
        raise ApplicationError("Unknown language.", fields={"language": ["unknown language"]})
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return user


@transaction.atomic
def team_create(*, actor: Any, name: str, lead: User | None = None) -> Team:
    _require(actor, "users.manage")
    name = name.strip()
    if not name:
        raise ApplicationError("A team needs a name.", fields={"name": ["required"]})
    if Team.objects.filter(name=name).exists():
        raise ApplicationError(
            "A team with this name exists.", "duplicate", fields={"name": ["taken"]}
        )
    team = Team.objects.create(name=name, lead=lead)
    record(action="team.created", actor=actor or "system:cli", target=team, changes={"name": name})
    return team


@transaction.atomic
def agency_create(*, actor: Any, code: str, name: str, contact_email: str = "") -> Agency:
    _require(actor, "users.manage")
    if not code or not name:
        raise ApplicationError(
            "An agency needs a code and a name.",
            fields={"code": ["required"], "name": ["required"]},
        )
    if Agency.objects.filter(code=code).exists():
        raise ApplicationError(
            "An agency with this code exists.", "duplicate", fields={"code": ["taken"]}
        )
    agency = Agency.objects.create(code=code, name=name, contact_email=contact_email)
    record(
        action="agency.created",
        actor=actor or "system:cli",
        target=agency,
        changes={"code": code, "name": name},
    )
    return agency


@transaction.atomic
def api_key_create(*, actor: Any, user: User, name: str) -> tuple[ApiKey, str]:
    """Create a key for ``user``; returns the row and the plain key, which is never stored."""
    if actor is not None:
        if user.pk != actor.pk:
            _require(actor, "apikeys.manage_all")
        elif not (
            has_permission(actor, "apikeys.manage_own")
            or has_permission(actor, "apikeys.manage_all")
        ):
            raise PermissionDenied()
    name = name.strip()
    if not name:
        raise ApplicationError("An API key needs a name.", fields={"name": ["required"]})
    prefix, raw = new_api_key_secret()
    key = ApiKey.objects.create(
        user=user, name=name[:100], prefix=prefix, key_hash=hash_api_key(raw), created_by=actor
    )
    record(
        action="api_key.created",
        actor=actor or "system:cli",
        target=key,
        changes={"user": user.pk, "name": key.name},
    )
    return key, raw


@transaction.atomic
def api_key_revoke(*, actor: Any, key: ApiKey, reason: str = "") -> ApiKey:
    if actor is not None and key.user_id != actor.pk:
        _require(actor, "apikeys.manage_all")
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        record(action="api_key.revoked", actor=actor or "system:cli", target=key, reason=reason)
    return key
