"""Money screens: the account panel (HTMX partial), approvals queue, remittance, payments list.

The account panel lives at ``/payments/accounts/<id>/panel/`` so the portfolio account page can
load it with ``hx-get``; ``/payments/accounts/<id>/`` shows it on its own page. Every form posts
back to the panel and receives the re-rendered panel.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from heed.core.errors import ApplicationError
from heed.core.roles import has_permission
from heed.payments import selectors, services
from heed.payments.forms import (
    DecisionForm,
    PaymentForm,
    PlanForm,
    PromiseForm,
    RemittanceForm,
    ReversalForm,
    SettlementForm,
)
from heed.payments.models import PaymentPlan
from heed.payments.remittance import remittance_csv, remittance_report, remittance_xlsx
from heed.portfolio.models import Account
from heed.portfolio.selectors import (
    account_get_for_user,
    creditor_get_for_user,
    creditor_list_for_user,
)
from heed.web.views import permission_required


def _apply_error(form: forms.Form, exc: ApplicationError) -> None:
    for field, errors in exc.fields.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)
    if not exc.fields or not any(f in form.fields for f in exc.fields):
        form.add_error(None, exc.message)


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _panel_context(request: HttpRequest, account: Account, **overrides: Any) -> dict[str, Any]:
    user = request.user
    currency = account.currency
    plans = list(selectors.plans_for_user(user, account_id=account.pk)[:10])
    open_plan = next((p for p in plans if p.status in PaymentPlan.OPEN_STATUSES), None)
    context: dict[str, Any] = {
        "account": account,
        "can_record": has_permission(user, "payments.record") and not account.is_closed,
        "can_record_payment": has_permission(user, "payments.record"),
        "can_reverse": has_permission(user, "payments.reverse"),
        "can_approve": has_permission(user, "payments.approve"),
        "payments": list(selectors.payments_for_user(user, account_id=account.pk)[:50]),
        "promises": list(selectors.promises_for_user(user, account_id=account.pk)[:20]),
        "plans": [{"plan": p, "rows": selectors.installment_rows(p)} for p in plans],
        "open_plan": open_plan,
        "settlements": list(selectors.settlements_for_user(user, account_id=account.pk)[:10]),
        "payment_form": PaymentForm(currency=currency),
        "promise_form": PromiseForm(currency=currency),
        "plan_form": PlanForm(
            currency=currency, initial={"replaces": open_plan.pk if open_plan else None}
        ),
        "settlement_form": SettlementForm(currency=currency),
        "reversal_form": ReversalForm(),
        "preview": None,
        "notice": "",
    }
    context.update(overrides)
    return context


def _panel(request: HttpRequest, account: Account, **overrides: Any) -> HttpResponse:
    account.refresh_from_db()
    if not _is_htmx(request) and request.method == "POST":
        notice = overrides.get("notice")
        if notice:
            messages.success(request, notice)
        has_errors = any(
            isinstance(v, forms.Form) and v.is_bound and v.errors for v in overrides.values()
        )
        if not has_errors:
            return redirect("payments:account", pk=account.pk)
        return render(
            request, "payments/account.html", _panel_context(request, account, **overrides)
        )
    return render(request, "payments/_panel.html", _panel_context(request, account, **overrides))


@permission_required("portfolio.view")
def account_panel(request: HttpRequest, pk: int) -> HttpResponse:
    account = account_get_for_user(request.user, pk)
    return render(request, "payments/_panel.html", _panel_context(request, account))


@permission_required("portfolio.view")
def account_page(request: HttpRequest, pk: int) -> HttpResponse:
    account = account_get_for_user(request.user, pk)
    return render(request, "payments/account.html", _panel_context(request, account))


@permission_required("portfolio.view")
def account_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    account = account_get_for_user(request.user, pk)
    return render(
        request, "payments/_timeline.html", {"entries": selectors.account_timeline(account)}
    )


@require_POST
@permission_required("payments.record")
def payment_new(request: HttpRequest, pk: int) -> HttpResponse:
    account = account_get_for_user(request.user, pk)
    form = PaymentForm(request.POST, currency=account.currency)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.payment_record(
                actor=request.user,
                account=account,
                amount=data["amount"],
                currency=account.currency,
                method=data["method"],
                received_at=data["received_at"],
                external_ref=data["external_ref"],
            )
        except ApplicationError as exc:
            _apply_error(form, exc)
        else:
            return _panel(request, account, notice=_("Payment recorded."))
    return _panel(request, account, payment_form=form)


@require_POST
@permission_required("payments.record")
def promise_new(request: HttpRequest, pk: int) -> HttpResponse:
    account = account_get_for_user(request.user, pk)
    form = PromiseForm(request.POST, currency=account.currency)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.promise_create(
                actor=request.user,
                account=account,
                amount=data["amount"],
                due_date=data["due_date"],
                channel=data["channel"],
                note=data["note"],
            )
        except ApplicationError as exc:
            _apply_error(form, exc)
        else:
            return _panel(request, account, notice=_("Promise recorded."))
    return _panel(request, account, promise_form=form)


def _plan_kwargs(form: PlanForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "frequency": data["frequency"],
        "first_date": data["first_date"],
        "count": data.get("count") or None,
        "installment_amount": data.get("installment_amount"),
        "total": data.get("total"),
    }


@require_POST
@permission_required("payments.record")
def plan_preview(request: HttpRequest, pk: int) -> HttpResponse:
    account = account_get_for_user(request.user, pk)
    form = PlanForm(request.POST, currency=account.currency)
    preview = None
    if form.is_valid():
        try:
            preview = services.plan_preview(
                actor=request.user, account=account, **_plan_kwargs(form)
            )
        except ApplicationError as exc:
            _apply_error(form, exc)
    return render(
        request,
        "payments/_plan_preview.html",
        {"form": form, "preview": preview, "account": account},
    )


@require_POST
@permission_required("payments.record")
def plan_new(request: HttpRequest, pk: int) -> HttpResponse:
    account = account_get_for_user(request.user, pk)
    form = PlanForm(request.POST, currency=account.currency)
    if form.is_valid():
        replaces_id = form.cleaned_data.get("replaces")
        try:
            replaces = (
                selectors.plan_get_for_user(request.user, replaces_id) if replaces_id else None
            )
            plan = services.plan_create(
                actor=request.user, account=account, replaces=replaces, **_plan_kwargs(form)
            )
        except ApplicationError as exc:
            _apply_error(form, exc)
        else:
            notice = (
                _("Plan saved; it waits for approval.")
                if plan.status == PaymentPlan.Status.PENDING_APPROVAL
                else _("Plan saved.")
            )
            return _panel(request, account, notice=notice)
    return _panel(request, account, plan_form=form)


@require_POST
@permission_required("payments.record")
def settlement_new(request: HttpRequest, pk: int) -> HttpResponse:
    account = account_get_for_user(request.user, pk)
    form = SettlementForm(request.POST, currency=account.currency)
    if form.is_valid():
        data = form.cleaned_data
        try:
            settlement = services.settlement_propose(
                actor=request.user,
                account=account,
                amount=data["amount"],
                expires_on=data["expires_on"],
                note=data["note"],
            )
        except ApplicationError as exc:
            _apply_error(form, exc)
        else:
            notice = (
                _("Settlement offer approved; it waits for payment.")
                if settlement.status == "approved"
                else _("Settlement offer saved; it waits for approval.")
            )
            return _panel(request, account, notice=notice)
    return _panel(request, account, settlement_form=form)


@require_POST
@permission_required("payments.reverse")
def payment_reverse(request: HttpRequest, payment_id: int) -> HttpResponse:
    payment = selectors.payment_get_for_user(request.user, payment_id)
    account = account_get_for_user(request.user, payment.account_id)
    form = ReversalForm(request.POST)
    if form.is_valid():
        try:
            services.payment_reverse(
                actor=request.user,
                payment=payment,
                reason_code=form.cleaned_data["reason_code"],
                note=form.cleaned_data["note"],
            )
        except ApplicationError as exc:
            _apply_error(form, exc)
        else:
            return _panel(request, account, notice=_("Payment reversed."))
    return _panel(request, account, reversal_form=form, notice=_("The reversal was not saved."))


class CancelForm(forms.Form):
    reason = forms.CharField(max_length=500)


@require_POST
@permission_required("payments.record")
def cancel(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Cancel an open promise, plan or settlement offer from the panel (with a reason)."""
    form = CancelForm(request.POST)
    reason = form.data.get("reason", "")
    target: Any
    try:
        if kind == "promise":
            target = selectors.promise_get_for_user(request.user, pk)
            account = account_get_for_user(request.user, target.account_id)
            services.promise_cancel(actor=request.user, promise=target, reason=reason)
        elif kind == "plan":
            target = selectors.plan_get_for_user(request.user, pk)
            account = account_get_for_user(request.user, target.account_id)
            services.plan_cancel(actor=request.user, plan=target, reason=reason)
        elif kind == "settlement":
            target = selectors.settlement_get_for_user(request.user, pk)
            account = account_get_for_user(request.user, target.account_id)
            services.settlement_cancel(actor=request.user, settlement=target, reason=reason)
        else:
            raise Http404()
    except ApplicationError as exc:
        if exc.status == 404:
            raise
        return _panel(request, account, notice=exc.message)
    return _panel(request, account, notice=_("Cancelled."))


# --- Approvals ----------------------------------------------------------------------------------


@permission_required("payments.approve")
def approvals(request: HttpRequest) -> HttpResponse:
    settlements, plans = selectors.approvals_queue_for_user(request.user)
    return render(
        request,
        "payments/approvals.html",
        {
            "settlements": list(settlements[:200]),
            "plans": list(plans[:200]),
            "form": DecisionForm(),
        },
    )


def _decide(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or reject."))
        return redirect("payments:approvals")
    approve = form.cleaned_data["decision"] == "approve"
    reason = form.cleaned_data["reason"]
    try:
        if kind == "settlement":
            settlement = selectors.settlement_get_for_user(request.user, pk)
            services.settlement_decide(
                actor=request.user, settlement=settlement, approve=approve, reason=reason
            )
        else:
            plan = selectors.plan_get_for_user(request.user, pk)
            services.plan_decide(actor=request.user, plan=plan, approve=approve, reason=reason)
    except ApplicationError as exc:
        if exc.status == 404:
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Approved.") if approve else _("Rejected."))
    return redirect("payments:approvals")


@require_POST
@permission_required("payments.approve")
def settlement_decide(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, "settlement", pk)


@require_POST
@permission_required("payments.approve")
def plan_decide(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, "plan", pk)


# --- Remittance ---------------------------------------------------------------------------------


def _default_period(today: date) -> tuple[date, date]:
    """The month so far (remittance for a closed month is one click on the dates away)."""
    return today.replace(day=1), today


@permission_required("payments.remittance")
def remittance(request: HttpRequest) -> HttpResponse:
    creditors = creditor_list_for_user(request.user)
    start, end = _default_period(timezone.localdate())
    form = RemittanceForm(
        request.GET or None, creditors=creditors, initial={"start": start, "end": end}
    )
    report = None
    if form.is_valid():
        creditor = creditor_get_for_user(request.user, form.cleaned_data["creditor"].pk)
        report = remittance_report(
            creditor=creditor, start=form.cleaned_data["start"], end=form.cleaned_data["end"]
        )
        export = request.GET.get("format", "")
        stem = f"remittance-{creditor.code}-{report.start.isoformat()}-{report.end.isoformat()}"
        if export == "csv":
            response = HttpResponse(remittance_csv(report), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{stem}.csv"'
            return response
        if export == "xlsx":
            response = HttpResponse(
                remittance_xlsx(report),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
            response["Content-Disposition"] = f'attachment; filename="{stem}.xlsx"'
            return response
    return render(
        request,
        "payments/remittance.html",
        {"form": form, "report": report, "query": request.GET.urlencode()},
    )


# --- Payments list ------------------------------------------------------------------------------


@permission_required("portfolio.view")
def payment_list(request: HttpRequest) -> HttpResponse:
    payments = selectors.payments_for_user(request.user)
    page = Paginator(payments, 50).get_page(request.GET.get("page"))
    broken = list(selectors.broken_promises_for_user(request.user)[:50])
    return render(request, "payments/payment_list.html", {"page": page, "broken": broken})
