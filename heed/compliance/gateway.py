"""Turn database facts into the pure rules' situation — one builder for preflight and bulk.

Both the single ``preflight`` and the set-wise "who may be contacted now" feed rows through
:func:`build_situation`, so the two can never disagree about what a rule saw.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from heed.compliance.rules.model import (
    CHANNELS,
    Attempt,
    Hold,
    Preferences,
    Proposed,
    Situation,
    TimeRange,
)
from heed.compliance.rules.packs import Pack, packs_for_jurisdiction

# The longest counting window in any pack is 30 days (US-MA); a little more is read.
HISTORY_DAYS = 35
CONSENT_DAYS = 7
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
DEFAULT_ZONE = {"CN": "Asia/Shanghai", "GB": "Europe/London", "US": "America/New_York"}

# Which channels each kind of contact point carries.
CHANNELS_BY_KIND: dict[str, tuple[str, ...]] = {
    "phone": ("call", "sms", "ai_voice"),
    "email": ("email",),
    "postal": ("letter", "visit"),
    "im": ("im",),
}
assert all(c in CHANNELS for channels in CHANNELS_BY_KIND.values() for c in channels)


@dataclass(frozen=True)
class AccountFacts:
    id: int
    debtor_id: int
    jurisdiction: str
    creditor_packs: tuple[str, ...]
    debtor_timezones: tuple[str, ...]
    debtor_country: str = ""
    is_deceased: bool = False
    is_bankrupt: bool = False
    lacks_capacity: bool = False


@dataclass(frozen=True)
class PointFacts:
    id: int
    kind: str
    party_role: str
    provenance: str
    is_valid: bool
    opted_out: bool
    timezones: tuple[str, ...] = ()

    @property
    def ref(self) -> str:
        return point_ref(self.id)


def point_ref(point_id: int | None) -> str:
    return f"cp:{point_id}" if point_id is not None else ""


def account_facts(account: Any) -> AccountFacts:
    debtor = account.debtor
    return AccountFacts(
        id=account.pk,
        debtor_id=debtor.pk,
        jurisdiction=account.jurisdiction or getattr(account.creditor, "default_jurisdiction", ""),
        creditor_packs=tuple(account.creditor.rule_packs or ()),
        debtor_timezones=tuple(debtor.timezones or ()),
        debtor_country=debtor.country or "",
        is_deceased=debtor.is_deceased,
        is_bankrupt=debtor.is_bankrupt,
        lacks_capacity=debtor.lacks_capacity,
    )


def point_facts(point: Any) -> PointFacts:
    return PointFacts(
        id=point.pk,
        kind=point.kind,
        party_role=point.party_role,
        provenance=point.provenance,
        is_valid=point.is_valid,
        opted_out=point.opted_out,
        timezones=tuple(point.timezones or ()),
    )


def pack_codes(facts: AccountFacts) -> tuple[str, ...]:
    return packs_for_jurisdiction(facts.jurisdiction, facts.creditor_packs)


def packs_for(facts: AccountFacts, available: Mapping[str, Pack]) -> list[Pack]:
    """The applicable packs that exist (an unknown code in a creditor's list is ignored)."""
    return [available[code] for code in pack_codes(facts) if code in available]


def candidate_zones(facts: AccountFacts, point: PointFacts | None) -> tuple[str, ...]:
    """Every zone the person may be in: the debtor's zones plus the number's own zones.

    A mobile number can cover many zones; when it names more than three, the address-based
    zones stand alone (the number tells us little).
    """
    zones = list(facts.debtor_timezones)
    if point is not None and point.party_role == "debtor" and 0 < len(point.timezones) <= 3:
        zones.extend(z for z in point.timezones if z not in zones)
    if point is not None and point.party_role != "debtor" and point.timezones:
        zones = [z for z in point.timezones[:3]]  # a third party lives where their number is
    if not zones:
        region = facts.jurisdiction.split("-")[0] if facts.jurisdiction else facts.debtor_country
        zones = [DEFAULT_ZONE.get(region, "UTC")]
    return tuple(zones)


def holds_for(facts: AccountFacts, rows: Iterable[Any]) -> tuple[Hold, ...]:
    """Rule holds from stored holds (this account's and the person's) and debtor flags."""
    found = [
        Hold(
            kind=row.kind,
            since=row.starts_at,
            until=_hold_until(row),
            account=str(row.account_id) if row.account_id else "",
        )
        for row in rows
        if row.account_id in (None, facts.id)
    ]
    flags = {"deceased": facts.is_deceased, "bankruptcy": facts.is_bankrupt}
    flags["lacks_capacity"] = facts.lacks_capacity
    found.extend(Hold(kind=kind, since=EPOCH) for kind, on in flags.items() if on)
    return tuple(found)


def _hold_until(row: Any) -> datetime | None:
    if row.released_at is not None and (row.ends_at is None or row.released_at < row.ends_at):
        return row.released_at
    return row.ends_at


def preferences_for(rows: Iterable[Any], points: Sequence[PointFacts]) -> Preferences:
    channels: set[str] = set()
    opted: set[str] = {p.ref for p in points if p.opted_out}
    dnc: set[str] = set()
    blocked: list[TimeRange] = []
    agreed: list[TimeRange] = []
    language = ""
    for row in rows:
        if row.kind == "opt_out_channel" and row.channel:
            channels.add(row.channel)
        elif row.kind == "opt_out_point" and row.contact_point_id:
            opted.add(point_ref(row.contact_point_id))
        elif row.kind == "third_party_dnc" and row.contact_point_id:
            dnc.add(point_ref(row.contact_point_id))
        elif row.kind == "blocked_time":
            blocked.append(TimeRange(row.start_time, row.end_time))
        elif row.kind == "agreed_time":
            agreed.append(TimeRange(row.start_time, row.end_time))
        elif row.kind == "language":
            language = row.language
    return Preferences(
        opted_out_channels=frozenset(channels),
        opted_out_to=frozenset(opted),
        do_not_contact=frozenset(dnc),
        blocked_times=tuple(blocked),
        agreed_times=tuple(agreed),
        language=language,
    )


def has_consent(rows: Iterable[Any], at: datetime, channel: str) -> bool:
    """US-06: direct consent given within the last 7 days (for this channel or any)."""
    return any(
        row.kind == "consent"
        and row.created_at <= at < row.created_at + timedelta(days=CONSENT_DAYS)
        and row.channel in ("", channel)
        for row in rows
    )


def attempt_from_row(row: Any) -> Attempt:
    return Attempt(
        channel=row.channel,
        at=row.started_at,
        party=row.party_role,
        to=point_ref(row.contact_point_id),
        outcome=row.outcome,
        account=str(row.account_id),
        direction=row.direction,
        initiator=row.initiator,
        with_consent=row.with_consent,
    )


def build_situation(
    *,
    facts: AccountFacts,
    point: PointFacts | None,
    channel: str,
    at: datetime,
    purpose: str,
    history: Sequence[Attempt],
    holds: tuple[Hold, ...],
    preferences: Preferences,
    debtor_points: Sequence[PointFacts],
    with_consent: bool = False,
) -> Situation:
    party = point.party_role if point is not None else "debtor"
    return Situation(
        proposed=Proposed(
            channel=channel,
            at=at,
            party=party,
            to=point.ref if point is not None else "",
            purpose=purpose,
            account=str(facts.id),
            provenance=point.provenance if point is not None else "",
            to_is_valid=point.is_valid if point is not None else True,
            with_consent=with_consent,
        ),
        timezones=candidate_zones(facts, point),
        history=tuple(history),
        holds=holds,
        preferences=preferences,
        debtor_has_valid_number=any(
            p.is_valid and p.kind == "phone" for p in debtor_points if p.party_role == "debtor"
        ),
    )
