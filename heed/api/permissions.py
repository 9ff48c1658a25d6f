from __future__ import annotations

from django.http import HttpRequest

from heed.core.errors import PermissionDenied
from heed.core.roles import has_permission


def require(request: HttpRequest, permission: str) -> None:
    """Refuse (403, nothing done) unless the caller's role carries ``permission``."""
    if not has_permission(request.user, permission):
        raise PermissionDenied()
