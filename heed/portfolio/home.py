"""Home-page numbers from the portfolio, for what the user may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from heed.core.roles import has_permission
from heed.portfolio.models import Account, Placement


def widgets(user: Any) -> list[dict[str, Any]]:
    if not has_permission(user, "portfolio.view"):
        return []
    accounts = Account.objects.for_user(user)
    counts = accounts.aggregate(
        open=Count("pk", filter=~Q(status__in=Account.CLOSED_STATUSES)),
        unassigned=Count(
            "pk",
            filter=~Q(status__in=Account.CLOSED_STATUSES)
            & Q(assigned_collector__isnull=True, assigned_team__isnull=True, agency__isnull=True),
        ),
        principal=Sum("principal_balance", filter=~Q(status__in=Account.CLOSED_STATUSES)),
    )
    url = reverse("portfolio:accounts")
    found: list[dict[str, Any]] = [
        {"label": _("Open accounts"), "value": counts["open"], "url": url},
    ]
    if has_permission(user, "portfolio.assign"):
        found.append(
            {"label": _("Unassigned open accounts"), "value": counts["unassigned"], "url": url}
        )
    if has_permission(user, "portfolio.import"):
        running = Placement.objects.filter(
            status__in=[
                Placement.Status.PENDING,
                Placement.Status.VALIDATING,
                Placement.Status.IMPORTING,
            ]
        ).count()
        found.append(
            {
                "label": _("Imports in progress"),
                "value": running,
                "url": reverse("portfolio:placements"),
            }
        )
    return found
