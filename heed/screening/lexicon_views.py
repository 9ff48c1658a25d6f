"""Screens of the lexicon browser: every entry with its source (search, filters, pages, CSV
export), retiring an entry (four-eyes) and withdrawing one's own pending change."""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from heed.core.errors import ApplicationError, PermissionDenied
from heed.core.roles import has_permission
from heed.screening import lexicon_entries, selectors, services
from heed.screening.categories import GATE_LABELS
from heed.screening.engine.lexicon import GATED_CATEGORIES
from heed.screening.lexicon_entries import LexiconFilter, LexiconRow
from heed.screening.models import (
    CATEGORY_CHOICES,
    LANGUAGE_CHOICES,
    PHRASE_MAX_LENGTH,
    LexiconChange,
)
from heed.web.views import form_errors_from, permission_required

ENTRIES_PAGE = 100

KIND_LABELS: dict[str, Any] = {
    "phrase": gettext_lazy("Phrase"),
    "pattern": gettext_lazy("Pattern"),
    "exception": gettext_lazy("Exception"),
    "context": gettext_lazy("Context rule"),
}
STATE_LABELS: dict[str, Any] = {
    "live": gettext_lazy("In effect"),
    "retired": gettext_lazy("Retired"),
    "all": gettext_lazy("In effect and retired"),
}


LANGUAGE_LABELS: dict[str, Any] = dict(LANGUAGE_CHOICES)


class EntryFilterForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Search"),
        required=False,
        max_length=lexicon_entries.SEARCH_MAX_LENGTH,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("Phrase, pattern or rule")}),
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Language"),
        choices=[("", gettext_lazy("Every language")), *LANGUAGE_CHOICES],
        required=False,
    )
    category = forms.ChoiceField(
        label=gettext_lazy("Category"),
        choices=[("", gettext_lazy("Every category")), *CATEGORY_CHOICES],
        required=False,
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        choices=[("", gettext_lazy("Every kind")), *KIND_LABELS.items()],
        required=False,
    )
    source = forms.ChoiceField(
        label=gettext_lazy("Source"),
        choices=[
            ("", gettext_lazy("Every source")),
            ("file", gettext_lazy("Shipped files")),
            ("ui", gettext_lazy("Approved UI changes")),
            *((name, name) for name in lexicon_entries.SOURCE_FILES),
        ],
        required=False,
    )
    state = forms.ChoiceField(
        label=gettext_lazy("State"), choices=list(STATE_LABELS.items()), required=False
    )


def _filters(request: HttpRequest) -> tuple[EntryFilterForm, LexiconFilter]:
    """The filters as asked; a value the form refuses is an error on its field (shown, or the
    export refused) and only that filter is left out: the valid ones still apply."""
    form = EntryFilterForm(request.GET or None)
    values: dict[str, Any] = {}
    if form.is_bound:
        form.is_valid()  # cleaned_data then holds the fields that passed, even if others did not
        values = form.cleaned_data
    return form, LexiconFilter.cleaned(**values)


def _filter_errors(form: EntryFilterForm) -> list[str]:
    """Each refused filter as "Label: why", in the user's language."""
    return [
        _("%(field)s: %(errors)s")
        % {"field": form.fields[name].label, "errors": " ".join(str(error) for error in errors)}
        for name, errors in form.errors.items()
    ]


def _change_label(change: LexiconChange) -> str:
    if change.decided_by is None or change.decided_at is None:
        return _("UI change #%(id)d by %(proposer)s") % {
            "id": change.pk,
            "proposer": change.proposed_by,
        }
    return _("UI change #%(id)d by %(proposer)s, approved by %(approver)s on %(date)s") % {
        "id": change.pk,
        "proposer": change.proposed_by,
        "approver": change.decided_by,
        "date": date_format(timezone.localtime(change.decided_at), "Y-m-d"),
    }


def source_label(row: LexiconRow) -> str:
    """Where an entry comes from, in words: a file and line, or the approved UI change."""
    if row.change is not None:
        return _change_label(row.change)
    labels = []
    for source in row.sources:
        name, _colon, line = source.rpartition(":")
        if name == "ui":
            labels.append(_("UI change #%(id)s") % {"id": line})
        else:
            labels.append(_("%(file)s, line %(line)s") % {"file": name, "line": line})
    return "; ".join(labels)


def state_label(row: LexiconRow) -> str:
    if row.retired_by is None:
        return str(STATE_LABELS["live"])
    return _("Retired: %(change)s") % {"change": _change_label(row.retired_by)}


def _options(row: LexiconRow) -> str:
    return ", ".join(row.options)


def _shown_gate(row: LexiconRow) -> str:
    """The gate worth showing: one a line names, or a gated category's default (an *always*
    category's "never" says nothing more)."""
    if row.gate or row.category in GATED_CATEGORIES:
        return row.effective_gate
    return ""


def _gate(row: LexiconRow) -> str:
    if not _shown_gate(row):
        return ""
    label = str(GATE_LABELS.get(row.effective_gate, row.effective_gate))
    return label if row.gate else _("%(gate)s (category default)") % {"gate": label}


def _display(row: LexiconRow) -> dict[str, Any]:
    return {
        "row": row,
        "kind_label": KIND_LABELS[row.kind],
        "language_label": LANGUAGE_LABELS.get(row.language, row.language),
        "source_label": source_label(row),
        "state_label": state_label(row),
        "gate_label": _gate(row),
        "options": _options(row),
        "retire_query": urlencode(
            {
                "kind": row.kind,
                "language": row.language,
                "category": row.category,
                "phrase": row.phrase,
            }
        ),
    }


@permission_required("compliance.view")
def lexicon_entries_list(request: HttpRequest) -> HttpResponse:
    """Every entry in effect (or retired) with its source; read-only roles read, compliance
    officers can also propose retiring an entry from here."""
    form, filters = _filters(request)
    rows = lexicon_entries.lexicon_rows(filters)
    page = Paginator(rows, ENTRIES_PAGE).get_page(request.GET.get("page"))
    query = {key: value for key, value in request.GET.items() if key != "page"}
    return render(
        request,
        "screening/lexicon_entries.html",
        {
            "form": form,
            "filter_errors": _filter_errors(form),
            "page": page,
            "rows": [_display(row) for row in page.object_list],
            "can_retire": has_permission(request.user, "compliance.manage"),
            "export_query": urlencode(query),
            "lexicon": selectors.screener_get().lexicon,
        },
    )


# A cell Excel would read as a formula is written as text (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


@permission_required("compliance.view")
def lexicon_entries_export(request: HttpRequest) -> HttpResponse:
    """The filtered list as CSV (UTF-8 with a byte-order mark, so Excel reads Chinese). A
    refused filter refuses the export (400, naming it) rather than export more than asked."""
    form, filters = _filters(request)
    if errors := _filter_errors(form):
        reason = _("The filter is not valid: %(errors)s") % {"errors": "; ".join(errors)}
        return HttpResponseBadRequest(reason, content_type="text/plain; charset=utf-8")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            _("Kind"),
            _("Language"),
            _("Phrase, pattern or markers"),
            _("Category"),
            _("Gate"),
            _("Confidence"),
            _("Options"),
            _("Rule"),
            _("File"),
            _("Line"),
            _("Source"),
            _("State"),
        ]
    )
    for row in lexicon_entries.lexicon_rows(filters):
        writer.writerow(
            _cell(value)
            for value in (
                KIND_LABELS[row.kind],
                row.language,
                row.phrase,
                row.category or ",".join(row.categories),
                _shown_gate(row),
                row.confidence,
                _options(row),
                row.rule_id,
                row.source_file,
                row.source_line,
                source_label(row),
                state_label(row),
            )
        )
    response = HttpResponse(
        buffer.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="lexicon-{stamp}.csv"'
    return response


class RetireForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        choices=[(kind, KIND_LABELS[kind]) for kind in lexicon_entries.RETIRABLE_KINDS],
        widget=forms.HiddenInput,
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Language"), choices=LANGUAGE_CHOICES, widget=forms.HiddenInput
    )
    category = forms.CharField(
        label=gettext_lazy("Category"), required=False, max_length=3, widget=forms.HiddenInput
    )
    # As written in the file or change: a pattern's spaces count.
    phrase = forms.CharField(
        label=gettext_lazy("Phrase or pattern"),
        max_length=PHRASE_MAX_LENGTH,
        strip=False,
        widget=forms.HiddenInput,
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Why it should no longer take effect (a second person approves)."),
    )


@permission_required("compliance.manage")
def lexicon_retire(request: HttpRequest) -> HttpResponse:
    """Propose retiring an entry (``?kind=&language=&category=&phrase=`` names it): the page
    lists the lines it would take out; a second person approves it on the lexicon page."""
    form = RetireForm(request.POST or None, initial=request.GET.dict())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            change = services.lexicon_retirement_propose(actor=request.user, **data)
        except ApplicationError as exc:
            form_errors_from(form, exc)
            for name in ("kind", "language", "category", "phrase"):  # hidden: shown above
                for error in form.errors.pop(name, []):
                    form.add_error(None, error)
        else:
            messages.success(
                request,
                _(
                    "Retirement proposed (change #%(id)d). It applies once a second person "
                    "approves it."
                )
                % {"id": change.pk},
            )
            return redirect("screening:lexicon")
    named = request.POST if request.method == "POST" else request.GET
    kind = named.get("kind", "")
    rows = (
        lexicon_entries.live_rows_for_key(
            kind=kind,
            language=named.get("language", ""),
            phrase=named.get("phrase", ""),
            category=named.get("category", ""),
        )
        if kind in lexicon_entries.RETIRABLE_KINDS
        else []
    )
    return render(
        request,
        "screening/lexicon_retire.html",
        {
            "form": form,
            "rows": [_display(row) for row in rows],
            "kind_label": KIND_LABELS.get(kind, ""),
            "named": named,
        },
    )


@require_POST
@permission_required("compliance.manage")
def lexicon_change_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    change = selectors.lexicon_change_get(pk)
    try:
        services.lexicon_change_withdraw(
            actor=request.user, change=change, note=request.POST.get("note", "")[:500]
        )
    except PermissionDenied:
        return render(request, "web/forbidden.html", status=403)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Withdrawn: the change has left the queue."))
    return redirect("screening:lexicon")
