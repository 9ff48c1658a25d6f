"""Home-page numbers for messages: held messages waiting for a reviewer, and a sender's own
messages that screening or a reviewer stopped."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from heed.core.roles import has_permission
from heed.screening import selectors
from heed.screening.models import OutgoingMessage


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
        stopped = (
            OutgoingMessage.Status.HELD_REVIEW,
            OutgoingMessage.Status.REJECTED,
            OutgoingMessage.Status.BLOCKED_CONTENT,
        )
        found.append(
            {
                "label": _("Your messages held or stopped"),
                "value": selectors.messages_for_user(user, mine=True)
                .filter(status__in=stopped)
                .count(),
                "url": reverse("screening:messages") + "?mine=on",
            }
        )
    return found
