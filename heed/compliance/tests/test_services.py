"""The gateway through the ORM: preflight, stored decisions, holds, preferences, versions."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from heed.audit.models import AuditEvent
from heed.collection.models import ContactAttempt
from heed.collection.services import contact_attempt_record
from heed.compliance import selectors, services
from heed.compliance.models import ContactPreference, Decision, Hold, PackVersion
from heed.core.errors import ApplicationError, Conflict, PermissionDenied
from heed.core.roles import Role
from heed.portfolio.models import ContactPoint
from heed.portfolio.tests.factories import AccountFactory, DebtorFactory, make_contact_point

SH = ZoneInfo("Asia/Shanghai")
NY = ZoneInfo("America/New_York")
pytestmark = pytest.mark.django_db


@pytest.fixture
def collector(make_user: Any) -> Any:
    return make_user(Role.COLLECTOR, username="col")


@pytest.fixture
def cn_account(collector: Any) -> Any:
    return AccountFactory(assigned_collector=collector, assigned_team=collector.team)


@pytest.fixture
def cn_phone(cn_account: Any) -> ContactPoint:
    return make_contact_point(cn_account.debtor, "+8613812341234")


@pytest.fixture
def us_account(collector: Any) -> Any:
    debtor = DebtorFactory(country="US", timezones=["America/New_York"])
    return AccountFactory(
        debtor=debtor, jurisdiction="US-NY", currency="USD", assigned_collector=collector
    )


@pytest.fixture
def us_phone(us_account: Any) -> ContactPoint:
    return make_contact_point(us_account.debtor, "+12125550123", timezones=["America/New_York"])


def sh(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SH)  # type: ignore[misc]


def ny(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=NY)  # type: ignore[misc]


def call(
    actor: Any, account: Any, point: Any, at: datetime, outcome: str = "no_answer"
) -> ContactAttempt:
    decision = services.preflight(
        actor=actor, account=account, contact_point=point, channel="call", at=at
    )
    assert decision.allowed, decision.reasons
    return contact_attempt_record(
        actor=actor,
        account=account,
        contact_point=point,
        channel="call",
        outcome=outcome,
        started_at=at,
        decision=decision,
    )


def test_preflight_stores_decision_with_pack_versions_and_reasons(
    packs_active: Any, collector: Any, cn_account: Any, cn_phone: Any
) -> None:
    decision = services.preflight(
        actor=collector,
        account=cn_account,
        contact_point=cn_phone,
        channel="call",
        at=sh(2026, 3, 2, 22, 0),
    )
    assert decision.allowed is False
    assert [r["rule"] for r in decision.reasons] == ["CN-01"]
    assert decision.reasons[0]["message_zh"].startswith("Asia/Shanghai 当地时间 2026-03-02 22:00")
    assert decision.next_allowed_at == sh(2026, 3, 3, 8, 0)
    assert decision.rules == ",CN-01,"
    assert decision.pack_versions == [
        {"pack": "cn-gbt45251-2025@1", "hash": packs_active[0].content_hash}
    ]
    assert decision.timezones == ["Asia/Shanghai"]
    assert Decision.objects.count() == 1


def test_stored_decision_reads_back_as_returned(
    packs_active: Any, collector: Any, cn_account: Any, cn_phone: Any
) -> None:
    """The decision is written by a prepared INSERT: what comes back from the database is
    what preflight returned, field by field."""
    decision = services.preflight(
        actor=collector,
        account=cn_account,
        contact_point=cn_phone,
        channel="call",
        at=sh(2026, 3, 2, 22, 0),
    )
    assert decision.pk is not None and not decision._state.adding
    stored = Decision.objects.get(pk=decision.pk)
    for field in Decision._meta.concrete_fields:
        assert getattr(stored, field.attname) == getattr(decision, field.attname), field.name
    assert stored.counters["cn-gbt45251-2025@1:CN-03"] == {"today": 0, "max": 3}
    assert stored.actor == collector and stored.account == cn_account


def test_unactivated_pack_is_labelled_version_zero(
    collector: Any, cn_account: Any, cn_phone: Any
) -> None:
    decision = services.preflight(
        actor=collector,
        account=cn_account,
        contact_point=cn_phone,
        channel="sms",
        at=sh(2026, 3, 2, 10, 0),
    )
    assert decision.allowed is True
    assert decision.pack_versions[0]["pack"] == "cn-gbt45251-2025@0"


def test_cn03_counts_recorded_contacts_and_blocks_the_fourth_connected_call(
    packs_active: Any, collector: Any, cn_account: Any, cn_phone: Any
) -> None:
    for hour in (9, 10, 11):
        call(collector, cn_account, cn_phone, sh(2026, 3, 2, hour, 0), outcome="conversation")
    decision = services.preflight(
        actor=collector,
        account=cn_account,
        contact_point=cn_phone,
        channel="call",
        at=sh(2026, 3, 2, 15, 0),
    )
    assert [r["rule"] for r in decision.reasons] == ["CN-03"]
    assert decision.reasons[0]["counters"] == {"today": 3, "max": 3}
    assert decision.next_allowed_at == sh(2026, 3, 3, 8, 0)


def test_cn03_counts_across_the_debtors_accounts_and_agencies(
    packs_active: Any, collector: Any, cn_account: Any, cn_phone: Any
) -> None:
    other = AccountFactory(debtor=cn_account.debtor, assigned_collector=collector)
    for hour in (9, 10, 11):
        call(collector, other, cn_phone, sh(2026, 3, 2, hour, 0), outcome="conversation")
    decision = services.preflight(
        actor=collector,
        account=cn_account,
        contact_point=cn_phone,
        channel="call",
        at=sh(2026, 3, 2, 15, 0),
    )
    assert decision.allowed is False


def test_contact_without_decision_is_accepted_but_unchecked(
    packs_active: Any, collector: Any, cn_account: Any, cn_phone: Any
) -> None:
    attempt = contact_attempt_record(
        actor=collector,
        account=cn_account,
        contact_point=cn_phone,
        channel="call",
        outcome="no_answer",
        started_at=sh(2026, 3, 2, 10, 0),
        initiator="dialer",
    )
    assert attempt.check_status == "unchecked"
    assert list(ContactAttempt.objects.unchecked()) == [attempt]
    assert (
        AuditEvent.objects.filter(action="contact.recorded", target_id=str(attempt.pk)).count() == 1
    )


def test_contact_against_a_refusal_or_other_channel_is_flagged(
    packs_active: Any, collector: Any, cn_account: Any, cn_phone: Any
) -> None:
    refused = services.preflight(
        actor=collector,
        account=cn_account,
        contact_point=cn_phone,
        channel="call",
        at=sh(2026, 3, 2, 23, 0),
    )
    attempt = contact_attempt_record(
        actor=collector,
        account=cn_account,
        contact_point=cn_phone,
        channel="call",
        outcome="no_answer",
        started_at=sh(2026, 3, 2, 23, 0),
        decision=refused,
    )
    assert attempt.check_status == "refused"
    sms = services.preflight(
        actor=collector,
        account=cn_account,
        contact_point=cn_phone,
        channel="sms",
        at=sh(2026, 3, 3, 10, 0),
    )
    mismatch = contact_attempt_record(
        actor=collector,
        account=cn_account,
        contact_point=cn_phone,
        channel="call",
        outcome="no_answer",
        started_at=sh(2026, 3, 3, 10, 0),
        decision=sms,
    )
    assert mismatch.check_status == "mismatch"
    assert ContactAttempt.objects.unchecked().count() == 2


def test_a_decision_covers_one_contact(
    packs_active: Any, collector: Any, cn_account: Any, cn_phone: Any
) -> None:
    attempt = call(collector, cn_account, cn_phone, sh(2026, 3, 2, 10, 0))
    assert attempt.check_status == "checked"
    with pytest.raises(Conflict):
        contact_attempt_record(
            actor=collector,
            account=cn_account,
            contact_point=cn_phone,
            channel="call",
            outcome="no_answer",
            started_at=sh(2026, 3, 2, 10, 0),
            decision=attempt.decision,
        )


def test_message_text_is_encrypted_at_rest(
    packs_active: Any, collector: Any, cn_account: Any, cn_phone: Any
) -> None:
    from heed.collection.services import contact_content_plain

    attempt = contact_attempt_record(
        actor=collector,
        account=cn_account,
        contact_point=cn_phone,
        channel="sms",
        outcome="delivered",
        started_at=sh(2026, 3, 2, 10, 0),
        content="您好，请回电",
    )
    assert "您好" not in attempt.content
    assert contact_content_plain(attempt) == "您好，请回电"


def test_third_party_refusal_becomes_lasting_do_not_contact(
    packs_active: Any, collector: Any, cn_account: Any
) -> None:
    emergency = make_contact_point(
        cn_account.debtor, "+8613900001111", party_role="emergency_contact"
    )
    cn_account.debtor.contact_points.filter(party_role="debtor").update(is_valid=False)
    decision = services.preflight(
        actor=collector,
        account=cn_account,
        contact_point=emergency,
        channel="call",
        at=sh(2026, 3, 2, 10, 0),
        purpose="locate",
    )
    assert decision.allowed is True
    contact_attempt_record(
        actor=collector,
        account=cn_account,
        contact_point=emergency,
        channel="call",
        outcome="refused",
        started_at=sh(2026, 3, 2, 10, 0),
        decision=decision,
        purpose="locate",
    )
    assert (
        ContactPreference.objects.filter(kind="third_party_dnc", contact_point=emergency).count()
        == 1
    )
    later = services.preflight(
        actor=collector,
        account=cn_account,
        contact_point=emergency,
        channel="sms",
        at=sh(2026, 6, 2, 10, 0),
        purpose="locate",
    )
    assert [r["rule"] for r in later.reasons] == ["CN-08"]


def test_dispute_hold_blocks_us_calls_until_released(
    packs_active: Any, collector: Any, officer2: Any, us_account: Any, us_phone: Any
) -> None:
    hold = services.hold_place(
        actor=collector,
        account=us_account,
        kind="dispute",
        starts_at=ny(2026, 6, 1, 9, 0),
        evidence="letter of 2026-05-30",
    )
    decision = services.preflight(
        actor=collector,
        account=us_account,
        contact_point=us_phone,
        channel="call",
        at=ny(2026, 6, 2, 10, 0),
    )
    assert [r["rule"] for r in decision.reasons] == ["US-19"]
    assert decision.next_allowed_at is None
    with pytest.raises(PermissionDenied):
        services.hold_release(actor=collector, hold=hold, reason="verified")
    services.hold_release(actor=officer2, hold=hold, reason="verification mailed")
    hold.refresh_from_db()
    assert hold.released_by == officer2
    assert hold.released_at is not None
    next_day = hold.released_at.astimezone(NY).replace(hour=10, minute=0) + timedelta(days=1)
    after = services.preflight(
        actor=collector, account=us_account, contact_point=us_phone, channel="call", at=next_day
    )
    assert after.allowed is True


def test_debtor_flags_act_as_holds(
    packs_active: Any, collector: Any, us_account: Any, us_phone: Any
) -> None:
    us_account.debtor.is_bankrupt = True
    us_account.debtor.save()
    decision = services.preflight(
        actor=collector,
        account=us_account,
        contact_point=us_phone,
        channel="call",
        at=ny(2026, 6, 2, 10, 0),
    )
    assert [r["rule"] for r in decision.reasons] == ["US-H"]


def test_sms_opt_out_and_blocked_hours_preferences(
    packs_active: Any, collector: Any, us_account: Any, us_phone: Any
) -> None:
    from datetime import time

    services.preference_add(
        actor=collector,
        account=us_account,
        kind="opt_out_channel",
        channel="sms",
        evidence="said 'stop texting' on the call",
    )
    services.preference_add(
        actor=collector,
        account=us_account,
        kind="blocked_time",
        start_time=time(12, 0),
        end_time=time(13, 0),
    )
    sms = services.preflight(
        actor=collector,
        account=us_account,
        contact_point=us_phone,
        channel="sms",
        at=ny(2026, 6, 2, 10, 0),
    )
    assert [r["rule"] for r in sms.reasons] == ["US-08"]
    lunch = services.preflight(
        actor=collector,
        account=us_account,
        contact_point=us_phone,
        channel="call",
        at=ny(2026, 6, 2, 12, 15),
    )
    assert [r["rule"] for r in lunch.reasons] == ["US-01"]
    assert lunch.next_allowed_at == ny(2026, 6, 2, 13, 0)


def test_agreed_hours_need_evidence(packs_active: Any, collector: Any, cn_account: Any) -> None:
    from datetime import time

    with pytest.raises(ApplicationError) as error:
        services.preference_add(
            actor=collector,
            account=cn_account,
            kind="agreed_time",
            start_time=time(7, 0),
            end_time=time(8, 0),
        )
    assert error.value.fields == {"evidence": ["An agreement to other hours needs evidence."]}


def test_account_without_pack_is_refused(collector: Any) -> None:
    account = AccountFactory(jurisdiction="ZZ", assigned_collector=collector)
    account.creditor.default_jurisdiction = ""
    account.creditor.save()
    point = make_contact_point(account.debtor, "+8613812349999")
    decision = services.preflight(
        actor=collector,
        account=account,
        contact_point=point,
        channel="call",
        at=sh(2026, 3, 2, 10, 0),
    )
    assert [r["rule"] for r in decision.reasons] == ["NO-PACK"]


def test_channel_must_fit_the_contact_point(
    packs_active: Any, collector: Any, cn_account: Any, cn_phone: Any
) -> None:
    with pytest.raises(ApplicationError) as error:
        services.preflight(
            actor=collector, account=cn_account, contact_point=cn_phone, channel="email"
        )
    assert error.value.fields == {"channel": ["This contact point cannot carry that channel."]}
    assert Decision.objects.count() == 0


# ---------------------------------------------------------------- pack versions


def test_four_eyes_author_cannot_approve_and_activation_is_audited(
    packs_active: Any, officer: Any, officer2: Any
) -> None:
    current = selectors.pack_current_content("us-regf")
    assert current is not None
    rules = [dict(r) for r in current["rules"]]
    rules[1] = {**rules[1], "params": {**rules[1]["params"], "window": "rolling"}}
    draft = services.pack_version_create(
        actor=officer2,
        content={**current, "rules": rules},
        note="Counsel prefers the rolling 168 h window",
    )
    assert (draft.version, draft.status) == (2, "draft")
    with pytest.raises(ApplicationError) as error:
        services.pack_version_approve(actor=officer2, version=draft)
    assert error.value.code == "four_eyes"
    active = services.pack_version_approve(actor=officer, version=draft)
    assert active.status == "active"
    assert PackVersion.objects.get(code="us-regf", version=1).status == "retired"
    event = AuditEvent.objects.filter(action="compliance.pack_activated").latest("id")
    assert event.changes["content_hash"] == draft.content_hash
    assert event.changes["previous"] == "us-regf@1"
    assert selectors.active_packs()["us-regf"].label == "us-regf@2"


def test_invalid_pack_content_is_refused(officer: Any) -> None:
    with pytest.raises(ApplicationError) as error:
        services.pack_version_create(
            actor=officer, content={"code": "us-regf", "rules": [{"id": "X"}]}, note="broken"
        )
    assert error.value.code == "invalid_pack"
    assert PackVersion.objects.count() == 0


def test_collector_cannot_author_pack_versions(collector: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.pack_version_create(actor=collector, content={"code": "x", "rules": []}, note="n")


# ---------------------------------------------------------------- bulk equals preflight


@pytest.mark.parametrize("seed", [7, 11, 23])
def test_bulk_contactable_now_equals_per_account_preflight(
    seed: int, packs_active: Any, collector: Any
) -> None:
    rng = random.Random(seed)
    at = datetime(2026, 3, 4, 3, 0, tzinfo=UTC)  # 11:00 Shanghai, 22:00 New York
    accounts = []
    for index in range(40):
        us = index % 3 == 0
        debtor = DebtorFactory(
            country="US" if us else "CN",
            timezones=["America/Los_Angeles"]
            if us and index % 2
            else (["America/New_York"] if us else ["Asia/Shanghai"]),
        )
        account = AccountFactory(
            debtor=debtor,
            jurisdiction="US-MA" if us and index % 4 == 0 else ("US-NY" if us else "CN"),
            assigned_collector=collector,
        )
        points = [
            make_contact_point(debtor, f"+86139{index:04d}{k:04d}")
            for k in range(rng.randint(0, 2))
        ]
        for point in points:
            for _ in range(rng.choice([0, 1, 1, 2, 5])):
                started = at - timedelta(hours=rng.randint(1, 24 * 12))
                ContactAttempt.objects.create(
                    account=account,
                    debtor=debtor,
                    contact_point=point,
                    channel="call",
                    started_at=started,
                    outcome=rng.choice(["conversation", "no_answer", "busy", "refused"]),
                )
        if rng.random() < 0.15:
            Hold.objects.create(
                debtor=debtor, account=account, kind="dispute", starts_at=at - timedelta(days=1)
            )
        if points and rng.random() < 0.15:
            points[0].opted_out = True
            points[0].save()
        accounts.append(account)
    from heed.portfolio.models import Account

    result = selectors.contactable_now(Account.objects.all(), at=at, channel="call", chunk_size=7)
    assert result.total == 40
    chosen = {c.account_id: c.contact_point_id for c in result.contactable}
    blocked_total = 0
    for account in accounts:
        points = list(
            account.debtor.contact_points.filter(party_role="debtor", is_valid=True).order_by("id")
        )
        answers = [
            services.preflight(
                actor=collector, account=account, contact_point=p, channel="call", at=at
            ).allowed
            for p in points
        ]
        if account.pk in chosen:
            first_allowed = points[answers.index(True)].pk
            assert chosen[account.pk] == first_allowed
        else:
            assert not any(answers)
            blocked_total += 1
    assert 0 < len(chosen) < 40
    assert blocked_total == 40 - len(chosen)
    assert sum(result.blocked_by_rule.values()) >= blocked_total
