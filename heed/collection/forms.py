"""Forms of the collector's contact screens."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from heed.collection.models import ContactAttempt


class PreflightForm(forms.Form):
    contact_point = forms.TypedChoiceField(label=_("Contact point"), coerce=int)
    channel = forms.ChoiceField(label=_("Channel"), choices=ContactAttempt.Channel.choices)
    purpose = forms.ChoiceField(
        label=_("Purpose"),
        choices=[
            ("collect", _("Collect (discuss or demand payment)")),
            ("locate", _("Locate the debtor")),
            ("relay", _("Relay a call-back message")),
            ("notice", _("Required or permitted notice")),
        ],
    )

    def __init__(self, *args: Any, points: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contact_point"].choices = points  # type: ignore[attr-defined]


class OutcomeForm(forms.Form):
    decision = forms.IntegerField(widget=forms.HiddenInput())
    outcome = forms.ChoiceField(label=_("Outcome"), choices=ContactAttempt.Outcome.choices)
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=0, required=False
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    content = forms.CharField(
        label=_("Message text or transcript"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
