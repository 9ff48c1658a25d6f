"""Compliance screens: packs and versions (diff, four-eyes approval), decisions log, holds,
unchecked contacts, the what-if form, and the account panel (holds and preferences)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfoNotFoundError

import yaml
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from heed.compliance import selectors, services
from heed.compliance.forms import (
    HoldForm,
    PackVersionForm,
    PreferenceForm,
    ReasonForm,
    SimulateForm,
)
from heed.compliance.rules.packs import PackError, diff_contents, parse_pack
from heed.compliance.rules.simulate import simulate as run_simulation
from heed.core.errors import ApplicationError, NotFound
from heed.core.roles import has_permission
from heed.web.views import permission_required


def _language(request: HttpRequest) -> str:
    return get_language() or getattr(request.user, "language", "en") or "en"


@permission_required("compliance.view")
def packs(request: HttpRequest) -> HttpResponse:
    return render(request, "compliance/packs.html", {"packs": selectors.pack_overview()})


@permission_required("compliance.view")
def pack_detail(request: HttpRequest, code: str) -> HttpResponse:
    content = selectors.pack_current_content(code)
    if content is None:
        raise Http404()
    form = None
    if has_permission(request.user, "compliance.manage"):
        if request.method == "POST":
            form = PackVersionForm(request.POST)
            if form.is_valid():
                try:
                    version = services.pack_version_create(
                        actor=request.user,
                        content={**form.cleaned_data["content"], "code": code},
                        note=form.cleaned_data["note"],
                    )
                except ApplicationError as error:
                    form.add_error(None, error.message)
                else:
                    messages.success(
                        request,
                        _("Draft version %(v)s created; another officer must approve it.")
                        % {"v": version.version},
                    )
                    return redirect("compliance:version_detail", pk=version.pk)
        else:
            text = yaml.safe_dump(content, allow_unicode=True, sort_keys=False, width=100)
            form = PackVersionForm(initial={"content": text})
    try:
        rules = parse_pack(content).rules
    except PackError:
        rules = ()
    return render(
        request,
        "compliance/pack_detail.html",
        {
            "code": code,
            "content": content,
            "rules": rules,
            "versions": selectors.pack_versions(code),
            "form": form,
            "zh": _language(request).startswith("zh"),
        },
    )


@permission_required("compliance.view")
def version_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        version = selectors.pack_version_get(pk)
    except NotFound:
        raise Http404()
    current = selectors.pack_current_content(version.code) or {}
    return render(
        request,
        "compliance/version_detail.html",
        {
            "version": version,
            "diff": diff_contents(current, version.content),
            "can_approve": has_permission(request.user, "compliance.approve")
            and version.status == "draft"
            and version.author_id != request.user.pk,
            "is_author": version.author_id == request.user.pk,
            "reject_form": ReasonForm(),
        },
    )


@require_POST
@permission_required("compliance.approve")
def version_approve(request: HttpRequest, pk: int) -> HttpResponse:
    version = selectors.pack_version_get(pk)
    try:
        services.pack_version_approve(actor=request.user, version=version)
        messages.success(request, _("Version activated."))
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("compliance:version_detail", pk=pk)


@require_POST
@permission_required("compliance.approve")
def version_reject(request: HttpRequest, pk: int) -> HttpResponse:
    version = selectors.pack_version_get(pk)
    form = ReasonForm(request.POST)
    try:
        services.pack_version_reject(
            actor=request.user, version=version, reason=form.data.get("reason", "")
        )
        messages.success(request, _("Version rejected."))
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("compliance:version_detail", pk=pk)


@permission_required("compliance.view")
def decisions(request: HttpRequest) -> HttpResponse:
    rule = request.GET.get("rule", "")
    outcome = request.GET.get("allowed", "")
    allowed = {"yes": True, "no": False}.get(outcome)
    page = Paginator(
        selectors.decision_list(request.user, rule=rule, allowed=allowed), 50
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "compliance/decisions.html",
        {"page": page, "rule": rule, "allowed": outcome, "zh": _language(request).startswith("zh")},
    )


@permission_required("compliance.view")
def holds(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.holds_active(request.user), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "compliance/holds.html",
        {"page": page, "can_release": has_permission(request.user, "compliance.manage")},
    )


@require_POST
@permission_required("compliance.manage")
def hold_release(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        hold = selectors.hold_get_for_user(request.user, pk)
        services.hold_release(actor=request.user, hold=hold, reason=request.POST.get("reason", ""))
        messages.success(request, _("Hold released."))
    except NotFound:
        raise Http404()
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect(request.POST.get("next") or "compliance:holds")


@permission_required("compliance.view")
def unchecked(request: HttpRequest) -> HttpResponse:
    from heed.collection.selectors import unchecked_contacts

    page = Paginator(unchecked_contacts(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "compliance/unchecked.html", {"page": page})


@permission_required("compliance.view")
def simulate(request: HttpRequest) -> HttpResponse:
    decision = None
    form = SimulateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            decision = run_simulation(form.as_body(), available=selectors.active_packs())
        except (PackError, ZoneInfoNotFoundError, KeyError, ValueError) as error:
            form.add_error(None, _("Cannot simulate: %(error)s") % {"error": error})
    return render(
        request,
        "compliance/simulate.html",
        {"form": form, "decision": decision, "language": _language(request)},
    )


# ---------------------------------------------------------------------------------------------
# the account panel: holds and preferences, loaded by the account page (HTMX)


def _panel_context(request: HttpRequest, account: Any, **extra: Any) -> dict[str, Any]:
    points = [
        (p.pk, f"{p.get_kind_display()} {p.value_masked} ({p.get_party_role_display()})")
        for p in account.debtor.contact_points.all()
    ]
    return {
        "account": account,
        "holds": selectors.holds_for_account(account),
        "preferences": selectors.preferences_for_debtor(account.debtor_id),
        "hold_form": extra.pop("hold_form", None) or HoldForm(),
        "preference_form": extra.pop("preference_form", None) or PreferenceForm(points=points),
        "can_record": has_permission(request.user, "collection.contact")
        or has_permission(request.user, "compliance.manage"),
        "can_release": has_permission(request.user, "compliance.manage"),
        **extra,
    }


def _account_or_404(request: HttpRequest, account_id: int) -> Any:
    from heed.portfolio.selectors import account_get_for_user

    try:
        return account_get_for_user(request.user, account_id)
    except NotFound:
        raise Http404()


@permission_required("portfolio.view")
def account_panel(request: HttpRequest, account_id: int) -> HttpResponse:
    account = _account_or_404(request, account_id)
    return render(request, "compliance/_account_panel.html", _panel_context(request, account))


@require_POST
@permission_required("portfolio.view")
def account_hold_add(request: HttpRequest, account_id: int) -> HttpResponse:
    account = _account_or_404(request, account_id)
    form = HoldForm(request.POST)
    notice = ""
    if form.is_valid():
        try:
            services.hold_place(
                actor=request.user,
                account=account,
                kind=form.cleaned_data["kind"],
                whole_person=form.cleaned_data["whole_person"],
                ends_at=form.cleaned_data["ends_at"],
                evidence=form.cleaned_data["evidence"],
            )
            notice = _("Hold placed.")
            form = HoldForm()
        except ApplicationError as error:
            form.add_error(None, error.message)
            if error.status == 403:
                return render(request, "web/forbidden.html", status=403)
    return render(
        request,
        "compliance/_account_panel.html",
        _panel_context(request, account, hold_form=form, notice=notice),
    )


@require_POST
@permission_required("portfolio.view")
def account_preference_add(request: HttpRequest, account_id: int) -> HttpResponse:
    account = _account_or_404(request, account_id)
    points = [(p.pk, p.value_masked) for p in account.debtor.contact_points.all()]
    form = PreferenceForm(request.POST, points=points)
    notice = ""
    if form.is_valid():
        data = form.cleaned_data
        point = (
            account.debtor.contact_points.filter(pk=data["contact_point"]).first()
            if data["contact_point"]
            else None
        )
        try:
            services.preference_add(
                actor=request.user,
                account=account,
                kind=data["kind"],
                channel=data["channel"],
                contact_point=point,
                start_time=data["start_time"],
                end_time=data["end_time"],
                language=data["language"],
                evidence=data["evidence"],
            )
            notice = _("Preference recorded.")
            form = PreferenceForm(points=points)
        except ApplicationError as error:
            if error.status == 403:
                return render(request, "web/forbidden.html", status=403)
            form.add_error(None, error.message)
            for field, problems in error.fields.items():
                if field in form.fields:
                    for problem in problems:
                        form.add_error(field, problem)
    return render(
        request,
        "compliance/_account_panel.html",
        _panel_context(request, account, preference_form=form, notice=notice),
    )
