"""Entries this app adds to the main navigation (shown only with the permission)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from heed.web.nav import NavItem

NAV: list[NavItem] = [
    NavItem(_("Rule packs"), "compliance:packs", "compliance.view", order=60, section="oversight"),
    NavItem(
        _("Decisions"), "compliance:decisions", "compliance.view", order=61, section="oversight"
    ),
    NavItem(_("Holds"), "compliance:holds", "compliance.view", order=62, section="oversight"),
    NavItem(
        _("Unchecked contacts"),
        "compliance:unchecked",
        "compliance.view",
        order=63,
        section="oversight",
    ),
    NavItem(_("What-if"), "compliance:simulate", "compliance.view", order=64, section="oversight"),
]
