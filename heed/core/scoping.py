"""Object-level scoping used by every lookup.

Each entity offers ``<Model>.objects.for_user(user)`` (a QuerySet method) and a
``<entity>_get_for_user(user, pk)`` selector built on :func:`get_scoped_or_404`, which answers
the same :class:`~heed.core.errors.NotFound` whether the row is missing or out of the user's
scope, so ids cannot be probed.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models

from heed.core.errors import NotFound

M = TypeVar("M", bound=models.Model)


def get_scoped_or_404(queryset: models.QuerySet[M], pk: Any) -> M:
    try:
        return queryset.get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError, ValidationError):
        raise NotFound()
