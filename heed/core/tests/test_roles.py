from __future__ import annotations

from typing import Any

import pytest

from heed.core.roles import (
    PERMISSIONS,
    ROLE_PERMISSIONS,
    Role,
    has_any_permission,
    has_permission,
    permissions_for_role,
)

EVERY_ROLE_HAS = {"home.view"}

# The exact permissions of each role (besides home.view). Changing a role changes this table.
EXPECTED: dict[str, set[str]] = {
    Role.COLLECTOR: {
        "apikeys.manage_own",
        "portfolio.view",
        "collection.contact",
        "screening.check",
        "messages.send",
        "payments.record",
    },
    Role.TEAM_LEAD: {
        "apikeys.manage_own",
        "users.view",
        "portfolio.view",
        "portfolio.assign",
        "portfolio.transition",
        "collection.contact",
        "screening.check",
        "messages.send",
        "messages.free_text",
        "payments.record",
        "payments.approve",
        "tasks.view",
        "analytics.view",
    },
    Role.COMPLIANCE_OFFICER: {
        "apikeys.manage_own",
        "users.view",
        "audit.view",
        "portfolio.view",
        "portfolio.view_all",
        "portfolio.reveal_pii",
        "compliance.view",
        "compliance.manage",
        "compliance.approve",
        "screening.check",
        "messages.review",
        "quality.review",
        "complaints.manage",
        "tasks.view",
        "analytics.view",
    },
    Role.QA_INSPECTOR: {
        "apikeys.manage_own",
        "portfolio.view",
        "portfolio.view_all",
        "compliance.view",
        "screening.check",
        "messages.review",
        "quality.review",
    },
    Role.HR_OFFICER: {"apikeys.manage_own", "users.view", "people.manage"},
    Role.DATA_MANAGER: {
        "apikeys.manage_own",
        "portfolio.view",
        "portfolio.view_all",
        "portfolio.import",
        "portfolio.manage_creditors",
        "portfolio.assign",
        "portfolio.reveal_pii",
        "portfolio.transition",
        "payments.record",
        "payments.reverse",
        "payments.remittance",
        "tasks.view",
    },
    Role.MANAGER: {
        "apikeys.manage_own",
        "users.view",
        "portfolio.view",
        "portfolio.view_all",
        "portfolio.assign",
        "portfolio.transition",
        "compliance.view",
        "payments.approve",
        "payments.remittance",
        "analytics.view",
        "tasks.view",
        "complaints.manage",
    },
    Role.AGENCY_USER: {
        "portfolio.view",
        "collection.contact",
        "screening.check",
        "messages.send",
        "payments.record",
    },
    Role.AUDITOR: {
        "users.view",
        "audit.view",
        "audit.verify",
        "portfolio.view",
        "portfolio.view_all",
        "compliance.view",
        "tasks.view",
        "analytics.view",
    },
    Role.ADMINISTRATOR: {
        "users.manage",
        "users.view",
        "apikeys.manage_own",
        "apikeys.manage_all",
        "audit.view",
        "audit.verify",
        "tasks.view",
    },
    # An integration's key, not a person: no home page, no screens.
    Role.PAYMENT_PROCESSOR: {"payments.record", "payments.reverse", "payments.process"},
    Role.MESSAGE_PROVIDER: {"messages.inbound"},
}
INTEGRATION_ROLES = {Role.PAYMENT_PROCESSOR, Role.MESSAGE_PROVIDER}


class FakeUser:
    def __init__(self, role: str, *, is_authenticated: bool = True, is_active: bool = True):
        self.role = role
        self.is_authenticated = is_authenticated
        self.is_active = is_active


def test_every_role_has_a_permission_set() -> None:
    assert set(ROLE_PERMISSIONS) == set(Role.values)


@pytest.mark.parametrize("role", Role.values)
def test_role_carries_exactly_its_permissions(role: str) -> None:
    every = set() if role in INTEGRATION_ROLES else EVERY_ROLE_HAS
    assert set(permissions_for_role(role)) == EXPECTED[role] | every


@pytest.mark.parametrize("role", Role.values)
def test_has_permission_answers_per_permission(role: str) -> None:
    user = FakeUser(role)
    granted = {name for name in PERMISSIONS if has_permission(user, name)}
    every = set() if role in INTEGRATION_ROLES else EVERY_ROLE_HAS
    assert granted == EXPECTED[role] | every


def test_only_administrators_manage_users_and_every_key() -> None:
    holders = {r for r in Role.values if "users.manage" in permissions_for_role(r)}
    assert holders == {Role.ADMINISTRATOR}
    holders = {r for r in Role.values if "apikeys.manage_all" in permissions_for_role(r)}
    assert holders == {Role.ADMINISTRATOR}


def test_agency_users_cannot_hold_api_keys_or_see_all_accounts() -> None:
    perms = permissions_for_role(Role.AGENCY_USER)
    assert "apikeys.manage_own" not in perms
    assert "portfolio.view_all" not in perms


@pytest.mark.parametrize(
    "user",
    [
        None,
        FakeUser(Role.ADMINISTRATOR, is_authenticated=False),
        FakeUser(Role.ADMINISTRATOR, is_active=False),
        FakeUser("janitor"),
        FakeUser(""),
    ],
    ids=["none", "anonymous", "inactive", "unknown-role", "no-role"],
)
def test_nobody_without_an_active_known_role_has_any_permission(user: Any) -> None:
    assert [p for p in PERMISSIONS if has_permission(user, p)] == []


def test_unknown_permission_name_is_a_programming_error() -> None:
    with pytest.raises(KeyError, match="unknown permission 'portfolio.sell'"):
        has_permission(FakeUser(Role.ADMINISTRATOR), "portfolio.sell")


def test_has_any_permission() -> None:
    collector = FakeUser(Role.COLLECTOR)
    assert has_any_permission(collector, ["audit.view", "payments.record"]) is True
    assert has_any_permission(collector, ["audit.view", "users.manage"]) is False
    assert has_any_permission(collector, []) is False
