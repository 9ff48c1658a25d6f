from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from heed.web.nav import NavItem

NAV: list[NavItem] = [
    NavItem(_("Home"), "home", "home.view", order=0),
    NavItem(_("Staff"), "users_list", "users.manage", order=900, section="admin"),
    NavItem(_("Teams & agencies"), "teams_list", "users.manage", order=910, section="admin"),
    NavItem(_("Audit log"), "audit_list", "audit.view", order=800, section="oversight"),
    NavItem(_("Background tasks"), "task_runs", "tasks.view", order=850, section="oversight"),
    NavItem(_("API keys"), "api_keys", "apikeys.manage_own", order=950, section="admin"),
]
