"""Promises to pay: record, cancel, and evaluate kept/broken against payments received."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from heed.audit.services import record
from heed.core.errors import ApplicationError, Conflict
from heed.payments import rules
from heed.payments.models import (
    Channel,
    Payment,
    PromiseToPay,
)
from heed.payments.services._common import (
    _lock_account,
    _refuse_closed,
    _require,
    _require_reason,
    _user_or_none,
    policy_for_creditor,
    set_status,
)
from heed.portfolio.models import Account

# --- Promises to pay ------------------------------------------------------------------------

PROMISE_MESSAGES = {
    "amount_not_positive": _("The amount must be greater than zero."),
    "below_minimum": _("The amount is below this creditor's minimum promise."),
    "below_share": _("The amount is below this creditor's minimum share of the balance."),
    "in_past": _("The date is in the past."),
    "too_far": _("The date is later than this creditor allows."),
    "too_many_open": _("The account already has as many open promises as allowed."),
}


@transaction.atomic
def promise_create(
    *,
    actor: Any,
    account: Account,
    amount: int,
    due_date: date,
    channel: str,
    note: str = "",
    today: date | None = None,
) -> PromiseToPay:
    """Record a promise to pay within the creditor's policy (minimum amount or share of the
    balance, latest date, most open promises)."""
    _require(actor, "payments.record")
    today = today or timezone.localdate()
    locked = _lock_account(account.pk)
    _refuse_closed(locked)
    if channel not in Channel.values:
        raise ApplicationError(
            _("Unknown channel."), "invalid", fields={"channel": [_("Unknown channel.")]}
        )
    policy = policy_for_creditor(locked.creditor_id)
    open_count = PromiseToPay.objects.filter(
        account_id=locked.pk, status=PromiseToPay.Status.OPEN
    ).count()
    violations = rules.promise_violations(
        rules.PromiseProposal(
            amount=amount,
            due_date=due_date,
            balance_owed=locked.total_balance,
            open_promises=open_count,
        ),
        rules.PromisePolicy(
            min_amount=policy.promise_min_amount,
            min_share_bps=policy.promise_min_share_bps,
            max_days_ahead=policy.promise_max_days_ahead,
            max_open=policy.promise_max_open,
            grace_days=policy.promise_grace_days,
        ),
        today=today,
    )
    if violations:
        fields = {field: [str(PROMISE_MESSAGES[code])] for field, code in violations.items()}
        raise ApplicationError(
            " ".join(str(PROMISE_MESSAGES[c]) for c in violations.values()),
            "promise_policy",
            fields=fields,
        )
    promise = PromiseToPay.objects.create(
        account_id=locked.pk,
        amount=amount,
        currency=locked.currency,
        due_date=due_date,
        grace_days=policy.promise_grace_days,
        channel=channel,
        taken_by=_user_or_none(actor),
        note=note[:500],
    )
    record(
        action="promise.created",
        actor=actor,
        target=promise,
        changes={"account": locked.pk, "amount": amount, "due_date": due_date, "channel": channel},
    )
    return promise


@transaction.atomic
def promise_cancel(*, actor: Any, promise: PromiseToPay, reason: str) -> PromiseToPay:
    _require(actor, "payments.record")
    reason = _require_reason(reason)
    _lock_account(promise.account_id)
    locked = PromiseToPay.objects.select_for_update().get(pk=promise.pk)
    if locked.status != PromiseToPay.Status.OPEN:
        raise Conflict(_("Only an open promise can be cancelled."), "promise_not_open")
    set_status(locked, PromiseToPay.Status.CANCELLED)
    locked.resolved_at = timezone.now()
    locked.save(update_fields=["status", "resolved_at"])
    record(action="promise.cancelled", actor=actor, target=locked, reason=reason)
    return locked


def _promise_paid(promise: PromiseToPay) -> int:
    """Net payments received from the day the promise was made to its last grace day."""
    start = timezone.localdate(promise.created_at)
    end = rules.promise_deadline(promise.due_date, promise.grace_days)
    total = Payment.objects.filter(
        account_id=promise.account_id,
        status=Payment.Status.POSTED,
        received_at__date__gte=start,
        received_at__date__lte=end,
    ).aggregate(total=Sum("amount"))["total"]
    return int(total or 0)


def _evaluate_promises(
    *, actor: Any, account_id: int, statuses: tuple[str, ...], today: date
) -> None:
    """Re-evaluate the account's promises in ``statuses`` (caller holds the account lock)."""
    promises = list(
        PromiseToPay.objects.select_for_update()
        .filter(account_id=account_id, status__in=statuses)
        .order_by("pk")
    )
    for promise in promises:
        paid = _promise_paid(promise)
        outcome = rules.evaluate_promise(
            amount=promise.amount,
            due_date=promise.due_date,
            grace_days=promise.grace_days,
            paid=paid,
            today=today,
        )
        if outcome == promise.status and paid == promise.paid_amount:
            continue
        before = promise.status
        promise.paid_amount = paid
        if outcome != before:
            set_status(promise, str(outcome))
            promise.resolved_at = None if outcome == rules.PromiseOutcome.OPEN else timezone.now()
        promise.save(update_fields=["paid_amount", "status", "resolved_at"])
        if before != promise.status:
            record(
                action=f"promise.{'reopened' if outcome == rules.PromiseOutcome.OPEN else outcome}",
                actor=actor,
                target=promise,
                changes={"status": [before, promise.status], "paid": paid, "account": account_id},
            )
