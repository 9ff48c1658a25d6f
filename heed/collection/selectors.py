"""Reads of contact attempts: the gateway's history, an account's timeline, unchecked contacts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from heed.collection.models import ContactAttempt
from heed.compliance.rules.model import Attempt

HISTORY_FIELDS = (
    "id",
    "debtor_id",
    "account_id",
    "contact_point_id",
    "party_role",
    "channel",
    "direction",
    "initiator",
    "started_at",
    "outcome",
    "with_consent",
)


def _attempt(row: dict[str, Any]) -> Attempt:
    point = row["contact_point_id"]
    return Attempt(
        channel=row["channel"],
        at=row["started_at"],
        party=row["party_role"],
        to=f"cp:{point}" if point is not None else "",
        outcome=row["outcome"],
        account=str(row["account_id"]),
        direction=row["direction"],
        initiator=row["initiator"],
        with_consent=row["with_consent"],
    )


def history_for_debtor(debtor_id: int, *, since: datetime) -> list[Attempt]:
    """Every contact with the person since ``since`` — across all accounts, creditors and
    agencies (the Chinese standard counts across the institution and its agencies)."""
    rows = (
        ContactAttempt.objects.filter(debtor_id=debtor_id, started_at__gte=since)
        .order_by("started_at", "id")
        .values(*HISTORY_FIELDS)
    )
    return [_attempt(row) for row in rows]


_HISTORY = None


def history_for_debtor_fast(debtor_id: int, *, since: datetime) -> list[Attempt]:
    """:func:`history_for_debtor` on the gateway's hot path (query compiled once)."""
    global _HISTORY
    from heed.compliance.fastread import Prepared, aware

    if _HISTORY is None:
        _HISTORY = Prepared(
            lambda debtor, moment: (
                ContactAttempt.objects.filter(debtor_id=debtor, started_at__gte=moment)
                .order_by("started_at", "id")
                .values_list(*HISTORY_FIELDS)
            )
        )
    found = []
    for row in _HISTORY.rows(debtor_id, since):
        point = row[3]
        found.append(
            Attempt(
                channel=row[5],
                at=aware(row[8]),  # type: ignore[arg-type]
                party=row[4],
                to=f"cp:{point}" if point is not None else "",
                outcome=row[9],
                account=str(row[2]),
                direction=row[6],
                initiator=row[7],
                with_consent=bool(row[10]),
            )
        )
    return found


def history_for_debtors(debtor_ids: Iterable[int], *, since: datetime) -> dict[int, list[Attempt]]:
    """The same as :func:`history_for_debtor` for many people in one pass."""
    found: dict[int, list[Attempt]] = defaultdict(list)
    ids = list(debtor_ids)
    chunk = 5000
    for start in range(0, len(ids), chunk):
        rows = (
            ContactAttempt.objects.filter(
                debtor_id__in=ids[start : start + chunk], started_at__gte=since
            )
            .order_by("started_at", "id")
            .values_list(*HISTORY_FIELDS)
        )
        for row in rows.iterator(chunk_size=10000):
            found[row[1]].append(_attempt(dict(zip(HISTORY_FIELDS, row, strict=True))))
    return found


def account_timeline(user: Any, account_id: int) -> QuerySet[ContactAttempt]:
    """An account's contacts, newest first, with their decisions (no per-row queries)."""
    return (
        ContactAttempt.objects.for_user(user)
        .filter(account_id=account_id)
        .select_related("contact_point", "collector", "decision")
    )


def unchecked_contacts(user: Any) -> QuerySet[ContactAttempt]:
    return (
        ContactAttempt.objects.for_user(user)
        .unchecked()
        .select_related("account", "contact_point", "collector", "decision")
        .order_by("-created_at", "-id")
    )


def contact_attempt_get_for_user(user: Any, pk: Any) -> ContactAttempt:
    from heed.core.scoping import get_scoped_or_404

    return get_scoped_or_404(
        ContactAttempt.objects.for_user(user).select_related("decision", "contact_point"), pk
    )
