"""One pure evaluator per rule kind. Each answers a :class:`Check` for one rule and a situation.

Evaluators never look at the database or the clock: the situation carries the proposed time,
the history, holds and preferences. ``next_at`` is the earliest instant at or after the proposed
time at which *this* rule would pass (``None`` when waiting does not help), so the engine can
compute ``next_allowed_at`` as a fixpoint over every blocking rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import holidays as holidays_lib

from heed.compliance.rules import clock
from heed.compliance.rules.model import (
    CONNECTED_OUTCOMES,
    DEBTOR,
    PURPOSE_LOCATE,
    PURPOSE_RELAY,
    REFUSED,
    THIRD_PARTIES,
    UNREACHED_OUTCOMES,
    VOICE_CHANNELS,
    Attempt,
    Situation,
    TimeRange,
)
from heed.compliance.rules.packs import Rule

SEARCH_DAYS = 400  # how far ahead next_at looks before giving up


@dataclass
class Check:
    """One rule's answer. ``next_at`` may be given as a function, computed only when asked."""

    passed: bool
    counters: dict[str, Any] = field(default_factory=dict)
    message_en: str = ""
    message_zh: str = ""
    next_at_or_fn: datetime | Callable[[], datetime | None] | None = None
    applicable: bool = True

    @property
    def next_at(self) -> datetime | None:
        if callable(self.next_at_or_fn):
            self.next_at_or_fn = self.next_at_or_fn()
        return self.next_at_or_fn


PASS_NOT_APPLICABLE = Check(passed=True, applicable=False)

Evaluator = Callable[[Rule, Situation], Check]
EVALUATORS: dict[str, Evaluator] = {}


def evaluator(kind: str) -> Callable[[Evaluator], Evaluator]:
    def register(function: Evaluator) -> Evaluator:
        EVALUATORS[kind] = function
        return function

    return register


# ---------------------------------------------------------------------------------------------
# helpers


def _zones(situation: Situation) -> tuple[str, ...]:
    return situation.timezones or ("UTC",)


def _gates(rule: Rule, situation: Situation, default_channels: Iterable[str] | None) -> bool:
    """Does the rule gate this proposed contact at all (channel, party, purpose)?"""
    proposed = situation.proposed
    channels = rule.params.get("channels", default_channels)
    if channels is not None and proposed.channel not in channels:
        return False
    parties = rule.params.get("parties")
    if parties is not None and proposed.party not in parties:
        return False
    purposes = rule.params.get("purposes")
    if purposes is not None and proposed.purpose not in purposes:
        return False
    to_kinds = rule.params.get("to_kinds")
    return not (to_kinds is not None and proposed.to_kind not in to_kinds)


def _counted(rule: Rule, situation: Situation) -> list[Attempt]:
    """History the rule counts: channel, initiator, outcome and scope filters from its params."""
    params = rule.params
    proposed = situation.proposed
    channels = set(params.get("count_channels", params.get("channels", VOICE_CHANNELS)))
    outcomes = params.get("count_outcomes")
    excluded = set(params.get("exclude_outcomes", ()))
    excluded_kinds = set(params.get("exclude_to_kinds", ()))
    to_kinds = params.get("to_kinds")
    scope = params.get("scope", "person")
    consent_excluded = bool(params.get("exclude_consented", False))
    found = []
    for attempt in situation.history:
        if attempt.channel not in channels or not attempt.is_outbound:
            continue
        if outcomes is not None and attempt.outcome not in outcomes:
            continue
        if attempt.outcome in excluded or attempt.to_kind in excluded_kinds:
            continue
        if to_kinds is not None and attempt.to_kind not in to_kinds:
            continue
        if consent_excluded and attempt.with_consent:
            continue
        if scope == "person" and attempt.person != proposed.person:
            continue
        if scope == "person_debt" and (
            attempt.person != proposed.person
            or (attempt.account and proposed.account and attempt.account != proposed.account)
        ):
            continue
        if scope == "to" and attempt.to != proposed.to:
            continue
        found.append(attempt)
    return found


def _consented(rule: Rule, situation: Situation) -> bool:
    """US-06: a contact made with the person's direct prior consent is outside the counts."""
    return bool(rule.params.get("exclude_consented")) and situation.proposed.with_consent


def _fmt(moment: datetime | None, zone_name: str) -> str:
    if moment is None:
        return ""
    return clock.local(moment, zone_name).strftime("%Y-%m-%d %H:%M")


def _latest(moments: Iterable[datetime | None]) -> datetime | None:
    """The latest of per-zone next times; ``None`` if any zone can never pass."""
    result: datetime | None = None
    for moment in moments:
        if moment is None:
            return None
        result = moment if result is None or moment > result else result
    return result


# ---------------------------------------------------------------------------------------------
# time windows: CN-01, US-01, UK-01


def _holiday_calendar(rule: Rule, year: int) -> Any:
    spec = rule.params.get("closed_on_holidays")
    if not spec:
        return None
    return _holidays_for(spec["country"], spec.get("subdiv"), year)


_HOLIDAY_CACHE: dict[tuple[str, str | None, int], Any] = {}


def _holidays_for(country: str, subdiv: str | None, year: int) -> Any:
    key = (country, subdiv, year)
    if key not in _HOLIDAY_CACHE:
        _HOLIDAY_CACHE[key] = holidays_lib.country_holidays(country, subdiv=subdiv, years=year)
    return _HOLIDAY_CACHE[key]


def _day_closed(rule: Rule, day: date) -> bool:
    if day.weekday() in rule.params.get("closed_weekdays", ()):
        return True
    calendar = _holiday_calendar(rule, day.year)
    return calendar is not None and day in calendar


def _windows(rule: Rule, situation: Situation) -> list[TimeRange]:
    params = rule.params
    windows = [TimeRange(clock.parse_clock(params["start"]), clock.parse_clock(params["end"]))]
    if params.get("relaxable_by_agreement"):
        windows.extend(situation.preferences.agreed_times)
    return windows


def _in_window(rule: Rule, situation: Situation, moment: datetime, zone_name: str) -> bool:
    local = clock.local(moment, zone_name)
    if _day_closed(rule, local.date()):
        return False
    wall = local.time().replace(tzinfo=None)
    if not any(window.contains(wall) for window in _windows(rule, situation)):
        return False
    if rule.params.get("honour_blocked_times"):
        return not any(blocked.contains(wall) for blocked in situation.preferences.blocked_times)
    return True


def _window_next(rule: Rule, situation: Situation, start: datetime) -> datetime | None:
    """Earliest instant >= start inside the window in every zone (boundaries are candidates)."""
    zones = _zones(situation)
    if all(_in_window(rule, situation, start, z) for z in zones):
        return start
    openings = [w.start for w in _windows(rule, situation)]
    if rule.params.get("honour_blocked_times"):
        openings.extend(b.end for b in situation.preferences.blocked_times)
    # The allowed set in each zone is a union of intervals opening at local midnight, a window
    # start or the end of a blocked range; the intersection opens at one of those instants.
    # Look two days ahead first (candidates of later days are all later than these).
    near = _window_candidates(rule, situation, start, zones, openings, range(-1, 3))
    bound = start + timedelta(days=2) - timedelta(hours=2)
    for candidate in near:
        if candidate >= bound:
            break
        if all(_in_window(rule, situation, candidate, z) for z in zones):
            return candidate
    horizon = 21 + (7 if rule.params.get("closed_on_holidays") else 0)
    for candidate in _window_candidates(
        rule, situation, start, zones, openings, range(-1, horizon)
    ):
        if all(_in_window(rule, situation, candidate, z) for z in zones):
            return candidate
    return None


def _window_candidates(
    rule: Rule,
    situation: Situation,
    start: datetime,
    zones: tuple[str, ...],
    openings: list[Any],
    offsets: range,
) -> list[datetime]:
    candidates: set[datetime] = set()
    for zone_name in zones:
        first = clock.local_date(start, zone_name)
        for offset in offsets:
            day = first + timedelta(days=offset)
            candidates.add(clock.day_start(day, zone_name))
            for opening in openings:
                candidates.add(clock.at_local(day, opening, zone_name))
    return sorted(c for c in candidates if c > start)


@evaluator("time_window")
def time_window(rule: Rule, situation: Situation) -> Check:
    """Contact only inside [start, end) local time in every candidate zone (CN-01, US-01, UK-01).

    Optional: honour the debtor's blocked times, widen by a documented agreement (CN), close on
    weekdays or public holidays (UK policy).
    """
    if not _gates(rule, situation, None):
        return PASS_NOT_APPLICABLE
    proposed = situation.proposed
    zones = _zones(situation)
    outside = [z for z in zones if not _in_window(rule, situation, proposed.at, z)]
    start, end = rule.params["start"], rule.params["end"]
    counters = {"zones": list(zones), "window": f"{start}-{end}"}
    if not outside:
        return Check(passed=True, counters=counters)
    zone_name = outside[0]
    local = _fmt(proposed.at, zone_name)
    counters["outside_in"] = outside
    return Check(
        passed=False,
        counters=counters,
        message_en=(
            f"{local} in {zone_name} is outside the allowed contact hours "
            f"{start}–{end} (or a blocked time, closed day or holiday)."
        ),
        message_zh=(
            f"{zone_name} 当地时间 {local} 不在允许联系时段 {start}–{end} 内"
            "（或属于屏蔽时段、休息日或节假日）。"
        ),
        next_at_or_fn=lambda: _window_next(rule, situation, proposed.at),
    )


# ---------------------------------------------------------------------------------------------
# per-day caps: CN-03, CN-04, UK-02


def _daily_count(attempts: list[Attempt], day: date, zone_name: str) -> int:
    return sum(1 for a in attempts if clock.local_date(a.at, zone_name) == day)


@evaluator("daily_cap")
def daily_cap(rule: Rule, situation: Situation) -> Check:
    """At most ``max`` counted contacts per local day, in every candidate zone (CN-03, CN-04)."""
    if not _gates(rule, situation, rule.params.get("count_channels", VOICE_CHANNELS)):
        return PASS_NOT_APPLICABLE
    maximum = int(rule.params["max"])
    attempts = _counted(rule, situation)
    proposed = situation.proposed
    worst = 0
    failing: list[str] = []
    for zone_name in _zones(situation):
        count = _daily_count(attempts, clock.local_date(proposed.at, zone_name), zone_name)
        worst = max(worst, count)
        if count >= maximum:
            failing.append(zone_name)
    counters = {"today": worst, "max": maximum}
    if not failing:
        return Check(passed=True, counters=counters)

    def zone_next(zone_name: str) -> datetime | None:
        day = clock.local_date(proposed.at, zone_name)
        for offset in range(1, SEARCH_DAYS):
            candidate_day = day + timedelta(days=offset)
            if _daily_count(attempts, candidate_day, zone_name) < maximum:
                return clock.day_start(candidate_day, zone_name)
        return None

    return Check(
        passed=False,
        counters=counters,
        message_en=f"{worst} counted contacts today already; the limit is {maximum} per day.",
        message_zh=f"今日已计数联系 {worst} 次，每日上限为 {maximum} 次。",
        next_at_or_fn=lambda: _latest(zone_next(z) for z in failing),
    )


# ---------------------------------------------------------------------------------------------
# window caps: US-04 (7 in 7 calendar days, or rolling 168 h), US-MA, UK-02


def _calendar_worst(dates: list[date], day: date, days: int) -> int:
    """The most counted attempts (their local dates) in any ``days``-day window holding ``day``."""
    worst = 0
    for shift in range(days):
        first = day - timedelta(days=days - 1 - shift)
        last = first + timedelta(days=days - 1)
        worst = max(worst, sum(1 for d in dates if first <= d <= last))
    return worst


def _rolling_worst(attempts: list[Attempt], moment: datetime, length: timedelta) -> int:
    """The most counted attempts in any window [s, s + length) that contains ``moment``."""
    times = sorted(a.at for a in attempts)
    starts = [t for t in times if moment - length < t <= moment] + [moment]
    return max(sum(1 for t in times if s <= t < s + length) for s in starts)


@evaluator("window_cap")
def window_cap(rule: Rule, situation: Situation) -> Check:
    """At most ``max`` counted contacts in any ``days``-day window holding the proposed one.

    ``window: calendar`` counts consecutive local calendar days (Reg F 1006.14(b)(2)); ``rolling``
    counts any ``days`` × 24 h, the stricter option.
    """
    if not _gates(rule, situation, rule.params.get("count_channels", VOICE_CHANNELS)):
        return PASS_NOT_APPLICABLE
    if _consented(rule, situation):
        return Check(passed=True, counters={"with_consent": True})
    params = rule.params
    maximum, days = int(params["max"]), int(params.get("days", 7))
    rolling = params.get("window", "calendar") == "rolling"
    attempts = _counted(rule, situation)
    proposed = situation.proposed
    zones = _zones(situation)

    dates_in: dict[str, list[date]] = {}

    def worst_at(moment: datetime, zone_name: str) -> int:
        if rolling:
            return _rolling_worst(attempts, moment, timedelta(days=days))
        if zone_name not in dates_in:
            dates_in[zone_name] = [clock.local_date(a.at, zone_name) for a in attempts]
        return _calendar_worst(dates_in[zone_name], clock.local_date(moment, zone_name), days)

    counts = {z: worst_at(proposed.at, z) for z in zones}
    worst = max(counts.values())
    counters = {
        "in_window": worst,
        "max": maximum,
        "days": days,
        "window": "rolling" if rolling else "calendar",
    }
    failing = [z for z, c in counts.items() if c >= maximum]
    if not failing:
        return Check(passed=True, counters=counters)

    def zone_next(zone_name: str) -> datetime | None:
        if rolling:
            length = timedelta(days=days)
            candidates = sorted({a.at + length for a in attempts if a.at + length > proposed.at})
            for candidate in candidates:
                if worst_at(candidate, zone_name) < maximum:
                    return candidate
            return None
        day = clock.local_date(proposed.at, zone_name)
        for offset in range(1, SEARCH_DAYS):
            candidate = clock.day_start(day + timedelta(days=offset), zone_name)
            if worst_at(candidate, zone_name) < maximum:
                return candidate
        return None

    span = f"{days} × 24 h" if rolling else f"{days} consecutive days"
    span_zh = f"{days}×24 小时" if rolling else f"连续 {days} 天"
    return Check(
        passed=False,
        counters=counters,
        message_en=f"{worst} counted contacts within {span}; the limit is {maximum}.",
        message_zh=f"{span_zh}内已计数联系 {worst} 次，上限为 {maximum} 次。",
        next_at_or_fn=lambda: _latest(zone_next(z) for z in failing),
    )


# ---------------------------------------------------------------------------------------------
# cooldown after a conversation: US-05


@evaluator("cooldown_after")
def cooldown_after(rule: Rule, situation: Situation) -> Check:
    """No counted contact within ``days`` days after a conversation; its day is day 1 (US-05)."""
    if not _gates(rule, situation, rule.params.get("count_channels", VOICE_CHANNELS)):
        return PASS_NOT_APPLICABLE
    if _consented(rule, situation):
        return Check(passed=True, counters={"with_consent": True})
    days = int(rule.params.get("days", 7))
    attempts = _counted(rule, situation)
    proposed = situation.proposed
    ends: dict[str, date] = {}
    for zone_name in _zones(situation):
        today = clock.local_date(proposed.at, zone_name)
        talks = [
            clock.local_date(a.at, zone_name)
            for a in attempts
            if clock.local_date(a.at, zone_name) <= today
        ]
        blocking = [d for d in talks if d <= today <= d + timedelta(days=days - 1)]
        if blocking:
            ends[zone_name] = max(blocking) + timedelta(days=days)
    if not ends:
        return Check(passed=True, counters={"cooldown_days": days})
    next_at = _latest(clock.day_start(day, z) for z, day in ends.items())
    first_zone = next(iter(ends))
    return Check(
        passed=False,
        counters={"cooldown_days": days, "until": max(ends.values()).isoformat()},
        message_en=(
            f"A conversation about this debt took place within the last {days} days; "
            f"next call from {_fmt(next_at, first_zone)} ({first_zone})."
        ),
        message_zh=(
            f"最近 {days} 天内已就该债务通话；"
            f"下次可于 {_fmt(next_at, first_zone)}（{first_zone}）起联系。"
        ),
        next_at_or_fn=next_at,
    )


# ---------------------------------------------------------------------------------------------
# preferences and holds: US-08, US-12, US-19, UK-11, UK-12, UK-14, UK-15


# A channel's name in the two languages of a decision's reasons.
CHANNEL_WORDS: dict[str, tuple[str, str]] = {
    "call": ("call", "电话"),
    "sms": ("SMS", "短信"),
    "email": ("e-mail", "电子邮件"),
    "letter": ("letter", "信函"),
    "visit": ("visit", "上门"),
    "im": ("instant messaging", "即时通讯"),
}


@evaluator("opt_out")
def opt_out(rule: Rule, situation: Situation) -> Check:
    """Honour an opt-out of a medium or of one number/address (US-08, UK-01)."""
    if not _gates(rule, situation, None):
        return PASS_NOT_APPLICABLE
    proposed = situation.proposed
    prefs = situation.preferences
    channel_out = proposed.channel in prefs.opted_out_channels or (
        proposed.channel in VOICE_CHANNELS and bool(VOICE_CHANNELS & prefs.opted_out_channels)
    )
    point_out = bool(proposed.to) and proposed.to in prefs.opted_out_to
    if not (channel_out or point_out):
        return Check(passed=True)
    en, zh = CHANNEL_WORDS.get(proposed.channel, (proposed.channel, proposed.channel))
    what_en = f"the {en} channel" if channel_out else "this number or address"
    what_zh = f"{zh}渠道" if channel_out else "该号码或地址"
    return Check(
        passed=False,
        counters={"opted_out": proposed.channel if channel_out else proposed.to},
        message_en=f"The person opted out of {what_en}.",
        message_zh=f"当事人已拒绝通过{what_zh}联系。",
    )


HOLD_NAMES = {
    "dispute": ("dispute", "异议"),
    "cease": ("cease-communication request", "停止联系请求"),
    "bankruptcy": ("bankruptcy", "破产"),
    "deceased": ("deceased", "已故"),
    "attorney": ("attorney representation", "已委托律师"),
    "breathing_space": ("Breathing Space", "喘息期（Breathing Space）"),
    "lacks_capacity": ("possible lack of mental capacity", "可能缺乏行为能力"),
    "complaint": ("open complaint", "未结投诉"),
}


@evaluator("hold")
def hold(rule: Rule, situation: Situation) -> Check:
    """Active holds of the listed kinds stop contact except the allowed purposes.

    US-12 cease → only permitted notices; US-19 dispute → none until verification; UK-11/12
    suspend recovery; UK-14 no proceedings with an open complaint; UK-15 Breathing Space (60 days
    when no end is recorded).
    """
    if not _gates(rule, situation, None):
        return PASS_NOT_APPLICABLE
    proposed = situation.proposed
    if proposed.purpose in rule.params.get("allowed_purposes", ()):
        return Check(passed=True)
    kinds = set(rule.params["kinds"])
    default_days = rule.params.get("default_days")
    active = []
    for item in situation.holds:
        if item.kind not in kinds:
            continue
        if item.account and proposed.account and item.account != proposed.account:
            continue
        until = item.until
        if until is None and default_days:
            until = item.since + timedelta(days=int(default_days))
        if item.since <= proposed.at and (until is None or proposed.at < until):
            active.append((item, until))
    if not active:
        return Check(passed=True)
    names_en = ", ".join(sorted({HOLD_NAMES.get(h.kind, (h.kind, h.kind))[0] for h, _ in active}))
    names_zh = "、".join(sorted({HOLD_NAMES.get(h.kind, (h.kind, h.kind))[1] for h, _ in active}))
    return Check(
        passed=False,
        counters={"holds": sorted({h.kind for h, _ in active})},
        message_en=f"Contact is suspended by a hold: {names_en}.",
        message_zh=f"因暂停催收（{names_zh}）不得联系。",
        next_at_or_fn=_latest(until for _, until in active),
    )


# ---------------------------------------------------------------------------------------------
# parties: CN-06, CN-07, CN-08, US-13, CN-18


@evaluator("party_gate")
def party_gate(rule: Rule, situation: Situation) -> Check:
    """Payment may be demanded only from the listed parties (CN-06)."""
    proposed = situation.proposed
    if proposed.purpose not in rule.params.get("purposes", ("collect",)):
        return PASS_NOT_APPLICABLE
    allowed = rule.params["allowed_parties"]
    if proposed.party in allowed:
        return Check(passed=True, counters={"party": proposed.party})
    return Check(
        passed=False,
        counters={"party": proposed.party},
        message_en=(
            f"Payment may be demanded only from {', '.join(allowed)}, not from a {proposed.party}."
        ),
        message_zh="只能向债务人本人或有书面依据的担保人、共同债务人催收，不得向其他人催要还款。",
    )


def _debtor_unreachable_since(situation: Situation, needed: int) -> datetime | None:
    """The time of the last of ``needed`` consecutive unreached debtor attempts, if any."""
    debtor = sorted(
        (
            a
            for a in situation.history
            if a.party == DEBTOR and a.is_outbound and a.at < situation.proposed.at
        ),
        key=lambda a: a.at,
    )
    tail = debtor[-needed:]
    if len(tail) < needed or any(a.outcome not in UNREACHED_OUTCOMES for a in tail):
        return None
    return tail[-1].at


def _unreachable_days(situation: Situation, days: int, zone_name: str) -> bool:
    """Attempts on each of the ``days`` local days before today, none reaching the debtor."""
    today = clock.local_date(situation.proposed.at, zone_name)
    first = today - timedelta(days=days)
    attempted: set[date] = set()
    for attempt in situation.history:
        if attempt.party != DEBTOR or not attempt.is_outbound:
            continue
        day = clock.local_date(attempt.at, zone_name)
        if first <= day < today:
            if attempt.outcome not in UNREACHED_OUTCOMES:
                return False
            attempted.add(day)
    return len(attempted) == days


@evaluator("third_party_gate")
def third_party_gate(rule: Rule, situation: Situation) -> Check:
    """Third parties only when the debtor is unreachable, only to locate or relay (CN-07).

    Unreachable: every debtor number invalid; or ``consecutive_failed`` unreached attempts in a
    row (then from the next local day); or attempts on each of the last ``unreachable_days``
    days without reaching the debtor.
    """
    proposed = situation.proposed
    if proposed.party not in rule.params.get("parties", THIRD_PARTIES):
        return PASS_NOT_APPLICABLE
    purposes = rule.params.get("allowed_purposes", (PURPOSE_LOCATE, PURPOSE_RELAY))
    if proposed.purpose not in purposes:
        return Check(
            passed=False,
            counters={"purpose": proposed.purpose},
            message_en=(
                "A third party may be contacted only to locate the debtor "
                "or relay a call-back message."
            ),
            message_zh="联系第三方仅限于查找债务人或请其转告回电，不得催收。",
        )
    if not situation.debtor_has_valid_number:
        return Check(passed=True, counters={"unlocked_by": "no_valid_number"})
    zones = _zones(situation)
    needed = int(rule.params.get("consecutive_failed", 3))
    last = _debtor_unreachable_since(situation, needed)
    if last is not None and all(
        clock.local_date(proposed.at, z) > clock.local_date(last, z) for z in zones
    ):
        return Check(passed=True, counters={"unlocked_by": "consecutive_failed"})
    days = int(rule.params.get("unreachable_days", 3))
    if all(_unreachable_days(situation, days, z) for z in zones):
        return Check(passed=True, counters={"unlocked_by": "unreachable_days"})
    next_at = None
    if last is not None:
        next_at = _latest(
            clock.day_start(clock.local_date(last, z) + timedelta(days=1), z) for z in zones
        )
    return Check(
        passed=False,
        counters={"consecutive_failed_needed": needed},
        message_en=(
            f"Third parties may be contacted only when the debtor is unreachable "
            f"({needed} failed attempts in a row, then from the next day, "
            f"or {days} days unreachable)."
        ),
        message_zh=(
            f"仅在债务人失联时（连续 {needed} 次未接通后次日起，"
            f"或连续 {days} 天无法联系）方可联系第三方。"
        ),
        next_at_or_fn=next_at,
    )


@evaluator("third_party_dnc")
def third_party_dnc(rule: Rule, situation: Situation) -> Check:
    """A third party who refused further contact is never contacted again (CN-08)."""
    proposed = situation.proposed
    if proposed.party not in THIRD_PARTIES:
        return PASS_NOT_APPLICABLE
    refused = proposed.to in situation.preferences.do_not_contact or any(
        a.to == proposed.to and a.party in THIRD_PARTIES and a.outcome == REFUSED
        for a in situation.history
    )
    if not refused:
        return Check(passed=True)
    return Check(
        passed=False,
        counters={"do_not_contact": proposed.to},
        message_en="This third party refused further contact and may never be contacted again.",
        message_zh="该第三方已明确拒绝再被联系，不得再次联系。",
    )


@evaluator("third_party_once")
def third_party_once(rule: Rule, situation: Situation) -> Check:
    """Third parties: location information only, once, without mentioning the debt (US-13)."""
    proposed = situation.proposed
    if proposed.party not in THIRD_PARTIES:
        return PASS_NOT_APPLICABLE
    if proposed.purpose not in rule.params.get("allowed_purposes", (PURPOSE_LOCATE,)):
        return Check(
            passed=False,
            counters={"purpose": proposed.purpose},
            message_en="A third party may be contacted only to obtain location information.",
            message_zh="联系第三方仅限于获取债务人的联系或住址信息。",
        )
    maximum = int(rule.params.get("max_contacts", 1))
    reached = sum(
        1
        for a in situation.history
        if a.to == proposed.to
        and a.party in THIRD_PARTIES
        and a.is_outbound
        and (a.outcome in CONNECTED_OUTCOMES or a.outcome == "delivered")
    )
    if reached < maximum:
        return Check(passed=True, counters={"third_party_contacts": reached, "max": maximum})
    return Check(
        passed=False,
        counters={"third_party_contacts": reached, "max": maximum},
        message_en="This third party was already contacted for location information.",
        message_zh="已就查找债务人联系过该第三方，不得再次联系。",
    )


@evaluator("provenance")
def provenance(rule: Rule, situation: Situation) -> Check:
    """Contact details only from lawful sources; never harvested phone books (CN-18)."""
    source = situation.proposed.provenance
    if not source:
        return PASS_NOT_APPLICABLE
    allowed = rule.params["allowed"]
    if source in allowed:
        return Check(passed=True, counters={"provenance": source})
    return Check(
        passed=False,
        counters={"provenance": source},
        message_en=f"This contact detail comes from an unlawful source ({source}).",
        message_zh=f"该联系方式来源不合法（{source}），不得使用。",
    )


@evaluator("count_exclusions")
def count_exclusions(rule: Rule, situation: Situation) -> Check:
    """Report what the frequency counts leave out (US-06); never blocks by itself.

    The exclusions themselves are parameters of the counting rules (``exclude_outcomes``,
    ``exclude_consented``, ``exclude_to_kinds``); this rule makes them visible in the counters.
    """
    if not _gates(rule, situation, rule.params.get("count_channels", VOICE_CHANNELS)):
        return PASS_NOT_APPLICABLE
    params = rule.params
    channels = set(params.get("count_channels", VOICE_CHANNELS))
    excluded_outcomes = set(params.get("exclude_outcomes", ()))
    excluded_kinds = set(params.get("exclude_to_kinds", ()))
    excluded = sum(
        1
        for a in situation.history
        if a.channel in channels
        and a.person == situation.proposed.person
        and (a.outcome in excluded_outcomes or a.to_kind in excluded_kinds or a.with_consent)
    )
    return Check(passed=True, counters={"excluded_from_counts": excluded})
