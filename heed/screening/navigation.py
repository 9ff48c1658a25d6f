"""Entries this app adds to the main navigation (shown only with the permission)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from heed.web.nav import NavItem

NAV: list[NavItem] = [
    NavItem(_("Screening"), "screening:check", "screening.check", order=400, section="oversight"),
    NavItem(_("Lexicon"), "screening:lexicon", "compliance.view", order=410, section="oversight"),
    NavItem(
        _("Message templates"),
        "screening:templates",
        "compliance.view",
        order=420,
        section="oversight",
    ),
    NavItem(
        _("Held messages"), "screening:held", "messages.review", order=430, section="oversight"
    ),
    NavItem(_("Messages"), "screening:messages", "messages.review", order=435, section="oversight"),
    NavItem(_("Messages"), "screening:messages", "messages.send", order=25, section="work"),
    NavItem(_("Letters"), "screening:letters", "messages.send", order=30, section="work"),
]
