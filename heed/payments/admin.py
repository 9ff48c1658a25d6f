from __future__ import annotations

from django.contrib import admin

from heed.payments.models import CreditorPaymentPolicy


@admin.register(CreditorPaymentPolicy)
class CreditorPaymentPolicyAdmin(admin.ModelAdmin[CreditorPaymentPolicy]):
    """Read-only here: policy changes go through the audited service (API)."""

    list_display = (
        "creditor",
        "promise_grace_days",
        "plan_default_after_missed",
        "settlement_manager_bps",
    )

    def has_add_permission(self, request: object) -> bool:  # type: ignore[override]
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:  # type: ignore[override]
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:  # type: ignore[override]
        return False
