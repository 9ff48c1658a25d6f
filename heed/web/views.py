"""The UI shell: login, account settings, two-factor, staff admin, API keys, audit, task runs."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from functools import wraps
from typing import Any

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from heed.audit.models import AuditEvent
from heed.audit.services import record
from heed.audit.tasks import audit_verify_task
from heed.core.errors import ApplicationError, NotFound
from heed.core.roles import Role, has_permission
from heed.tasks.models import TaskRun
from heed.tasks.services import task_run_start
from heed.users import services as user_services
from heed.users.models import Agency, ApiKey, Team, User
from heed.users.selectors import (
    agency_list_with_counts,
    api_key_get_for_user,
    team_list_with_counts,
    user_get_for_user,
)
from heed.web import home_widgets

View = Callable[..., HttpResponse]


def permission_required(permission: str) -> Callable[[View], View]:
    """Login required, then the role must carry ``permission`` (else 403, nothing done)."""

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not has_permission(request.user, permission):
                return render(request, "web/forbidden.html", status=403)
            try:
                return view(request, *args, **kwargs)
            except NotFound:
                raise Http404()

        return wrapped

    return decorator


class HeedLoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        user = form.get_user()
        record(action="auth.login", actor=user, target=user)
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, user.language, samesite="Lax")
        return response


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(request, "web/home.html", {"widgets": home_widgets.widgets_for(user)})


@require_POST
def set_language_for_user(request: HttpRequest) -> HttpResponse:
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        messages.error(request, _("Unknown language."))
        return redirect("home")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    if request.user.is_authenticated:
        assert isinstance(request.user, User)
        user_services.user_set_language(actor=request.user, user=request.user, language=language)
    translation.activate(language)
    response = HttpResponseRedirect(next_url)
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax")
    return response


@login_required
def account_settings(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    devices = TOTPDevice.objects.filter(user=user, confirmed=True)
    return render(
        request,
        "web/account.html",
        {
            "devices": devices,
            "mfa_required": user.role in settings.MFA_REQUIRED_ROLES,
            "permissions": sorted(user.permissions),
        },
    )


def _qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


class TokenForm(forms.Form):
    token = forms.RegexField(
        label=gettext_lazy("Six-digit code"),
        regex=r"^\d{6}$",
        max_length=6,
        error_messages={"invalid": gettext_lazy("Enter the 6 digits your app shows.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


@login_required
def mfa_enrol(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            with transaction.atomic():
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                record(action="auth.mfa_enrolled", actor=user, target=user)
            otp_login(request, device)
            messages.success(request, _("Two-factor authentication is on."))
            return redirect("account_settings")
        form.add_error("token", _("That code is not valid. Check the time on your phone."))
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(
        request,
        "web/mfa_enrol.html",
        {"form": form, "qr_svg": _qr_svg(device.config_url), "secret": secret},
    )


@login_required
def mfa_verify(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        for device in TOTPDevice.objects.filter(user=user, confirmed=True):
            if device.verify_token(form.cleaned_data["token"]):
                otp_login(request, device)
                record(action="auth.mfa_verified", actor=user, target=user)
                return redirect("home")
        record(action="auth.mfa_failed", actor=user, target=user)
        form.add_error("token", _("That code is not valid."))
    return render(request, "web/mfa_verify.html", {"form": form})


# --- Staff administration -------------------------------------------------------------------


class UserForm(forms.Form):
    username = forms.RegexField(
        label=gettext_lazy("Username"), regex=r"^[\w.@+-]{3,150}$", max_length=150
    )
    first_name = forms.CharField(label=gettext_lazy("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=gettext_lazy("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=gettext_lazy("E-mail"), required=False)
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=Role.choices)
    team = forms.ModelChoiceField(
        label=gettext_lazy("Team"), queryset=Team.objects.all(), required=False
    )
    agency = forms.ModelChoiceField(
        label=gettext_lazy("Agency"), queryset=Agency.objects.all(), required=False
    )
    password = forms.CharField(
        label=gettext_lazy("Initial password"),
        widget=forms.PasswordInput,
        min_length=10,
        help_text=gettext_lazy("At least 10 characters; the user changes it after signing in."),
    )


class MembershipForm(forms.Form):
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=Role.choices)
    team = forms.ModelChoiceField(
        label=gettext_lazy("Team"), queryset=Team.objects.all(), required=False
    )
    agency = forms.ModelChoiceField(
        label=gettext_lazy("Agency"), queryset=Agency.objects.all(), required=False
    )
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=500, required=False)


def form_errors_from(form: forms.Form, exc: ApplicationError) -> None:
    """Show a service's refusal on the form: each field error on its field (or above the form
    when the form has no such field), and the message above the form when no field is named."""
    for field, errors in exc.fields.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)
    if not exc.fields:
        form.add_error(None, exc.message)


def _apply_application_error(form: forms.Form, exc: ApplicationError) -> None:
    if exc.fields:
        for field, errors in exc.fields.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    form.add_error(None, exc.message)


@permission_required("users.manage")
def users_list(request: HttpRequest) -> HttpResponse:
    users = User.objects.select_related("team", "agency").order_by("username")
    query = request.GET.get("q", "").strip()
    if query:
        users = users.filter(username__icontains=query) | users.filter(last_name__icontains=query)
    role = request.GET.get("role", "")
    if role:
        users = users.filter(role=role)
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "web/users_list.html",
        {"page": page, "q": query, "role": role, "roles": Role.choices},
    )


@permission_required("users.manage")
def user_new(request: HttpRequest) -> HttpResponse:
    form = UserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = user_services.user_create(
                actor=request.user,
                username=data["username"],
                password=data["password"],
                role=data["role"],
                team=data["team"],
                agency=data["agency"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
            )
        except ApplicationError as exc:
            _apply_application_error(form, exc)
        else:
            messages.success(request, _("User %(name)s created.") % {"name": user.username})
            return redirect("users_list")
    return render(request, "web/user_form.html", {"form": form, "title": _("New user")})


@permission_required("users.manage")
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    target = user_get_for_user(request.user, pk)
    initial = {
        "role": target.role,
        "team": target.team,
        "agency": target.agency,
        "is_active": target.is_active,
    }
    form = MembershipForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user_services.user_update_membership(
                actor=request.user,
                user=target,
                role=data["role"],
                team=data["team"],
                agency=data["agency"],
                is_active=data["is_active"],
                reason=data["reason"],
            )
        except ApplicationError as exc:
            _apply_application_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("users_list")
    return render(
        request,
        "web/user_form.html",
        {"form": form, "title": _("Edit %(name)s") % {"name": target.username}, "target": target},
    )


class TeamForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Team name"), max_length=100)


class AgencyForm(forms.Form):
    code = forms.SlugField(label=gettext_lazy("Code"), max_length=40)
    name = forms.CharField(label=gettext_lazy("Agency name"), max_length=200)
    contact_email = forms.EmailField(label=gettext_lazy("Contact e-mail"), required=False)


@permission_required("users.manage")
def teams_list(request: HttpRequest) -> HttpResponse:
    team_form = TeamForm(request.POST if request.POST.get("kind") == "team" else None)
    agency_form = AgencyForm(request.POST if request.POST.get("kind") == "agency" else None)
    if request.method == "POST":
        form: forms.Form = team_form if request.POST.get("kind") == "team" else agency_form
        if form.is_valid():
            try:
                if form is team_form:
                    user_services.team_create(actor=request.user, name=form.cleaned_data["name"])
                else:
                    user_services.agency_create(actor=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                _apply_application_error(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("teams_list")
    return render(
        request,
        "web/teams.html",
        {
            "teams": team_list_with_counts(request.user),
            "agencies": agency_list_with_counts(request.user),
            "team_form": team_form,
            "agency_form": agency_form,
        },
    )


# --- API keys ---------------------------------------------------------------------------------


class ApiKeyForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)


@permission_required("apikeys.manage_own")
def api_keys(request: HttpRequest) -> HttpResponse:
    form = ApiKeyForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        assert isinstance(request.user, User)
        try:
            _key, new_key = user_services.api_key_create(
                actor=request.user, user=request.user, name=form.cleaned_data["name"]
            )
        except ApplicationError as exc:
            _apply_application_error(form, exc)
        else:
            form = ApiKeyForm()
    keys = ApiKey.objects.for_user(request.user).select_related("user")
    return render(request, "web/api_keys.html", {"form": form, "keys": keys, "new_key": new_key})


@require_POST
@permission_required("apikeys.manage_own")
def api_key_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    key = api_key_get_for_user(request.user, pk)
    user_services.api_key_revoke(actor=request.user, key=key, reason="revoked in the UI")
    messages.success(request, _("API key revoked."))
    return redirect("api_keys")


# --- Audit log and task runs ------------------------------------------------------------------


@permission_required("audit.view")
def audit_list(request: HttpRequest) -> HttpResponse:
    events = AuditEvent.objects.order_by("-id")
    action = request.GET.get("action", "").strip()
    target = request.GET.get("target", "").strip()
    if action:
        events = events.filter(action__startswith=action)
    if target:
        events = events.filter(target_type=target)
    page = Paginator(events, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "web/audit_list.html",
        {
            "page": page,
            "action": action,
            "target": target,
            "can_verify": has_permission(request.user, "audit.verify"),
        },
    )


@require_POST
@permission_required("audit.verify")
def audit_verify_start(request: HttpRequest) -> HttpResponse:
    with transaction.atomic():
        run = task_run_start(
            actor=request.user,
            kind="audit.verify",
            params={},
            enqueue=lambda run_id: audit_verify_task.enqueue(run_id),
        )
    return redirect(reverse("task_run_detail", args=[run.pk]))


@permission_required("tasks.view")
def task_runs(request: HttpRequest) -> HttpResponse:
    runs = TaskRun.objects.for_user(request.user).select_related("created_by")[:200]
    return render(request, "web/task_runs.html", {"runs": runs})


@login_required
def task_run_detail(request: HttpRequest, pk: str) -> HttpResponse:
    run = TaskRun.objects.for_user(request.user).filter(pk=pk).first()
    if run is None:
        raise Http404()
    template = "web/_task_run.html" if request.headers.get("HX-Request") else "web/task_run.html"
    return render(request, template, {"run": run})
