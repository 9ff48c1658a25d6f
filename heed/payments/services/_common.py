"""Shared helpers for the money services: permission and reason checks, locks, moves."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils.translation import gettext as _

from heed.core.errors import ApplicationError, Conflict, PermissionDenied
from heed.core.roles import has_permission
from heed.payments import waterfall
from heed.payments.models import CreditorPaymentPolicy
from heed.portfolio.models import Account
from heed.portfolio.services import account_transition

MIN_REASON_LENGTH = 5
# A payment may be dated a little ahead of our clock (processor clocks drift), not more.
FUTURE_TOLERANCE = timedelta(minutes=10)


# --- Helpers --------------------------------------------------------------------------------


def _require(actor: Any, permission: str) -> None:
    if not has_permission(actor, permission):
        raise PermissionDenied()


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise ApplicationError(
            _("Give a reason (at least %(n)d characters).") % {"n": MIN_REASON_LENGTH},
            "reason_required",
            fields={"reason": [_("This field is required.")]},
        )
    return reason


def _actor_id(actor: Any) -> int | None:
    return getattr(actor, "pk", None) if getattr(actor, "is_authenticated", False) else None


def _user_or_none(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def policy_for_creditor(creditor_id: int) -> CreditorPaymentPolicy:
    """The creditor's policy, or the defaults (an unsaved row) when it has none."""
    policy = CreditorPaymentPolicy.objects.filter(creditor_id=creditor_id).first()
    return policy or CreditorPaymentPolicy(creditor_id=creditor_id)


def _lock_account(account_id: int) -> Account:
    return Account.objects.select_for_update().get(pk=account_id)


def _balances(account: Account) -> waterfall.Balances:
    return waterfall.Balances(
        principal=account.principal_balance,
        interest=account.interest_balance,
        fees=account.fees_balance,
        credit=account.credit_balance,
    )


def _move_account(*, actor: Any, account: Account, to_status: str, reason: str) -> None:
    """Move the account to ``to_status`` if it is not there; a new account passes through active."""
    if account.status == to_status:
        return
    if not account.can_transition_to(to_status) and account.status == Account.Status.NEW:
        account_transition(actor=actor, account=account, to_status="active", reason=reason)
    if account.can_transition_to(to_status):
        account_transition(actor=actor, account=account, to_status=to_status, reason=reason)


def _refuse_closed(account: Account) -> None:
    if account.is_closed:
        raise ApplicationError(
            _("The account is %(status)s; nothing more can be agreed on it.")
            % {"status": account.get_status_display()},
            "account_closed",
        )


def set_status(row: Any, to_status: str) -> str:
    """Move a promise, plan, settlement or payment along its model's ``TRANSITIONS``; illegal
    moves raise. Returns the previous status (the caller saves and audits)."""
    before = str(row.status)
    if to_status not in row.TRANSITIONS.get(before, frozenset()):
        raise Conflict(
            _("A %(kind)s cannot move from %(from)s to %(to)s.")
            % {"kind": row._meta.verbose_name, "from": before, "to": to_status},
            "illegal_transition",
        )
    row.status = to_status
    return before
