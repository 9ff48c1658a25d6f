"""The main navigation: each app lists its entries in ``<app>/navigation.py``; a user sees an
entry only when their role carries its permission."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Any

from django.urls import NoReverseMatch, reverse

from heed.core.roles import has_permission


@dataclass(frozen=True)
class NavItem:
    label: Any  # a lazy translated string
    url_name: str
    permission: str
    order: int = 100
    section: str = "work"  # work | oversight | admin


NAV_MODULES = (
    "heed.web.navigation",
    "heed.portfolio.navigation",
    "heed.collection.navigation",
    "heed.compliance.navigation",
    "heed.payments.navigation",
    "heed.screening.navigation",
)


def all_items() -> list[NavItem]:
    items: list[NavItem] = []
    for module in NAV_MODULES:
        items.extend(import_module(module).NAV)
    return sorted(items, key=lambda item: (item.order, str(item.label)))


def items_for(user: Any) -> list[dict[str, Any]]:
    visible = []
    for item in all_items():
        if not has_permission(user, item.permission):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        visible.append({"label": item.label, "url": url, "section": item.section})
    return visible
