"""Home-page numbers for messages: held messages waiting for a reviewer, and a sender's own
messages that screening or a reviewer stopped."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from heed.core.roles import has_permission
from heed.screening import selectors


def widgets(user: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if has_permission(user, "messages.review"):
        found.append(
            {
                "label": _("Messages waiting for your review"),
                "value": selectors.held_messages_for_user(user).exclude(sent_by=user).count(),
                "url": reverse("screening:held"),
            }
        )
    if has_permission(user, "messages.send"):
        found.append(
            {
                "label": _("Your messages held or stopped"),
                "value": selectors.messages_for_user(
                    user, mine=True, status=selectors.NOT_SENT
                ).count(),
                "url": reverse("screening:messages") + f"?mine=on&status={selectors.NOT_SENT}",
            }
        )
    return found
