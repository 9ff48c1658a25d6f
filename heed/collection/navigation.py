"""Entries this app adds to the main navigation (shown only with the permission)."""

from __future__ import annotations

from heed.web.nav import NavItem

# The contact screens open from an account (collection:account_workspace), not from the menu.
NAV: list[NavItem] = []
