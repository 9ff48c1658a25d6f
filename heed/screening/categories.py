"""Readable names for the screens: content categories (RULES.md §Content), verdicts, channels,
gates and the reasons a hit was not counted. The API keeps the raw codes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from heed.screening.engine.lexicon import GATED_CATEGORIES

CATEGORY_LABELS: dict[str, Any] = {
    "P1": _("Threats of violence or harm"),
    "P2": _("Threats against family, family as leverage"),
    "P3": _("Insults, obscenity, degrading labels"),
    "P4": _("Impersonating police, courts, prosecutors, government"),
    "P5": _("False lawyer or legal-status claims"),
    "P6": _("Fake or official-looking documents"),
    "P7": _("Threats of arrest, jail, criminal charges"),
    "P8": _("Threatened action that is unlawful or not intended"),
    "P9": _("Disclosure to third parties, employer, public; blasting the contact list"),
    "P10": _("Demanding payment from relatives, contacts or third parties"),
    "P11": _("Bombardment threats"),
    "P12": _("Coercive funding: borrow elsewhere, cash out cards, sell essentials"),
    "P13": _("Unauthorised fees, false amounts"),
    "P14": _("Deceptive pretexts"),
    "P15": _("Misleading credit-report claims"),
    "P16": _("Exposing health data, photos, ID documents"),
    "P17": _("Encouraging self-harm; slurs on protected characteristics"),
    "P18": _("Crowd, banner, wreath, workplace intimidation"),
}

VERDICT_LABELS: dict[str, Any] = {
    "block": pgettext_lazy("screening verdict", "Blocked"),
    "review": pgettext_lazy("screening verdict", "Needs review"),
    "pass": pgettext_lazy("screening verdict", "Passes"),
}


def category_mode(code: str) -> Any:
    return _("gated") if code in GATED_CATEGORIES else _("always")


# With a context: the foundation's catalog translates a person's "E-mail" (their address).
CHANNEL_LABELS: dict[str, Any] = {
    "sms": pgettext_lazy("message channel", "SMS"),
    "email": pgettext_lazy("message channel", "E-mail"),
    "letter": pgettext_lazy("message channel", "Letter"),
    "call": pgettext_lazy("message channel", "Call"),
    "voicemail": pgettext_lazy("message channel", "Voicemail"),
    "im": pgettext_lazy("message channel", "IM"),
    "other": pgettext_lazy("message channel", "Other"),
}

# What each gate asks of the account's facts (lexicon/README.md §Gates).
GATE_LABELS: dict[str, Any] = {
    "never": pgettext_lazy("screening gate", "Never (always prohibited)"),
    "lawyer": pgettext_lazy("screening gate", "A lawyer is instructed"),
    "lawsuit": pgettext_lazy("screening gate", "Litigation approved"),
    "filed": pgettext_lazy("screening gate", "Suit filed"),
    "enforcement": pgettext_lazy("screening gate", "Judgment obtained (enforcement)"),
    "fee": pgettext_lazy("screening gate", "Fee provided in the contract"),
    "credit": pgettext_lazy("screening gate", "Creditor reports to credit bureaus"),
}


def suppressed_reason_label(reason: str, exceptions: Mapping[str, str]) -> str:
    """A person's words for why a hit was not counted. ``reason`` is the engine's code:
    ``speaker:customer``, ``context:<rule>``, ``gate:<gate>:facts_hold`` or the source of the
    exception phrase that covers the hit (``exceptions.txt:<line>``, ``ui:<change>``), which
    ``exceptions`` maps to its phrase. An unknown code is shown as it is."""
    if reason == "speaker:customer":
        return gettext("the customer's own words in a call")
    kind, _colon, rest = reason.partition(":")
    if kind == "context" and rest:
        return gettext("context rule: %(rule)s") % {"rule": rest}
    if kind == "gate" and rest.endswith(":facts_hold"):
        gate = rest.removesuffix(":facts_hold")
        return gettext("the account's facts make it true (%(gate)s)") % {
            "gate": GATE_LABELS.get(gate, gate)
        }
    if reason in exceptions:
        return gettext("exception: %(phrase)s") % {"phrase": exceptions[reason]}
    return reason
