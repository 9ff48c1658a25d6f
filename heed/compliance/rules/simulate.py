"""What-if: the same evaluators on a hypothetical situation described as plain data.

The input is the body of ``POST /api/v1/compliance/simulate``; nothing is stored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from heed.compliance.rules import clock
from heed.compliance.rules.engine import evaluate
from heed.compliance.rules.model import (
    Attempt,
    Decision,
    Hold,
    Preferences,
    Proposed,
    Situation,
    TimeRange,
)
from heed.compliance.rules.packs import Pack, PackError, file_packs, packs_for_jurisdiction

DEFAULT_ZONES = {"CN": "Asia/Shanghai", "GB": "Europe/London", "US-MA": "America/New_York"}


def parse_moment(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def _ranges(values: Sequence[Any]) -> tuple[TimeRange, ...]:
    found = []
    for value in values:
        start, end = value.split("-") if isinstance(value, str) else (value["start"], value["end"])
        found.append(TimeRange(clock.parse_clock(start), clock.parse_clock(end)))
    return tuple(found)


def situation_from_data(data: Mapping[str, Any]) -> Situation:
    proposed = data["proposed"]
    preferences = data.get("preferences") or {}
    zones = tuple(data.get("timezones") or ())
    if not zones:
        zones = (DEFAULT_ZONES.get(str(data.get("jurisdiction", "")).upper(), "UTC"),)
    for name in zones:
        clock.zone(name)  # raises for an unknown zone
    return Situation(
        proposed=Proposed(
            channel=proposed["channel"],
            at=parse_moment(proposed["at"]),
            party=proposed.get("party", "debtor"),
            to=str(proposed.get("to", "")),
            purpose=proposed.get("purpose", "collect"),
            to_kind=proposed.get("to_kind", ""),
            provenance=proposed.get("provenance", ""),
        ),
        timezones=zones,
        history=tuple(
            Attempt(
                channel=item["channel"],
                at=parse_moment(item["at"]),
                party=item.get("party", "debtor"),
                to=str(item.get("to", "")),
                outcome=item.get("outcome", "no_answer"),
                with_consent=bool(item.get("with_consent", False)),
                to_kind=item.get("to_kind", ""),
                initiator=item.get("initiator", "collector"),
                direction=item.get("direction", "outbound"),
            )
            for item in data.get("history") or ()
        ),
        holds=tuple(
            Hold(
                kind=item["kind"],
                since=parse_moment(item["since"]),
                until=parse_moment(item["until"]) if item.get("until") else None,
            )
            for item in data.get("holds") or ()
        ),
        preferences=Preferences(
            opted_out_channels=frozenset(preferences.get("opted_out_channels") or ()),
            opted_out_to=frozenset(str(v) for v in preferences.get("opted_out_to") or ()),
            do_not_contact=frozenset(str(v) for v in preferences.get("do_not_contact") or ()),
            blocked_times=_ranges(preferences.get("blocked_times") or ()),
            agreed_times=_ranges(preferences.get("agreed_times") or ()),
        ),
        debtor_has_valid_number=bool(data.get("debtor_has_valid_number", True)),
    )


def packs_from_data(
    data: Mapping[str, Any], available: Mapping[str, Pack] | None = None
) -> list[Pack]:
    available = available if available is not None else file_packs()
    codes = data.get("packs") or packs_for_jurisdiction(str(data.get("jurisdiction", "")))
    unknown = [code for code in codes if code not in available]
    if unknown:
        raise PackError(f"unknown packs: {', '.join(unknown)}")
    return [available[code] for code in codes]


def simulate(data: Mapping[str, Any], *, available: Mapping[str, Pack] | None = None) -> Decision:
    return evaluate(situation_from_data(data), packs_from_data(data, available))
