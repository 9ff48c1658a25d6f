from __future__ import annotations

from typing import Any

from django import template

from heed.compliance.display import decision_for_display

register = template.Library()


@register.inclusion_tag("compliance/_decision.html")
def decision_panel(decision: Any, language: str) -> dict[str, Any]:
    """A gateway decision (stored or simulated) in plain words."""
    return {"d": decision_for_display(decision, language)}
