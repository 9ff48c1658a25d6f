"""The home page's numbers. Each app may offer ``<app>/home.py`` with ``widgets(user)`` returning
``[{"label", "value", "url"?, "hint"?}]`` for what that user may see; this module collects them."""

from __future__ import annotations

from datetime import timedelta
from importlib import import_module
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from heed.audit.models import AuditEvent
from heed.core.modules import module_exists
from heed.core.roles import has_permission
from heed.tasks.models import TaskRun
from heed.users.models import Agency, ApiKey, Team, User

HOME_MODULES = (
    "heed.portfolio.home",
    "heed.collection.home",
    "heed.compliance.home",
    "heed.payments.home",
    "heed.screening.home",
)


def _foundation(user: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if has_permission(user, "users.view"):
        counts = User.objects.for_user(user).aggregate(
            active=Count("pk", filter=Q(is_active=True)), total=Count("pk")
        )
        found.append({"label": _("Active staff"), "value": counts["active"]})
    if has_permission(user, "users.manage"):
        found.append({"label": _("Teams"), "value": Team.objects.count(), "url": "/admin/teams/"})
        found.append({"label": _("Agencies"), "value": Agency.objects.count()})
        found.append({"label": _("Active API keys"), "value": ApiKey.objects.active().count()})
    if has_permission(user, "audit.view"):
        since = timezone.now() - timedelta(days=1)
        found.append(
            {
                "label": _("Audit events (24 h)"),
                "value": AuditEvent.objects.filter(occurred_at__gte=since).count(),
                "url": "/audit/",
            }
        )
        found.append(
            {
                "label": _("Failed logins (24 h)"),
                "value": _failed_logins_since(since),
            }
        )
    if has_permission(user, "tasks.view"):
        found.append(
            {
                "label": _("Tasks running or queued"),
                "value": TaskRun.objects.filter(
                    status__in=[TaskRun.Status.QUEUED, TaskRun.Status.RUNNING]
                ).count(),
                "url": "/tasks/",
            }
        )
    if has_permission(user, "apikeys.manage_own") and not has_permission(user, "users.manage"):
        found.append(
            {
                "label": _("Your API keys"),
                "value": ApiKey.objects.active().filter(user_id=user.pk).count(),
                "url": "/api-keys/",
            }
        )
    return found


def _failed_logins_since(since: Any) -> int:
    from axes.models import AccessFailureLog

    return AccessFailureLog.objects.filter(attempt_time__gte=since).count()


def widgets_for(user: Any) -> list[dict[str, Any]]:
    found = []
    for module_name in HOME_MODULES:
        if not module_exists(module_name):
            continue
        found.extend(import_module(module_name).widgets(user))
    return found + _foundation(user)
