"""Screens: paste a text and see its findings highlighted; the lexicon with four-eyes changes."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from heed.core.errors import ApplicationError
from heed.core.roles import has_permission
from heed.screening import outgoing, selectors, services
from heed.screening.categories import (
    CATEGORY_LABELS,
    CHANNEL_LABELS,
    GATE_LABELS,
    VERDICT_LABELS,
    category_mode,
    suppressed_reason_label,
)
from heed.screening.engine.lexicon import CATEGORY_CODES, GATES
from heed.screening.engine.screener import CHANNELS, REVIEW, Finding, Result
from heed.screening.models import (
    AUDIENCE_CHOICES,
    CATEGORY_CHOICES,
    LANGUAGE_CHOICES,
    REGION_CHOICES,
    TEMPLATE_CHANNEL_CHOICES,
    LexiconChange,
    OutgoingMessage,
    TemplateVersion,
)
from heed.web.views import form_errors_from, permission_required


class CheckForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Text"),
        max_length=services.MAX_TEXT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Language"),
        choices=[("", gettext_lazy("Detect")), *LANGUAGE_CHOICES],
        required=False,
    )
    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"),
        choices=[("", "—"), *((c, CHANNEL_LABELS[c]) for c in CHANNELS)],
        required=False,
    )
    account = forms.IntegerField(
        label=gettext_lazy("Account id"),
        required=False,
        min_value=1,
        help_text=gettext_lazy("Optional: gated categories are then decided from its facts."),
    )
    contact_point = forms.IntegerField(
        label=gettext_lazy("Contact point"),
        required=False,
        widget=forms.Select,
    )

    def __init__(self, *args: Any, points: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        contact_point = self.fields["contact_point"]
        contact_point.help_text = _(
            "Optional, with an account and a message channel: the text is screened as sending "
            "it there would, run on after the messages sent there in the last %(minutes)d "
            "minutes."
        ) % {"minutes": services.CONVERSATION_WINDOW_MINUTES}
        # Only what the page offers: whether the one posted may be screened, the service says.
        contact_point.widget.choices = [("", "—"), *contact_point_choices(points)]
        # Typing or changing the account loads its contact points (check_contact_points).
        self.fields["account"].widget.attrs.update(
            {
                "hx-get": reverse("screening:check_contact_points"),
                "hx-trigger": "change, keyup changed delay:500ms",
                "hx-target": "#id_contact_point",
                "hx-swap": "outerHTML",
            }
        )


def contact_point_choices(points: list[Any]) -> list[tuple[Any, str]]:
    """Contact points as the pages offer them: kind, the masked value and whose it is (the clear
    value only ever through the audited reveal on the debtor's and the account's page)."""
    return [
        (p.pk, f"{p.get_kind_display()} {p.value_masked} ({p.get_party_role_display()})")
        for p in points
    ]


class ChangeForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=LexiconChange.Kind.choices)
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=LANGUAGE_CHOICES)
    phrase = forms.CharField(label=gettext_lazy("Phrase or pattern"), max_length=200)
    category = forms.ChoiceField(
        label=gettext_lazy("Category"), choices=[("", "—"), *CATEGORY_CHOICES], required=False
    )
    gate = forms.ChoiceField(
        label=gettext_lazy("Gate"),
        choices=[("", gettext_lazy("Category default")), *((g, GATE_LABELS[g]) for g in GATES)],
        required=False,
        help_text=gettext_lazy(
            "Only where a true legal statement or a real court document can be lawful (P4, P5, "
            "P6, P8, P10, P13, P15); threats, insults and the other categories take no gate."
        ),
    )
    confidence = forms.FloatField(
        label=gettext_lazy("Confidence"), min_value=0.05, max_value=1.0, initial=0.95
    )
    exception_categories = forms.CharField(
        label=gettext_lazy("Protected categories (exceptions)"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Comma-separated, e.g. P4,P7; empty protects every category."),
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=500)


class DecisionForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("Note"), max_length=500, required=False)


# The template channels' choices, labelled as the screening screens label channels.
TEMPLATE_CHANNEL_LABELS = [
    (code, CHANNEL_LABELS[code]) for code, _label in TEMPLATE_CHANNEL_CHOICES
]


def highlighted_segments(text: str, findings: tuple[Finding, ...]) -> list[dict[str, Any]]:
    """The text cut where findings start and end; each piece lists the categories covering it."""
    cuts = {0, len(text)}
    for finding in findings:
        cuts.update((finding.start, finding.end))
    points = sorted(c for c in cuts if 0 <= c <= len(text))
    segments: list[dict[str, Any]] = []
    for start, end in zip(points, points[1:], strict=False):
        covering = [f for f in findings if f.start <= start and end <= f.end]
        segments.append(
            {
                "text": text[start:end],
                "categories": sorted({f.category for f in covering}, key=CATEGORY_CODES.index),
                "decision": "block" if any(f.decision == "block" for f in covering) else "review",
            }
        )
    return segments


def _suppressed_items(result: Result) -> list[dict[str, Any]]:
    """What was not counted, each with its reason in words (exceptions named by their phrase)."""
    if not result.suppressed:
        return []
    exceptions = {e.source: e.phrase for e in selectors.screener_get().lexicon.exceptions}
    return [
        {
            "finding": item.finding,
            "reason": item.reason,
            "reason_label": suppressed_reason_label(item.reason, exceptions),
        }
        for item in result.suppressed
    ]


def _page(request: HttpRequest, items: Any, per_page: int) -> Page[Any]:
    """One page of ``items`` from ``?page=`` (a bad or out-of-range number gives the first or
    the last page); web/_pager.html links the others, keeping the other query parameters."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def _result_context(
    text: str, result: Result, *, arises_with: tuple[tuple[datetime, ...], ...] = ()
) -> dict[str, Any]:
    """``arises_with``: per finding, the times of the earlier messages it arises with (the
    conversation window; see services.draft_screen)."""
    return {
        "result": result,
        "verdict_label": VERDICT_LABELS[result.verdict],
        "segments": highlighted_segments(text, result.findings),
        "findings": [
            {
                "finding": f,
                "label": CATEGORY_LABELS.get(f.category, f.category),
                "note": _conversation_note(arises_with[i] if i < len(arises_with) else ()),
            }
            for i, f in enumerate(result.findings)
        ],
        "suppressed": _suppressed_items(result),
    }


def _conversation_note(times: tuple[datetime, ...]) -> str:
    """Why a finding the draft alone does not have is there: it arises read on after the
    messages sent at these times (shown as the page's message list shows them)."""
    if not times:
        return ""
    shown = ", ".join(formats.time_format(timezone.localtime(t), "H:i") for t in times)
    return ngettext(
        "Arises read on after the message sent at %(times)s to this contact point on this "
        "channel: sending screens them together.",
        "Arises read on after the messages sent at %(times)s to this contact point on this "
        "channel: sending screens them together.",
        len(times),
    ) % {"times": shown}


def _errors_above(form: forms.Form, names: tuple[str, ...]) -> None:
    """Move the errors of fields the page does not show to the errors above the form."""
    for name in names:
        for error in form.errors.pop(name, []):
            form.add_error(None, error)


@permission_required("screening.check")
def check(request: HttpRequest) -> HttpResponse:
    points = selectors.check_contact_points(request.user, request.POST.get("account"))
    form = CheckForm(request.POST or None, points=points)
    context: dict[str, Any] = {"form": form}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            screened = services.check_screen(
                actor=request.user,
                text=data["text"],
                language=data["language"] or None,
                channel=data["channel"] or None,
                account_id=data["account"],
                contact_point_id=data["contact_point"],
            )
        except ApplicationError as exc:
            if exc.code == "not_found":
                form.add_error("account", _("No such account in your scope."))
            else:
                form_errors_from(form, exc)
        else:
            context.update(
                _result_context(data["text"], screened.result, arises_with=screened.arises_with)
            )
    template = (
        "screening/_result.html" if request.headers.get("HX-Request") else "screening/check.html"
    )
    return render(request, template, context)


@permission_required("screening.check")
def check_contact_points(request: HttpRequest) -> HttpResponse:
    """HTMX: the check page's contact-point choice for the account typed (``?account=``): that
    account's debtor's contact points if the account is in the user's scope, else none."""
    points = selectors.check_contact_points(request.user, request.GET.get("account"))
    return HttpResponse(CheckForm(points=points)["contact_point"].as_widget())


DECIDED_CHANGES_PAGE = 50


@permission_required("compliance.view")
def lexicon(request: HttpRequest) -> HttpResponse:
    can_propose = has_permission(request.user, "compliance.manage")
    form = ChangeForm(request.POST or None)
    if request.method == "POST":
        if not can_propose:
            return render(request, "web/forbidden.html", status=403)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.lexicon_change_propose(actor=request.user, **data)
            except ApplicationError as exc:
                form_errors_from(form, exc)
            else:
                messages.success(
                    request, _("Proposed. It applies once a second person approves it.")
                )
                return redirect("screening:lexicon")
    screener = selectors.screener_get()
    counts = Counter((e.category, e.language) for e in screener.lexicon.entries)
    categories = [
        {
            "code": code,
            "label": CATEGORY_LABELS[code],
            "mode": category_mode(code),
            "zh": counts[(code, "zh")],
            "en": counts[(code, "en")],
        }
        for code in CATEGORY_CODES
    ]
    changes = selectors.lexicon_change_list()
    pending = list(changes.pending())
    # Previews are computed on demand ("Show impact"); the stored ones show at once.
    state = selectors.lexicon_state() if pending else ""
    previews = selectors.lexicon_impact_previews(pending, state) if pending else {}
    return render(
        request,
        "screening/lexicon.html",
        {
            "form": form,
            "can_propose": can_propose,
            "can_approve": has_permission(request.user, "compliance.approve"),
            "categories": categories,
            "lexicon": screener.lexicon,
            "regated": [
                {
                    "entry": entry,
                    "category": CATEGORY_LABELS.get(entry.category, entry.category),
                    "gate": GATE_LABELS.get(entry.gate, entry.gate),
                }
                for entry in screener.lexicon.regated
            ],
            "pending": [{"change": c, "impact": previews.get(c.pk)} for c in pending],
            "decided": _page(
                request, changes.exclude(status=LexiconChange.Status.PROPOSED), DECIDED_CHANGES_PAGE
            ),
            "decision_form": DecisionForm(),
        },
    )


@permission_required("compliance.view")
def lexicon_change_impact(request: HttpRequest, pk: int) -> HttpResponse:
    """What the change would do to the labelled messages (an HTMX fragment on the lexicon page,
    or a page of its own): the stored preview for the current lexicon, else computed now for a
    compliance officer; other roles see only stored previews."""
    change = selectors.lexicon_change_get(pk)
    impact = services.lexicon_change_impact_preview(actor=request.user, change=change)
    context: dict[str, Any] = {"change": change, "impact": impact}
    if not change.is_pending:
        context["decided"] = True
        context["preview"] = selectors.lexicon_preview_before_decision(change)
    template = (
        "screening/_lexicon_impact.html"
        if request.headers.get("HX-Request")
        else "screening/lexicon_impact.html"
    )
    return render(request, template, context)


def _decide(request: HttpRequest, pk: int, *, approve: bool) -> HttpResponse:
    change = selectors.lexicon_change_get(pk)
    form = DecisionForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        if approve:
            services.lexicon_change_approve(actor=request.user, change=change, note=note)
            messages.success(request, _("Approved: the screener uses it from now on."))
        else:
            services.lexicon_change_reject(actor=request.user, change=change, note=note)
            messages.success(request, _("Rejected."))
    except ApplicationError as exc:
        # A change checked again on approval names what is wrong with it.
        reasons = [error for errors in exc.fields.values() for error in errors]
        messages.error(request, " ".join([exc.message, *reasons]))
    return redirect("screening:lexicon")


@require_POST
@permission_required("compliance.approve")
def lexicon_change_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, approve=True)


@require_POST
@permission_required("compliance.approve")
def lexicon_change_reject(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, approve=False)


# --- Message templates and sending ------------------------------------------------------------


class TemplateForm(forms.Form):
    code = forms.SlugField(label=gettext_lazy("Code"), max_length=60)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    channel = forms.ChoiceField(label=gettext_lazy("Channel"), choices=TEMPLATE_CHANNEL_LABELS)
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=LANGUAGE_CHOICES)
    audience = forms.ChoiceField(label=gettext_lazy("Audience"), choices=AUDIENCE_CHOICES)
    region = forms.ChoiceField(label=gettext_lazy("Region"), choices=REGION_CHOICES)
    subject = forms.CharField(
        label=gettext_lazy("Subject (e-mail)"), max_length=200, required=False
    )
    body = forms.CharField(
        label=gettext_lazy("Text"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy(
            "Placeholders: {debtor_name} {amount} {due_date} {payment_channels} {collector_id} "
            "{callback_number}"
        ),
    )


class VersionForm(forms.Form):
    subject = forms.CharField(
        label=gettext_lazy("Subject (e-mail)"), max_length=200, required=False
    )
    body = forms.CharField(label=gettext_lazy("Text"), widget=forms.Textarea(attrs={"rows": 5}))


@permission_required("screening.check")
def live(request: HttpRequest) -> HttpResponse:
    """HTMX: screen what is being typed (``body`` or ``text``) and show the findings. From an
    account's compose box (``account``, and the free text's ``channel``) the gated statements
    are decided on that account's facts, and once the ``contact_point`` is chosen the draft is
    screened run on after the messages just sent there, as sending will decide it."""
    text = (request.POST.get("body") or request.POST.get("text") or "")[: services.MAX_TEXT_LENGTH]
    if not text.strip():
        return HttpResponse("")
    account = request.POST.get("account") or None
    if account is None:
        context = _result_context(text, selectors.screener_get().screen(text))
    else:
        try:
            screened = services.draft_screen(
                actor=request.user,
                text=text,
                account_id=account,
                contact_point_id=request.POST.get("contact_point") or None,
                channel=request.POST.get("channel") or None,
            )
        except ApplicationError:
            return HttpResponse("")
        context = _result_context(text, screened.result, arises_with=screened.arises_with)
    return render(request, "screening/_result.html", context)


@permission_required("compliance.view")
def templates(request: HttpRequest) -> HttpResponse:
    can_manage = has_permission(request.user, "compliance.manage")
    form = TemplateForm(request.POST or None)
    if request.method == "POST":
        if not can_manage:
            return render(request, "web/forbidden.html", status=403)
        if form.is_valid():
            try:
                version = services.template_create(actor=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                form_errors_from(form, exc)
            else:
                messages.success(request, _("Saved. A second person must approve it before use."))
                return redirect("screening:template", pk=version.template_id)
    return render(
        request,
        "screening/templates.html",
        {"form": form, "can_manage": can_manage, "templates": selectors.template_list()},
    )


@permission_required("compliance.view")
def template_detail(request: HttpRequest, pk: int) -> HttpResponse:
    template = selectors.template_get(pk)
    can_manage = has_permission(request.user, "compliance.manage")
    form = VersionForm(request.POST or None)
    if request.method == "POST":
        if not can_manage:
            return render(request, "web/forbidden.html", status=403)
        if form.is_valid():
            try:
                services.template_version_create(
                    actor=request.user, template=template, **form.cleaned_data
                )
            except ApplicationError as exc:
                form_errors_from(form, exc)
            else:
                messages.success(request, _("New version saved; it waits for approval."))
                return redirect("screening:template", pk=template.pk)
    return render(
        request,
        "screening/template_detail.html",
        {
            "template": template,
            "versions": template.versions.select_related("author", "approved_by"),
            "form": form,
            "can_manage": can_manage,
            "can_approve": has_permission(request.user, "compliance.approve"),
            # Drafts older than the approved version can only be rejected.
            "approved_number": template.versions.filter(status=TemplateVersion.Status.APPROVED)
            .values_list("number", flat=True)
            .first()
            or 0,
        },
    )


@require_POST
@permission_required("compliance.approve")
def template_version_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    if decision not in ("approve", "reject"):
        raise Http404()
    version = selectors.template_version_get(pk)
    note = request.POST.get("note", "")[:500]
    try:
        if decision == "approve":
            services.template_version_approve(actor=request.user, version=version, note=note)
            messages.success(request, _("Approved: the template can be used now."))
        else:
            services.template_version_reject(actor=request.user, version=version, note=note)
            messages.success(request, _("Rejected."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("screening:template", pk=version.template_id)


class SendForm(forms.Form):
    contact_point = forms.ChoiceField(label=gettext_lazy("To"))
    template_version = forms.ChoiceField(label=gettext_lazy("Template"), required=False)
    channel = forms.ChoiceField(
        label=gettext_lazy("Channel (free text)"),
        choices=[("", "—"), *TEMPLATE_CHANNEL_LABELS],
        required=False,
    )
    text = forms.CharField(
        label=gettext_lazy("Free text"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
    # One token per form shown: sending the same form twice (a double click, a reload) returns
    # the message the first request made (services.message_send's request_key).
    token = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)

    def __init__(self, *args: Any, points: list[Any], versions: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        to = self.fields["contact_point"]
        to.choices = contact_point_choices(points)  # type: ignore[attr-defined]
        self.fields["template_version"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *(
                (v.pk, f"{v.template.name} · {CHANNEL_LABELS[v.template.channel]} · v{v.number}")
                for v in versions
            ),
        ]


@permission_required("messages.send")
def send(request: HttpRequest, account_pk: int) -> HttpResponse:
    from heed.portfolio.selectors import account_get_for_user, debtor_contact_points

    account = account_get_for_user(request.user, account_pk)
    points = list(debtor_contact_points(account.debtor))
    versions = [
        version
        for version in selectors.usable_template_versions()
        if outgoing.region_fits(version.template.region, account.jurisdiction)
    ]
    can_free_text = has_permission(request.user, "messages.free_text")
    form = SendForm(
        request.POST or None,
        points=points,
        versions=versions,
        initial={"token": uuid.uuid4().hex},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        point = next(p for p in points if str(p.pk) == data["contact_point"])
        version = next((v for v in versions if str(v.pk) == data["template_version"]), None)
        try:
            done = services.message_send(
                actor=request.user,
                account=account,
                contact_point=point,
                template_version=version,
                text=data["text"],
                channel=data["channel"],
                request_key=data["token"],
            )
        except ApplicationError as exc:
            form_errors_from(form, exc)
            if not can_free_text:  # those fields are not on the page: say it above the form
                _errors_above(form, ("channel", "text"))
        else:
            # Post/redirect/get: reloading the result page sends nothing.
            return redirect(
                f"{reverse('screening:send', args=[account.pk])}?{urlencode({'sent': done.pk})}"
            )
    sent: OutgoingMessage | None = None
    shown = request.GET.get("sent", "")
    if request.method == "GET" and shown.isdigit():
        sent = selectors.outgoing_for_account(account).filter(pk=int(shown)).first()
        if sent is not None:  # the next message starts where this one left off, text empty
            form = SendForm(
                points=points,
                versions=versions,
                initial={
                    "token": uuid.uuid4().hex,
                    "contact_point": sent.contact_point_id,
                    "template_version": sent.template_version_id or "",
                    "channel": "" if sent.template_version_id else sent.channel,
                },
            )
    context: dict[str, Any] = {
        "account": account,
        "form": form,
        "sent": sent,
        "can_free_text": can_free_text,
        "has_points": bool(points),
        "can_add_contact": has_permission(request.user, "portfolio.import"),
        "recent": selectors.outgoing_for_account(account)[:20],
    }
    return render(request, "screening/send.html", context)


# --- Messages held for review ----------------------------------------------------------------


HELD_PAGE = 50


@permission_required("messages.review")
def held_messages(request: HttpRequest) -> HttpResponse:
    """The review queue, oldest first, a page at a time: held messages with their findings
    marked; release or reject each."""
    page = _page(request, selectors.held_messages_for_user(request.user), HELD_PAGE)
    items = []
    for message in page.object_list:
        screened = f"{message.subject}\n{message.body}" if message.subject else message.body
        findings = tuple(
            Finding(
                f["category"], f["start"], f["end"], f["match"], f["rule"], f["confidence"], REVIEW
            )
            for f in message.screening_findings
        )
        result = Result(REVIEW, findings, language="", lexicon_version="")
        items.append({"message": message, **_result_context(screened, result)})
    return render(request, "screening/held.html", {"items": items, "page": page})


@require_POST
@permission_required("messages.review")
def held_message_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    if decision not in ("release", "reject"):
        raise Http404()
    message = selectors.held_message_get_for_user(request.user, pk)
    note = request.POST.get("note", "")[:500]
    try:
        if decision == "release":
            done = services.message_release(actor=request.user, message=message, note=note)
            if done.status == "sent":
                messages.success(request, _("Released and sent."))
            else:
                messages.error(
                    request,
                    _("Released, but the adapter failed: %(reason)s") % {"reason": done.reason},
                )
        else:
            services.message_reject(actor=request.user, message=message, note=note)
            messages.success(request, _("Rejected: the message will not be sent."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    back = request.POST.get("page", "")
    if back.isdigit() and back != "1":
        return redirect(f"{reverse('screening:held')}?page={back}")
    return redirect("screening:held")


class MessageFilterForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    mine = forms.BooleanField(label=gettext_lazy("Only mine"), required=False)
    account = forms.CharField(
        label=gettext_lazy("Account reference"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("Account reference")}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from heed.screening.models import OutgoingMessage

        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            ("", gettext_lazy("Any status")),
            (selectors.NOT_SENT, gettext_lazy("Not sent (held, stopped or failed)")),
            *OutgoingMessage.Status.choices,
        ]


MESSAGE_LOG_PAGE = 100


@login_required
def message_log(request: HttpRequest) -> HttpResponse:
    """Messages on the accounts you may see: sent, stopped (and why), held, released, rejected."""
    if not selectors.can_see_message_log(request.user):
        return render(request, "web/forbidden.html", status=403)
    form = MessageFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_valid():
        filters = {
            "status": form.cleaned_data["status"],
            "mine": form.cleaned_data["mine"],
            "account_ref": form.cleaned_data["account"],
        }
    queryset = selectors.messages_for_user(request.user, **filters)
    page = _page(request, queryset, MESSAGE_LOG_PAGE)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "screening/messages.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "can_send": has_permission(request.user, "messages.send"),
        },
    )


# --- Letters ------------------------------------------------------------------------------------


class LetterBatchForm(forms.Form):
    template_version = forms.ChoiceField(label=gettext_lazy("Letter template"))
    accounts = forms.CharField(
        label=gettext_lazy("Accounts"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "Account ids or creditor references, separated by spaces or commas."
        ),
    )
    # One token per form shown: a second POST of the same form (a double click, a reload)
    # returns the run the first one started (services.letter_batch_start's request_key).
    token = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)

    def __init__(self, *args: Any, versions: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template_version"].choices = [  # type: ignore[attr-defined]
            (v.pk, f"{v.template.name} · {v.template.get_language_display()} · v{v.number}")
            for v in versions
        ]


def _accounts_from_tokens(user: Any, raw: str) -> tuple[list[Any], list[str]]:
    """Accounts named by id or creditor reference, within the user's scope; unknown tokens."""
    from heed.portfolio.models import Account

    scoped = Account.objects.for_user(user)
    found: list[Any] = []
    unknown: list[str] = []
    for token in raw.replace(",", " ").replace(";", " ").split():
        match = None
        if token.isdigit():
            match = scoped.filter(pk=int(token)).first()
        if match is None:
            matches = list(scoped.filter(external_ref=token)[:2])
            match = matches[0] if len(matches) == 1 else None
        if match is None:
            unknown.append(token)
        else:
            found.append(match)
    return found, unknown


PRINT_RUNS_PAGE = 20


@permission_required("messages.send")
def letters(request: HttpRequest) -> HttpResponse:
    versions = selectors.usable_template_versions(channel="letter")
    form = LetterBatchForm(
        request.POST or None, versions=versions, initial={"token": uuid.uuid4().hex}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        version = next(v for v in versions if str(v.pk) == data["template_version"])
        accounts, unknown = _accounts_from_tokens(request.user, data["accounts"])
        if unknown:
            form.add_error(
                "accounts",
                _("Not found in your scope: %(tokens)s") % {"tokens": ", ".join(unknown[:20])},
            )
        else:
            try:
                run = services.letter_batch_start(
                    actor=request.user,
                    template_version=version,
                    accounts=accounts,
                    request_key=data["token"],
                )
            except ApplicationError as exc:
                if exc.code == "request_key_reused":
                    # The browser's back button brought this form back after it started a run
                    # and the choice was changed: say so, and let the next send start a new one.
                    form.add_error(
                        None,
                        _(
                            "This form already started a print run with other accounts or "
                            "another template. Check them and start the print run again."
                        ),
                    )
                    fresh = request.POST.copy()
                    fresh["token"] = uuid.uuid4().hex
                    form.data = fresh
                else:
                    form_errors_from(form, exc)
            else:
                # Post/redirect/get: reloading the run's page starts nothing.
                return redirect("screening:letter_run", pk=run.pk)
    return render(
        request,
        "screening/letters.html",
        {
            "form": form,
            "runs": _page(
                request,
                selectors.letter_runs_for_user(request.user).order_by("-created_at", "-pk"),
                PRINT_RUNS_PAGE,
            ),
            "has_versions": bool(versions),
        },
    )


@permission_required("messages.send")
def letter_run(request: HttpRequest, pk: Any) -> HttpResponse:
    run = selectors.letter_run_get_for_user(request.user, pk)
    template = (
        "screening/_letter_run.html"
        if request.headers.get("HX-Request")
        else "screening/letter_run.html"
    )
    return render(request, template, {"run": run})


def _pdf_bytes_response(pdf: bytes, name: str) -> HttpResponse:
    return HttpResponse(
        pdf,
        content_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@permission_required("messages.send")
def letter_run_pdf(request: HttpRequest, pk: Any) -> HttpResponse:
    """The combined PDF of a finished run, for the person who started it: only the letters of
    accounts still in their scope, each download audited (services.letter_run_download; the
    API's ``GET /api/v1/screening/letter-batches/{run}/pdf`` serves the same). A run that has
    not finished has no PDF yet: 404 here (its page says why and polls until it finishes)."""
    run = selectors.letter_run_get_for_user(request.user, pk)
    try:
        pdf, name = services.letter_run_download(actor=request.user, run=run)
    except ApplicationError:
        raise Http404() from None
    return _pdf_bytes_response(pdf, name)


@login_required
def letter_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """One sent letter's PDF, for whoever may send or review messages (the message log's
    readers); the account must be in the user's scope (same 404 otherwise). Each download is
    audited: the letter shows the debtor's full address."""
    from heed.audit.services import record
    from heed.core.errors import NotFound
    from heed.portfolio.selectors import account_get_for_user
    from heed.screening.letters import letter_path
    from heed.screening.models import OutgoingMessage

    if not selectors.can_see_message_log(request.user):
        return render(request, "web/forbidden.html", status=403)
    message = OutgoingMessage.objects.filter(
        pk=pk, channel="letter", status=OutgoingMessage.Status.SENT
    ).first()
    if message is None or not message.adapter_reference:
        raise Http404()
    try:
        account_get_for_user(request.user, message.account_id)
    except NotFound:
        raise Http404() from None
    if message.adapter == services.LETTER_BATCH_ADAPTER:
        # Its print run's PDF holds other accounts' letters too: this one is laid out alone.
        pdf = services.letter_pdf_alone(message)
    else:
        path = letter_path(message.adapter_reference)
        if not path.exists():
            raise Http404()
        pdf = path.read_bytes()
    record(action="letter.downloaded", actor=request.user, target=message)
    return _pdf_bytes_response(pdf, f"letter-{message.pk}.pdf")
