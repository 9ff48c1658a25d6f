"""The collector's contact panel: ask the gateway first, then record the outcome; the timeline
shows every contact with its decision."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from heed.collection import selectors, services
from heed.collection.forms import OutcomeForm, PreflightForm
from heed.core.errors import ApplicationError, NotFound
from heed.core.roles import has_permission
from heed.web.views import permission_required


def _account_or_404(request: HttpRequest, account_id: int) -> Any:
    from heed.portfolio.selectors import account_get_for_user

    try:
        return account_get_for_user(request.user, account_id)
    except NotFound:
        raise Http404()


def _points(account: Any) -> list[tuple[int, str]]:
    invalid = _("invalid")
    return [
        (
            p.pk,
            f"{p.get_kind_display()} {p.value_masked} · {p.get_party_role_display()}"
            + ("" if p.is_valid else f" · {invalid}"),
        )
        for p in account.debtor.contact_points.all()
    ]


def _panel(request: HttpRequest, account: Any, **extra: Any) -> HttpResponse:
    context = {
        "account": account,
        "form": extra.pop("form", None) or PreflightForm(points=_points(account)),
        "timeline": selectors.account_timeline(request.user, account.pk)[:50],
        "can_contact": has_permission(request.user, "collection.contact"),
        "language": get_language() or "en",
        **extra,
    }
    return render(request, "collection/_contact_panel.html", context)


@permission_required("portfolio.view")
def account_contacts_panel(request: HttpRequest, account_id: int) -> HttpResponse:
    """HTMX partial for the account page: contact buttons, gateway answer, outcome, timeline."""
    return _panel(request, _account_or_404(request, account_id))


@permission_required("portfolio.view")
def account_workspace(request: HttpRequest, account_id: int) -> HttpResponse:
    """A page holding both panels (contacts; holds and preferences) for one account."""
    account = _account_or_404(request, account_id)
    return render(request, "collection/account_workspace.html", {"account": account})


@require_POST
@permission_required("collection.contact")
def account_preflight(request: HttpRequest, account_id: int) -> HttpResponse:
    from heed.compliance.services import preflight

    account = _account_or_404(request, account_id)
    form = PreflightForm(request.POST, points=_points(account))
    if not form.is_valid():
        return _panel(request, account, form=form)
    point = account.debtor.contact_points.get(pk=form.cleaned_data["contact_point"])
    try:
        decision = preflight(
            actor=request.user,
            account=account,
            contact_point=point,
            channel=form.cleaned_data["channel"],
            purpose=form.cleaned_data["purpose"],
        )
    except ApplicationError as error:
        form.add_error(None, error.message)
        for field, problems in error.fields.items():
            for problem in problems:
                form.add_error(field if field in form.fields else None, problem)
        return _panel(request, account, form=form)
    outcome_form = OutcomeForm(initial={"decision": decision.pk}) if decision.allowed else None
    return _panel(
        request, account, form=form, decision=decision, outcome_form=outcome_form, point=point
    )


@require_POST
@permission_required("collection.contact")
def account_contact_record(request: HttpRequest, account_id: int) -> HttpResponse:
    from heed.compliance.selectors import decision_get_for_user

    account = _account_or_404(request, account_id)
    form = OutcomeForm(request.POST)
    if not form.is_valid():
        return _panel(request, account, error=_("The outcome form is not complete."))
    try:
        decision = decision_get_for_user(request.user, form.cleaned_data["decision"])
    except NotFound:
        raise Http404()
    if decision.account_id != account.pk:
        raise Http404()
    started = max(decision.proposed_at, timezone.now() - timedelta(minutes=14))
    minutes = form.cleaned_data["duration_minutes"]
    try:
        services.contact_attempt_record(
            actor=request.user,
            account=account,
            contact_point=decision.contact_point,
            channel=decision.channel,
            outcome=form.cleaned_data["outcome"],
            started_at=started,
            ended_at=started + timedelta(minutes=minutes) if minutes else None,
            purpose=decision.purpose,
            decision=decision,
            notes=form.cleaned_data["notes"],
            content=form.cleaned_data["content"],
        )
    except ApplicationError as error:
        return _panel(request, account, error=error.message)
    return _panel(request, account, notice=_("Contact recorded."))
