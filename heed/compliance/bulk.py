"""Set-wise "who may be contacted now": mostly one SQL pass, the pure evaluators where it matters.

For a proposed contact with the debtor (bulk considers the debtor's own points only) every
blocking rule of a pack falls in one of two groups:

* rules that never read the contact history (time windows, holds, opt-outs, provenance, the
  party gate; third-party rules do not apply to the debtor): their answer depends only on a
  handful of facts (packs, candidate time zones, the point's provenance and opt-out, holds,
  preferences), so it is computed once per distinct combination by the real evaluators;
* counting rules (``daily_cap``, ``window_cap``, ``cooldown_after``): when the person has no
  contact after the proposed time, each of them fails exactly when the number of counted
  attempts since one instant reaches its limit — the instant is the start of the oldest local
  day in the window, in the candidate zone where that day starts first (or ``at - length`` for a
  rolling window), never before the history the gateway reads (``HISTORY_DAYS``). One grouped
  query over the attempts returns those counts for every person and account at once.

A person with a contact recorded after the proposed time, or a pack with a rule this module does
not know how to count, goes through the full evaluators with the loaded history instead, so the
answers equal per-account preflight in every case (``tests/test_bulk.py`` compares them).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet, TextField
from django.db.models.functions import Cast

from heed.compliance import gateway
from heed.compliance.rules import clock
from heed.compliance.rules.evaluators import EVALUATORS
from heed.compliance.rules.model import (
    DEBTOR,
    MODE_BLOCK,
    THIRD_PARTIES,
    VOICE_CHANNELS,
    Hold,
    Preferences,
    Proposed,
    Situation,
    TimeRange,
)
from heed.compliance.rules.packs import Pack, Rule

# Counting rules compiled to SQL; rules that never read history; rules that never block the
# debtor (third-party rules are not applicable to a contact with the debtor; the exclusions
# report only).
COUNTING_KINDS = frozenset({"daily_cap", "window_cap", "cooldown_after"})
HISTORY_FREE_KINDS = frozenset({"time_window", "hold", "opt_out", "provenance", "party_gate"})
NOT_FOR_DEBTOR_KINDS = frozenset({"third_party_dnc", "third_party_once", "count_exclusions"})
# Above this many accounts the attempts are aggregated in one range scan of the recent history
# instead of being looked up person by person.
SCAN_ALL_ABOVE = 20_000
_BULK_TO = "cp:bulk"  # the proposed point in history-free situations (only its opt-out matters)
_MICRO = timedelta(microseconds=1)


class Unsupported(Exception):
    """A rule this module cannot count set-wise: the accounts concerned are evaluated in full."""


@dataclass(frozen=True)
class Measure:
    """Which attempts a counting rule counts (the SQL side of ``evaluators._counted``)."""

    channels: tuple[str, ...]
    outcomes: tuple[str, ...] | None
    excluded: tuple[str, ...]
    without_consent: bool
    debtor_only: bool  # scope person / person_debt: the debtor's own contacts
    per_account: bool  # scope person_debt: this account's contacts
    never: bool = False  # nothing recorded can match (e.g. only attempts to "work" numbers)

    def condition(self) -> Q:
        q = Q(channel__in=self.channels, direction="outbound") & ~Q(initiator="debtor")
        if self.outcomes is not None:
            q &= Q(outcome__in=self.outcomes)
        if self.excluded:
            q &= ~Q(outcome__in=self.excluded)
        if self.without_consent:
            q &= Q(with_consent=False)
        if self.debtor_only:
            q &= Q(party_role=DEBTOR)
        return q


@dataclass(frozen=True)
class Counting:
    """One counting rule: fails when ``count >= maximum`` since the rule's first instant."""

    rule: str
    kind: str
    measure: Measure
    maximum: int
    days: int
    rolling: bool
    exclude_consented: bool


@dataclass
class PackPlan:
    """What a set of packs needs for a contact with the debtor on one channel and purpose."""

    labels: tuple[str, ...]
    packs: list[Pack]
    free_rules: list[Rule]  # blocking rules that never read history
    counting: list[Counting]
    supported: bool


def _gates(rule: Rule, channel: str, purpose: str, default: Iterable[str] | None) -> bool:
    """``evaluators._gates`` for a contact with the debtor at a point of no special kind."""
    params = rule.params
    channels = params.get("channels", default)
    if channels is not None and channel not in channels:
        return False
    parties = params.get("parties")
    if parties is not None and DEBTOR not in parties:
        return False
    purposes = params.get("purposes")
    if purposes is not None and purpose not in purposes:
        return False
    to_kinds = params.get("to_kinds")
    return not (to_kinds is not None and "" not in to_kinds)


def _measure(rule: Rule) -> Measure:
    params = rule.params
    scope = params.get("scope", "person")
    if scope == "to":
        raise Unsupported(rule.key)
    channels = tuple(
        sorted(set(params.get("count_channels", params.get("channels", VOICE_CHANNELS))))
    )
    outcomes = params.get("count_outcomes")
    excluded_kinds = set(params.get("exclude_to_kinds", ()))
    to_kinds = params.get("to_kinds")
    # Recorded attempts have no point kind (""): a rule excluding "" or counting only other
    # kinds counts nothing.
    never = "" in excluded_kinds or (to_kinds is not None and "" not in to_kinds)
    never = never or not channels or (outcomes is not None and not outcomes)
    return Measure(
        channels=channels,
        outcomes=tuple(sorted(outcomes)) if outcomes is not None else None,
        excluded=tuple(sorted(set(params.get("exclude_outcomes", ())))),
        without_consent=bool(params.get("exclude_consented", False)),
        debtor_only=scope in ("person", "person_debt"),
        per_account=scope == "person_debt",
        never=never,
    )


def pack_plan(packs: Sequence[Pack], *, at: datetime, channel: str, purpose: str) -> PackPlan:
    day = at.date()  # the same effective date as engine.effective_rules
    free: list[Rule] = []
    counting: list[Counting] = []
    supported = True
    for pack in packs:
        for rule in pack.rules:
            if rule.mode != MODE_BLOCK or not rule.is_effective(day):
                continue
            kind = rule.kind
            if kind in HISTORY_FREE_KINDS:
                free.append(rule)
            elif kind in NOT_FOR_DEBTOR_KINDS:
                continue
            elif kind == "third_party_gate":
                if DEBTOR in rule.params.get("parties", THIRD_PARTIES):
                    supported = False
            elif kind in COUNTING_KINDS:
                default = rule.params.get("count_channels", VOICE_CHANNELS)
                if not _gates(rule, channel, purpose, default):
                    continue
                try:
                    measure = _measure(rule)
                except Unsupported:
                    supported = False
                    continue
                if kind == "cooldown_after":
                    maximum, rolling = 1, False
                else:
                    maximum = int(rule.params["max"])
                    rolling = rule.params.get("window", "calendar") == "rolling"
                counting.append(
                    Counting(
                        rule=rule.id,
                        kind=kind,
                        measure=measure,
                        maximum=maximum,
                        days=1 if kind == "daily_cap" else int(rule.params.get("days", 7)),
                        rolling=rolling and kind == "window_cap",
                        exclude_consented=kind != "daily_cap"
                        and bool(rule.params.get("exclude_consented")),
                    )
                )
            else:
                supported = False
    return PackPlan(
        labels=tuple(p.label for p in packs),
        packs=list(packs),
        free_rules=free,
        counting=counting,
        supported=supported,
    )


def _first_instant(day: date, zone_name: str) -> datetime:
    """The first instant of a local date (verified: a DST gap at midnight is handled by
    ``clock.day_start``; anything else unexpected is refused rather than guessed)."""
    start = clock.day_start(day, zone_name)
    if (
        clock.local_date(start, zone_name) != day
        or clock.local_date(start - _MICRO, zone_name) >= day
    ):
        raise Unsupported(f"{zone_name} {day}")
    return start


def counting_since(
    counting: Counting, zones: Sequence[str], at: datetime, since: datetime
) -> datetime:
    """The instant from which a counting rule's attempts are counted (given no attempt after
    ``at``): the worst candidate zone is the one whose window starts first."""
    if counting.rolling:
        start = at - timedelta(days=counting.days) + _MICRO  # (at - length, at]
    else:
        start = min(
            _first_instant(clock.local_date(at, z) - timedelta(days=counting.days - 1), z)
            for z in zones
        )
    return max(start, since)


# ---------------------------------------------------------------------------------------------
# the pass


@dataclass(frozen=True)
class _Profile:
    """What decides a contact at one point of one account, apart from the counts."""

    free: frozenset[str]  # history-free blocking rules that fail
    consent: bool  # US-06 consent: rules with exclude_consented pass
    # (rule id, column of the counts row, maximum, per account rather than per person)
    checks: tuple[tuple[str, int, int, bool], ...]
    in_full: bool = False  # the counts cannot decide: evaluate with the history


_NO_PACK = _Profile(free=frozenset({"NO-PACK"}), consent=False, checks=())
_IN_FULL = _Profile(free=frozenset(), consent=False, checks=(), in_full=True)


def _json_tuple(text: str | None, cache: dict[Any, tuple[str, ...]]) -> tuple[str, ...]:
    found = cache.get(text)
    if found is None:
        found = tuple(json.loads(text)) if text else ()
        cache[text] = found
    return found


def _rows(queryset: QuerySet[Any]) -> Iterable[tuple[Any, ...]]:
    """Execute a values_list queryset on the cursor (no per-row ORM conversion)."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while True:
            batch = cursor.fetchmany(20_000)
            if not batch:
                return
            yield from batch


def contactable_now_setwise(
    accounts: QuerySet[Any],
    *,
    at: datetime,
    channel: str,
    purpose: str,
    result: Any,
    packs_available: dict[str, Pack],
    decide_in_full: Callable[[list[int]], None],
) -> None:
    """Fill ``result`` (a :class:`heed.compliance.selectors.BulkResult`)."""
    from django.db.models import FilteredRelation

    from heed.compliance.models import ContactPreference
    from heed.compliance.models import Hold as HoldRow
    from heed.compliance.selectors import Contactable
    from heed.portfolio.models import Creditor

    since = at - timedelta(days=gateway.HISTORY_DAYS)
    kinds = [k for k, channels in gateway.CHANNELS_BY_KIND.items() if channel in channels]
    people = accounts.order_by().values("debtor_id")
    everyone = not accounts.query.where  # no filter: every account (skip the IN list)
    holds: dict[int, list[Any]] = {}
    for h in _rows(
        (HoldRow.objects.all() if everyone else HoldRow.objects.filter(debtor_id__in=people))
        .order_by()
        .values_list("debtor_id", "kind", "starts_at", "ends_at", "released_at", "account_id")
    ):
        holds.setdefault(h[0], []).append(h)
    preferences: dict[int, list[Any]] = {}
    for p in (
        (
            ContactPreference.objects.current()
            if everyone
            else ContactPreference.objects.current().filter(debtor_id__in=people)
        )
        .order_by()
        .values_list(
            "debtor_id",
            "kind",
            "channel",
            "contact_point_id",
            "start_time",
            "end_time",
            "created_at",
        )
    ):
        preferences.setdefault(p[0], []).append(p)
    creditors = {
        c[0]: (c[1] or "", tuple(c[2] or ()))
        for c in Creditor.objects.values_list("id", "default_jurisdiction", "rule_packs")
    }

    json_cache: dict[Any, tuple[str, ...]] = {}
    facts_memo: dict[tuple[Any, ...], tuple[gateway.AccountFacts, PackPlan | None]] = {}
    plan_memo: dict[tuple[str, ...], PackPlan] = {}
    free_memo: dict[tuple[Any, ...], tuple[frozenset[str], bool]] = {}
    columns: dict[tuple[Measure, datetime], int] = {}

    def facts_for(key: tuple[Any, ...]) -> tuple[gateway.AccountFacts, PackPlan | None]:
        found = facts_memo.get(key)
        if found is None:
            creditor_id, jurisdiction, tz_text, country, deceased, bankrupt, incapable = key
            default_jurisdiction, creditor_packs = creditors.get(creditor_id, ("", ()))
            facts = gateway.AccountFacts(
                id=0,
                debtor_id=0,
                jurisdiction=jurisdiction or default_jurisdiction or "",
                creditor_packs=creditor_packs,
                debtor_timezones=_json_tuple(tz_text, json_cache),
                debtor_country=country or "",
                is_deceased=bool(deceased),
                is_bankrupt=bool(bankrupt),
                lacks_capacity=bool(incapable),
            )
            packs = gateway.packs_for(facts, packs_available)
            plan = None
            if packs:
                labels = tuple(p.label for p in packs)
                plan = plan_memo.get(labels)
                if plan is None:
                    plan = pack_plan(packs, at=at, channel=channel, purpose=purpose)
                    plan_memo[labels] = plan
            found = (facts, plan)
            facts_memo[key] = found
        return found

    def profile(
        row: tuple[Any, ...], hold_rows: Sequence[Any], pref_rows: Sequence[Any]
    ) -> _Profile:
        facts, plan = facts_for(row[3:10])
        if plan is None:
            return _NO_PACK
        if not plan.supported:
            return _IN_FULL
        point = gateway.PointFacts(
            id=row[2],
            kind="",
            party_role=DEBTOR,
            provenance=row[11],
            is_valid=True,
            opted_out=bool(row[12]),
            timezones=_json_tuple(row[10], json_cache),
        )
        zones = gateway.candidate_zones(facts, point)
        starts = []
        try:
            for c in plan.counting:
                starts.append(None if c.measure.never else counting_since(c, zones, at, since))
        except Unsupported:
            return _IN_FULL
        free, consent = _free_failures(
            free_memo,
            plan,
            facts,
            account_id=row[0],
            point=point,
            zones=zones,
            hold_rows=hold_rows,
            pref_rows=pref_rows,
            at=at,
            channel=channel,
            purpose=purpose,
        )
        checks = []
        always = []
        for c, start in zip(plan.counting, starts, strict=True):
            if c.exclude_consented and consent:
                continue  # US-06: a consented contact is outside the counts
            if start is None:  # counts nothing: fails only with a limit of 0
                if c.maximum <= 0:
                    always.append(c.rule)
                continue
            column = 2 + columns.setdefault((c.measure, start), len(columns))
            checks.append((c.rule, column, c.maximum, c.measure.per_account))
        if always:
            free = free.union(always)
        return _Profile(free=free, consent=consent, checks=tuple(checks))

    # Pass 1: every account with its candidate points and their profiles.
    text = TextField()
    rows = (
        accounts.order_by()
        .annotate(
            bulk_point=FilteredRelation(
                "debtor__contact_points",
                condition=Q(
                    debtor__contact_points__party_role=DEBTOR,
                    debtor__contact_points__is_valid=True,
                    debtor__contact_points__kind__in=kinds,
                ),
            )
        )
        .values_list(
            "id",
            "debtor_id",
            "bulk_point__id",
            # from here on: the profile key
            "creditor_id",
            "jurisdiction",
            Cast("debtor__timezones", output_field=text),
            "debtor__country",
            "debtor__is_deceased",
            "debtor__is_bankrupt",
            "debtor__lacks_capacity",
            Cast("bulk_point__timezones", output_field=text),
            "bulk_point__provenance",
            "bulk_point__opted_out",
        )
        .order_by("id")
    )
    special = holds.keys() | preferences.keys()
    profiles: dict[tuple[Any, ...], _Profile] = {}
    entries: list[tuple[int, int, int, _Profile | None]] = []
    append = entries.append
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(20_000):
            for r in batch:
                if r[2] is None:
                    append((r[0], r[1], 0, None))
                    continue
                if special and r[1] in special:
                    found = profile(r, holds.get(r[1], ()), preferences.get(r[1], ()))
                else:
                    key = r[3:]
                    found = profiles.get(key)  # type: ignore[assignment]
                    if found is None:
                        found = profile(r, (), ())
                        profiles[key] = found
                append((r[0], r[1], r[2], found))
    if not entries:
        return

    by_account, by_person, later = _counts(
        columns, accounts, at=at, since=since, many=len(entries) > SCAN_ALL_ABOVE
    )

    # Pass 2: the counts decide the counting rules; an account's points are adjacent rows.
    zero = (None, None, *(0 for _ in columns))
    in_full: list[int] = []
    contactable = result.contactable
    refusals: Counter[frozenset[str]] = Counter()  # the first point's failing rules
    total = len(entries)
    no_point = seen = 0
    index = 0
    while index < total:
        account_id, debtor_id, point_id, prof = entries[index]
        index += 1
        seen += 1
        if prof is None:
            no_point += 1
            continue
        if debtor_id in later:
            in_full.append(account_id)
            while index < total and entries[index][0] == account_id:
                index += 1
            continue
        if index < total and entries[index][0] == account_id:
            candidates: list[tuple[int, _Profile]] = [(point_id, prof)]
            while index < total and entries[index][0] == account_id:
                candidates.append(entries[index][2:])  # type: ignore[arg-type]
                index += 1
            candidates.sort(key=lambda c: c[0])
        else:
            candidates = [(point_id, prof)]
        first: frozenset[str] | None = None
        chosen = 0
        for point_id, prof in candidates:
            if prof.in_full:
                in_full.append(account_id)
                first = None
                break
            failing = prof.free
            if prof.checks:
                own = by_account.get(account_id, zero)
                if own[0] != debtor_id:  # contacts on this account recorded under someone else
                    own = zero
                person = by_person.get(debtor_id, zero)
                extra = [
                    rule
                    for rule, column, maximum, per_account in prof.checks
                    if (own if per_account else person)[column] >= maximum
                ]
                if extra:
                    failing = failing.union(extra)
            if first is None:
                first = failing
            if not failing:
                chosen = point_id
                break
        if chosen:
            contactable.append(Contactable(account_id, chosen))
        elif first is not None:
            refusals[first] += 1
    result.total += seen
    result.no_contact_point += no_point
    blocked = result.blocked_by_rule
    if no_point:
        blocked["NO-POINT"] += no_point
    for rules, count in refusals.items():
        for rule in rules:
            blocked[rule] += count
    if in_full:
        decide_in_full(in_full)
        contactable.sort(key=lambda c: c.account_id)


def _free_failures(
    memo: dict[tuple[Any, ...], tuple[frozenset[str], bool]],
    plan: PackPlan,
    facts: gateway.AccountFacts,
    *,
    account_id: int,
    point: gateway.PointFacts,
    zones: tuple[str, ...],
    hold_rows: Sequence[Any],
    pref_rows: Sequence[Any],
    at: datetime,
    channel: str,
    purpose: str,
) -> tuple[frozenset[str], bool]:
    """The history-free blocking rules that fail, and whether the person gave consent (US-06)."""
    holds = _holds(facts, account_id, hold_rows, at)
    opted_channels: frozenset[str] = frozenset()
    point_out = point.opted_out
    blocked_times: tuple[TimeRange, ...] = ()
    agreed_times: tuple[TimeRange, ...] = ()
    consent = False
    if pref_rows:
        channels: set[str] = set()
        blocked_list: list[TimeRange] = []
        agreed_list: list[TimeRange] = []
        for _debtor, kind, pref_channel, point_id, start, end, created in pref_rows:
            if kind == "opt_out_channel" and pref_channel:
                channels.add(pref_channel)
            elif kind == "opt_out_point" and point_id == point.id:
                point_out = True
            elif kind == "blocked_time":
                blocked_list.append(TimeRange(start, end))
            elif kind == "agreed_time":
                agreed_list.append(TimeRange(start, end))
            elif kind == "consent" and pref_channel in ("", channel):
                created = _aware(created)
                consent = consent or created <= at < created + timedelta(days=gateway.CONSENT_DAYS)
        opted_channels = frozenset(channels)
        blocked_times, agreed_times = tuple(blocked_list), tuple(agreed_list)
    key = (
        plan.labels,
        zones,
        point.provenance,
        point_out,
        opted_channels,
        blocked_times,
        agreed_times,
        holds,
        consent,
    )
    found = memo.get(key)
    if found is None:
        situation = Situation(
            proposed=Proposed(
                channel=channel,
                at=at,
                party=DEBTOR,
                to=_BULK_TO,
                purpose=purpose,
                account="",
                provenance=point.provenance,
                to_is_valid=True,
                with_consent=consent,
            ),
            timezones=zones,
            history=(),
            holds=holds,
            preferences=Preferences(
                opted_out_channels=opted_channels,
                opted_out_to=frozenset({_BULK_TO}) if point_out else frozenset(),
                blocked_times=blocked_times,
                agreed_times=agreed_times,
            ),
        )
        failing = frozenset(
            rule.id for rule in plan.free_rules if not EVALUATORS[rule.kind](rule, situation).passed
        )
        found = (failing, consent)
        memo[key] = found
    return found


def _aware(value: Any) -> datetime:
    from heed.compliance.fastread import aware

    moment = aware(value)
    assert moment is not None
    return moment


def _holds(
    facts: gateway.AccountFacts, account_id: int, rows: Sequence[Any], at: datetime
) -> tuple[Hold, ...]:
    """The holds that can apply to the account at ``at`` (``gateway.holds_for`` without the
    ones over before ``at`` or starting later, which no evaluator could see as active)."""
    found: list[Hold] = []
    for _debtor, kind, starts, ends, released, hold_account in rows:
        if hold_account not in (None, account_id):
            continue
        since = _aware(starts)
        until, released = _aware_or_none(ends), _aware_or_none(released)
        if released is not None and (until is None or released < until):  # gateway._hold_until
            until = released
        if since > at or (until is not None and until <= at):
            continue
        found.append(Hold(kind=kind, since=since, until=until))
    flags = (
        ("deceased", facts.is_deceased),
        ("bankruptcy", facts.is_bankrupt),
        ("lacks_capacity", facts.lacks_capacity),
    )
    found.extend(Hold(kind=kind, since=gateway.EPOCH) for kind, on in flags if on)
    return tuple(sorted(found, key=lambda h: (h.kind, h.since, h.until or h.since)))


def _aware_or_none(value: Any) -> datetime | None:
    from heed.compliance.fastread import aware

    return aware(value)


def _counts(
    columns: dict[tuple[Measure, datetime], int],
    accounts: QuerySet[Any],
    *,
    at: datetime,
    since: datetime,
    many: bool,
) -> tuple[dict[int, tuple[Any, ...]], dict[int, tuple[Any, ...]], set[int]]:
    """One grouped pass over the recent attempts: per (person, account) the count of each
    column, summed per person too, and the people with a contact after ``at``."""
    from django.db.models import Case, IntegerField, Sum, Value, When

    from heed.collection.models import ContactAttempt

    earliest = min((start for _m, start in columns), default=at)
    qs = ContactAttempt.objects.filter(started_at__gte=min(earliest, at))
    if not many:
        qs = qs.filter(debtor_id__in=accounts.order_by().values("debtor_id"))
    one, nothing = Value(1), Value(0)
    aggregates = {
        f"c{index}": Sum(
            Case(
                When(measure.condition() & Q(started_at__gte=start), then=one),
                default=nothing,
                output_field=IntegerField(),
            )
        )
        for (measure, start), index in sorted(columns.items(), key=lambda item: item[1])
    }
    aggregates["later"] = Sum(
        Case(When(started_at__gt=at, then=one), default=nothing, output_field=IntegerField())
    )
    names = [f"c{i}" for i in range(len(columns))]
    query = (
        qs.order_by()
        .values("debtor_id", "account_id")
        .annotate(**aggregates)
        .values_list("debtor_id", "account_id", *names, "later")
    )
    sql, params = query.query.sql_with_params()
    if many and connection.vendor == "sqlite":
        sql = _indexed_by(sql)
    # Rows are (debtor, account, count 0, count 1, …, later): a check reads column 2 + i.
    by_account: dict[int, tuple[Any, ...]] = {}
    by_person: dict[int, tuple[Any, ...]] = {}
    later: set[int] = set()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(20_000):
            for row in batch:
                debtor = row[0]
                clash = by_account.get(row[1])
                if clash is not None:  # one account's contacts under two people: decide in full
                    later.update((debtor, clash[0]))
                by_account[row[1]] = row
                previous = by_person.get(debtor)
                if previous is None:
                    by_person[debtor] = row
                else:  # another account of the same person: the person's counts are the sums
                    by_person[debtor] = (
                        debtor,
                        None,
                        *(a + b for a, b in zip(previous[2:], row[2:], strict=True)),
                    )
                if row[-1]:
                    later.add(debtor)
    return by_account, by_person, later


RECENT_INDEX = "compliance_attempt_recent_idx"


def _indexed_by(sql: str) -> str:
    """SQLite's planner prefers an index that avoids the GROUP BY sort; the covering index on
    ``started_at`` reads only the recent attempts (about one sixth of the table)."""
    from heed.collection.models import ContactAttempt

    table = ContactAttempt._meta.db_table
    quoted = f'FROM "{table}"'
    if quoted in sql and " INDEXED BY " not in sql:
        return sql.replace(quoted, f'{quoted} INDEXED BY "{RECENT_INDEX}"', 1)
    return sql
