"""Portfolio screens: accounts, account page, debtor page, creditors, placements (import)."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from heed.audit.models import AuditEvent
from heed.core.errors import ApplicationError
from heed.core.roles import has_permission
from heed.portfolio import selectors, services
from heed.portfolio.api import error_report_response
from heed.portfolio.columns import suggest_columns
from heed.portfolio.importer import (
    REQUIRED_COLUMNS,
    STANDARD_COLUMNS,
    read_header,
    read_live_progress,
    reason_text,
    template_csv,
)
from heed.portfolio.models import BUCKETS, Account, ColumnMapping, ContactPoint, Creditor
from heed.users.models import Agency, Team, User
from heed.web.views import form_errors_from, permission_required

# --- Forms --------------------------------------------------------------------------------


class AccountFilterForm(forms.Form):
    reference = forms.CharField(label=gettext_lazy("Reference"), required=False)
    name = forms.CharField(label=gettext_lazy("Name"), required=False)
    phone = forms.CharField(label=gettext_lazy("Exact phone"), required=False)
    national_id = forms.CharField(label=gettext_lazy("Exact national id"), required=False)
    creditor = forms.ModelChoiceField(
        label=gettext_lazy("Creditor"), queryset=Creditor.objects.none(), required=False
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[("", gettext_lazy("Any status")), *Account.Status.choices],
        required=False,
    )
    bucket = forms.ChoiceField(
        label=gettext_lazy("Bucket"),
        choices=[("", gettext_lazy("Any bucket")), *BUCKETS],
        required=False,
    )
    collector = forms.ModelChoiceField(
        label=gettext_lazy("Collector"), queryset=User.objects.none(), required=False
    )
    placement = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["creditor"].queryset = selectors.creditor_list_for_user(user)  # type: ignore[attr-defined]
        self.fields["collector"].queryset = selectors.collectors_for_user(user)  # type: ignore[attr-defined]
        # The filter bar has no labels of its own: each box says what it filters.
        for name in ("reference", "name", "phone", "national_id"):
            self.fields[name].widget.attrs["placeholder"] = str(self.fields[name].label)
        for name in ("creditor", "collector"):
            self.fields[name].empty_label = f"— {self.fields[name].label} —"  # type: ignore[attr-defined]

    def filters(self) -> selectors.AccountFilters:
        if not self.is_valid():
            return selectors.AccountFilters()
        data = self.cleaned_data
        return selectors.AccountFilters(
            creditor=data["creditor"].pk if data["creditor"] else None,
            status=data["status"],
            bucket=data["bucket"],
            collector=data["collector"].pk if data["collector"] else None,
            reference=data["reference"],
            name=data["name"],
            phone=data["phone"],
            national_id=data["national_id"],
            placement=data["placement"],
        )


class AssignForm(forms.Form):
    collector = forms.ModelChoiceField(
        label=gettext_lazy("Collector"), queryset=User.objects.none(), required=False
    )
    team = forms.ModelChoiceField(
        label=gettext_lazy("Team"), queryset=Team.objects.none(), required=False
    )
    agency = forms.ModelChoiceField(
        label=gettext_lazy("Agency"), queryset=Agency.objects.none(), required=False
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), required=False, max_length=500)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["collector"].queryset = selectors.collectors_for_user(user)  # type: ignore[attr-defined]
        self.fields["team"].queryset = Team.objects.for_user(user).filter(is_active=True)  # type: ignore[attr-defined]
        agencies = Agency.objects.filter(is_active=True)
        if not has_permission(user, "portfolio.view_all"):
            agencies = agencies.none()
        self.fields["agency"].queryset = agencies  # type: ignore[attr-defined]


class TransitionForm(forms.Form):
    to_status = forms.ChoiceField(label=gettext_lazy("New status"), choices=())
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=500)

    def __init__(self, *args: Any, account: Account, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = Account.TRANSITIONS.get(account.status, frozenset())
        self.fields["to_status"].choices = [  # type: ignore[attr-defined]
            (value, label) for value, label in Account.Status.choices if value in allowed
        ]


class RevealForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), min_length=5, max_length=500)


class ContactPointForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=ContactPoint.Kind.choices)
    value = forms.CharField(
        label=gettext_lazy("Number, e-mail or address"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    party_role = forms.ChoiceField(
        label=gettext_lazy("Whose"),
        choices=ContactPoint.PartyRole.choices,
        initial=ContactPoint.PartyRole.DEBTOR,
    )
    party_name = forms.CharField(
        label=gettext_lazy("Their name (if not the debtor)"), max_length=200, required=False
    )
    relation = forms.CharField(
        label=gettext_lazy("Relation to the debtor"), max_length=100, required=False
    )
    provenance = forms.ChoiceField(
        label=gettext_lazy("Where it came from"),
        choices=[("", "—"), *ContactPoint.Provenance.choices],
    )
    # Offered (shown) only once the value turned out to be on file under another party role:
    # the role then changes only when the user confirms (services.contact_point_add).
    change_role = forms.BooleanField(
        label=gettext_lazy("Change its role to the one chosen above"),
        required=False,
    )

    @property
    def offers_role_change(self) -> bool:
        return bool(getattr(self, "_offers_role_change", False) or self.data.get("change_role"))

    def offer_role_change(self) -> None:
        self._offers_role_change = True

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        role = data.get("party_role")
        named = data.get("party_name", "").strip()
        if role and role != ContactPoint.PartyRole.DEBTOR and not named:
            self.add_error("party_name", _("Name the person this contact point belongs to."))
        return data


class CreditorForm(forms.Form):
    code = forms.SlugField(label=gettext_lazy("Code"), max_length=40)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    country = forms.CharField(label=gettext_lazy("Country (ISO 3166)"), max_length=2)
    currency = forms.CharField(label=gettext_lazy("Currency"), max_length=3)
    default_jurisdiction = forms.CharField(
        label=gettext_lazy("Default jurisdiction"), max_length=10, required=False
    )
    rule_packs = forms.CharField(label=gettext_lazy("Rule packs (comma-separated)"), required=False)


class _MappingDetailsForm(forms.Form):
    """What every way of saving a mapping asks besides the columns."""

    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    date_format = forms.CharField(
        label=gettext_lazy("Date format (e.g. %Y/%m/%d)"), required=False, max_length=40
    )
    default_currency = forms.CharField(
        label=gettext_lazy("Currency when the file has none"), required=False, max_length=3
    )
    default_country = forms.CharField(
        label=gettext_lazy("Country when the file has none (e.g. CN)"), required=False, max_length=2
    )


class MappingForm(_MappingDetailsForm):
    columns = forms.CharField(
        label=gettext_lazy("Columns: one 'their header = standard column' per line"),
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    field_order = ["name", "columns", "date_format", "default_currency", "default_country"]

    def parsed_columns(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for line in self.cleaned_data["columns"].splitlines():
            theirs, sep, ours = line.partition("=")
            if sep and theirs.strip() and ours.strip():
                found[theirs.strip()] = ours.strip()
        return found


class SampleFileForm(forms.Form):
    sample = forms.FileField(
        label=gettext_lazy("A sample file from this creditor (CSV or XLSX): its headers")
    )


MAX_SAMPLE_HEADERS = 200


class MappingTableForm(_MappingDetailsForm):
    """One row per header of the creditor's sample file: which standard column it holds."""

    def __init__(
        self, *args: Any, headers: list[str], suggested: dict[str, str] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.headers = headers
        choices = [("", _("— not imported —")), *[(c, c) for c in STANDARD_COLUMNS]]
        self.fields["header_count"] = forms.IntegerField(
            widget=forms.HiddenInput, initial=len(headers)
        )
        for i, header in enumerate(headers):
            self.fields[f"header_{i}"] = forms.CharField(
                widget=forms.HiddenInput, initial=header, max_length=200
            )
            self.fields[f"column_{i}"] = forms.ChoiceField(
                label=header,
                choices=choices,
                required=False,
                initial=(suggested or {}).get(header, ""),
            )

    def header_rows(self) -> list[tuple[str, Any, Any]]:
        return [(h, self[f"header_{i}"], self[f"column_{i}"]) for i, h in enumerate(self.headers)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen: dict[str, str] = {}
        for i, header in enumerate(self.headers):
            column = data.get(f"column_{i}") or ""
            if not column:
                continue
            if column in chosen.values():
                self.add_error(
                    f"column_{i}",
                    _("%(column)s is already taken by “%(header)s”.")
                    % {
                        "column": column,
                        "header": next(h for h, c in chosen.items() if c == column),
                    },
                )
            chosen[header] = column
        missing = [c for c in REQUIRED_COLUMNS if c not in chosen.values()]
        if missing:
            raise forms.ValidationError(
                _("Every file needs these columns; choose a header for each: %(columns)s")
                % {"columns": ", ".join(missing)}
            )
        data["columns"] = chosen
        return data

    @staticmethod
    def headers_from_post(post: Any) -> list[str]:
        try:
            count = min(int(post.get("header_count", "0")), MAX_SAMPLE_HEADERS)
        except ValueError:
            count = 0
        return [str(post.get(f"header_{i}", ""))[:200] for i in range(max(count, 0))]


class ImportForm(forms.Form):
    creditor = forms.ModelChoiceField(
        label=gettext_lazy("Creditor"), queryset=Creditor.objects.none()
    )
    mapping = forms.ModelChoiceField(
        label=gettext_lazy("Column mapping"), queryset=ColumnMapping.objects.none(), required=False
    )
    agency = forms.ModelChoiceField(
        label=gettext_lazy("Place with agency (empty: our own teams)"),
        queryset=Agency.objects.none(),
        required=False,
    )
    file = forms.FileField(label=gettext_lazy("File (CSV or XLSX)"))
    dry_run = forms.BooleanField(
        label=gettext_lazy("Dry run: validate only, write nothing"), required=False
    )
    reject_on_error = forms.BooleanField(
        label=gettext_lazy("Reject the whole file if any row is bad"), required=False
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        creditors = selectors.creditor_list_for_user(user).filter(is_active=True)
        self.fields["creditor"].queryset = creditors  # type: ignore[attr-defined]
        mappings = ColumnMapping.objects.filter(creditor__in=creditors).select_related("creditor")
        self.fields["mapping"].queryset = mappings  # type: ignore[attr-defined]
        self.fields["agency"].queryset = Agency.objects.filter(is_active=True)  # type: ignore[attr-defined]


def _error(request: HttpRequest, exc: ApplicationError) -> None:
    messages.error(request, exc.message)


# --- Accounts -----------------------------------------------------------------------------


@permission_required("portfolio.view")
def account_list(request: HttpRequest) -> HttpResponse:
    form = AccountFilterForm(request.GET or None, user=request.user)
    filters = form.filters() if request.GET else selectors.AccountFilters()
    accounts = selectors.account_search(request.user, filters).order_by("-id")
    page = Paginator(accounts, 50).get_page(request.GET.get("page"))
    can_assign = has_permission(request.user, "portfolio.assign")
    return render(
        request,
        "portfolio/account_list.html",
        {
            "form": form,
            "page": page,
            "today": datetime.date.today(),
            "can_assign": can_assign,
            "assign_form": AssignForm(user=request.user) if can_assign else None,
            "query": request.GET.urlencode(),
        },
    )


@permission_required("portfolio.assign")
@require_POST
def account_bulk(request: HttpRequest) -> HttpResponse:
    """Assign or recall the ticked accounts, or every account matching the filter."""
    action = request.POST.get("action", "")
    query = request.POST.get("query", "")
    filter_form = AccountFilterForm(_querydict(query), user=request.user)
    qs = selectors.account_search(request.user, filter_form.filters())
    ids = [int(x) for x in request.POST.getlist("ids") if x.isdigit()]
    if request.POST.get("scope") != "all":
        qs = qs.filter(pk__in=ids)
    form = AssignForm(request.POST, user=request.user)
    target = reverse("portfolio:accounts") + (f"?{query}" if query else "")
    if not form.is_valid():
        messages.error(request, _("Check the assignment form."))
        return redirect(target)
    data = form.cleaned_data
    try:
        if action == "recall":
            changed = services.accounts_bulk_recall(
                actor=request.user, accounts=qs, reason=data["reason"]
            )
        else:
            changed = services.accounts_bulk_assign(
                actor=request.user,
                accounts=qs,
                collector=data["collector"],
                team=data["team"],
                agency=data["agency"],
                reason=data["reason"],
            )
    except ApplicationError as exc:
        _error(request, exc)
        return redirect(target)
    messages.success(request, _("%(n)d accounts changed.") % {"n": changed})
    return redirect(target)


def _querydict(query: str) -> Any:
    from django.http import QueryDict

    return QueryDict(query)


@permission_required("portfolio.view")
def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    account = selectors.account_get_for_user(request.user, pk)
    services.debtor_record_view(actor=request.user, debtor=account.debtor, via="account_page")
    timeline = AuditEvent.objects.filter(
        target_type="portfolio.account", target_id=str(account.pk)
    ).order_by("-seq")[:50]
    can_assign = has_permission(request.user, "portfolio.assign")
    can_transition = has_permission(request.user, "portfolio.transition")
    return render(
        request,
        "portfolio/account_detail.html",
        {
            "account": account,
            "debtor": account.debtor,
            "contact_points": selectors.debtor_contact_points(account.debtor),
            "history": selectors.account_assignment_history(account)[:50],
            "timeline": timeline,
            "can_reveal": has_permission(request.user, "portfolio.reveal_pii"),
            "assign_form": AssignForm(user=request.user) if can_assign else None,
            "transition_form": TransitionForm(account=account) if can_transition else None,
        },
    )


@permission_required("portfolio.transition")
@require_POST
def account_transition(request: HttpRequest, pk: int) -> HttpResponse:
    account = selectors.account_get_for_user(request.user, pk)
    form = TransitionForm(request.POST, account=account)
    if form.is_valid():
        try:
            services.account_transition(
                actor=request.user,
                account=account,
                to_status=form.cleaned_data["to_status"],
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, _("Status changed."))
        except ApplicationError as exc:
            _error(request, exc)
    else:
        messages.error(request, _("Choose a status and give a reason."))
    return redirect("portfolio:account", pk=pk)


@permission_required("portfolio.assign")
@require_POST
def account_assign(request: HttpRequest, pk: int) -> HttpResponse:
    account = selectors.account_get_for_user(request.user, pk)
    form = AssignForm(request.POST, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if request.POST.get("action") == "recall":
                services.account_recall(actor=request.user, account=account, reason=data["reason"])
                messages.success(request, _("Account recalled."))
            else:
                services.account_assign(
                    actor=request.user,
                    account=account,
                    collector=data["collector"],
                    team=data["team"],
                    agency=data["agency"],
                    reason=data["reason"],
                )
                messages.success(request, _("Account assigned."))
        except ApplicationError as exc:
            _error(request, exc)
    return redirect("portfolio:account", pk=pk)


# --- Debtors and reveal -------------------------------------------------------------------


@permission_required("portfolio.view")
def debtor_detail(request: HttpRequest, pk: int) -> HttpResponse:
    debtor = selectors.debtor_get_for_user(request.user, pk)
    services.debtor_record_view(actor=request.user, debtor=debtor, via="debtor_page")
    return render(
        request,
        "portfolio/debtor_detail.html",
        {
            "debtor": debtor,
            "contact_points": selectors.debtor_contact_points(debtor),
            "accounts": Account.objects.for_user(request.user)
            .filter(debtor=debtor)
            .select_related("creditor"),
            "can_reveal": has_permission(request.user, "portfolio.reveal_pii"),
            "views": selectors.debtor_views_for_auditor(request.user, debtor=debtor)[:50],
            "can_audit": has_permission(request.user, "audit.view"),
            "can_add_contact": has_permission(request.user, "portfolio.import"),
        },
    )


@permission_required("portfolio.import")
def contact_point_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a phone, e-mail, postal address or IM handle to a debtor in the user's scope (a data
    manager's job): it needs a lawful source, and it is stored encrypted and masked."""
    debtor = selectors.debtor_get_for_user(request.user, pk)
    form = ContactPointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        roles_before = dict(debtor.contact_points.values_list("pk", "party_role"))
        try:
            point = services.contact_point_add(
                actor=request.user,
                debtor=debtor,
                kind=data["kind"],
                value=data["value"],
                party_role=data["party_role"],
                party_name=data["party_name"].strip(),
                relation=data["relation"].strip(),
                provenance=data["provenance"],
                change_role=data["change_role"],
            )
        except ApplicationError as exc:
            if exc.code == "on_file_other_role":
                # Say which role it is on file under, and let the user confirm the change.
                form.add_error(None, exc.message)
                form.offer_role_change()
            form_errors_from(form, exc)
        else:
            role = point.get_party_role_display()
            if point.pk not in roles_before:
                messages.success(request, _("Contact point added."))
            elif roles_before[point.pk] != point.party_role:
                messages.success(
                    request,
                    _("That contact point was on file as “%(old)s”; its role is now “%(new)s”.")
                    % {
                        "old": ContactPoint.PartyRole(roles_before[point.pk]).label,
                        "new": role,
                    },
                )
            else:
                messages.info(
                    request,
                    _("That contact point is already on file, as “%(role)s”.") % {"role": role},
                )
            return redirect("portfolio:debtor", pk=debtor.pk)
    return render(request, "portfolio/contact_point_add.html", {"debtor": debtor, "form": form})


def _reveal_response(
    request: HttpRequest, value: str | None, form: RevealForm, url: str
) -> HttpResponse:
    return render(request, "portfolio/_reveal.html", {"value": value, "form": form, "url": url})


@permission_required("portfolio.reveal_pii")
def contact_point_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    point = selectors.contact_point_get_for_user(request.user, pk)
    url = reverse("portfolio:contact_point_reveal", args=[pk])
    if request.method != "POST":
        return _reveal_response(request, None, RevealForm(), url)
    form = RevealForm(request.POST)
    if not form.is_valid():
        return _reveal_response(request, None, form, url)
    value = services.contact_point_reveal(
        actor=request.user, contact_point=point, reason=form.cleaned_data["reason"]
    )
    return _reveal_response(request, value, form, url)


@permission_required("portfolio.reveal_pii")
def debtor_reveal(request: HttpRequest, pk: int, field: str) -> HttpResponse:
    debtor = selectors.debtor_get_for_user(request.user, pk)
    if field not in services.REVEALABLE_DEBTOR_FIELDS:
        return HttpResponse(status=404)
    url = reverse("portfolio:debtor_reveal", args=[pk, field])
    if request.method != "POST":
        return _reveal_response(request, None, RevealForm(), url)
    form = RevealForm(request.POST)
    if not form.is_valid():
        return _reveal_response(request, None, form, url)
    value = services.debtor_reveal(
        actor=request.user, debtor=debtor, field=field, reason=form.cleaned_data["reason"]
    )
    return _reveal_response(request, value, form, url)


@permission_required("audit.view")
def debtor_views(request: HttpRequest) -> HttpResponse:
    views = selectors.debtor_views_for_auditor(request.user)
    page = Paginator(views, 100).get_page(request.GET.get("page"))
    return render(request, "portfolio/debtor_views.html", {"page": page})


# --- Creditors ----------------------------------------------------------------------------


def _sample_headers(upload: Any) -> list[str]:
    """The header row of an uploaded sample file; the file is not kept."""
    import tempfile
    from pathlib import Path

    suffix = Path(upload.name or "sample.csv").suffix.lower()[:6] or ".csv"
    with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
        handle.flush()
        headers = read_header(Path(handle.name))
    if len(headers) > MAX_SAMPLE_HEADERS:
        raise ApplicationError(
            _("The file has more than %(n)s columns.") % {"n": MAX_SAMPLE_HEADERS}, "too_wide"
        )
    return headers


@permission_required("portfolio.view")
def creditor_list(request: HttpRequest) -> HttpResponse:
    can_manage = has_permission(request.user, "portfolio.manage_creditors")
    form = CreditorForm(request.POST or None) if can_manage else None
    if request.method == "POST":
        if not can_manage:
            return render(request, "web/forbidden.html", status=403)
        assert form is not None
        if form.is_valid():
            data = form.cleaned_data
            try:
                creditor = services.creditor_create(
                    actor=request.user,
                    code=data["code"],
                    name=data["name"],
                    country=data["country"],
                    currency=data["currency"],
                    default_jurisdiction=data["default_jurisdiction"],
                    rule_packs=[p.strip() for p in data["rule_packs"].split(",") if p.strip()],
                )
                messages.success(request, _("Creditor created."))
                return redirect("portfolio:creditor", pk=creditor.pk)
            except ApplicationError as exc:
                _error(request, exc)
    creditors = selectors.creditor_list_for_user(request.user).order_by("name")
    return render(request, "portfolio/creditor_list.html", {"creditors": creditors, "form": form})


@permission_required("portfolio.view")
def creditor_detail(request: HttpRequest, pk: int) -> HttpResponse:
    creditor = selectors.creditor_get_for_user(request.user, pk)
    can_import = has_permission(request.user, "portfolio.import")
    action = request.POST.get("action", "") if request.method == "POST" else ""
    form = MappingForm(request.POST if action == "text" else None) if can_import else None
    sample_form = SampleFileForm(
        request.POST if action == "sample" else None,
        request.FILES if action == "sample" else None,
    )
    table_form: MappingTableForm | None = None
    if request.method == "POST":
        if not can_import:
            return render(request, "web/forbidden.html", status=403)
        assert form is not None
        saving: forms.Form | None = None
        columns: dict[str, str] = {}
        if action == "sample" and sample_form.is_valid():
            try:
                headers = _sample_headers(sample_form.cleaned_data["sample"])
                table_form = MappingTableForm(
                    headers=headers,
                    suggested=suggest_columns(headers),
                    initial={"name": creditor.code, "default_currency": creditor.currency},
                )
            except ApplicationError as exc:
                sample_form.add_error("sample", exc.message)
        elif action == "table":
            table_form = MappingTableForm(
                request.POST, headers=MappingTableForm.headers_from_post(request.POST)
            )
            if table_form.is_valid():
                saving, columns = table_form, table_form.cleaned_data["columns"]
        elif action == "text" and form.is_valid():
            saving, columns = form, form.parsed_columns()
        if saving is not None:
            data = saving.cleaned_data
            try:
                services.column_mapping_save(
                    actor=request.user,
                    creditor=creditor,
                    name=data["name"],
                    columns=columns,
                    date_format=data["date_format"],
                    default_currency=data["default_currency"],
                    default_country=data["default_country"],
                )
                messages.success(request, _("Mapping saved."))
                return redirect("portfolio:creditor", pk=pk)
            except ApplicationError as exc:
                _error(request, exc)
    return render(
        request,
        "portfolio/creditor_detail.html",
        {
            "creditor": creditor,
            "mappings": creditor.mappings.all(),
            "placements": selectors.placement_list_for_user(request.user).filter(creditor=creditor)[
                :50
            ],
            "form": form,
            "sample_form": sample_form if can_import else None,
            "table_form": table_form,
            "standard_columns": STANDARD_COLUMNS,
        },
    )


# --- Placements ---------------------------------------------------------------------------


@permission_required("portfolio.view")
def placement_list(request: HttpRequest) -> HttpResponse:
    placements = selectors.placement_list_for_user(request.user).select_related("task_run")
    page = Paginator(placements, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "portfolio/placement_list.html",
        {"page": page, "can_import": has_permission(request.user, "portfolio.import")},
    )


@permission_required("portfolio.import")
def placement_new(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["file"]
        try:
            placement = services.placement_import_start(
                actor=request.user,
                creditor=data["creditor"],
                file_name=upload.name,
                chunks=upload.chunks(),
                mapping=data["mapping"],
                agency=data["agency"],
                dry_run=data["dry_run"],
                reject_on_error=data["reject_on_error"],
            )
        except ApplicationError as exc:
            _error(request, exc)
        else:
            return redirect("portfolio:placement", pk=placement.pk)
    return render(
        request,
        "portfolio/placement_new.html",
        {"form": form, "standard_columns": STANDARD_COLUMNS},
    )


@permission_required("portfolio.view")
def placement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    placement = selectors.placement_get_for_user(request.user, pk)
    run = placement.task_run
    finished = run is None or run.is_finished
    errors = [
        {
            "row": e.row_number,
            "column": e.column,
            "value": e.value,
            "reason": reason_text(e.reason_code, e.params),
        }
        for e in placement.row_errors.all()[:200]
    ]
    percent = run.progress_percent if run else 0
    message = run.message if run else ""
    if not finished:
        live = read_live_progress(placement)
        if live is not None and live[0] >= percent:
            percent, message = live
    context = {
        "placement": placement,
        "run": run,
        "percent": percent,
        "progress_message": message,
        "finished": finished,
        "errors": errors,
        "can_import": has_permission(request.user, "portfolio.import"),
    }
    template = (
        "portfolio/_placement_status.html"
        if request.headers.get("HX-Request")
        else "portfolio/placement_detail.html"
    )
    return render(request, template, context)


@permission_required("portfolio.import")
def placement_errors(request: HttpRequest, pk: int) -> HttpResponse:
    placement = selectors.placement_get_for_user(request.user, pk)
    return error_report_response(placement)


@permission_required("portfolio.import")
def placement_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(template_csv().encode("utf-8-sig"), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="placement-template.csv"'
    return response
