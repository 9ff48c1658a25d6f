from __future__ import annotations

from django import template

from heed.core.money import MoneyError, format_minor

register = template.Library()


@register.filter
def money(minor: int | None, currency: str) -> str:
    """Integer minor units → "12,000.00 CNY"."""
    if minor is None:
        return "—"
    try:
        return format_minor(int(minor), currency)
    except MoneyError:
        return str(minor)
