"""Roles and the named permissions each one carries.

Permissions are plain strings ``"<area>.<verb>"``. A role is a set of them; a user has exactly one
role. Code asks ``has_permission(user, "portfolio.reveal_pii")``; nothing checks role names
directly except scoping (which needs to know whose work is whose).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COLLECTOR = "collector", _("Collector")
    TEAM_LEAD = "team_lead", _("Team lead")
    COMPLIANCE_OFFICER = "compliance_officer", _("Compliance officer")
    QA_INSPECTOR = "qa_inspector", _("QA inspector")
    HR_OFFICER = "hr_officer", _("HR officer")
    DATA_MANAGER = "data_manager", _("Data manager")
    MANAGER = "manager", _("Manager")
    AGENCY_USER = "agency_user", _("Agency user")
    AUDITOR = "auditor", _("Auditor")
    ADMINISTRATOR = "administrator", _("Administrator")
    PAYMENT_PROCESSOR = "payment_processor", _("Payment processor (API)")
    MESSAGE_PROVIDER = "message_provider", _("Message provider (API)")


# Every permission Heed knows, with a description people can read in the admin screens.
PERMISSIONS: dict[str, Any] = {
    "home.view": _("See the home page"),
    "users.manage": _("Manage users, teams, agencies and roles"),
    "users.view": _("See the staff directory"),
    "apikeys.manage_own": _("Create and revoke one's own API keys"),
    "apikeys.manage_all": _("Create and revoke API keys for any user"),
    "audit.view": _("Read the audit log"),
    "audit.verify": _("Verify the audit chain"),
    "tasks.view": _("See background task runs"),
    "portfolio.view": _("See accounts and debtors in one's scope"),
    "portfolio.view_all": _("See every account regardless of team or agency"),
    "portfolio.import": _("Import placements"),
    "portfolio.manage_creditors": _("Manage creditors"),
    "portfolio.assign": _("Assign, reassign and recall accounts"),
    "portfolio.reveal_pii": _("Reveal masked personal data with a reason"),
    "portfolio.transition": _("Change account status"),
    "collection.contact": _("Record contacts and ask the compliance gateway"),
    "compliance.view": _("See rule packs, holds and decisions"),
    "compliance.manage": _("Author rule pack versions, holds and templates"),
    "compliance.approve": _("Approve rule pack versions and templates (four-eyes)"),
    "screening.check": _("Screen a text"),
    "messages.send": _("Send messages from templates"),
    "messages.free_text": _("Send free-text messages"),
    "messages.review": _("Release or reject messages held for review"),
    "messages.inbound": _("Report debtors' replies (such as opt-outs) from the message provider"),
    "payments.record": _("Record payments, promises and plans"),
    "payments.reverse": _("Reverse payments"),
    "payments.approve": _("Approve settlements and plans beyond one's limit"),
    "payments.remittance": _("See and export remittance reports"),
    "payments.process": _(
        "Post payments to any account and reverse the ones it posted (a payment processor's "
        "API key; sees no debtor data)"
    ),
    "quality.review": _("Review quality-inspection findings"),
    "people.manage": _("Manage recruitment, credentials and training"),
    "complaints.manage": _("Handle complaints"),
    "analytics.view": _("See dashboards and monitoring"),
}

_ALL = frozenset(PERMISSIONS)

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.COLLECTOR: frozenset(
        {
            "home.view",
            "apikeys.manage_own",
            "portfolio.view",
            "collection.contact",
            "screening.check",
            "messages.send",
            "payments.record",
        }
    ),
    Role.TEAM_LEAD: frozenset(
        {
            "home.view",
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
        }
    ),
    Role.COMPLIANCE_OFFICER: frozenset(
        {
            "home.view",
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
        }
    ),
    Role.QA_INSPECTOR: frozenset(
        {
            "home.view",
            "apikeys.manage_own",
            "portfolio.view",
            "portfolio.view_all",
            "compliance.view",
            "screening.check",
            "messages.review",
            "quality.review",
        }
    ),
    Role.HR_OFFICER: frozenset({"home.view", "apikeys.manage_own", "users.view", "people.manage"}),
    Role.DATA_MANAGER: frozenset(
        {
            "home.view",
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
        }
    ),
    Role.MANAGER: frozenset(
        {
            "home.view",
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
        }
    ),
    Role.AGENCY_USER: frozenset(
        {
            "home.view",
            "portfolio.view",
            "collection.contact",
            "screening.check",
            "messages.send",
            "payments.record",
        }
    ),
    Role.AUDITOR: frozenset(
        {
            "home.view",
            "users.view",
            "audit.view",
            "audit.verify",
            "portfolio.view",
            "portfolio.view_all",
            "compliance.view",
            "tasks.view",
            "analytics.view",
        }
    ),
    Role.ADMINISTRATOR: frozenset(
        {
            "home.view",
            "users.manage",
            "users.view",
            "apikeys.manage_own",
            "apikeys.manage_all",
            "audit.view",
            "audit.verify",
            "tasks.view",
        }
    ),
    # An integration, not a person: its API key posts what the processor received and reports
    # bounces and chargebacks. It cannot list accounts, see debtors or use the web screens.
    Role.PAYMENT_PROCESSOR: frozenset({"payments.record", "payments.reverse", "payments.process"}),
    Role.MESSAGE_PROVIDER: frozenset({"messages.inbound"}),
}

assert all(perms <= _ALL for perms in ROLE_PERMISSIONS.values()), "unknown permission in a role"


def permissions_for_role(role: str) -> frozenset[str]:
    return ROLE_PERMISSIONS.get(role, frozenset())


def has_permission(user: Any, permission: str) -> bool:
    """True when an active, authenticated user's role carries ``permission``."""
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if not getattr(user, "is_active", False):
        return False
    return permission in permissions_for_role(getattr(user, "role", ""))


def has_any_permission(user: Any, permissions: Iterable[str]) -> bool:
    return any(has_permission(user, p) for p in permissions)
