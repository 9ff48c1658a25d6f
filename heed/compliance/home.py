"""Home-page numbers of the compliance gateway."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from heed.core.roles import has_permission


def widgets(user: Any) -> list[dict[str, Any]]:
    from heed.collection.models import ContactAttempt
    from heed.compliance.models import Decision, Hold, PackVersion

    found: list[dict[str, Any]] = []
    if has_permission(user, "compliance.view"):
        since = timezone.now() - timedelta(days=1)
        found.append(
            {
                "label": _("Unchecked contacts"),
                "value": ContactAttempt.objects.unchecked().count(),
                "url": "/compliance/unchecked/",
            }
        )
        found.append(
            {
                "label": _("Gateway refusals (24 h)"),
                "value": Decision.objects.filter(created_at__gte=since, allowed=False).count(),
                "url": "/compliance/decisions/?allowed=no",
            }
        )
        found.append(
            {
                "label": _("Active holds"),
                "value": Hold.objects.active_at(timezone.now()).count(),
                "url": "/compliance/holds/",
            }
        )
        found.append(
            {
                "label": _("Pack versions awaiting approval"),
                "value": PackVersion.objects.filter(status=PackVersion.Status.DRAFT).count(),
                "url": "/compliance/",
            }
        )
    return found
