from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from heed.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log is append-only (the database refuses changes anyway)."""

    list_display = ("seq", "occurred_at", "actor_label", "action", "target_type", "target_id")
    list_filter = ("action",)
    search_fields = ("action", "target_id", "actor_label")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
