"""Forms of the compliance screens."""

from __future__ import annotations

import json
from typing import Any

import yaml
from django import forms
from django.utils.translation import gettext_lazy as _

from heed.compliance.models import ContactPreference, Hold
from heed.compliance.rules.model import CHANNELS, PARTIES, PURPOSES

CHANNEL_CHOICES = [
    ("call", _("Call")),
    ("sms", _("SMS")),
    ("email", _("E-mail")),
    ("letter", _("Letter")),
    ("visit", _("Field visit")),
    ("im", _("IM")),
    ("ai_voice", _("AI voice")),
]
assert [c for c, _label in CHANNEL_CHOICES] == list(CHANNELS)
PARTY_CHOICES = [
    ("debtor", _("Debtor")),
    ("guarantor", _("Guarantor")),
    ("co_obligor", _("Co-obligor")),
    ("emergency_contact", _("Emergency contact")),
    ("third_party", _("Other third party")),
]
assert [p for p, _label in PARTY_CHOICES] == list(PARTIES)
PURPOSE_CHOICES = [
    ("collect", _("Collect (discuss or demand payment)")),
    ("locate", _("Locate the debtor")),
    ("relay", _("Relay a call-back message")),
    ("notice", _("Required or permitted notice")),
    ("proceedings", _("Legal proceedings")),
]
assert [p for p, _label in PURPOSE_CHOICES] == list(PURPOSES)
JURISDICTION_CHOICES = [
    ("CN", _("China (mainland)")),
    ("US-NY", _("United States — New York")),
    ("US-MA", _("United States — Massachusetts")),
    ("US-CA", _("United States — California")),
    ("GB", _("United Kingdom")),
]


class HoldForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Hold.Kind.choices)
    whole_person = forms.BooleanField(label=_("All of the person's accounts"), required=False)
    ends_at = forms.DateTimeField(
        label=_("Until (optional)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    evidence = forms.CharField(
        label=_("Evidence"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class PreferenceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ContactPreference.Kind.choices)
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[("", "—"), *CHANNEL_CHOICES], required=False
    )
    contact_point = forms.TypedChoiceField(
        label=_("Contact point"), coerce=int, required=False, empty_value=None
    )
    start_time = forms.TimeField(
        label=_("From"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    end_time = forms.TimeField(
        label=_("Until"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    language = forms.ChoiceField(
        label=_("Language"),
        choices=[("", "—"), ("en", "English"), ("zh-hans", "简体中文")],
        required=False,
    )
    evidence = forms.CharField(
        label=_("Evidence"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(
        self, *args: Any, points: list[tuple[int, str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contact_point"].choices = [("", "—"), *(points or [])]  # type: ignore[attr-defined]


class PackVersionForm(forms.Form):
    content = forms.CharField(
        label=_("Pack content (YAML)"), widget=forms.Textarea(attrs={"rows": 30, "class": "mono"})
    )
    note = forms.CharField(label=_("Why this version"), widget=forms.Textarea(attrs={"rows": 2}))

    def clean_content(self) -> dict[str, Any]:
        try:
            data = yaml.safe_load(self.cleaned_data["content"])
        except yaml.YAMLError as exc:
            raise forms.ValidationError(_("Not valid YAML: %(error)s") % {"error": exc})
        if not isinstance(data, dict):
            raise forms.ValidationError(_("The content must be a mapping."))
        return dict(json.loads(json.dumps(data, default=str)))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.TextInput())


def _json_list(value: str, label: str) -> list[Any]:
    if not value.strip():
        return []
    try:
        data = json.loads(value)
    except json.JSONDecodeError as exc:
        raise forms.ValidationError(
            _("%(field)s: not valid JSON (%(error)s)") % {"field": label, "error": exc}
        )
    if not isinstance(data, list):
        raise forms.ValidationError(_("%(field)s must be a JSON list.") % {"field": label})
    return data


class SimulateForm(forms.Form):
    jurisdiction = forms.ChoiceField(label=_("Jurisdiction"), choices=JURISDICTION_CHOICES)
    packs = forms.CharField(label=_("Packs (optional override, comma-separated)"), required=False)
    timezones = forms.CharField(
        label=_("Candidate time zones (comma-separated)"), initial="Asia/Shanghai"
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=CHANNEL_CHOICES)
    at = forms.DateTimeField(
        label=_("At (local time in the first zone)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    party = forms.ChoiceField(label=_("Party"), choices=PARTY_CHOICES)
    to = forms.CharField(label=_("To (any id of the number or address)"), initial="p1")
    purpose = forms.ChoiceField(label=_("Purpose"), choices=PURPOSE_CHOICES)
    history = forms.CharField(
        label=_("History (JSON list)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "class": "mono"}),
        help_text=_(
            'e.g. [{"channel": "call", "at": "2026-03-02T09:00:00+08:00", "party": "debtor", '
            '"to": "p1", "outcome": "no_answer"}]'
        ),
    )
    holds = forms.CharField(
        label=_("Holds (JSON list)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "class": "mono"}),
        help_text=_('e.g. [{"kind": "dispute", "since": "2026-03-01T00:00:00+08:00"}]'),
    )
    opted_out_channels = forms.CharField(
        label=_("Opted-out channels (comma-separated)"), required=False
    )
    do_not_contact = forms.CharField(
        label=_("Third parties not to contact (ids, comma-separated)"), required=False
    )

    def clean_history(self) -> list[Any]:
        return _json_list(self.cleaned_data["history"], str(_("History")))

    def clean_holds(self) -> list[Any]:
        return _json_list(self.cleaned_data["holds"], str(_("Holds")))

    def as_body(self) -> dict[str, Any]:
        """The body of POST /api/v1/compliance/simulate."""
        from zoneinfo import ZoneInfo

        data = self.cleaned_data
        zones = [z.strip() for z in data["timezones"].split(",") if z.strip()]
        at = data["at"]
        if zones:
            at = at.replace(tzinfo=None).replace(tzinfo=ZoneInfo(zones[0]))

        def split(value: str) -> list[str]:
            return [v.strip() for v in value.split(",") if v.strip()]

        return {
            "jurisdiction": data["jurisdiction"],
            "packs": split(data["packs"]) or None,
            "timezones": zones,
            "proposed": {
                "channel": data["channel"],
                "at": at.isoformat(),
                "party": data["party"],
                "to": data["to"],
                "purpose": data["purpose"],
            },
            "history": data["history"],
            "holds": data["holds"],
            "preferences": {
                "opted_out_channels": split(data["opted_out_channels"]),
                "do_not_contact": split(data["do_not_contact"]),
            },
        }
