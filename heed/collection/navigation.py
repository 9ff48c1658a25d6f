"""Entries this app adds to the main navigation (shown only with the permission)."""

from __future__ import annotations

from heed.web.nav import NavItem

NAV: list[NavItem] = []
