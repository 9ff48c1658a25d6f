"""Payment plans: preview, create or restructure, approve or reject, cancel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from heed.audit.services import record
from heed.core.errors import ApplicationError, Conflict, PermissionDenied
from heed.payments import rules, schedule
from heed.payments.models import (
    CreditorPaymentPolicy,
    Installment,
    PaymentPlan,
    Settlement,
)
from heed.payments.services._common import (
    _actor_id,
    _lock_account,
    _move_account,
    _refuse_closed,
    _require,
    _require_reason,
    _user_or_none,
    policy_for_creditor,
    set_status,
)
from heed.portfolio.models import Account

# --- Payment plans ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanPreview:
    installments: list[schedule.Installment]
    total: int
    needs_approval: bool
    role_limit: int


def _schedule_or_error(
    *,
    total: int,
    frequency: str,
    first_date: date,
    count: int | None,
    installment_amount: int | None,
) -> list[schedule.Installment]:
    try:
        return schedule.build_schedule(
            total=total,
            frequency=frequency,
            first_date=first_date,
            count=count,
            installment_amount=installment_amount,
        )
    except schedule.ScheduleError as exc:
        raise ApplicationError(str(exc), "invalid_schedule", fields={exc.field: [str(exc)]})


def _role_limit(actor: Any, policy: CreditorPaymentPolicy) -> int:
    return rules.installment_limit_for_role(
        getattr(actor, "role", ""),
        collector_limit=policy.plan_collector_max_installments,
        team_lead_limit=policy.plan_team_lead_max_installments,
        manager_limit=policy.plan_manager_max_installments,
    )


def plan_preview(
    *,
    actor: Any,
    account: Account,
    frequency: str,
    first_date: date,
    count: int | None = None,
    installment_amount: int | None = None,
    total: int | None = None,
    today: date | None = None,
) -> PlanPreview:
    """The schedule a plan would have, and whether it needs someone else's approval. No writes."""
    _require(actor, "payments.record")
    today = today or timezone.localdate()
    total = account.total_balance if total is None else total
    if total > account.total_balance:
        raise ApplicationError(
            _("A plan cannot be for more than the balance owed."),
            "plan_too_large",
            fields={"total": [_("Too large.")]},
        )
    if first_date < today:
        raise ApplicationError(
            _("The first installment cannot be in the past."),
            "invalid_schedule",
            fields={"first_date": [_("The date is in the past.")]},
        )
    items = _schedule_or_error(
        total=total,
        frequency=frequency,
        first_date=first_date,
        count=count,
        installment_amount=installment_amount,
    )
    policy = policy_for_creditor(account.creditor_id)
    if len(items) > policy.plan_manager_max_installments:
        raise ApplicationError(
            _("This creditor allows at most %(n)d installments.")
            % {"n": policy.plan_manager_max_installments},
            "too_many_installments",
            fields={"count": [_("Too many installments.")]},
        )
    limit = _role_limit(actor, policy)
    return PlanPreview(
        installments=items, total=total, needs_approval=len(items) > limit, role_limit=limit
    )


@transaction.atomic
def plan_create(
    *,
    actor: Any,
    account: Account,
    frequency: str,
    first_date: date,
    count: int | None = None,
    installment_amount: int | None = None,
    total: int | None = None,
    replaces: PaymentPlan | None = None,
    today: date | None = None,
) -> PaymentPlan:
    """Create a plan (or restructure ``replaces``: the old plan is kept, marked restructured).

    Beyond the proposer's installment limit the plan waits for approval; an active plan puts
    the account in ``in_plan``."""
    _require(actor, "payments.record")
    today = today or timezone.localdate()
    locked = _lock_account(account.pk)
    _refuse_closed(locked)
    preview = plan_preview(
        actor=actor,
        account=locked,
        frequency=frequency,
        first_date=first_date,
        count=count,
        installment_amount=installment_amount,
        total=total,
        today=today,
    )
    open_plans = list(
        PaymentPlan.objects.select_for_update()
        .filter(account_id=locked.pk, status__in=PaymentPlan.OPEN_STATUSES)
        .order_by("pk")
    )
    if Settlement.objects.filter(
        account_id=locked.pk, status__in=Settlement.OPEN_STATUSES
    ).exists():
        raise Conflict(
            _("The account has an open settlement offer; cancel it first."), "settlement_open"
        )
    if replaces is not None:
        old = PaymentPlan.objects.select_for_update().get(pk=replaces.pk)
        if old.account_id != locked.pk or old.status not in (
            PaymentPlan.Status.ACTIVE,
            PaymentPlan.Status.DEFAULTED,
            PaymentPlan.Status.PENDING_APPROVAL,
        ):
            raise Conflict(
                _("Only an active, pending or defaulted plan can be restructured."), "plan_not_open"
            )
        if old.status in PaymentPlan.OPEN_STATUSES:
            set_status(old, PaymentPlan.Status.RESTRUCTURED)
            old.ended_at = timezone.now()
            old.save(update_fields=["status", "ended_at"])
        open_plans = [p for p in open_plans if p.pk != old.pk]
    if open_plans:
        raise Conflict(
            _("The account already has an open plan; restructure it instead."), "plan_exists"
        )
    policy = policy_for_creditor(locked.creditor_id)
    status = (
        PaymentPlan.Status.PENDING_APPROVAL if preview.needs_approval else PaymentPlan.Status.ACTIVE
    )
    plan = PaymentPlan.objects.create(
        account_id=locked.pk,
        total_amount=preview.total,
        currency=locked.currency,
        frequency=frequency,
        first_date=first_date,
        installment_count=len(preview.installments),
        status=status,
        grace_days=policy.plan_grace_days,
        default_after_missed=policy.plan_default_after_missed,
        replaces=replaces,
        created_by=_user_or_none(actor),
    )
    Installment.objects.bulk_create(
        [
            Installment(plan=plan, number=i.number, due_date=i.due_date, amount=i.amount)
            for i in preview.installments
        ]
    )
    record(
        action="plan.restructured" if replaces else "plan.created",
        actor=actor,
        target=plan,
        changes={
            "account": locked.pk,
            "total": preview.total,
            "frequency": frequency,
            "installments": len(preview.installments),
            "status": status,
            "replaces": replaces.pk if replaces else None,
        },
    )
    if status == PaymentPlan.Status.ACTIVE:
        _move_account(
            actor=actor, account=locked, to_status="in_plan", reason=_("Payment plan agreed.")
        )
    return plan


def _approver_limit_check(actor: Any, plan: PaymentPlan) -> None:
    policy = policy_for_creditor(plan.account.creditor_id)
    if plan.installment_count > _role_limit(actor, policy):
        raise PermissionDenied(_("This plan has more installments than you may approve."))


@transaction.atomic
def plan_decide(*, actor: Any, plan: PaymentPlan, approve: bool, reason: str = "") -> PaymentPlan:
    """Approve or reject a plan waiting for approval. Four-eyes: not by the one who made it."""
    _require(actor, "payments.approve")
    locked_account = _lock_account(plan.account_id)
    locked = PaymentPlan.objects.select_for_update().select_related("account").get(pk=plan.pk)
    if locked.status != PaymentPlan.Status.PENDING_APPROVAL:
        raise Conflict(_("This plan is not waiting for approval."), "not_pending")
    if locked.created_by_id is not None and locked.created_by_id == _actor_id(actor):
        raise PermissionDenied(_("You cannot approve a plan you made yourself."))
    if approve:
        _approver_limit_check(actor, locked)
    else:
        reason = _require_reason(reason)
    set_status(locked, PaymentPlan.Status.ACTIVE if approve else PaymentPlan.Status.REJECTED)
    locked.approved_by = _user_or_none(actor)
    locked.decided_at = timezone.now()
    locked.decision_reason = reason[:500]
    if not approve:
        locked.ended_at = locked.decided_at
    locked.save(
        update_fields=["status", "approved_by", "decided_at", "decision_reason", "ended_at"]
    )
    record(
        action="plan.approved" if approve else "plan.rejected",
        actor=actor,
        target=locked,
        reason=reason,
        changes={"status": ["pending_approval", locked.status]},
    )
    if approve:
        _move_account(
            actor=actor,
            account=locked_account,
            to_status="in_plan",
            reason=_("Payment plan approved."),
        )
    elif locked_account.status == Account.Status.IN_PLAN:
        _move_account(
            actor=actor,
            account=locked_account,
            to_status="active",
            reason=_("Payment plan rejected."),
        )
    return locked


@transaction.atomic
def plan_cancel(*, actor: Any, plan: PaymentPlan, reason: str) -> PaymentPlan:
    _require(actor, "payments.record")
    reason = _require_reason(reason)
    locked_account = _lock_account(plan.account_id)
    locked = PaymentPlan.objects.select_for_update().get(pk=plan.pk)
    if locked.status not in PaymentPlan.OPEN_STATUSES:
        raise Conflict(_("Only an open plan can be cancelled."), "plan_not_open")
    before = locked.status
    set_status(locked, PaymentPlan.Status.CANCELLED)
    locked.ended_at = timezone.now()
    locked.save(update_fields=["status", "ended_at"])
    record(
        action="plan.cancelled",
        actor=actor,
        target=locked,
        reason=reason,
        changes={"status": [before, "cancelled"]},
    )
    if locked_account.status == Account.Status.IN_PLAN:
        _move_account(actor=actor, account=locked_account, to_status="active", reason=reason)
    return locked
