"""``/api/v1/`` endpoints for promises, plans, settlements, payments (idempotent) and reversals.

Thin: parse → authorise (permission, then the scoped lookup: 404 for "not yours") → one service.
Amounts travel as decimal strings in the account's currency (``"1234.50"``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Field, Header, Query, Router, Schema
from ninja.pagination import paginate

from heed.api.pagination import Page
from heed.api.permissions import require
from heed.api.schemas import ErrorOut
from heed.core.errors import ApplicationError
from heed.core.money import MoneyError, to_decimal, to_minor
from heed.payments import selectors, services
from heed.payments.models import Payment, PaymentPlan, PromiseToPay, Settlement
from heed.payments.remittance import remittance_report
from heed.portfolio.models import Account
from heed.portfolio.selectors import account_get_for_user, creditor_get_for_user

router = Router(tags=["payments"])

Errors: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _minor(value: str, currency: str, field: str) -> int:
    try:
        return to_minor(value, currency)
    except MoneyError as exc:
        raise ApplicationError(str(exc), "invalid_amount", fields={field: [str(exc)]}, status=422)


def _money(minor: int, currency: str) -> str:
    return str(to_decimal(minor, currency))


class _Rendered:
    """A queryset seen through a render function, so pagination slices (and renders) one page."""

    def __init__(self, queryset: QuerySet[Any], render: Callable[[Any], dict[str, Any]]) -> None:
        self.queryset = queryset
        self.render = render

    def __getitem__(self, page: slice) -> list[dict[str, Any]]:
        return [self.render(row) for row in self.queryset[page]]

    def count(self) -> int:
        return self.queryset.count()

    def __len__(self) -> int:
        return self.queryset.count()


# --- Payments ---------------------------------------------------------------------------------


class AllocationOut(Schema):
    fees: int
    interest: int
    principal: int
    credit: int


class PaymentOut(Schema):
    id: int
    account: int
    amount: str
    amount_minor: int
    currency: str
    method: str
    source: str
    received_at: str
    external_ref: str
    status: str
    allocation: AllocationOut
    collector: int | None
    agency: int | None
    reversed_at: str | None
    reversal_reason_code: str


class PaymentIn(Schema):
    account: int
    amount: str = Field(..., description="Decimal string in the currency's units, e.g. '1234.50'")
    currency: str = Field(..., min_length=3, max_length=3)
    method: str
    received_at: datetime
    external_ref: str = Field("", max_length=100)


class ReversalIn(Schema):
    reason_code: str = Field(..., description="bounced | chargeback | error | other")
    note: str = Field(..., max_length=500)


@router.post(
    "/payments",
    response={200: PaymentOut, 201: PaymentOut, **Errors},
    summary="Record a payment (requires an Idempotency-Key header)",
)
def create_payment(
    request: HttpRequest,
    payload: PaymentIn,
    idempotency_key: str = Header("", alias="Idempotency-Key"),
) -> Any:
    require(request, "payments.record")
    account = selectors.account_for_posting(request.user, payload.account)
    amount = _minor(payload.amount, account.currency, "amount")
    result = services.payment_record_idempotent(
        actor=request.user,
        idempotency_key=idempotency_key,
        request_hash=services.request_fingerprint(payload.dict()),
        render=selectors.payment_public_dict,
        account=account,
        amount=amount,
        currency=payload.currency,
        method=payload.method,
        received_at=payload.received_at,
        external_ref=payload.external_ref,
    )
    response = HttpResponse(status=result.status)
    # The stored response body, byte for byte the same on every replay.
    from ninja.renderers import JSONRenderer

    response.content = JSONRenderer().render(request, result.body, response_status=result.status)
    response["Content-Type"] = "application/json; charset=utf-8"
    if result.is_replay:
        response["Idempotent-Replayed"] = "true"
    return response


@router.get(
    "/payments", response={200: list[PaymentOut], 403: ErrorOut}, summary="Payments in scope"
)
@paginate(Page)
def list_payments(request: HttpRequest, account: int | None = None) -> Any:
    require(request, "portfolio.view")
    return _Rendered(
        selectors.payments_for_user(request.user, account_id=account), selectors.payment_public_dict
    )


@router.get("/payments/{payment_id}", response={200: PaymentOut, 403: ErrorOut, 404: ErrorOut})
def get_payment(request: HttpRequest, payment_id: int) -> dict[str, Any]:
    require(request, "portfolio.view")
    return selectors.payment_public_dict(selectors.payment_get_for_user(request.user, payment_id))


@router.post(
    "/payments/{payment_id}/reversal",
    response={200: PaymentOut, **Errors},
    summary="Reverse a payment (bounced, charged back, posted in error)",
)
def reverse_payment(request: HttpRequest, payment_id: int, payload: ReversalIn) -> dict[str, Any]:
    require(request, "payments.reverse")
    payment = selectors.payment_get_for_user(request.user, payment_id)
    reversed_payment = services.payment_reverse(
        actor=request.user, payment=payment, reason_code=payload.reason_code, note=payload.note
    )
    return selectors.payment_public_dict(reversed_payment)


# --- Promises ---------------------------------------------------------------------------------


class PromiseIn(Schema):
    account: int
    amount: str
    due_date: date
    channel: str
    note: str = Field("", max_length=500)


class PromiseOut(Schema):
    id: int
    account: int
    amount: str
    currency: str
    due_date: date
    grace_days: int
    channel: str
    status: str
    paid: str
    taken_by: int | None
    created_at: datetime


class ReasonIn(Schema):
    reason: str = Field("", max_length=500)


def _promise_out(p: PromiseToPay) -> dict[str, Any]:
    return {
        "id": p.pk,
        "account": p.account_id,
        "amount": _money(p.amount, p.currency),
        "currency": p.currency,
        "due_date": p.due_date,
        "grace_days": p.grace_days,
        "channel": p.channel,
        "status": p.status,
        "paid": _money(p.paid_amount, p.currency),
        "taken_by": p.taken_by_id,
        "created_at": p.created_at,
    }


@router.post("/promises", response={201: PromiseOut, **Errors}, summary="Record a promise to pay")
def create_promise(request: HttpRequest, payload: PromiseIn) -> tuple[int, dict[str, Any]]:
    require(request, "payments.record")
    account = account_get_for_user(request.user, payload.account)
    promise = services.promise_create(
        actor=request.user,
        account=account,
        amount=_minor(payload.amount, account.currency, "amount"),
        due_date=payload.due_date,
        channel=payload.channel,
        note=payload.note,
    )
    return 201, _promise_out(promise)


@router.get(
    "/promises", response={200: list[PromiseOut], 403: ErrorOut}, summary="Promises in scope"
)
@paginate(Page)
def list_promises(request: HttpRequest, account: int | None = None, status: str = "") -> Any:
    require(request, "portfolio.view")
    return _Rendered(
        selectors.promises_for_user(request.user, account_id=account, status=status), _promise_out
    )


@router.post("/promises/{promise_id}/cancel", response={200: PromiseOut, **Errors})
def cancel_promise(request: HttpRequest, promise_id: int, payload: ReasonIn) -> dict[str, Any]:
    require(request, "payments.record")
    promise = selectors.promise_get_for_user(request.user, promise_id)
    return _promise_out(
        services.promise_cancel(actor=request.user, promise=promise, reason=payload.reason)
    )


# --- Plans ------------------------------------------------------------------------------------


class PlanIn(Schema):
    account: int
    frequency: str = Field(..., description="weekly | fortnightly | monthly")
    first_date: date
    count: int | None = Field(None, ge=1, le=360)
    installment_amount: str | None = None
    total: str | None = Field(None, description="Defaults to the balance owed")
    replaces: int | None = Field(None, description="Restructure this plan")


class InstallmentOut(Schema):
    number: int
    due_date: date
    amount: str
    paid: str


class PlanPreviewOut(Schema):
    total: str
    currency: str
    needs_approval: bool
    role_limit: int
    installments: list[InstallmentOut]


class PlanOut(Schema):
    id: int
    account: int
    status: str
    total: str
    currency: str
    frequency: str
    first_date: date
    installment_count: int
    replaces: int | None
    created_by: int | None
    approved_by: int | None
    installments: list[InstallmentOut]


def _plan_out(plan: PaymentPlan) -> dict[str, Any]:
    c = plan.currency
    return {
        "id": plan.pk,
        "account": plan.account_id,
        "status": plan.status,
        "total": _money(plan.total_amount, c),
        "currency": c,
        "frequency": plan.frequency,
        "first_date": plan.first_date,
        "installment_count": plan.installment_count,
        "replaces": plan.replaces_id,
        "created_by": plan.created_by_id,
        "approved_by": plan.approved_by_id,
        "installments": [
            {
                "number": i.number,
                "due_date": i.due_date,
                "amount": _money(i.amount, c),
                "paid": _money(i.paid_amount, c),
            }
            for i in plan.installments.all()
        ],
    }


def _plan_args(account: Account, payload: PlanIn) -> dict[str, Any]:
    c = account.currency
    return {
        "frequency": payload.frequency,
        "first_date": payload.first_date,
        "count": payload.count,
        "installment_amount": _minor(payload.installment_amount, c, "installment_amount")
        if payload.installment_amount
        else None,
        "total": _minor(payload.total, c, "total") if payload.total else None,
    }


@router.post(
    "/plans/preview", response={200: PlanPreviewOut, **Errors}, summary="Preview a plan's schedule"
)
def preview_plan(request: HttpRequest, payload: PlanIn) -> dict[str, Any]:
    require(request, "payments.record")
    account = account_get_for_user(request.user, payload.account)
    preview = services.plan_preview(
        actor=request.user, account=account, **_plan_args(account, payload)
    )
    c = account.currency
    return {
        "total": _money(preview.total, c),
        "currency": c,
        "needs_approval": preview.needs_approval,
        "role_limit": preview.role_limit,
        "installments": [
            {
                "number": i.number,
                "due_date": i.due_date,
                "amount": _money(i.amount, c),
                "paid": _money(0, c),
            }
            for i in preview.installments
        ],
    }


@router.post(
    "/plans", response={201: PlanOut, **Errors}, summary="Create or restructure a payment plan"
)
def create_plan(request: HttpRequest, payload: PlanIn) -> tuple[int, dict[str, Any]]:
    require(request, "payments.record")
    account = account_get_for_user(request.user, payload.account)
    replaces = (
        selectors.plan_get_for_user(request.user, payload.replaces) if payload.replaces else None
    )
    plan = services.plan_create(
        actor=request.user, account=account, replaces=replaces, **_plan_args(account, payload)
    )
    return 201, _plan_out(plan)


@router.get("/plans", response={200: list[PlanOut], 403: ErrorOut}, summary="Plans in scope")
@paginate(Page)
def list_plans(request: HttpRequest, account: int | None = None) -> Any:
    require(request, "portfolio.view")
    return _Rendered(selectors.plans_for_user(request.user, account_id=account), _plan_out)


@router.get("/plans/{plan_id}", response={200: PlanOut, 403: ErrorOut, 404: ErrorOut})
def get_plan(request: HttpRequest, plan_id: int) -> dict[str, Any]:
    require(request, "portfolio.view")
    return _plan_out(selectors.plan_get_for_user(request.user, plan_id))


@router.post("/plans/{plan_id}/approve", response={200: PlanOut, **Errors})
def approve_plan(request: HttpRequest, plan_id: int, payload: ReasonIn) -> dict[str, Any]:
    require(request, "payments.approve")
    plan = selectors.plan_get_for_user(request.user, plan_id)
    return _plan_out(
        services.plan_decide(actor=request.user, plan=plan, approve=True, reason=payload.reason)
    )


@router.post("/plans/{plan_id}/reject", response={200: PlanOut, **Errors})
def reject_plan(request: HttpRequest, plan_id: int, payload: ReasonIn) -> dict[str, Any]:
    require(request, "payments.approve")
    plan = selectors.plan_get_for_user(request.user, plan_id)
    return _plan_out(
        services.plan_decide(actor=request.user, plan=plan, approve=False, reason=payload.reason)
    )


@router.post("/plans/{plan_id}/cancel", response={200: PlanOut, **Errors})
def cancel_plan(request: HttpRequest, plan_id: int, payload: ReasonIn) -> dict[str, Any]:
    require(request, "payments.record")
    plan = selectors.plan_get_for_user(request.user, plan_id)
    return _plan_out(services.plan_cancel(actor=request.user, plan=plan, reason=payload.reason))


# --- Settlements ------------------------------------------------------------------------------


class SettlementIn(Schema):
    account: int
    amount: str
    expires_on: date
    note: str = Field("", max_length=500)


class SettlementOut(Schema):
    id: int
    account: int
    status: str
    amount: str
    currency: str
    balance_at_offer: str
    discount_bps: int
    required_approval: str
    expires_on: date
    paid: str
    written_off: str
    proposed_by: int | None
    approved_by: int | None


def _settlement_out(s: Settlement) -> dict[str, Any]:
    c = s.currency
    return {
        "id": s.pk,
        "account": s.account_id,
        "status": s.status,
        "amount": _money(s.amount, c),
        "currency": c,
        "balance_at_offer": _money(s.balance_at_offer, c),
        "discount_bps": s.discount_bps,
        "required_approval": s.required_approval,
        "expires_on": s.expires_on,
        "paid": _money(s.paid_amount, c),
        "written_off": _money(s.written_off_total, c),
        "proposed_by": s.proposed_by_id,
        "approved_by": s.approved_by_id,
    }


@router.post(
    "/settlements", response={201: SettlementOut, **Errors}, summary="Propose a settlement"
)
def create_settlement(request: HttpRequest, payload: SettlementIn) -> tuple[int, dict[str, Any]]:
    require(request, "payments.record")
    account = account_get_for_user(request.user, payload.account)
    settlement = services.settlement_propose(
        actor=request.user,
        account=account,
        amount=_minor(payload.amount, account.currency, "amount"),
        expires_on=payload.expires_on,
        note=payload.note,
    )
    return 201, _settlement_out(settlement)


@router.get(
    "/settlements",
    response={200: list[SettlementOut], 403: ErrorOut},
    summary="Settlements in scope",
)
@paginate(Page)
def list_settlements(request: HttpRequest, account: int | None = None, status: str = "") -> Any:
    require(request, "portfolio.view")
    queryset: QuerySet[Settlement] = selectors.settlements_for_user(
        request.user, account_id=account
    )
    if status:
        queryset = queryset.filter(status=status)
    return _Rendered(queryset, _settlement_out)


@router.get(
    "/settlements/{settlement_id}", response={200: SettlementOut, 403: ErrorOut, 404: ErrorOut}
)
def get_settlement(request: HttpRequest, settlement_id: int) -> dict[str, Any]:
    require(request, "portfolio.view")
    return _settlement_out(selectors.settlement_get_for_user(request.user, settlement_id))


@router.post("/settlements/{settlement_id}/approve", response={200: SettlementOut, **Errors})
def approve_settlement(
    request: HttpRequest, settlement_id: int, payload: ReasonIn
) -> dict[str, Any]:
    require(request, "payments.approve")
    settlement = selectors.settlement_get_for_user(request.user, settlement_id)
    return _settlement_out(
        services.settlement_decide(
            actor=request.user, settlement=settlement, approve=True, reason=payload.reason
        )
    )


@router.post("/settlements/{settlement_id}/reject", response={200: SettlementOut, **Errors})
def reject_settlement(
    request: HttpRequest, settlement_id: int, payload: ReasonIn
) -> dict[str, Any]:
    require(request, "payments.approve")
    settlement = selectors.settlement_get_for_user(request.user, settlement_id)
    return _settlement_out(
        services.settlement_decide(
            actor=request.user, settlement=settlement, approve=False, reason=payload.reason
        )
    )


@router.post("/settlements/{settlement_id}/cancel", response={200: SettlementOut, **Errors})
def cancel_settlement(
    request: HttpRequest, settlement_id: int, payload: ReasonIn
) -> dict[str, Any]:
    require(request, "payments.record")
    settlement = selectors.settlement_get_for_user(request.user, settlement_id)
    return _settlement_out(
        services.settlement_cancel(actor=request.user, settlement=settlement, reason=payload.reason)
    )


# --- Creditor payment policy ---------------------------------------------------------------------


class PolicyOut(Schema):
    creditor: int
    promise_min_amount: int
    promise_min_share_bps: int
    promise_max_days_ahead: int
    promise_max_open: int
    promise_grace_days: int
    plan_collector_max_installments: int
    plan_team_lead_max_installments: int
    plan_manager_max_installments: int
    plan_grace_days: int
    plan_default_after_missed: int
    settlement_self_approve_bps: int
    settlement_team_lead_bps: int
    settlement_manager_bps: int
    settlement_max_days: int
    agency_commission_bps: int


class PolicyIn(Schema):
    promise_min_amount: int | None = Field(None, ge=0)
    promise_min_share_bps: int | None = Field(None, ge=0, le=10_000)
    promise_max_days_ahead: int | None = Field(None, ge=0)
    promise_max_open: int | None = Field(None, ge=0)
    promise_grace_days: int | None = Field(None, ge=0)
    plan_collector_max_installments: int | None = Field(None, ge=0)
    plan_team_lead_max_installments: int | None = Field(None, ge=0)
    plan_manager_max_installments: int | None = Field(None, ge=0)
    plan_grace_days: int | None = Field(None, ge=0)
    plan_default_after_missed: int | None = Field(None, ge=0)
    settlement_self_approve_bps: int | None = Field(None, ge=0, le=10_000)
    settlement_team_lead_bps: int | None = Field(None, ge=0, le=10_000)
    settlement_manager_bps: int | None = Field(None, ge=0, le=10_000)
    settlement_max_days: int | None = Field(None, ge=0)
    agency_commission_bps: int | None = Field(None, ge=0, le=10_000)


def _policy_out(creditor_id: int) -> dict[str, Any]:
    policy = services.policy_for_creditor(creditor_id)
    return {
        "creditor": creditor_id,
        **{name: getattr(policy, name) for name in services.POLICY_FIELDS},
    }


@router.get(
    "/creditors/{creditor_id}/payment-policy",
    response={200: PolicyOut, 403: ErrorOut, 404: ErrorOut},
    summary="A creditor's limits for promises, plans, settlements and the agency share",
)
def get_policy(request: HttpRequest, creditor_id: int) -> dict[str, Any]:
    require(request, "portfolio.view")
    creditor = creditor_get_for_user(request.user, creditor_id)
    return _policy_out(creditor.pk)


@router.patch(
    "/creditors/{creditor_id}/payment-policy",
    response={200: PolicyOut, **Errors},
    summary="Change a creditor's payment policy",
)
def update_policy(request: HttpRequest, creditor_id: int, payload: PolicyIn) -> dict[str, Any]:
    require(request, "portfolio.manage_creditors")
    creditor = creditor_get_for_user(request.user, creditor_id)
    changes = {k: v for k, v in payload.dict().items() if v is not None}
    services.payment_policy_update(actor=request.user, creditor=creditor, changes=changes)
    return _policy_out(creditor.pk)


# --- Remittance -------------------------------------------------------------------------------


class RemittanceQuery(Schema):
    creditor: int
    start: date
    end: date


class RemittanceTotalsOut(Schema):
    currency: str
    collected: str
    reversed: str
    net: str
    fees: str
    interest: str
    principal: str
    credit: str
    agency_share: dict[str, str]
    due_to_creditor: str
    payments: int
    reversals: int


class RemittanceOut(Schema):
    creditor: int
    start: date
    end: date
    agency_commission_bps: int
    totals: list[RemittanceTotalsOut]


@router.get(
    "/remittance",
    response={200: RemittanceOut, **Errors},
    summary="Remittance per creditor and period",
)
def get_remittance(request: HttpRequest, query: Query[RemittanceQuery]) -> dict[str, Any]:
    require(request, "payments.remittance")
    creditor = creditor_get_for_user(request.user, query.creditor)
    report = remittance_report(creditor=creditor, start=query.start, end=query.end)
    totals = []
    for c, t in sorted(report.totals.items()):
        totals.append(
            {
                "currency": c,
                "collected": _money(t.collected, c),
                "reversed": _money(t.reversed, c),
                "net": _money(t.net, c),
                **{k: _money(v, c) for k, v in t.by_component.items()},
                "agency_share": {a: _money(v, c) for a, v in t.agency_share.items()},
                "due_to_creditor": _money(t.due_to_creditor, c),
                "payments": sum(
                    1 for ln in report.lines if ln.currency == c and ln.kind == "payment"
                ),
                "reversals": sum(
                    1 for ln in report.lines if ln.currency == c and ln.kind == "reversal"
                ),
            }
        )
    return {
        "creditor": creditor.pk,
        "start": report.start,
        "end": report.end,
        "agency_commission_bps": report.commission_bps,
        "totals": totals,
    }


__all__ = ["Payment", "router"]
