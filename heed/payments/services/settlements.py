"""Settlements: propose (approval matrix), decide (four-eyes), cancel."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from heed.audit.services import record
from heed.core.errors import ApplicationError, Conflict, PermissionDenied
from heed.payments import rules
from heed.payments.models import (
    CreditorPaymentPolicy,
    PaymentPlan,
    Settlement,
)
from heed.payments.services._common import (
    _actor_id,
    _lock_account,
    _refuse_closed,
    _require,
    _require_reason,
    _user_or_none,
    policy_for_creditor,
    set_status,
)
from heed.portfolio.models import Account

# --- Settlements ------------------------------------------------------------------------------


def _matrix(policy: CreditorPaymentPolicy) -> rules.ApprovalMatrix:
    return rules.ApprovalMatrix(
        self_approve_bps=policy.settlement_self_approve_bps,
        team_lead_bps=policy.settlement_team_lead_bps,
        manager_bps=policy.settlement_manager_bps,
    )


@transaction.atomic
def settlement_propose(
    *,
    actor: Any,
    account: Account,
    amount: int,
    expires_on: date,
    note: str = "",
    today: date | None = None,
) -> Settlement:
    """Offer to close the account for ``amount`` (< the balance). The discount decides who must
    approve it (see :func:`rules.required_approval`); within the proposer's own authority it is
    approved at once."""
    _require(actor, "payments.record")
    today = today or timezone.localdate()
    locked = _lock_account(account.pk)
    _refuse_closed(locked)
    owed = locked.total_balance
    if amount <= 0 or amount >= owed:
        raise ApplicationError(
            _("A settlement must be more than zero and less than the balance owed."),
            "invalid_amount",
            fields={"amount": [_("Must be between zero and the balance owed.")]},
        )
    policy = policy_for_creditor(locked.creditor_id)
    if expires_on < today or expires_on > today + timedelta(days=policy.settlement_max_days):
        raise ApplicationError(
            _("The offer must expire within %(n)d days.") % {"n": policy.settlement_max_days},
            "invalid_expiry",
            fields={"expires_on": [_("Outside the allowed period.")]},
        )
    if PaymentPlan.objects.filter(
        account_id=locked.pk, status__in=PaymentPlan.OPEN_STATUSES
    ).exists():
        raise Conflict(_("The account has an open payment plan; cancel it first."), "plan_open")
    if Settlement.objects.filter(
        account_id=locked.pk, status__in=Settlement.OPEN_STATUSES
    ).exists():
        raise Conflict(_("The account already has an open settlement offer."), "settlement_exists")
    bps = rules.discount_bps(owed, amount)
    needed = rules.required_approval(bps, _matrix(policy))
    if needed == rules.Approval.REFUSED:
        raise ApplicationError(
            _("A discount of %(pct)s%% is above what this creditor allows.")
            % {"pct": f"{bps / 100:.2f}"},
            "discount_too_large",
            fields={"amount": [_("Discount too large.")]},
        )
    status = (
        Settlement.Status.APPROVED
        if needed == rules.Approval.NONE
        else Settlement.Status.PENDING_APPROVAL
    )
    settlement = Settlement.objects.create(
        account_id=locked.pk,
        amount=amount,
        currency=locked.currency,
        balance_at_offer=owed,
        discount_bps=bps,
        required_approval=str(needed),
        status=status,
        expires_on=expires_on,
        proposed_by=_user_or_none(actor),
        note=note[:500],
    )
    record(
        action="settlement.proposed",
        actor=actor,
        target=settlement,
        changes={
            "account": locked.pk,
            "amount": amount,
            "balance": owed,
            "discount_bps": bps,
            "approval": str(needed),
            "status": status,
        },
    )
    return settlement


_REFUSALS = {
    "approver_is_proposer": _("You cannot approve a settlement you proposed."),
    "role_cannot_approve": _("This discount needs a more senior approver."),
    "no_approval_pending": _("This settlement is not waiting for approval."),
}


@transaction.atomic
def settlement_decide(
    *,
    actor: Any,
    settlement: Settlement,
    approve: bool,
    reason: str = "",
    today: date | None = None,
) -> Settlement:
    """Approve or reject a settlement waiting for approval (approval matrix, four-eyes)."""
    _require(actor, "payments.approve")
    today = today or timezone.localdate()
    _lock_account(settlement.account_id)
    locked = Settlement.objects.select_for_update().get(pk=settlement.pk)
    if locked.status != Settlement.Status.PENDING_APPROVAL:
        raise Conflict(str(_REFUSALS["no_approval_pending"]), "not_pending")
    if approve and locked.expires_on < today:
        raise Conflict(_("This offer has expired."), "expired")
    if locked.proposed_by_id is not None and locked.proposed_by_id == _actor_id(actor):
        raise PermissionDenied(str(_REFUSALS["approver_is_proposer"]))
    if approve:
        refusal = rules.approval_refusal(
            needed=rules.Approval(locked.required_approval),
            approver_role=getattr(actor, "role", ""),
            approver_id=_actor_id(actor) or 0,
            proposer_id=locked.proposed_by_id,
        )
        if refusal is not None:
            raise PermissionDenied(str(_REFUSALS[refusal]))
    else:
        reason = _require_reason(reason)
    set_status(locked, Settlement.Status.APPROVED if approve else Settlement.Status.REJECTED)
    locked.approved_by = _user_or_none(actor)
    locked.decided_at = timezone.now()
    locked.decision_reason = reason[:500]
    locked.save(update_fields=["status", "approved_by", "decided_at", "decision_reason"])
    record(
        action="settlement.approved" if approve else "settlement.rejected",
        actor=actor,
        target=locked,
        reason=reason,
        changes={
            "status": ["pending_approval", locked.status],
            "discount_bps": locked.discount_bps,
        },
    )
    return locked


@transaction.atomic
def settlement_cancel(*, actor: Any, settlement: Settlement, reason: str) -> Settlement:
    _require(actor, "payments.record")
    reason = _require_reason(reason)
    _lock_account(settlement.account_id)
    locked = Settlement.objects.select_for_update().get(pk=settlement.pk)
    if locked.status not in Settlement.OPEN_STATUSES or locked.paid_amount > 0:
        raise Conflict(
            _("Only an open offer with nothing paid towards it can be cancelled."),
            "not_cancellable",
        )
    before = locked.status
    set_status(locked, Settlement.Status.CANCELLED)
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_at"])
    record(
        action="settlement.cancelled",
        actor=actor,
        target=locked,
        reason=reason,
        changes={"status": [before, "cancelled"]},
    )
    return locked
