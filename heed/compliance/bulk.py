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

What the time goes to (measured on the gateway benchmark, 1,000,000 accounts): reading
accounts, debtors and points and converting rows to Python objects, not evaluating rules. So:

* the accounts' facts come from :mod:`heed.compliance.facts` — one narrow row per account and
  candidate point, the profile key as one text value (hashed once, decoded once per distinct
  key), kept current by database triggers and refreshed before the pass — instead of joining
  three tables for every account;
* the counting query classifies each attempt as one integer in SQL (a bit per count column)
  and returns a day's people, accounts and classes as three texts; numpy groups them
  (``_counts``), instead of a grouped query sorting every attempt and returning a row per
  (person, account);
* accounts with one candidate point and no holds or preferences (nearly all) are decided with
  numpy, a profile at a time: each counting check compares a column of counts with its limit
  and the distinct combinations of failures are counted; the others (several points, holds or
  preferences) go through a loop with the same checks;
* PostgreSQL gets planner settings for this transaction (``PG_SETTINGS``) and the cyclic
  garbage collector is paused while the pass allocates its per-account tuples.
"""

from __future__ import annotations

import gc
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from operator import attrgetter
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.db.models import IntegerField, Q, QuerySet, Value

from heed.compliance import facts, gateway
from heed.compliance.facts import BANKRUPT, DECEASED, INCAPABLE, KEY_PARTS, OPTED_OUT, SEP
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
BATCH = 20_000  # rows fetched at a time
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
    # (rule id, column of the counts row, maximum, per account rather than per person); every
    # maximum is at least 1 (a limit of 0 always fails: in ``free``), so no row means no failure
    checks: tuple[tuple[str, int, int, bool], ...]
    in_full: bool = False  # the counts cannot decide: evaluate with the history
    # ``checks`` split: on the account's own counts, on the person's (rule, column, maximum)
    own: tuple[tuple[str, int, int], ...] = ()
    person: tuple[tuple[str, int, int], ...] = ()


_NO_PACK = _Profile(free=frozenset({"NO-PACK"}), consent=False, checks=())
_IN_FULL = _Profile(free=frozenset(), consent=False, checks=(), in_full=True)


def _json_tuple(text: str | None, cache: dict[Any, tuple[str, ...]]) -> tuple[str, ...]:
    """A zones value as ``facts.ZonesText`` gives it: JSON text, or the one zone of a
    one-zone list."""
    found = cache.get(text)
    if found is None:
        if text is None:
            found = ()
        elif text.startswith("["):
            found = tuple(json.loads(text))
        else:
            found = (text,)
        cache[text] = found
    return found


def _rows(queryset: QuerySet[Any]) -> Iterable[tuple[Any, ...]]:
    """Execute a values_list queryset on the cursor (no per-row ORM conversion)."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while True:
            batch = cursor.fetchmany(BATCH)
            if not batch:
                return
            yield from batch


# PostgreSQL planner settings for the pass (this transaction only): room to hash and sort in
# memory instead of spilling to disk, and the covering index read as cheaply as it is (SSD; the
# default random_page_cost of 4 makes the planner prefer a bitmap heap scan over the whole
# table to the index-only scan — on SQLite the pass names the index, see ``_indexed_by``).
PG_SETTINGS = {"work_mem": "256MB", "random_page_cost": "1.1"}


@contextmanager
def _planner_settings() -> Iterator[None]:
    if connection.vendor != "postgresql":
        yield
        return
    names = list(PG_SETTINGS)
    pairs = ", ".join("set_config(%s, %s, true)" for _ in names)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT " + ", ".join("current_setting(%s)" for _ in names),  # noqa: S608
                names,
            )
            previous = cursor.fetchone()
            cursor.execute(
                f"SELECT {pairs}",  # noqa: S608 - placeholders only
                [v for name in names for v in (name, PG_SETTINGS[name])],
            )
        yield
        # Restore (inside an outer transaction a SET LOCAL would outlive this block).
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {pairs}",  # noqa: S608 - placeholders only
                [v for name, old in zip(names, previous, strict=True) for v in (name, old)],
            )


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
    """Fill ``result`` (a :class:`heed.compliance.selectors.BulkResult`).

    The cyclic garbage collector is paused for the pass: it allocates a few tuples per account
    and creates no cycles, yet each full collection would walk all of them again (a large share
    of the pass's time on big sets). Reference counting frees everything as usual."""
    # The people marked since the last pass get their contact facts rebuilt first, in a
    # transaction of its own (on PostgreSQL its lock is not held through the pass).
    facts.refresh()
    with _planner_settings(), _no_cyclic_gc():
        _setwise(
            accounts,
            at=at,
            channel=channel,
            purpose=purpose,
            result=result,
            packs_available=packs_available,
            decide_in_full=decide_in_full,
        )


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _setwise(
    accounts: QuerySet[Any],
    *,
    at: datetime,
    channel: str,
    purpose: str,
    result: Any,
    packs_available: dict[str, Pack],
    decide_in_full: Callable[[list[int]], None],
) -> None:
    from heed.compliance.models import ContactFacts, ContactPreference
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
            creditor_id, jurisdiction, tz_text, country, flags = key
            default_jurisdiction, creditor_packs = creditors.get(creditor_id, ("", ()))
            facts = gateway.AccountFacts(
                id=0,
                debtor_id=0,
                jurisdiction=jurisdiction or default_jurisdiction or "",
                creditor_packs=creditor_packs,
                debtor_timezones=_json_tuple(tz_text, json_cache),
                debtor_country=country or "",
                is_deceased=bool(flags & DECEASED),
                is_bankrupt=bool(flags & BANKRUPT),
                lacks_capacity=bool(flags & INCAPABLE),
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
        account_id: int,
        point_id: int,
        key: str | None,
        hold_rows: Sequence[Any],
        pref_rows: Sequence[Any],
    ) -> _Profile:
        parts: list[str] = key.split(SEP) if key is not None else []
        if len(parts) != KEY_PARTS:  # a separator inside a value (or a NULL): never guess
            return _IN_FULL
        creditor, jurisdiction, debtor_zones, country, point_zones, provenance, flag_text = parts
        flags = int(flag_text)
        facts, plan = facts_for(
            (int(creditor), jurisdiction, debtor_zones, country, flags & ~OPTED_OUT)
        )
        if plan is None:
            return _NO_PACK
        if not plan.supported:
            return _IN_FULL
        point = gateway.PointFacts(
            id=point_id,
            kind="",
            party_role=DEBTOR,
            provenance=provenance,
            is_valid=True,
            opted_out=bool(flags & OPTED_OUT),
            timezones=_json_tuple(point_zones, json_cache),
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
            account_id=account_id,
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
            if c.maximum <= 0:  # any count reaches a limit of 0
                always.append(c.rule)
                continue
            if start is None:  # counts nothing: below any limit of 1 or more
                continue
            column = 2 + columns.setdefault((c.measure, start), len(columns))
            checks.append((c.rule, column, c.maximum, c.measure.per_account))
        if always:
            free = free.union(always)
        return _Profile(
            free=free,
            consent=consent,
            checks=tuple(checks),
            own=tuple((r, col, m) for r, col, m, per_account in checks if per_account),
            person=tuple((r, col, m) for r, col, m, per_account in checks if not per_account),
        )

    # Pass 1: every account's candidate points and their profiles, from the contact facts
    # (refreshed before the pass: see ``contactable_now_setwise``).
    stored = ContactFacts.objects.filter(kind__in=kinds)
    if not everyone:
        stored = stored.filter(account_id__in=accounts.order_by().values("id"))
    keys, account_ids, people, points, key_index = _read_facts(stored)
    # Accounts without a candidate point have no facts rows: counted, not listed.
    seen = accounts.order_by().count()
    distinct, per_account = np.unique(account_ids, return_counts=True)
    no_point = max(0, seen - distinct.size)
    if not account_ids.size:
        _finish(result, seen, no_point, Counter())
        return
    # The profile of each distinct key (registering its count columns before the counts).
    key_profiles = [profile(0, 0, key, (), ()) for key in keys]

    # Rows the arrays cannot decide go through the loop below: an account with several
    # candidate points (the first passing point by id), a person with holds or preferences
    # (a profile of their own), a profile with more checks than one integer holds.
    slow = np.isin(account_ids, distinct[per_account > 1])
    special = holds.keys() | preferences.keys()
    if special:
        slow |= np.isin(people, np.fromiter(special, dtype=np.int64, count=len(special)))
    wide = np.array([len(p.checks) > _CLASS_BITS for p in key_profiles], dtype=bool)
    slow |= wide[key_index]
    entries = _slow_entries(
        account_ids[slow],
        people[slow],
        points[slow],
        key_index[slow],
        keys,
        key_profiles,
        lambda account_id, point_id, key, debtor_id: (
            profile(
                account_id, point_id, key, holds.get(debtor_id, ()), preferences.get(debtor_id, ())
            )
            if debtor_id in special
            else None
        ),
    )

    # Every account, or many: one range scan of the recent attempts; else the people's own.
    many = everyone or seen > SCAN_ALL_ABOVE
    counts = _counts(columns, accounts, at=at, since=since, many=many)

    # Pass 2: the counts decide the counting rules.
    in_full: list[int] = []
    refusals: Counter[frozenset[str]] = Counter()  # the first point's failing rules
    chosen_accounts: list[Any] = []
    chosen_points: list[Any] = []
    fast = ~slow
    later = counts.later_array()
    in_full_keys = np.array([p.in_full for p in key_profiles], dtype=bool)
    to_full = fast & (np.isin(people, later) | in_full_keys[key_index])
    in_full.extend(account_ids[to_full].tolist())
    rows = np.flatnonzero(fast & ~to_full)
    if rows.size:
        own, person = counts.positions(people[rows], account_ids[rows])
        order = np.argsort(key_index[rows], kind="stable")
        rows = rows[order]
        own = (own[0][order], own[1][order])
        person = (person[0][order], person[1][order])
        groups = np.flatnonzero(np.diff(key_index[rows], prepend=-1))
        for begin, stop in zip(groups, [*groups[1:], rows.size], strict=True):
            prof = key_profiles[int(key_index[rows[begin]])]
            span = slice(begin, stop)
            code = np.zeros(stop - begin, dtype=np.int64)
            rules: list[str] = []
            for checks, (found, where), table in (
                (prof.own, own, counts.pair_sums),
                (prof.person, person, counts.person_sums),
            ):
                for rule, column, maximum in checks:
                    values = np.where(found[span], table[column - 2][where[span]], 0)
                    code |= (values >= maximum).astype(np.int64) << len(rules)
                    rules.append(rule)
            codes, how_many = np.unique(code, return_counts=True)
            for value, number in zip(codes.tolist(), how_many.tolist(), strict=True):
                failing = prof.free
                if value:
                    failing = failing.union(r for j, r in enumerate(rules) if value >> j & 1)
                if failing:
                    refusals[failing] += number
                else:
                    passing = rows[span][code == value]
                    chosen_accounts.append(account_ids[passing])
                    chosen_points.append(points[passing])

    zero: tuple[Any, ...] = (None, None, *(0 for _ in columns))
    by_account, by_person = counts.rows_for(
        np.fromiter((e[0] for e in entries), dtype=np.int64, count=len(entries)),
        np.fromiter((e[1] for e in entries), dtype=np.int64, count=len(entries)),
    )
    later_people = counts.later
    get_own, get_person = by_account.get, by_person.get
    slow_chosen: list[tuple[int, int]] = []
    for account_id, debtor_id, candidates in entries:
        if debtor_id in later_people:
            in_full.append(account_id)
            continue
        first: frozenset[str] | None = None
        chosen = 0
        for point_id, candidate in candidates:
            if candidate.in_full:
                in_full.append(account_id)
                first = None
                break
            failing = candidate.free
            if candidate.checks:
                own_row = get_own(account_id, zero)
                # (contacts on this account recorded under someone else are not this person's)
                if own_row[0] != debtor_id:
                    own_row = zero
                person_row = get_person(debtor_id, zero)
                extra = [
                    rule
                    for rule, column, maximum, per_account in candidate.checks
                    if (own_row if per_account else person_row)[column] >= maximum
                ]
                if extra:
                    failing = failing.union(extra)
            if first is None:
                first = failing
            if not failing:
                chosen = point_id
                break
        if chosen:
            slow_chosen.append((account_id, chosen))
        elif first is not None:
            refusals[first] += 1
    if slow_chosen:
        chosen_accounts.append(np.array([a for a, _p in slow_chosen], dtype=np.int64))
        chosen_points.append(np.array([p for _a, p in slow_chosen], dtype=np.int64))
    if chosen_accounts:
        chosen_a = np.concatenate(chosen_accounts)
        chosen_p = np.concatenate(chosen_points)
        order = np.argsort(chosen_a, kind="stable")
        result.contactable.extend(
            map(Contactable, chosen_a[order].tolist(), chosen_p[order].tolist())
        )
    _finish(result, seen, no_point, refusals)
    if in_full:
        decide_in_full(in_full)
        result.contactable.sort(key=attrgetter("account_id"))


def _finish(result: Any, seen: int, no_point: int, refusals: Counter[frozenset[str]]) -> None:
    """Add the pass's totals to ``result``: accounts seen, without a point, blocked per rule."""
    result.total += seen
    result.no_contact_point += no_point
    blocked = result.blocked_by_rule
    if no_point:
        blocked["NO-POINT"] += no_point
    for rules, count in refusals.items():
        for rule in rules:
            blocked[rule] += count


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
) -> _Counts:
    """One pass over the recent attempts: per (person, account) the count of each column,
    summed per person too, and the people with a contact after ``at``.

    The database classifies each attempt as one integer (bit ``i``: column ``i`` counts it;
    the bit after the last column: recorded after ``at``) and returns the people, accounts and
    classes of a day's attempts as three comma-separated texts; numpy groups them. A grouped
    query returned the same counts, but sorting a million attempts for it and converting one
    row per (person, account) cost three times as much (``tests/test_bulk.py`` compares both).
    """
    conditions = _bit_conditions(columns, at=at, since=since)
    people, account_ids, classes = _classified(conditions, accounts, at=at, many=many)
    return _grouped(people, account_ids, classes, len(columns))


class _Counts:
    """The counts of one pass: per (person, account) pair and per person, one array per column
    (then "later"), the pairs sorted by person and account; and the people to decide in full.
    A sentinel pair and person (id -1, counts 0) keep the lookups free of empty arrays."""

    def __init__(
        self,
        pair_people: Any,
        pair_accounts: Any,
        pair_sums: list[Any],
        person_ids: Any,
        person_sums: list[Any],
        later: set[int],
    ) -> None:
        self.pair_people, self.pair_accounts = pair_people, pair_accounts
        self.pair_sums, self.person_ids, self.person_sums = pair_sums, person_ids, person_sums
        self.later = later
        self._by_account = np.argsort(pair_accounts, kind="stable")

    @classmethod
    def empty(cls, count: int) -> _Counts:
        none = np.array([-1], dtype=np.int64)
        zeros = [np.zeros(1, dtype=np.int64) for _ in range(count + 1)]
        return cls(none, none, zeros, none, list(zeros), set())

    def later_array(self) -> Any:
        return np.fromiter(self.later, dtype=np.int64, count=len(self.later))

    def positions(self, people: Any, accounts: Any) -> tuple[tuple[Any, Any], tuple[Any, Any]]:
        """For each (person, account): whether the pair has counts and where, and the same for
        the person. An account has one pair unless its contacts were recorded under two
        people, who are decided in full (their rows never reach this lookup)."""
        accounts_sorted = self.pair_accounts[self._by_account]
        where = np.minimum(np.searchsorted(accounts_sorted, accounts), accounts_sorted.size - 1)
        pair = self._by_account[where]
        found = (self.pair_accounts[pair] == accounts) & (self.pair_people[pair] == people)
        at = np.minimum(np.searchsorted(self.person_ids, people), self.person_ids.size - 1)
        return (found, pair), (self.person_ids[at] == people, at)

    def rows_for(
        self, accounts: Any, people: Any
    ) -> tuple[dict[int, tuple[Any, ...]], dict[int, tuple[Any, ...]]]:
        """Rows ``(debtor, account, count 0, …, later)`` of these accounts' pairs and
        ``(debtor, None, sums…)`` of these people, for the loop over the other rows."""
        mask = np.isin(self.pair_accounts, accounts)
        by_account = {
            row[1]: row
            for row in zip(
                self.pair_people[mask].tolist(),
                self.pair_accounts[mask].tolist(),
                *(values[mask].tolist() for values in self.pair_sums),
                strict=True,
            )
        }
        mask = np.isin(self.person_ids, people)
        ids = self.person_ids[mask].tolist()
        by_person = {
            row[0]: row
            for row in zip(
                ids,
                [None] * len(ids),
                *(values[mask].tolist() for values in self.person_sums),
                strict=True,
            )
        }
        return by_account, by_person


# Bits per class value (int64, sign bit left alone); more conditions take more values. The
# array pass codes a profile's failing checks in one such integer too.
_CLASS_BITS = 62


def _as_text_list(column: str) -> str:
    """An aggregate of a column's integers as one comma-separated text (SQLite, PostgreSQL):
    one value to convert per statement or group instead of one per row."""
    quoted = connection.ops.quote_name(column)
    if connection.vendor == "postgresql":
        return f"string_agg({quoted}::text, ',')"
    return f"group_concat({quoted}, ',')"


def _ints(text: str | None) -> Any:
    """The integers of an ``_as_text_list`` value (none for NULL: no rows)."""
    return np.fromstring(text or "", dtype=np.int64, sep=",")


SLICE = timedelta(days=1)  # attempts read per statement: bounded memory for long windows


def _bit_conditions(
    columns: dict[tuple[Measure, datetime], int], *, at: datetime, since: datetime
) -> tuple[datetime, Q, list[Q | None]]:
    """The scan's first instant, its filter, and the condition of each bit (``None``:
    every attempt the scan reads)."""
    earliest = min((start for _m, start in columns), default=at)
    bound = min(earliest, at)
    common, residuals = _factored([measure for measure, _start in columns])
    # Only attempts some column can count, or after ``at``: the conditions every column shares
    # are evaluated once per attempt. (An attempt left out would count 0 in every column; the
    # later ones are kept for ``later``.)
    scan = (common | Q(started_at__gt=at)) if columns else Q()
    bits: list[Q | None] = []
    for (measure, start), _index in sorted(columns.items(), key=lambda item: item[1]):
        # The instant first (the selective test for a short window); none when the scan's own
        # bound already says it. Attempts through ``common | later`` that fail ``common``
        # belong to people with a contact after ``at``, decided in full: their counts are
        # unused.
        condition = Q(started_at__gte=start) if start > bound else Q()
        condition &= residuals[measure]
        bits.append(condition if condition else None)
    bits.append(Q(started_at__gt=at))
    return bound, scan, bits  # type: ignore[return-value]


def _classified(
    conditions: tuple[datetime, Q, list[Q | None]],
    accounts: QuerySet[Any],
    *,
    at: datetime,
    many: bool,
) -> tuple[Any, Any, list[Any]]:
    """People, accounts and class values (one array per ``_CLASS_BITS`` bits) of the scanned
    attempts, read a day at a time."""
    from django.db.models import Case, ExpressionWrapper, When

    from heed.collection.models import ContactAttempt

    bound, scan, bits = conditions
    classes = []
    for first in range(0, len(bits), _CLASS_BITS):
        terms = [
            Value(1 << (k - first))
            if condition is None
            else Case(
                When(condition, then=Value(1 << (k - first))),
                default=Value(0),
                output_field=IntegerField(),
            )
            for k, condition in enumerate(bits[first : first + _CLASS_BITS], start=first)
        ]
        total: Any = terms[0]
        for term in terms[1:]:
            total = total + term
        classes.append(ExpressionWrapper(total, output_field=IntegerField()))
    names = [f"class{j}" for j in range(len(classes))]
    base = ContactAttempt.objects.filter(scan)
    if not many:
        base = base.filter(debtor_id__in=accounts.order_by().values("debtor_id"))
    texts = ", ".join(_as_text_list(n) for n in ["debtor_id", "account_id", *names])
    parts: list[list[Any]] = [[] for _ in range(2 + len(names))]
    low: datetime | None = bound
    with connection.cursor() as cursor:
        while low is not None:
            # Day slices for the whole portfolio; a few people's attempts in one statement.
            high: datetime | None = low + SLICE if many else None
            window = Q(started_at__gte=low)
            if high is not None and high <= at:
                window &= Q(started_at__lt=high)
            else:
                high = None  # the last slice: everything from ``low`` on, later ones included
            inner = (
                base.filter(window)
                .order_by()
                .annotate(**dict(zip(names, classes, strict=True)))
                .values_list("debtor_id", "account_id", *names)
            )
            sql, params = inner.query.sql_with_params()
            if many and connection.vendor == "sqlite":
                sql = _indexed_by(sql)
            cursor.execute(f"SELECT {texts} FROM ({sql}) attempts", params)  # noqa: S608
            for values, text in zip(parts, cursor.fetchone(), strict=True):
                values.append(_ints(text))
            low = high
    arrays = [np.concatenate(values) for values in parts]
    if len({a.size for a in arrays}) != 1:  # a NULL would shift the texts: never guess
        raise RuntimeError("attempt classes misaligned")
    return arrays[0], arrays[1], arrays[2:]


def _grouped(people: Any, account_ids: Any, classes: list[Any], count: int) -> _Counts:
    """Per (person, account) and per person the count of each column and of "later"; the
    people to decide in full: a contact after ``at``, or one account's contacts recorded under
    two people."""
    if not people.size:
        return _Counts.empty(count)
    order = np.lexsort((account_ids, people))
    people, account_ids = people[order], account_ids[order]
    classes = [values[order] for values in classes]
    new_pair = np.ones(people.size, dtype=bool)
    new_pair[1:] = (people[1:] != people[:-1]) | (account_ids[1:] != account_ids[:-1])
    starts = np.flatnonzero(new_pair)
    sums = []
    for k in range(count + 1):  # the columns, then "later"
        bit = (classes[k // _CLASS_BITS] >> (k % _CLASS_BITS)) & 1
        sums.append(np.add.reduceat(bit, starts))
    pair_people, pair_accounts = people[starts], account_ids[starts]
    new_person = np.ones(starts.size, dtype=bool)
    new_person[1:] = pair_people[1:] != pair_people[:-1]
    person_starts = np.flatnonzero(new_person)
    person_sums = [np.add.reduceat(values, person_starts) for values in sums]
    later = set(pair_people[sums[-1] > 0].tolist())
    unique, seen = np.unique(pair_accounts, return_counts=True)
    if unique.size != pair_accounts.size:  # one account's contacts under two people
        later.update(pair_people[np.isin(pair_accounts, unique[seen > 1])].tolist())
    return _Counts(pair_people, pair_accounts, sums, pair_people[person_starts], person_sums, later)


def _read_facts(stored: QuerySet[Any]) -> tuple[list[str | None], Any, Any, Any, Any]:
    """The distinct keys, and per stored row (arrays): account, person, point, key index.

    Grouped by key in SQL, each group's ids come as comma-separated texts (one value per
    group to convert, not four per row)."""
    inner = stored.order_by().values_list("kind", "key", "account_id", "debtor_id", "point_id")
    sql, params = inner.query.sql_with_params()
    quote = connection.ops.quote_name
    texts = ", ".join(_as_text_list(c) for c in ("account_id", "debtor_id", "point_id"))
    query = (
        f"SELECT {quote('key')}, {texts} FROM ({sql}) facts "  # noqa: S608
        f"GROUP BY {quote('kind')}, {quote('key')}"
    )
    keys: list[str | None] = []
    index: dict[str | None, int] = {}
    parts: list[list[Any]] = [[], [], [], []]
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        for key, *texts_of_group in cursor.fetchall():
            number = index.setdefault(key, len(keys))
            if number == len(keys):
                keys.append(key)
            arrays = [_ints(text) for text in texts_of_group]
            if len({a.size for a in arrays}) != 1:
                raise RuntimeError("contact facts misaligned")
            for values, array in zip(parts, arrays, strict=False):
                values.append(array)
            parts[3].append(np.full(arrays[0].size, number, dtype=np.int64))
    if not keys:
        nothing = np.zeros(0, dtype=np.int64)
        return keys, nothing, nothing, nothing, nothing
    account_ids, people, points, key_index = (np.concatenate(values) for values in parts)
    return keys, account_ids, people, points, key_index


def _slow_entries(
    account_ids: Any,
    people: Any,
    points: Any,
    key_index: Any,
    keys: list[str | None],
    key_profiles: list[_Profile],
    own_profile: Callable[[int, int, str | None, int], _Profile | None],
) -> list[tuple[int, int, list[tuple[int, _Profile]]]]:
    """(account, person, [(point, profile), …] by point id) for the rows decided one by one;
    a person with holds or preferences gets profiles of their own (``own_profile``)."""
    order = np.lexsort((points, account_ids))
    entries: list[tuple[int, int, list[tuple[int, _Profile]]]] = []
    current: tuple[int, int, list[tuple[int, _Profile]]] | None = None
    for account_id, debtor_id, point_id, number in zip(
        account_ids[order].tolist(),
        people[order].tolist(),
        points[order].tolist(),
        key_index[order].tolist(),
        strict=True,
    ):
        found = own_profile(account_id, point_id, keys[number], debtor_id)
        candidate = (point_id, found if found is not None else key_profiles[number])
        if current is not None and current[0] == account_id:
            current[2].append(candidate)
        else:
            current = (account_id, debtor_id, [candidate])
            entries.append(current)
    return entries


def _factored(measures: Sequence[Measure]) -> tuple[Q, dict[Measure, Q]]:
    """``Measure.condition`` split into what every measure requires and what each adds:
    ``common & residuals[m]`` is equivalent to ``m.condition()`` for each ``m``."""
    common = Q(direction="outbound") & ~Q(initiator="debtor")
    channels = sorted({c for m in measures for c in m.channels})
    common &= Q(channel__in=channels)
    all_debtor = bool(measures) and all(m.debtor_only for m in measures)
    if all_debtor:
        common &= Q(party_role=DEBTOR)
    residuals: dict[Measure, Q] = {}
    for m in measures:
        q = Q()
        if m.outcomes is not None:
            q &= Q(outcome__in=m.outcomes)
        if m.excluded:
            q &= ~Q(outcome__in=m.excluded)
        if m.without_consent:
            q &= Q(with_consent=False)
        if m.debtor_only and not all_debtor:
            q &= Q(party_role=DEBTOR)
        if sorted(m.channels) != channels:
            q &= Q(channel__in=m.channels)
        residuals[m] = q
    return common, residuals


RECENT_INDEX = "compliance_attempt_recent_idx"


def _indexed_by(sql: str) -> str:
    """The covering index on ``started_at``: the scan reads only the recent attempts (about one
    sixth of the table) and no table row (SQLite's planner may otherwise take the narrower
    ``started_at`` index and read every row it names)."""
    from heed.collection.models import ContactAttempt

    table = ContactAttempt._meta.db_table
    quoted = f'FROM "{table}"'
    if quoted in sql and " INDEXED BY " not in sql:
        return sql.replace(quoted, f'{quoted} INDEXED BY "{RECENT_INDEX}"', 1)
    return sql
