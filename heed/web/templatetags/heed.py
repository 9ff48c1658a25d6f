from __future__ import annotations

from typing import Any

from django import template

from heed.core.roles import has_permission

register = template.Library()


@register.filter
def can(user: Any, permission: str) -> bool:
    """``{% if user|can:"payments.record" %}`` — the role carries the named permission."""
    return has_permission(user, permission)
