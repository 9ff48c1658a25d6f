"""Property tests for the pure rules (hypothesis)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from heed.compliance.rules import clock
from heed.compliance.rules.engine import evaluate
from heed.compliance.rules.model import Attempt, Proposed, Situation
from heed.compliance.rules.packs import file_packs

ZONES = [
    "Asia/Shanghai",
    "America/New_York",
    "America/Los_Angeles",
    "America/Chicago",
    "Europe/London",
    "Pacific/Honolulu",
]
WINDOWS = {"CN": ("cn-gbt45251-2025", 8, 22), "US-NY": ("us-regf", 8, 21), "GB": ("uk-conc", 8, 21)}
OUTCOMES = ["conversation", "no_answer", "voicemail", "busy", "failed", "refused"]
START = datetime(2026, 3, 1, tzinfo=UTC)

moments = st.integers(min_value=0, max_value=60 * 24 * 60).map(
    lambda m: START + timedelta(minutes=m)
)
zone_sets = st.lists(st.sampled_from(ZONES), min_size=1, max_size=3, unique=True).map(tuple)


def _packs(jurisdiction: str) -> list:  # type: ignore[type-arg]
    return [file_packs()[WINDOWS[jurisdiction][0]]]


@settings(max_examples=300, deadline=None)
@given(
    jurisdiction=st.sampled_from(sorted(WINDOWS)),
    zones=zone_sets,
    moment=moments,
    channel=st.sampled_from(["call", "sms", "email", "visit"]),
)
def test_no_allowed_decision_falls_outside_the_window_in_any_zone(
    jurisdiction: str, zones: tuple[str, ...], moment: datetime, channel: str
) -> None:
    _, start, end = WINDOWS[jurisdiction]
    situation = Situation(proposed=Proposed(channel=channel, at=moment, to="d1"), timezones=zones)
    decision = evaluate(situation, _packs(jurisdiction))
    checked = [decision.next_allowed_at] if decision.next_allowed_at is not None else []
    if decision.allowed:
        checked.append(moment)
    for instant in checked:
        assert evaluate(situation.at(instant), _packs(jurisdiction)).allowed
        for name in zones:
            local = clock.local(instant, name)
            assert start <= local.hour < end, (name, local)
    if decision.allowed:
        assert decision.next_allowed_at == moment
    else:
        assert decision.next_allowed_at is None or decision.next_allowed_at > moment


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    jurisdiction=st.sampled_from(["US-NY", "US-MA", "CN", "GB"]),
    zones=zone_sets,
    outcomes=st.lists(st.sampled_from(OUTCOMES), min_size=10, max_size=30),
    gaps=st.lists(st.integers(min_value=0, max_value=600), min_size=30, max_size=30),
)
def test_following_next_allowed_at_never_exceeds_the_caps(
    jurisdiction: str, zones: tuple[str, ...], outcomes: list[str], gaps: list[int]
) -> None:
    codes = {
        "US-NY": ["us-regf"],
        "US-MA": ["us-regf", "us-ma"],
        "CN": ["cn-gbt45251-2025"],
        "GB": ["uk-conc"],
    }
    packs = [file_packs()[c] for c in codes[jurisdiction]]
    history: list[Attempt] = []
    moment = START
    for outcome, gap in zip(outcomes, gaps, strict=False):
        moment += timedelta(minutes=gap)
        situation = Situation(
            proposed=Proposed(channel="call", at=moment, to="d1"),
            timezones=zones,
            history=tuple(history),
        )
        decision = evaluate(situation, packs)
        if not decision.allowed:
            if decision.next_allowed_at is None:
                # only when the zones' windows never overlap: nothing in two days is allowed
                probes = [moment + timedelta(minutes=15 * k) for k in range(4 * 48)]
                assert not any(evaluate(situation.at(p), packs).allowed for p in probes)
                break
            moment = decision.next_allowed_at
            assert evaluate(situation.at(moment), packs).allowed
        history.append(Attempt(channel="call", at=moment, to="d1", outcome=outcome))
    for name in zones:
        days = [clock.local_date(a.at, name) for a in history]
        counted = [
            clock.local_date(a.at, name) for a in history if a.outcome not in ("busy", "failed")
        ]
        for first in {d - timedelta(days=k) for d in days for k in range(7)}:
            span = [d for d in counted if first <= d <= first + timedelta(days=6)]
            every = [d for d in days if first <= d <= first + timedelta(days=6)]
            if jurisdiction.startswith("US"):
                assert len(span) <= 7
            if jurisdiction == "US-MA":
                assert len(every) <= 2
            if jurisdiction == "GB":
                assert len(every) <= 10
        if jurisdiction == "CN":
            connected = [
                clock.local_date(a.at, name)
                for a in history
                if a.outcome in ("conversation", "refused")
            ]
            assert all(connected.count(d) <= 3 for d in connected)
    if jurisdiction.startswith("US"):
        talks = [a for a in history if a.outcome == "conversation"]
        for talk in talks:
            for later in history:
                if later.at > talk.at:
                    for name in zones:
                        gap_days = (
                            clock.local_date(later.at, name) - clock.local_date(talk.at, name)
                        ).days
                        assert gap_days >= 7 or gap_days < 0


@settings(max_examples=200, deadline=None)
@given(
    jurisdiction=st.sampled_from(["US-NY", "US-MA", "CN", "GB"]),
    zones=zone_sets,
    offsets=st.lists(st.integers(min_value=0, max_value=14 * 24 * 60), min_size=0, max_size=12),
    outcomes=st.lists(st.sampled_from(OUTCOMES), min_size=12, max_size=12),
    extra_offset=st.integers(min_value=0, max_value=14 * 24 * 60),
    extra_outcome=st.sampled_from(OUTCOMES),
    moment_offset=st.integers(min_value=0, max_value=15 * 24 * 60),
)
def test_adding_history_never_turns_a_block_into_an_allow(
    jurisdiction: str,
    zones: tuple[str, ...],
    offsets: list[int],
    outcomes: list[str],
    extra_offset: int,
    extra_outcome: str,
    moment_offset: int,
) -> None:
    codes = {
        "US-NY": ["us-regf"],
        "US-MA": ["us-regf", "us-ma"],
        "CN": ["cn-gbt45251-2025"],
        "GB": ["uk-conc"],
    }
    packs = [file_packs()[c] for c in codes[jurisdiction]]
    history = tuple(
        Attempt(channel="call", at=START + timedelta(minutes=o), to="d1", outcome=out)
        for o, out in zip(offsets, outcomes, strict=False)
    )
    situation = Situation(
        proposed=Proposed(channel="call", at=START + timedelta(minutes=moment_offset), to="d1"),
        timezones=zones,
        history=history,
    )
    before = evaluate(situation, packs)
    extra = Attempt(
        channel="call", at=START + timedelta(minutes=extra_offset), to="d1", outcome=extra_outcome
    )
    after = evaluate(replace(situation, history=(*history, extra)), packs)
    if not before.allowed:
        assert not after.allowed
    if before.next_allowed_at is None and not before.allowed:
        assert after.next_allowed_at is None
    elif after.next_allowed_at is not None and before.next_allowed_at is not None:
        assert after.next_allowed_at >= before.next_allowed_at
