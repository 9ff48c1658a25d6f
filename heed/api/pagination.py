from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PaginationBase


class Page(PaginationBase):
    """``?page=1&page_size=50`` → ``{"items", "count", "page", "page_size"}``."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000)
        page_size: int = Field(50, ge=1, le=500)

    class Output(Schema):
        items: list[Any]
        count: int
        page: int
        page_size: int

    def paginate_queryset(
        self, queryset: QuerySet[Any], pagination: Any, request: HttpRequest, **params: Any
    ) -> dict[str, Any]:
        offset = (pagination.page - 1) * pagination.page_size
        count = queryset.count() if isinstance(queryset, QuerySet) else len(queryset)
        return {
            "items": list(queryset[offset : offset + pagination.page_size]),
            "count": count,
            "page": pagination.page,
            "page_size": pagination.page_size,
        }
