"""Readable names of the content categories (RULES.md §Content) for the screens."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

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
