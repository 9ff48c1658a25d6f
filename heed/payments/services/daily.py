"""The daily money run: promises kept/broken, plan defaults, settlement expiries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from heed.audit.services import record
from heed.payments import rules
from heed.payments.models import (
    PaymentPlan,
    PromiseToPay,
    Settlement,
)
from heed.payments.services._common import (
    _lock_account,
    _move_account,
    set_status,
)
from heed.payments.services.promises import _evaluate_promises
from heed.portfolio.models import Account

# --- The daily run ----------------------------------------------------------------------------


@dataclass
class DailyResult:
    promises_kept: int = 0
    promises_broken: int = 0
    plans_defaulted: int = 0
    settlements_expired: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "promises_kept": self.promises_kept,
            "promises_broken": self.promises_broken,
            "plans_defaulted": self.plans_defaulted,
            "settlements_expired": self.settlements_expired,
        }


DAILY_ACTOR = "system:payments-daily"


def payments_daily(*, today: date | None = None, actor: Any = DAILY_ACTOR) -> DailyResult:
    """Mark promises kept/broken (after their grace days), default plans with too many missed
    installments, expire settlement offers. One short transaction per account."""
    today = today or timezone.localdate()
    result = DailyResult()
    promise_accounts = (
        PromiseToPay.objects.filter(status=PromiseToPay.Status.OPEN, due_date__lt=today)
        .values_list("account_id", flat=True)
        .distinct()
    )
    for account_id in sorted(set(promise_accounts)):
        with transaction.atomic():
            _lock_account(account_id)
            before = dict(
                PromiseToPay.objects.filter(
                    account_id=account_id, status=PromiseToPay.Status.OPEN
                ).values_list("pk", "status")
            )
            _evaluate_promises(
                actor=actor,
                account_id=account_id,
                statuses=(PromiseToPay.Status.OPEN,),
                today=today,
            )
            for status in PromiseToPay.objects.filter(pk__in=before).values_list(
                "status", flat=True
            ):
                result.promises_kept += status == PromiseToPay.Status.KEPT
                result.promises_broken += status == PromiseToPay.Status.BROKEN
    plan_ids = PaymentPlan.objects.filter(
        status=PaymentPlan.Status.ACTIVE, installments__due_date__lt=today
    ).values_list("pk", flat=True)
    for plan_id in sorted(set(plan_ids)):
        result.plans_defaulted += _plan_check_default(plan_id=plan_id, today=today, actor=actor)
    settlement_ids = Settlement.objects.filter(
        status__in=Settlement.OPEN_STATUSES, expires_on__lt=today
    ).values_list("pk", "account_id")
    for settlement_id, account_id in sorted(settlement_ids):
        with transaction.atomic():
            _lock_account(account_id)
            settlement = Settlement.objects.select_for_update().get(pk=settlement_id)
            if settlement.status not in Settlement.OPEN_STATUSES:
                continue
            before_status = settlement.status
            set_status(settlement, Settlement.Status.EXPIRED)
            settlement.save(update_fields=["status"])
            record(
                action="settlement.expired",
                actor=actor,
                target=settlement,
                changes={"status": [before_status, "expired"]},
            )
            result.settlements_expired += 1
    return result


def _plan_check_default(*, plan_id: int, today: date, actor: Any) -> int:
    with transaction.atomic():
        plan = PaymentPlan.objects.get(pk=plan_id)
        account = _lock_account(plan.account_id)
        plan = PaymentPlan.objects.select_for_update().get(pk=plan_id)
        if plan.status != PaymentPlan.Status.ACTIVE:
            return 0
        states = [
            rules.InstallmentState(due_date=i.due_date, amount=i.amount, paid=i.paid_amount)
            for i in plan.installments.all()
        ]
        missed = rules.missed_installments(states, grace_days=plan.grace_days, today=today)
        if not rules.plan_is_defaulted(missed, plan.default_after_missed):
            return 0
        set_status(plan, PaymentPlan.Status.DEFAULTED)
        plan.ended_at = timezone.now()
        plan.save(update_fields=["status", "ended_at"])
        record(action="plan.defaulted", actor=actor, target=plan, changes={"missed": missed})
        if account.status == Account.Status.IN_PLAN:
            _move_account(
                actor=actor,
                account=account,
                to_status="active",
                reason=_("Payment plan defaulted."),
            )
        return 1
