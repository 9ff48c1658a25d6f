"""Home-page numbers for money: broken promises, approvals waiting, payments received today."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from heed.core.roles import has_permission
from heed.payments import selectors
from heed.payments.models import Payment


def widgets(user: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if has_permission(user, "payments.record"):
        found.append(
            {
                "label": _("Broken promises in your work"),
                "value": selectors.broken_promises_for_user(user).count(),
                "url": reverse("payments:list"),
            }
        )
        found.append(
            {
                "label": _("Payments received today"),
                "value": selectors.payments_for_user(user)
                .filter(received_at__date=timezone.localdate(), status=Payment.Status.POSTED)
                .count(),
                "url": reverse("payments:list"),
            }
        )
    if has_permission(user, "payments.approve"):
        settlements, plans = selectors.approvals_queue_for_user(user)
        found.append(
            {
                "label": _("Waiting for your approval"),
                "value": settlements.count() + plans.count(),
                "url": reverse("payments:approvals"),
            }
        )
    return found
