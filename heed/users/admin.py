from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from heed.users.models import Agency, ApiKey, Team, User


@admin.register(User)
class HeedUserAdmin(UserAdmin):
    list_display = ("username", "first_name", "last_name", "role", "team", "agency", "is_active")
    list_filter = ("role", "team", "agency", "is_active")
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("Heed", {"fields": ("role", "team", "agency", "language", "employee_number")}),
    )


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "lead", "is_active")


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "is_active")


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "key_hash", "created_at", "last_used_at")
