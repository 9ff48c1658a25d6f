"""Reads for the money screens and endpoints, always scoped to the user."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from heed.core.money import format_minor, to_decimal
from heed.core.roles import Role, has_permission
from heed.core.scoping import get_scoped_or_404
from heed.payments.models import (
    Installment,
    Payment,
    PaymentPlan,
    PromiseToPay,
    Settlement,
)
from heed.portfolio.models import Account
from heed.portfolio.selectors import account_get_for_user


def payment_get_for_user(user: Any, pk: Any) -> Payment:
    if _is_processor(user):
        # A payment processor reverses only what it posted itself.
        return get_scoped_or_404(
            Payment.objects.filter(recorded_by_id=user.pk).select_related("account"), pk
        )
    return get_scoped_or_404(Payment.objects.for_user(user).select_related("account"), pk)


def _is_processor(user: Any) -> bool:
    return getattr(user, "is_authenticated", False) and has_permission(user, "payments.process")


def account_for_posting(user: Any, pk: Any) -> Account:
    """The account a payment is posted to: one in the user's scope, or — for a payment
    processor, which posts what it received for any account — any account."""
    if _is_processor(user):
        return get_scoped_or_404(Account.objects.all(), pk)
    return account_get_for_user(user, pk)


def promise_get_for_user(user: Any, pk: Any) -> PromiseToPay:
    return get_scoped_or_404(PromiseToPay.objects.for_user(user).select_related("account"), pk)


def plan_get_for_user(user: Any, pk: Any) -> PaymentPlan:
    return get_scoped_or_404(PaymentPlan.objects.for_user(user).select_related("account"), pk)


def settlement_get_for_user(user: Any, pk: Any) -> Settlement:
    return get_scoped_or_404(Settlement.objects.for_user(user).select_related("account"), pk)


def payments_for_user(user: Any, *, account_id: int | None = None) -> QuerySet[Payment]:
    queryset = Payment.objects.for_user(user).select_related("account", "collector", "agency")
    if account_id is not None:
        queryset = queryset.filter(account_id=account_id)
    return queryset.order_by("-received_at", "-id")


def promises_for_user(
    user: Any, *, account_id: int | None = None, status: str = ""
) -> QuerySet[PromiseToPay]:
    queryset = PromiseToPay.objects.for_user(user).select_related("account", "taken_by")
    if account_id is not None:
        queryset = queryset.filter(account_id=account_id)
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-created_at", "-id")


def plans_for_user(user: Any, *, account_id: int | None = None) -> QuerySet[PaymentPlan]:
    queryset = PaymentPlan.objects.for_user(user).select_related(
        "account", "created_by", "approved_by"
    )
    if account_id is not None:
        queryset = queryset.filter(account_id=account_id)
    return queryset.prefetch_related("installments").order_by("-created_at", "-id")


def settlements_for_user(user: Any, *, account_id: int | None = None) -> QuerySet[Settlement]:
    queryset = Settlement.objects.for_user(user).select_related(
        "account", "proposed_by", "approved_by"
    )
    if account_id is not None:
        queryset = queryset.filter(account_id=account_id)
    return queryset.order_by("-created_at", "-id")


def broken_promises_for_user(user: Any) -> QuerySet[PromiseToPay]:
    """Broken promises on accounts in the user's work (collectors: their own accounts)."""
    return promises_for_user(user, status=PromiseToPay.Status.BROKEN).filter(
        account__status__in=[s for s in Account.Status.values if s not in Account.CLOSED_STATUSES]
    )


def approvals_queue_for_user(user: Any) -> tuple[QuerySet[Settlement], QuerySet[PaymentPlan]]:
    """Settlements and plans waiting for approval that this user may decide (not their own;
    settlements needing a manager only for managers)."""
    if not has_permission(user, "payments.approve"):
        return Settlement.objects.none(), PaymentPlan.objects.none()
    settlements = (
        settlements_for_user(user)
        .filter(status=Settlement.Status.PENDING_APPROVAL)
        .exclude(proposed_by_id=user.pk)
    )
    if user.role != Role.MANAGER:
        settlements = settlements.filter(required_approval="team_lead")
    plans = (
        plans_for_user(user)
        .filter(status=PaymentPlan.Status.PENDING_APPROVAL)
        .exclude(created_by_id=user.pk)
    )
    return settlements.order_by("created_at", "id"), plans.order_by("created_at", "id")


def payment_public_dict(payment: Payment) -> dict[str, Any]:
    """The API's representation of a payment (also what an idempotent replay returns)."""
    currency = payment.currency
    return {
        "id": payment.pk,
        "account": payment.account_id,
        "amount": str(to_decimal(payment.amount, currency)),
        "amount_minor": payment.amount,
        "currency": currency,
        "method": str(payment.method),
        "source": str(payment.source),
        "received_at": payment.received_at.isoformat(),
        "external_ref": payment.external_ref,
        "status": str(payment.status),
        "allocation": {
            "fees": payment.allocated_fees,
            "interest": payment.allocated_interest,
            "principal": payment.allocated_principal,
            "credit": payment.allocated_credit,
        },
        "collector": payment.collector_id,
        "agency": payment.agency_id,
        "reversed_at": payment.reversed_at.isoformat() if payment.reversed_at else None,
        "reversal_reason_code": str(payment.reversal_reason_code),
    }


_KIND_LABELS = {
    "payment": gettext_lazy("Payment"),
    "reversal": gettext_lazy("Reversal"),
    "promise": gettext_lazy("Promise"),
    "plan": gettext_lazy("Plan"),
    "settlement": gettext_lazy("Settlement"),
}


@dataclass(frozen=True)
class TimelineEntry:
    at: Any
    kind: str  # payment | reversal | promise | plan | settlement
    text: str
    badge: str = ""

    @property
    def label(self) -> str:
        return str(_KIND_LABELS[self.kind])


def account_timeline(account: Account) -> list[TimelineEntry]:
    """Money events on one account, newest first (for the account page's timeline)."""
    from django.utils.translation import gettext as _

    entries: list[TimelineEntry] = []
    for p in Payment.objects.filter(account=account).order_by("-received_at")[:200]:
        entries.append(
            TimelineEntry(
                p.received_at,
                "payment",
                _("Payment %(amount)s by %(method)s")
                % {"amount": format_minor(p.amount, p.currency), "method": p.get_method_display()},
                "ok",
            )
        )
        if p.reversed_at:
            entries.append(
                TimelineEntry(
                    p.reversed_at,
                    "reversal",
                    _("Payment %(amount)s reversed: %(reason)s")
                    % {
                        "amount": format_minor(p.amount, p.currency),
                        "reason": p.get_reversal_reason_code_display(),
                    },
                    "bad",
                )
            )
    for promise in PromiseToPay.objects.filter(account=account)[:200]:
        entries.append(
            TimelineEntry(
                promise.created_at,
                "promise",
                _("Promise to pay %(amount)s by %(date)s — %(status)s")
                % {
                    "amount": format_minor(promise.amount, promise.currency),
                    "date": promise.due_date.isoformat(),
                    "status": promise.get_status_display(),
                },
                {"kept": "ok", "broken": "bad"}.get(promise.status, ""),
            )
        )
    for plan in PaymentPlan.objects.filter(account=account)[:50]:
        entries.append(
            TimelineEntry(
                plan.created_at,
                "plan",
                _("Payment plan of %(amount)s in %(n)d installments — %(status)s")
                % {
                    "amount": format_minor(plan.total_amount, plan.currency),
                    "n": plan.installment_count,
                    "status": plan.get_status_display(),
                },
                {"completed": "ok", "defaulted": "bad"}.get(plan.status, ""),
            )
        )
    for settlement in Settlement.objects.filter(account=account)[:50]:
        entries.append(
            TimelineEntry(
                settlement.created_at,
                "settlement",
                _("Settlement offer %(amount)s — %(status)s")
                % {
                    "amount": format_minor(settlement.amount, settlement.currency),
                    "status": settlement.get_status_display(),
                },
                {"completed": "ok", "rejected": "bad", "expired": "warn"}.get(
                    settlement.status, ""
                ),
            )
        )
    return sorted(entries, key=lambda e: e.at, reverse=True)


def installment_rows(plan: PaymentPlan, *, today: date | None = None) -> list[dict[str, Any]]:
    today = today or timezone.localdate()
    rows = []
    for item in plan.installments.all():
        state = "paid" if item.is_paid else ("overdue" if item.due_date < today else "due")
        rows.append({"item": item, "state": state})
    return rows


__all__ = [
    "Installment",
    "TimelineEntry",
    "account_timeline",
    "approvals_queue_for_user",
    "broken_promises_for_user",
    "installment_rows",
    "payment_get_for_user",
    "payment_public_dict",
    "payments_for_user",
    "plan_get_for_user",
    "plans_for_user",
    "promise_get_for_user",
    "promises_for_user",
    "settlement_get_for_user",
    "settlements_for_user",
]
