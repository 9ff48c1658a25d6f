"""Home-page numbers of contact work."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from heed.core.roles import has_permission


def widgets(user: Any) -> list[dict[str, Any]]:
    from heed.collection.models import ContactAttempt

    if not has_permission(user, "collection.contact"):
        return []
    today = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    mine = ContactAttempt.objects.filter(collector_id=user.pk, started_at__gte=today)
    return [
        {"label": _("My contacts today (UTC)"), "value": mine.count()},
        {"label": _("My unchecked contacts"), "value": mine.unchecked().count()},
    ]
