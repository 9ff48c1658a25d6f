"""Readable labels for screening codes in templates (the stored values stay the codes)."""

from __future__ import annotations

from typing import Any

from django import template

from heed.screening.categories import CHANNEL_LABELS, GATE_LABELS, VERDICT_LABELS

register = template.Library()


@register.filter
def verdict_label(code: str) -> Any:
    """``pass`` / ``review`` / ``block`` → "Passes" / "Needs review" / "Blocked"."""
    return VERDICT_LABELS.get(code, code)


@register.filter
def gate_label(code: str) -> Any:
    """A lexicon gate (``lawyer``, ``fee``…) → what the account's facts must say."""
    return GATE_LABELS.get(code, code)


@register.filter
def channel_label(code: str) -> Any:
    """A message channel (``sms``, ``email``…) in the reader's language."""
    return CHANNEL_LABELS.get(code, code)
