from __future__ import annotations

from django import template

from heed.core.money import MoneyError, format_minor, to_decimal

register = template.Library()


@register.filter
def money(minor: int | None, currency: str) -> str:
    """``{{ amount|money:account.currency }}`` → ``12,345.60 CNY``."""
    if minor is None:
        return "—"
    try:
        return format_minor(int(minor), currency)
    except MoneyError:
        return str(minor)


@register.filter
def plain_amount(minor: int | None, currency: str) -> str:
    """Minor units as a plain decimal for form fields: ``1234.50``."""
    if minor is None:
        return ""
    return str(to_decimal(int(minor), currency))


@register.filter
def percent_bps(bps: int | None) -> str:
    return "—" if bps is None else f"{bps / 100:.2f}%"
