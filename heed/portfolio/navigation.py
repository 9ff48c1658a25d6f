"""Entries this app adds to the main navigation (shown only with the permission)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from heed.web.nav import NavItem

NAV: list[NavItem] = [
    NavItem(_("Accounts"), "portfolio:accounts", "portfolio.view", order=10, section="work"),
    NavItem(_("Creditors"), "portfolio:creditors", "portfolio.view_all", order=40, section="work"),
    NavItem(_("Placements"), "portfolio:placements", "portfolio.import", order=41, section="work"),
    NavItem(
        _("Debtor record views"),
        "portfolio:debtor_views",
        "audit.view",
        order=80,
        section="oversight",
    ),
]
