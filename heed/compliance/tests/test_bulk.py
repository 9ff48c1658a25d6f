"""Bulk "who may be contacted now" equals per-account preflight, on a varied population.

The set-wise pass (:mod:`heed.compliance.bulk`) counts in SQL and evaluates the history-free
rules once per distinct set of facts; these tests build people across jurisdictions, zones,
points, holds, preferences, consents and histories (including contacts after the proposed time
and across several accounts of one person) and compare every answer — the chosen point and the
rules counted as blocking — with :func:`heed.compliance.services.preflight` on each account.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, time, timedelta
from typing import Any

import numpy as np
import pytest

from heed.collection.models import ContactAttempt
from heed.compliance import bulk, facts, selectors, services
from heed.compliance.models import ContactPreference, Hold
from heed.core.roles import Role
from heed.portfolio.models import Account, ContactPoint
from heed.portfolio.tests.factories import AccountFactory, CreditorFactory, DebtorFactory

pytestmark = pytest.mark.django_db

# (jurisdiction, country, debtor zones)
PEOPLE = [
    ("CN", "CN", ["Asia/Shanghai"]),
    ("CN", "CN", []),
    ("US-NY", "US", ["America/New_York"]),
    ("US-NY", "US", ["America/New_York", "America/Los_Angeles"]),
    ("US-CA", "US", ["America/Los_Angeles"]),
    ("US-MA", "US", ["America/New_York"]),
    ("GB", "GB", ["Europe/London"]),
    ("", "CN", ["Asia/Shanghai"]),  # the creditor's default jurisdiction decides
    ("XX", "XX", ["UTC"]),  # no pack applies
]
POINT_ZONES = [[], ["Asia/Shanghai"], ["America/Chicago"], ["America/New_York"], ["Europe/London"]]
CHANNELS = ["call", "call", "call", "sms", "ai_voice", "email"]
OUTCOMES = [
    "conversation",
    "conversation",
    "no_answer",
    "no_answer",
    "busy",
    "failed",
    "voicemail",
    "refused",
    "third_party_answered",
]
PARTIES = ["debtor"] * 6 + ["guarantor", "emergency_contact"]


@pytest.fixture
def collector(make_user: Any) -> Any:
    return make_user(Role.COLLECTOR, username="bulk-collector")


def _creditors(code: str) -> dict[str, Any]:
    """A Chinese and a US creditor (by the debtor's country)."""
    return {
        "CN": CreditorFactory(code=f"{code}-cn", default_jurisdiction="CN"),
        "US": CreditorFactory(
            code=f"{code}-us", country="US", currency="USD", default_jurisdiction="US-NY"
        ),
    }


def _accounts(
    rng: random.Random, debtor: Any, creditors: dict[str, Any], jurisdiction: str, country: str
) -> list[Account]:
    """One account of the debtor's, or two (three times in ten)."""
    return [
        AccountFactory(
            debtor=debtor,
            creditor=creditors["US" if country == "US" else "CN"],
            jurisdiction=jurisdiction,
            currency="USD" if country == "US" else "CNY",
        )
        for _ in range(1 if rng.random() < 0.7 else 2)
    ]


def _population(seed: int, at: datetime) -> list[Account]:
    rng = random.Random(seed)
    creditors = _creditors("bulk")
    accounts: list[Account] = []
    for index in range(36):
        jurisdiction, country, zones = PEOPLE[index % len(PEOPLE)]
        debtor = DebtorFactory(
            country=country,
            timezones=list(zones),
            is_deceased=rng.random() < 0.04,
            is_bankrupt=rng.random() < 0.04,
        )
        own = _accounts(rng, debtor, creditors, jurisdiction, country)
        accounts.extend(own)
        points: list[ContactPoint] = []
        for k in range(rng.choice([0, 1, 1, 1, 2, 3])):
            points.append(
                _point(
                    debtor,
                    f"p{index}-{k}",
                    kind="phone" if rng.random() < 0.85 else "email",
                    timezones=rng.choice(POINT_ZONES),
                    is_valid=rng.random() < 0.9,
                    opted_out=rng.random() < 0.1,
                    provenance=rng.choice(["contract", "contract", "debtor_provided"]),
                )
            )
        if rng.random() < 0.4:
            points.append(
                _point(debtor, f"ec{index}", party_role="emergency_contact", timezones=[])
            )
        burst = rng.random() < 0.3  # many recent contacts: caps and cooldowns near their limits
        for _ in range(rng.choice([0, 1, 3, 6, 10, 14])):
            started = at - timedelta(minutes=rng.randint(1, 60 * 24 * (3 if burst else 40)))
            if rng.random() < 0.04:
                started = at + timedelta(minutes=rng.randint(1, 600))  # recorded after `at`
            if rng.random() < 0.03:
                started = at  # exactly at the proposed time
            point = rng.choice(points) if points and rng.random() < 0.9 else None
            ContactAttempt.objects.create(
                account=rng.choice(own),
                debtor=debtor,
                contact_point=point,
                party_role=rng.choice(PARTIES),
                channel=rng.choice(CHANNELS),
                direction="inbound" if rng.random() < 0.08 else "outbound",
                initiator="debtor" if rng.random() < 0.05 else "collector",
                started_at=started,
                outcome=rng.choice(OUTCOMES),
                with_consent=rng.random() < 0.1,
            )
        _holds_and_preferences(rng, debtor, own, points, at)
    return accounts


def _call(
    account: Account,
    debtor_id: int,
    started: datetime,
    outcome: str = "no_answer",
    point: Any = None,
) -> ContactAttempt:
    """A collector's outbound call to the debtor, recorded under ``debtor_id``."""
    return ContactAttempt.objects.create(
        account=account,
        debtor_id=debtor_id,
        contact_point=point,
        party_role="debtor",
        channel="call",
        direction="outbound",
        initiator="collector",
        started_at=started,
        outcome=outcome,
    )


def _point(debtor: Any, suffix: str, **fields: Any) -> ContactPoint:
    return ContactPoint.objects.create(
        debtor=debtor,
        kind=fields.pop("kind", "phone"),
        value=f"enc-{suffix}",
        value_index=f"idx-{suffix}",
        value_masked="***",
        party_role=fields.pop("party_role", "debtor"),
        **fields,
    )


def _holds_and_preferences(
    rng: random.Random, debtor: Any, own: list[Account], points: list[Any], at: datetime
) -> None:
    if rng.random() < 0.2:
        starts = at - timedelta(days=rng.randint(0, 70))
        if rng.random() < 0.1:
            starts = at + timedelta(days=1)  # not yet in force
        ends = rng.choice([None, starts + timedelta(days=rng.randint(1, 90))])
        Hold.objects.create(
            debtor=debtor,
            account=rng.choice([None, own[0]]),
            kind=rng.choice(["dispute", "cease", "breathing_space", "complaint", "attorney"]),
            starts_at=starts,
            ends_at=ends,
            released_at=rng.choice([None, None, at - timedelta(days=1)]),
        )
    choices = ["opt_out_channel", "opt_out_point", "blocked_time", "agreed_time", "consent"]
    for _ in range(rng.choice([0, 0, 0, 1, 2])):
        kind = rng.choice(choices)
        created = at - timedelta(days=rng.randint(0, 12), hours=rng.randint(0, 23))
        fields: dict[str, Any] = {"debtor": debtor, "kind": kind, "created_at": created}
        if kind == "opt_out_channel":
            fields["channel"] = rng.choice(["call", "sms"])
        elif kind == "opt_out_point" and points:
            fields["contact_point"] = rng.choice(points)
        elif kind in ("blocked_time", "agreed_time"):
            start = rng.randint(0, 23)
            fields["start_time"] = time(start, rng.choice([0, 30]))
            fields["end_time"] = time((start + rng.randint(1, 10)) % 24, 0)
        elif kind == "consent":
            fields["channel"] = rng.choice(["", "call"])
        ContactPreference.objects.create(**fields)


def _expected(
    collector: Any, accounts: list[Account], at: datetime, channel: str
) -> tuple[dict[int, int], Counter[str]]:
    kinds = {"call": "phone", "ai_voice": "phone", "sms": "phone"}
    chosen: dict[int, int] = {}
    blocked: Counter[str] = Counter()
    for account in accounts:
        points = list(
            ContactPoint.objects.filter(
                debtor_id=account.debtor_id,
                party_role="debtor",
                is_valid=True,
                kind=kinds.get(channel, "email"),
            ).order_by("id")
        )
        if not points:
            blocked["NO-POINT"] += 1
            continue
        first = None
        for point in points:
            decision = services.preflight(
                actor=collector, account=account, contact_point=point, channel=channel, at=at
            )
            first = first or decision
            if decision.allowed:
                chosen[account.pk] = point.pk
                break
        else:
            assert first is not None
            for rule in {r["rule"] for r in first.reasons if r["mode"] == "block"}:
                blocked[rule] += 1
    return chosen, blocked


def _bulk(at: datetime, channel: str, chunk_size: int = 5) -> tuple[dict[int, int], Any]:
    result = selectors.contactable_now(
        Account.objects.all(), at=at, channel=channel, chunk_size=chunk_size
    )
    return {c.account_id: c.contact_point_id for c in result.contactable}, result


MOMENTS = [
    datetime(2026, 3, 4, 3, 0, tzinfo=UTC),  # 11:00 Shanghai, 22:00 New York
    datetime(2026, 3, 4, 9, 30, tzinfo=UTC),  # 17:30 Shanghai, 09:30 London
    datetime(2026, 3, 8, 15, 0, tzinfo=UTC),  # the US spring-forward day: 11:00 New York
    datetime(2026, 3, 30, 13, 15, tzinfo=UTC),  # the day after the UK clocks change
]


@pytest.mark.parametrize("seed", [3, 17])
@pytest.mark.parametrize("moment", range(len(MOMENTS)))
def test_bulk_equals_per_account_preflight(
    seed: int, moment: int, packs_active: Any, collector: Any, monkeypatch: Any
) -> None:
    at = MOMENTS[moment]
    accounts = _population(seed * 10 + moment, at)
    for channel in ("call", "sms"):
        for scan_all in (False, True):
            monkeypatch.setattr(bulk, "SCAN_ALL_ABOVE", 0 if scan_all else 10**9)
            chosen, result = _bulk(at, channel)
            expected_chosen, expected_blocked = _expected(collector, accounts, at, channel)
            assert chosen == expected_chosen, (channel, scan_all)
            assert result.blocked_by_rule == expected_blocked, (channel, scan_all)
            assert result.total == len(accounts)
            assert [c.account_id for c in result.contactable] == sorted(chosen)
    assert 0 < len(chosen) < len(accounts)


def test_bulk_uses_sql_counts_for_most_people(
    packs_active: Any, collector: Any, monkeypatch: Any
) -> None:
    """Exactly the people with a contact after ``at`` are evaluated with their history here
    (their counts would include contacts the proposed time does not follow)."""
    at = MOMENTS[0]
    accounts = _population(5, at)
    for account in accounts[:12]:  # people with one phone and a contact recorded after `at`
        if ContactPoint.objects.filter(debtor_id=account.debtor_id, party_role="debtor").count():
            continue
        _point(account.debtor, f"later-{account.pk}")
        _call(account, account.debtor_id, at + timedelta(hours=1))
    in_full: list[int] = []
    original = selectors._bulk_chunk

    def spy(batch: list[Any], *args: Any, **kwargs: Any) -> None:
        in_full.extend(row[0] for row in batch)
        original(batch, *args, **kwargs)

    monkeypatch.setattr(selectors, "_bulk_chunk", spy)
    chosen, _result = _bulk(at, "call")
    later = set(
        ContactAttempt.objects.filter(started_at__gt=at).values_list("debtor_id", flat=True)
    )
    with_phone = set(
        ContactPoint.objects.filter(party_role="debtor", is_valid=True, kind="phone").values_list(
            "debtor_id", flat=True
        )
    )
    assert set(in_full) == {
        a.pk for a in accounts if a.debtor_id in later and a.debtor_id in with_phone
    }
    assert len(in_full) >= 3
    assert chosen == _expected(collector, accounts, at, "call")[0]


def test_a_rule_the_pass_cannot_count_falls_back_to_the_evaluators(
    packs_active: Any, officer: Any, officer2: Any, collector: Any
) -> None:
    """A blocking per-number cap (scope "to") is not counted in SQL: those accounts are
    evaluated in full, with the same answers."""
    from heed.compliance.models import PackVersion

    active = PackVersion.objects.get(code="cn-gbt45251-2025", status="active")
    content = dict(active.content)
    content["rules"] = [
        {**r, "mode": "block", "params": {**r["params"], "max": 1}} if r["id"] == "CN-04" else r
        for r in content["rules"]
    ]
    draft = services.pack_version_create(actor=officer, content=content, note="per-number cap")
    services.pack_version_approve(actor=officer2, version=draft)
    at = MOMENTS[0]
    accounts = _population(8, at)
    for account in accounts:  # one call to each Chinese debtor's first number today
        point = ContactPoint.objects.filter(
            debtor_id=account.debtor_id, party_role="debtor", kind="phone", is_valid=True
        ).first()
        if account.jurisdiction == "CN" and point is not None:
            ContactAttempt.objects.create(
                account=account,
                debtor_id=account.debtor_id,
                contact_point=point,
                channel="call",
                started_at=at - timedelta(minutes=30),
                outcome="no_answer",
            )
    chosen, result = _bulk(at, "call")
    expected_chosen, expected_blocked = _expected(collector, accounts, at, "call")
    assert chosen == expected_chosen
    assert result.blocked_by_rule == expected_blocked
    assert expected_blocked["CN-04"] > 0


def test_each_counting_rule_at_its_limit(packs_active: Any, collector: Any) -> None:
    """People exactly at each cap or cooldown (every window open at this moment), per person and
    per debt, with and without consent: the counts decide as the evaluators do."""
    at = datetime(2026, 3, 4, 13, 30, tzinfo=UTC)  # 21:30 Shanghai, 13:30 London, 08:30 New York
    hour = timedelta(hours=1)
    day = timedelta(days=1)
    people: list[tuple[str, str, list[list[tuple[timedelta, str]]], bool]] = [
        # (jurisdiction, zone, per account: [(how long before `at`, outcome)], consent)
        ("CN", "Asia/Shanghai", [[(hour, "conversation")] * 3], False),  # CN-03
        ("CN", "Asia/Shanghai", [[(hour, "refused")] * 2, [(2 * hour, "conversation")]], False),
        ("CN", "Asia/Shanghai", [[(hour, "conversation")] * 2], False),  # one below
        ("US-NY", "America/New_York", [[(d * day, "no_answer") for d in range(7)]], False),
        ("US-NY", "America/New_York", [[(d * day, "no_answer") for d in range(7)]], True),
        ("US-NY", "America/New_York", [[(d * day, "busy") for d in range(7)]], False),
        ("US-NY", "America/New_York", [[(2 * day, "conversation")], []], False),  # US-05
        ("US-NY", "America/New_York", [[(7 * day, "conversation")]], False),  # day 8: free
        ("US-MA", "America/New_York", [[(day, "no_answer"), (5 * day, "no_answer")]], False),
        ("GB", "Europe/London", [[(hour, "no_answer")] * 3], False),  # UK-02 per day
        ("GB", "Europe/London", [[(d * day, "no_answer") for d in range(1, 6)] * 2], False),
    ]
    accounts: list[Account] = []
    for index, (jurisdiction, zone, histories, consent) in enumerate(people):
        debtor = DebtorFactory(country=jurisdiction[:2], timezones=[zone])
        point = _point(debtor, f"limit{index}", timezones=[zone])
        for history in histories:
            account = AccountFactory(debtor=debtor, jurisdiction=jurisdiction)
            accounts.append(account)
            for before, outcome in history:
                ContactAttempt.objects.create(
                    account=account,
                    debtor=debtor,
                    contact_point=point,
                    channel="call",
                    started_at=at - before,
                    outcome=outcome,
                )
        if consent:
            ContactPreference.objects.create(
                debtor=debtor, kind="consent", channel="call", created_at=at - day
            )
    chosen, result = _bulk(at, "call")
    expected_chosen, expected_blocked = _expected(collector, accounts, at, "call")
    assert chosen == expected_chosen
    assert result.blocked_by_rule == expected_blocked
    assert {"CN-03", "US-04", "US-05", "US-MA", "UK-02"} <= set(expected_blocked)
    assert expected_blocked["CN-03"] == 3  # the person's calls count on both accounts
    assert expected_blocked["US-05"] == 1  # per debt: the other account stays free


def test_a_key_value_holding_the_separator_is_decided_in_full(
    packs_active: Any, collector: Any, monkeypatch: Any
) -> None:
    """The pass reads each account's facts as one text key; a value that contains the key's
    separator cannot be split back, so that account goes through the evaluators instead."""
    at = MOMENTS[1]
    accounts = _population(21, at)
    odd = accounts[0]
    Account.objects.filter(pk=odd.pk).update(jurisdiction=f"US{facts.SEP}NY")
    in_full: list[int] = []
    original = selectors._bulk_chunk

    def spy(batch: list[Any], *args: Any, **kwargs: Any) -> None:
        in_full.extend(row[0] for row in batch)
        original(batch, *args, **kwargs)

    monkeypatch.setattr(selectors, "_bulk_chunk", spy)
    accounts = list(Account.objects.filter(pk__in=[a.pk for a in accounts]))
    chosen, result = _bulk(at, "call")
    expected_chosen, expected_blocked = _expected(collector, accounts, at, "call")
    assert chosen == expected_chosen
    assert result.blocked_by_rule == expected_blocked
    has_point = ContactPoint.objects.filter(
        debtor_id=odd.debtor_id, party_role="debtor", kind="phone", is_valid=True
    ).exists()
    assert has_point
    assert odd.pk in in_full


@pytest.mark.postgres
def test_bulk_leaves_the_connection_settings_as_they_were(packs_active: Any) -> None:
    """On PostgreSQL the pass plans with its own settings for its transaction only."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('work_mem'), current_setting('random_page_cost')")
        before = cursor.fetchone()
    _population(4, MOMENTS[0])
    _bulk(MOMENTS[0], "call")
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('work_mem'), current_setting('random_page_cost')")
        assert cursor.fetchone() == before


@pytest.mark.parametrize(("slice_hours", "many"), [(24, True), (5, True), (24, False)])
def test_the_counts_equal_counting_each_column_with_the_orm(
    slice_hours: int, many: bool, packs_active: Any, monkeypatch: Any
) -> None:
    """The attempts classified by the database and grouped with numpy give, per (person,
    account) and per person, the number of attempts each column's measure counts since its
    instant — whatever the slices the scan is read in; people with a contact after ``at`` and
    both people of an account whose contacts were recorded under two people are named."""
    at = MOMENTS[2]
    accounts = _population(12, at)
    shared = accounts[0]
    stranger = next(a for a in accounts if a.debtor_id != shared.debtor_id)
    _call(shared, stranger.debtor_id, at - timedelta(hours=2))
    captured: dict[str, Any] = {}
    original = bulk._counts

    def spy(columns: Any, accounts: Any, **kwargs: Any) -> Any:
        captured.update(columns=dict(columns), **kwargs)
        return original(columns, accounts, **kwargs)

    monkeypatch.setattr(bulk, "_counts", spy)
    selectors.contactable_now(Account.objects.all(), at=at, channel="call")
    columns = captured["columns"]
    assert len(columns) >= 3
    monkeypatch.setattr(bulk, "SLICE", timedelta(hours=slice_hours))
    counts = original(columns, Account.objects.all(), at=at, since=captured["since"], many=many)
    later = counts.later
    by_account, by_person = counts.rows_for(counts.pair_accounts, counts.person_ids)

    # The array lookups the pass uses find the same pairs and people (and no pair for an
    # account asked about under someone else).
    pairs = [(row[0], account) for account, row in by_account.items() if row[0] not in later]
    asked_people = np.array([d for d, _a in pairs] + [-5], dtype=np.int64)
    asked_accounts = np.array([a for _d, a in pairs] + [pairs[0][1]], dtype=np.int64)
    (found, where), (person_found, person_where) = counts.positions(asked_people, asked_accounts)
    assert found.tolist() == [True] * len(pairs) + [False]
    assert person_found.tolist() == [True] * len(pairs) + [False]
    for i, (debtor, account) in enumerate(pairs):
        assert counts.pair_sums[0][where[i]] == by_account[account][2]
        assert counts.person_sums[0][person_where[i]] == by_person[debtor][2]

    after = set(
        ContactAttempt.objects.filter(started_at__gt=at).values_list("debtor_id", flat=True)
    )
    assert later == after | {shared.debtor_id, stranger.debtor_id}
    checked = 0
    for (measure, start), index in columns.items():
        counted = list(
            ContactAttempt.objects.filter(measure.condition(), started_at__gte=start).values_list(
                "debtor_id", "account_id"
            )
        )
        pairs = Counter(p for p in counted if p[0] not in later)
        people = Counter(d for d, _account in counted if d not in later)
        for (debtor, account), count in pairs.items():
            assert by_account[account][0] == debtor
            assert by_account[account][2 + index] == count
            checked += 1
        for account, row in by_account.items():
            if row[0] not in later:
                assert row[2 + index] == pairs.get((row[0], account), 0)
        for debtor, row in by_person.items():
            if debtor not in later:
                assert row[2 + index] == people.get(debtor, 0)
        assert set(people) <= set(by_person)
    assert checked > 10


def _plain_population(seed: int, at: datetime) -> list[Account]:
    """People the arrays decide: one phone each, no holds or preferences; several accounts
    for some, contacts near every limit, some recorded after ``at``."""
    rng = random.Random(seed)
    creditors = _creditors(f"plain-{seed}")
    accounts: list[Account] = []
    for index in range(48):
        jurisdiction, country, zones = PEOPLE[index % len(PEOPLE)]
        debtor = DebtorFactory(country=country, timezones=list(zones))
        own = _accounts(rng, debtor, creditors, jurisdiction, country)
        accounts.extend(own)
        point = _point(
            debtor,
            f"plain{seed}-{index}",
            timezones=rng.choice(POINT_ZONES),
            opted_out=rng.random() < 0.05,
            provenance=rng.choice(["contract", "contract", "debtor_provided"]),
        )
        if len(own) == 2 and rng.random() < 0.6:
            # Today's connected calls split over the two accounts: under a cap per account,
            # at it for the person (CN-03 counts the person's calls on every account).
            for account, minutes in ((own[0], 30), (own[0], 50), (own[1], 70)):
                _call(account, debtor.pk, at - timedelta(minutes=minutes), "refused", point)
        for _ in range(rng.choice([0, 1, 2, 3, 6, 8, 12])):
            started = at - timedelta(minutes=rng.randint(1, 60 * 24 * rng.choice([1, 3, 9])))
            if rng.random() < 0.05:
                started = at + timedelta(minutes=rng.randint(1, 600))
            ContactAttempt.objects.create(
                account=rng.choice(own),
                debtor=debtor,
                contact_point=point,
                party_role=rng.choice(["debtor"] * 9 + ["guarantor"]),
                channel=rng.choice(CHANNELS),
                direction="outbound",
                initiator="collector",
                started_at=started,
                outcome=rng.choice(OUTCOMES),
                with_consent=rng.random() < 0.05,
            )
    return accounts


@pytest.mark.parametrize("moment", range(len(MOMENTS)))
def test_the_arrays_decide_plain_people_as_preflight_does(
    moment: int, packs_active: Any, collector: Any, monkeypatch: Any
) -> None:
    """Every row of a population without holds, preferences or second points is decided by
    the array path (none by the loop), and equals preflight — caps reached across a person's
    accounts, cooldowns, people with a contact after ``at`` (decided in full)."""
    at = MOMENTS[moment]
    accounts = _plain_population(40 + moment, at)
    looped: list[int] = []
    original = bulk._slow_entries

    def spy(account_ids: Any, *args: Any, **kwargs: Any) -> Any:
        looped.extend(account_ids.tolist())
        return original(account_ids, *args, **kwargs)

    monkeypatch.setattr(bulk, "_slow_entries", spy)
    for channel in ("call", "sms"):
        chosen, result = _bulk(at, channel)
        expected_chosen, expected_blocked = _expected(collector, accounts, at, channel)
        assert chosen == expected_chosen, channel
        assert result.blocked_by_rule == expected_blocked, channel
        assert [c.account_id for c in result.contactable] == sorted(chosen)
    assert looped == []
    assert 0 < len(chosen) < len(accounts)


@pytest.mark.parametrize("scan_all", [False, True])
def test_bulk_over_part_of_the_portfolio(
    scan_all: bool, packs_active: Any, collector: Any, monkeypatch: Any
) -> None:
    """A queue (a filtered set of accounts): only its accounts are answered, and as preflight
    answers them — with the attempts read for its people only, or by the range scan."""
    at = MOMENTS[0]
    accounts = _population(9, at) + _plain_population(19, at)
    part = [a for a in accounts if a.pk % 3 != 0]
    monkeypatch.setattr(bulk, "SCAN_ALL_ABOVE", 0 if scan_all else 10**9)
    result = selectors.contactable_now(
        Account.objects.filter(pk__in=[a.pk for a in part]), at=at, channel="call"
    )
    chosen = {c.account_id: c.contact_point_id for c in result.contactable}
    expected_chosen, expected_blocked = _expected(collector, part, at, "call")
    assert chosen == expected_chosen
    assert result.blocked_by_rule == expected_blocked
    assert result.total == len(part)
    assert 0 < len(chosen) < len(part)
