from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from heed.web.nav import items_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "heed_demo": settings.DEBUG}
    return {
        "nav_items": items_for(user),
        "heed_demo": settings.DEBUG,
        "mfa_relaxed": getattr(user, "role", "") not in settings.MFA_REQUIRED_ROLES,
    }
