"""Entries this app adds to the main navigation (shown only with the permission)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from heed.web.nav import NavItem

NAV: list[NavItem] = [
    NavItem(_("Payments"), "payments:list", "payments.record", order=40, section="work"),
    NavItem(_("Approvals"), "payments:approvals", "payments.approve", order=45, section="work"),
    NavItem(
        _("Remittance"), "payments:remittance", "payments.remittance", order=60, section="oversight"
    ),
]
