"""Golden tests for every evaluator: exact decisions and next_allowed_at, boundaries included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from heed.compliance.rules import clock
from heed.compliance.rules.packs import (
    diff_contents,
    file_contents,
    file_packs,
    packs_for_jurisdiction,
)
from heed.compliance.rules.simulate import simulate

SH = ZoneInfo("Asia/Shanghai")
NY = ZoneInfo("America/New_York")
LA = ZoneInfo("America/Los_Angeles")
LDN = ZoneInfo("Europe/London")


def at(zone: ZoneInfo, *parts: int) -> str:
    return datetime(*parts, tzinfo=zone).isoformat()  # type: ignore[misc]


def utc(moment: str) -> datetime:
    return datetime.fromisoformat(moment).astimezone(UTC)


def body(
    jurisdiction: str, zones: list[str], proposed: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    proposed = {"party": "debtor", "to": "d1", **proposed}
    return {"jurisdiction": jurisdiction, "timezones": zones, "proposed": proposed, **extra}


def calls(
    zone: ZoneInfo,
    *days_hours: tuple[int, int, int, int],
    outcome: str = "no_answer",
    to: str = "d1",
    party: str = "debtor",
    channel: str = "call",
) -> list[dict[str, Any]]:
    return [
        {
            "channel": channel,
            "at": at(zone, 2026, m, d, h),
            "party": party,
            "to": to,
            "outcome": outcome,
        }
        for (m, d, h, _) in [(x[0], x[1], x[2], x[3]) for x in days_hours]
    ]


def rules_of(decision: Any) -> list[tuple[str, str]]:
    return [(r.rule, r.mode) for r in decision.reasons]


# ---------------------------------------------------------------- packs


def test_every_pack_file_parses_with_rule_ids_from_rules_md() -> None:
    packs = file_packs()
    assert sorted(packs) == ["cn-gbt45251-2025", "uk-conc", "us-ma", "us-regf"]
    ids = {rule.id for pack in packs.values() for rule in pack.rules}
    required = {
        "CN-01",
        "CN-03",
        "CN-04",
        "CN-06",
        "CN-07",
        "CN-08",
        "CN-18",
        "US-01",
        "US-04",
        "US-05",
        "US-06",
        "US-08",
        "US-12",
        "US-13",
        "US-19",
        "US-MA",
        "UK-01",
        "UK-02",
        "UK-11",
        "UK-12",
        "UK-14",
        "UK-15",
    }
    assert required <= ids
    uk_numbers = [
        r for r in packs["uk-conc"].rules if r.kind in ("time_window", "daily_cap", "window_cap")
    ]
    assert uk_numbers and all(r.policy for r in uk_numbers)
    cn04 = next(r for r in packs["cn-gbt45251-2025"].rules if r.id == "CN-04")
    assert cn04.mode == "warn"


def test_jurisdiction_selects_packs_and_creditor_packs_are_added() -> None:
    assert packs_for_jurisdiction("CN") == ("cn-gbt45251-2025",)
    assert packs_for_jurisdiction("US-NY") == ("us-regf",)
    assert packs_for_jurisdiction("US-MA") == ("us-regf", "us-ma")
    assert packs_for_jurisdiction("GB", ("cn-gbt45251-2025",)) == ("uk-conc", "cn-gbt45251-2025")
    assert packs_for_jurisdiction("ZZ") == ()


def test_diff_names_changed_parameters() -> None:
    old = file_contents()["us-regf"]
    new = {**old, "version": 2, "rules": [dict(r) for r in old["rules"]]}
    new["rules"][1] = {
        **new["rules"][1],
        "params": {**new["rules"][1]["params"], "window": "rolling"},
    }
    changes = diff_contents(old, new)
    assert [(c["rule"], c["change"]) for c in changes] == [("US-04", "changed")]
    assert changes[0]["fields"]["params"]["to"]["window"] == "rolling"


# ---------------------------------------------------------------- CN-01 time window


@pytest.mark.parametrize(
    ("hour", "minute", "allowed"),
    [(7, 59, False), (8, 0, True), (21, 59, True), (22, 0, False), (0, 0, False)],
)
def test_cn01_window_boundaries(hour: int, minute: int, allowed: bool) -> None:
    decision = simulate(
        body("CN", ["Asia/Shanghai"], {"channel": "sms", "at": at(SH, 2026, 3, 2, hour, minute)})
    )
    assert decision.allowed is allowed
    if not allowed:
        assert rules_of(decision) == [("CN-01", "block")]


def test_cn01_at_22_00_next_allowed_is_08_00_next_day() -> None:
    decision = simulate(
        body("CN", ["Asia/Shanghai"], {"channel": "call", "at": at(SH, 2026, 3, 2, 22, 0)})
    )
    assert decision.next_allowed_at == utc(at(SH, 2026, 3, 3, 8, 0))


def test_cn01_at_midnight_next_allowed_is_08_00_same_day() -> None:
    decision = simulate(
        body("CN", ["Asia/Shanghai"], {"channel": "call", "at": at(SH, 2026, 3, 3, 0, 0)})
    )
    assert decision.next_allowed_at == utc(at(SH, 2026, 3, 3, 8, 0))


def test_cn01_documented_agreement_opens_other_hours() -> None:
    data = body(
        "CN",
        ["Asia/Shanghai"],
        {"channel": "call", "at": at(SH, 2026, 3, 2, 7, 30)},
        preferences={"agreed_times": ["07:00-08:00"]},
    )
    assert simulate(data).allowed is True


def test_cn_message_is_in_chinese_and_english() -> None:
    decision = simulate(
        body("CN", ["Asia/Shanghai"], {"channel": "call", "at": at(SH, 2026, 3, 2, 23, 0)})
    )
    reason = decision.reasons[0]
    assert reason.message("zh-hans").startswith(
        "Asia/Shanghai 当地时间 2026-03-02 23:00 不在允许联系时段"
    )
    assert reason.message("en").startswith("2026-03-02 23:00 in Asia/Shanghai is outside")
    assert reason.source.startswith("GB/T 45251-2025")


# ---------------------------------------------------------------- US-01 in every zone, DST


def test_us01_must_hold_in_every_candidate_zone() -> None:
    proposed = {"channel": "call", "at": at(NY, 2026, 6, 2, 10, 30)}  # 07:30 in Los Angeles
    decision = simulate(body("US-NY", ["America/New_York", "America/Los_Angeles"], proposed))
    assert rules_of(decision) == [("US-01", "block")]
    assert decision.next_allowed_at == utc(at(LA, 2026, 6, 2, 8, 0))
    # 21:00 in New York is 18:00 in Los Angeles: still blocked, until 08:00 New York next day
    late = simulate(
        body(
            "US-NY",
            ["America/New_York", "America/Los_Angeles"],
            {"channel": "call", "at": at(NY, 2026, 6, 2, 21, 0)},
        )
    )
    assert late.next_allowed_at == utc(at(LA, 2026, 6, 3, 8, 0))


def test_us01_spring_forward_day() -> None:
    decision = simulate(
        body("US-NY", ["America/New_York"], {"channel": "call", "at": "2026-03-08T06:30:00+00:00"})
    )
    assert decision.allowed is False  # 01:30 EST
    assert decision.next_allowed_at == datetime(2026, 3, 8, 12, 0, tzinfo=UTC)  # 08:00 EDT


def test_us01_fall_back_day() -> None:
    decision = simulate(
        body("US-NY", ["America/New_York"], {"channel": "call", "at": "2026-11-01T05:30:00+00:00"})
    )
    assert decision.next_allowed_at == datetime(2026, 11, 1, 13, 0, tzinfo=UTC)  # 08:00 EST


def test_at_local_inside_spring_gap_maps_to_end_of_gap() -> None:
    from datetime import date, time

    assert clock.at_local(date(2026, 3, 8), time(2, 30), "America/New_York") == datetime(
        2026, 3, 8, 7, 0, tzinfo=UTC
    )


def test_us01_honours_debtor_blocked_times() -> None:
    data = body(
        "US-NY",
        ["America/New_York"],
        {"channel": "call", "at": at(NY, 2026, 6, 2, 12, 30)},
        preferences={"blocked_times": ["12:00-13:00"]},
    )
    decision = simulate(data)
    assert rules_of(decision) == [("US-01", "block")]
    assert decision.next_allowed_at == utc(at(NY, 2026, 6, 2, 13, 0))


def test_us01_does_not_gate_letters() -> None:
    assert simulate(
        body("US-NY", ["America/New_York"], {"channel": "letter", "at": at(NY, 2026, 6, 2, 23, 0)})
    ).allowed


# ---------------------------------------------------------------- CN-03, CN-04


def test_cn03_fourth_connected_call_is_blocked_and_next_is_tomorrow_0800() -> None:
    history = calls(SH, (3, 2, 9, 0), (3, 2, 10, 0), (3, 2, 11, 0), outcome="conversation")
    decision = simulate(
        body(
            "CN",
            ["Asia/Shanghai"],
            {"channel": "call", "at": at(SH, 2026, 3, 2, 15, 0)},
            history=history,
        )
    )
    assert rules_of(decision) == [("CN-03", "block")]
    assert decision.reasons[0].counters == {"today": 3, "max": 3}
    assert decision.next_allowed_at == utc(at(SH, 2026, 3, 3, 8, 0))


def test_cn03_third_connected_call_is_allowed_and_unanswered_ones_do_not_count() -> None:
    history = calls(SH, (3, 2, 9, 0), (3, 2, 10, 0), outcome="conversation") + calls(
        SH, (3, 2, 11, 0), (3, 2, 12, 0), outcome="no_answer", to="d2"
    )
    assert simulate(
        body(
            "CN",
            ["Asia/Shanghai"],
            {"channel": "call", "at": at(SH, 2026, 3, 2, 15, 0)},
            history=history,
        )
    ).allowed


def test_cn03_counts_ai_voice_and_is_not_in_force_before_cba_2026() -> None:
    history = calls(
        SH, (1, 5, 9, 0), (1, 5, 10, 0), (1, 5, 11, 0), outcome="conversation", channel="ai_voice"
    )
    assert simulate(
        body(
            "CN",
            ["Asia/Shanghai"],
            {"channel": "call", "at": at(SH, 2026, 1, 5, 15, 0)},
            history=history,
        )
    ).allowed
    history = calls(
        SH, (3, 5, 9, 0), (3, 5, 10, 0), (3, 5, 11, 0), outcome="conversation", channel="ai_voice"
    )
    assert not simulate(
        body(
            "CN",
            ["Asia/Shanghai"],
            {"channel": "call", "at": at(SH, 2026, 3, 5, 15, 0)},
            history=history,
        )
    ).allowed


def test_cn04_seventh_attempt_to_a_number_is_a_warning_not_a_block() -> None:
    history = calls(SH, *[(3, 2, 8 + i, 0) for i in range(6)])
    decision = simulate(
        body(
            "CN",
            ["Asia/Shanghai"],
            {"channel": "call", "at": at(SH, 2026, 3, 2, 15, 0)},
            history=history,
        )
    )
    assert decision.allowed is True
    assert rules_of(decision) == [("CN-04", "warn")]
    other = simulate(
        body(
            "CN",
            ["Asia/Shanghai"],
            {"channel": "call", "to": "d2", "at": at(SH, 2026, 3, 2, 15, 0)},
            history=history,
        )
    )
    assert rules_of(other) == []


# ---------------------------------------------------------------- CN-06, CN-07, CN-08, CN-18


def test_cn06_no_payment_demand_from_an_emergency_contact() -> None:
    data = body(
        "CN",
        ["Asia/Shanghai"],
        {
            "channel": "call",
            "party": "emergency_contact",
            "to": "e1",
            "purpose": "collect",
            "at": at(SH, 2026, 3, 2, 10, 0),
        },
        debtor_has_valid_number=False,
    )
    decision = simulate(data)
    assert rules_of(decision) == [("CN-06", "block"), ("CN-07", "block")]
    assert decision.next_allowed_at is None


def test_cn07_third_party_only_from_the_day_after_three_failed_attempts() -> None:
    history = calls(SH, (3, 2, 9, 0), (3, 2, 10, 0), (3, 2, 11, 0), outcome="no_answer")
    same_day = body(
        "CN",
        ["Asia/Shanghai"],
        {
            "channel": "call",
            "party": "emergency_contact",
            "to": "e1",
            "purpose": "locate",
            "at": at(SH, 2026, 3, 2, 15, 0),
        },
        history=history,
    )
    decision = simulate(same_day)
    assert rules_of(decision) == [("CN-07", "block")]
    assert decision.next_allowed_at == utc(at(SH, 2026, 3, 3, 8, 0))
    next_day = {**same_day, "proposed": {**same_day["proposed"], "at": at(SH, 2026, 3, 3, 9, 0)}}
    assert simulate(next_day).allowed is True


def test_cn07_two_failed_attempts_do_not_unlock_third_parties() -> None:
    history = calls(SH, (3, 2, 9, 0), (3, 2, 10, 0), outcome="no_answer")
    data = body(
        "CN",
        ["Asia/Shanghai"],
        {
            "channel": "call",
            "party": "emergency_contact",
            "to": "e1",
            "purpose": "locate",
            "at": at(SH, 2026, 3, 3, 9, 0),
        },
        history=history,
    )
    decision = simulate(data)
    assert rules_of(decision) == [("CN-07", "block")]
    assert decision.next_allowed_at is None


def test_cn07_unreachable_three_days_unlocks() -> None:
    history = calls(SH, (3, 1, 9, 0), (3, 2, 9, 0), outcome="no_answer") + calls(
        SH, (3, 3, 9, 0), outcome="busy"
    )
    history[1]["outcome"] = "voicemail"
    data = body(
        "CN",
        ["Asia/Shanghai"],
        {
            "channel": "call",
            "party": "emergency_contact",
            "to": "e1",
            "purpose": "relay",
            "at": at(SH, 2026, 3, 4, 9, 0),
        },
        history=history,
    )
    assert simulate(data).allowed is True


def test_cn07_invalid_debtor_numbers_unlock_immediately() -> None:
    data = body(
        "CN",
        ["Asia/Shanghai"],
        {
            "channel": "call",
            "party": "emergency_contact",
            "to": "e1",
            "purpose": "locate",
            "at": at(SH, 2026, 3, 2, 9, 0),
        },
        debtor_has_valid_number=False,
    )
    assert simulate(data).allowed is True


def test_cn08_third_party_who_refused_is_never_contacted_again() -> None:
    history = calls(SH, (3, 1, 9, 0), outcome="refused", to="e1", party="emergency_contact")
    data = body(
        "CN",
        ["Asia/Shanghai"],
        {
            "channel": "sms",
            "party": "emergency_contact",
            "to": "e1",
            "purpose": "locate",
            "at": at(SH, 2026, 3, 9, 9, 0),
        },
        history=history,
        debtor_has_valid_number=False,
    )
    decision = simulate(data)
    assert rules_of(decision) == [("CN-08", "block")]
    assert decision.next_allowed_at is None
    listed = body(
        "CN",
        ["Asia/Shanghai"],
        {**data["proposed"]},
        preferences={"do_not_contact": ["e1"]},
        debtor_has_valid_number=False,
    )
    assert rules_of(simulate(listed)) == [("CN-08", "block")]


def test_cn18_harvested_phone_book_number_is_refused() -> None:
    data = body(
        "CN",
        ["Asia/Shanghai"],
        {"channel": "call", "provenance": "phone_book", "at": at(SH, 2026, 3, 2, 9, 0)},
    )
    assert rules_of(simulate(data)) == [("CN-18", "block")]
    ok = body(
        "CN",
        ["Asia/Shanghai"],
        {"channel": "call", "provenance": "contract", "at": at(SH, 2026, 3, 2, 9, 0)},
    )
    assert simulate(ok).allowed


# ------------------------------------------------ US-04, US-05, US-06 (Reg F examples)


def test_us04_seventh_call_allowed_eighth_blocked() -> None:
    six = calls(NY, *[(6, 1 + i, 10, 0) for i in range(6)])  # Mon June 1 .. Sat June 6
    proposed = {"channel": "call", "at": at(NY, 2026, 6, 7, 10, 0)}
    assert simulate(body("US-NY", ["America/New_York"], proposed, history=six)).allowed
    seven = calls(NY, *[(6, 1 + i, 10, 0) for i in range(7)])
    decision = simulate(
        body(
            "US-NY",
            ["America/New_York"],
            {"channel": "call", "at": at(NY, 2026, 6, 7, 15, 0)},
            history=seven,
        )
    )
    assert rules_of(decision) == [("US-04", "block")]
    assert decision.reasons[0].counters == {
        "in_window": 7,
        "max": 7,
        "days": 7,
        "window": "calendar",
    }


def test_us04_regf_example_seven_calls_monday_then_next_monday() -> None:
    # 1006.14(b)(2)(i)(A) comment: seven calls on Monday June 1 → no call until Monday June 8.
    seven = calls(NY, *[(6, 1, 9 + i, 0) for i in range(7)])
    decision = simulate(
        body(
            "US-NY",
            ["America/New_York"],
            {"channel": "call", "at": at(NY, 2026, 6, 2, 10, 0)},
            history=seven,
        )
    )
    assert decision.allowed is False
    assert decision.next_allowed_at == utc(at(NY, 2026, 6, 8, 8, 0))


def test_us06_busy_and_not_connected_calls_are_not_counted() -> None:
    history = (
        calls(NY, *[(6, 1 + i, 10, 0) for i in range(6)])
        + calls(NY, (6, 6, 11, 0), outcome="busy")
        + calls(NY, (6, 6, 12, 0), outcome="failed")
    )
    decision = simulate(
        body(
            "US-NY",
            ["America/New_York"],
            {"channel": "call", "at": at(NY, 2026, 6, 7, 10, 0)},
            history=history,
        )
    )
    assert decision.allowed is True
    assert decision.counters["us-regf@1:US-06"] == {"excluded_from_counts": 2}


def test_us06_calls_with_prior_consent_are_not_counted() -> None:
    history = calls(NY, *[(6, 1 + i, 10, 0) for i in range(7)])
    history[0]["with_consent"] = True
    assert simulate(
        body(
            "US-NY",
            ["America/New_York"],
            {"channel": "call", "at": at(NY, 2026, 6, 7, 15, 0)},
            history=history,
        )
    ).allowed


def test_us04_rolling_168h_is_stricter_than_calendar_window() -> None:
    seven = calls(NY, *[(6, 1, 14 + i, 0) for i in range(7)])  # Mon June 1, 14:00–20:00
    proposed = {"channel": "call", "at": at(NY, 2026, 6, 8, 9, 0)}  # Monday June 8, 09:00
    assert simulate(body("US-NY", ["America/New_York"], proposed, history=seven)).allowed
    packs = file_packs()
    rolling_content = file_contents()["us-regf"]
    rolling_content = {**rolling_content, "rules": [dict(r) for r in rolling_content["rules"]]}
    for rule in rolling_content["rules"]:
        if rule["id"] == "US-04":
            rule["params"] = {**rule["params"], "window": "rolling"}
    from heed.compliance.rules.packs import parse_pack

    available = {**packs, "us-regf": parse_pack(rolling_content)}
    decision = simulate(
        body("US-NY", ["America/New_York"], proposed, history=seven), available=available
    )
    assert rules_of(decision) == [("US-04", "block")]
    # the first call (June 1 14:00) leaves the 168 h window at June 8 14:00
    assert decision.next_allowed_at == utc(at(NY, 2026, 6, 8, 14, 0))


def test_us05_day_7_after_conversation_blocked_day_8_allowed() -> None:
    talk = calls(NY, (6, 1, 10, 0), outcome="conversation")
    day7 = simulate(
        body(
            "US-NY",
            ["America/New_York"],
            {"channel": "call", "at": at(NY, 2026, 6, 7, 20, 0)},
            history=talk,
        )
    )
    assert rules_of(day7) == [("US-05", "block")]
    assert day7.next_allowed_at == utc(at(NY, 2026, 6, 8, 8, 0))
    day8 = simulate(
        body(
            "US-NY",
            ["America/New_York"],
            {"channel": "call", "at": at(NY, 2026, 6, 8, 8, 0)},
            history=talk,
        )
    )
    assert day8.allowed is True


def test_us05_does_not_stop_a_letter_or_email() -> None:
    talk = calls(NY, (6, 1, 10, 0), outcome="conversation")
    assert simulate(
        body(
            "US-NY",
            ["America/New_York"],
            {"channel": "email", "at": at(NY, 2026, 6, 2, 10, 0)},
            history=talk,
        )
    ).allowed


# ---------------------------------------------------------------- US-08, US-12, US-13, US-19, US-MA


def test_us08_sms_opt_out_blocks_sms_not_calls() -> None:
    prefs = {"opted_out_channels": ["sms"]}
    sms = simulate(
        body(
            "US-NY",
            ["America/New_York"],
            {"channel": "sms", "at": at(NY, 2026, 6, 2, 10, 0)},
            preferences=prefs,
        )
    )
    assert rules_of(sms) == [("US-08", "block")]
    assert sms.next_allowed_at is None
    # The reason names the channel in words, in both languages.
    [reason] = sms.reasons
    assert (reason.message_en, reason.message_zh) == (
        "The person opted out of the SMS channel.",
        "当事人已拒绝通过短信渠道联系。",
    )
    assert simulate(
        body(
            "US-NY",
            ["America/New_York"],
            {"channel": "call", "at": at(NY, 2026, 6, 2, 10, 0)},
            preferences=prefs,
        )
    ).allowed


def test_us12_cease_allows_only_notices() -> None:
    holds = [{"kind": "cease", "since": at(NY, 2026, 5, 1, 0, 0)}]
    call = simulate(
        body(
            "US-NY",
            ["America/New_York"],
            {"channel": "call", "at": at(NY, 2026, 6, 2, 10, 0)},
            holds=holds,
        )
    )
    assert rules_of(call) == [("US-12", "block")]
    notice = simulate(
        body(
            "US-NY",
            ["America/New_York"],
            {"channel": "letter", "purpose": "notice", "at": at(NY, 2026, 6, 2, 10, 0)},
            holds=holds,
        )
    )
    assert notice.allowed


def test_us13_third_party_once_for_location_only() -> None:
    proposed = {
        "channel": "call",
        "party": "third_party",
        "to": "t1",
        "purpose": "locate",
        "at": at(NY, 2026, 6, 2, 10, 0),
    }
    assert simulate(body("US-NY", ["America/New_York"], proposed)).allowed
    history = calls(NY, (6, 1, 10, 0), outcome="third_party_answered", to="t1", party="third_party")
    decision = simulate(body("US-NY", ["America/New_York"], proposed, history=history))
    assert rules_of(decision) == [("US-13", "block")]
    collect = simulate(body("US-NY", ["America/New_York"], {**proposed, "purpose": "collect"}))
    assert rules_of(collect) == [("US-13", "block")]


def test_us19_dispute_hold_until_verification_then_allowed() -> None:
    holds = [
        {"kind": "dispute", "since": at(NY, 2026, 6, 1, 0, 0), "until": at(NY, 2026, 6, 10, 12, 0)}
    ]
    decision = simulate(
        body(
            "US-NY",
            ["America/New_York"],
            {"channel": "call", "at": at(NY, 2026, 6, 2, 10, 0)},
            holds=holds,
        )
    )
    assert rules_of(decision) == [("US-19", "block")]
    assert decision.next_allowed_at == utc(at(NY, 2026, 6, 10, 12, 0))


def test_us_ma_third_call_in_seven_days_is_blocked_strictest_wins_over_regf() -> None:
    two = calls(NY, (6, 1, 10, 0), (6, 3, 10, 0))
    decision = simulate(
        body(
            "US-MA",
            ["America/New_York"],
            {"channel": "call", "at": at(NY, 2026, 6, 5, 10, 0)},
            history=two,
        )
    )
    assert rules_of(decision) == [("US-MA", "block")]
    assert decision.next_allowed_at == utc(at(NY, 2026, 6, 8, 8, 0))
    assert decision.packs == ("us-regf@1", "us-ma@1")
    # the same history in New York (federal pack only) is fine
    assert simulate(
        body(
            "US-NY",
            ["America/New_York"],
            {"channel": "call", "at": at(NY, 2026, 6, 5, 10, 0)},
            history=two,
        )
    ).allowed


def test_us_ma_work_phone_two_per_thirty_days() -> None:
    two = [dict(c, to_kind="work", to="w1") for c in calls(NY, (6, 1, 10, 0), (6, 20, 10, 0))]
    proposed = {"channel": "call", "to": "w1", "to_kind": "work", "at": at(NY, 2026, 6, 25, 10, 0)}
    decision = simulate(body("US-MA", ["America/New_York"], proposed, history=two))
    assert rules_of(decision) == [("US-MA", "block")]
    assert decision.next_allowed_at == utc(at(NY, 2026, 7, 1, 8, 0))


def test_composition_intersects_windows() -> None:
    data = body(
        "CN",
        ["Asia/Shanghai"],
        {"channel": "call", "at": at(SH, 2026, 3, 2, 21, 30)},
        packs=["cn-gbt45251-2025", "us-regf"],
    )
    decision = simulate(data)
    assert rules_of(decision) == [("US-01", "block")]
    assert decision.next_allowed_at == utc(at(SH, 2026, 3, 3, 8, 0))


# ---------------------------------------------------------------- UK


def test_uk01_bank_holidays_and_sunday_are_closed_by_policy() -> None:
    decision = simulate(
        body("GB", ["Europe/London"], {"channel": "call", "at": at(LDN, 2026, 12, 25, 10, 0)})
    )
    assert rules_of(decision) == [("UK-01", "block")]
    # Boxing Day (Sat), Sunday, Boxing Day observed (Mon 28) → Tuesday 29 December 08:00
    assert decision.next_allowed_at == utc(at(LDN, 2026, 12, 29, 8, 0))


def test_uk02_policy_caps_per_day() -> None:
    history = calls(LDN, (6, 2, 9, 0), (6, 2, 10, 0), (6, 2, 11, 0))
    decision = simulate(
        body(
            "GB",
            ["Europe/London"],
            {"channel": "call", "at": at(LDN, 2026, 6, 2, 15, 0)},
            history=history,
        )
    )
    assert rules_of(decision) == [("UK-02", "block")]
    assert decision.next_allowed_at == utc(at(LDN, 2026, 6, 3, 8, 0))


@pytest.mark.parametrize(("kind", "rule"), [("dispute", "UK-11"), ("lacks_capacity", "UK-12")])
def test_uk_holds_suspend_recovery(kind: str, rule: str) -> None:
    holds = [{"kind": kind, "since": at(LDN, 2026, 6, 1, 0, 0)}]
    decision = simulate(
        body(
            "GB",
            ["Europe/London"],
            {"channel": "call", "at": at(LDN, 2026, 6, 2, 10, 0)},
            holds=holds,
        )
    )
    assert rules_of(decision) == [(rule, "block")]
    assert decision.next_allowed_at is None


def test_uk14_open_complaint_blocks_proceedings_not_calls() -> None:
    holds = [{"kind": "complaint", "since": at(LDN, 2026, 6, 1, 0, 0)}]
    call = simulate(
        body(
            "GB",
            ["Europe/London"],
            {"channel": "call", "at": at(LDN, 2026, 6, 2, 10, 0)},
            holds=holds,
        )
    )
    assert call.allowed
    suit = simulate(
        body(
            "GB",
            ["Europe/London"],
            {"channel": "letter", "purpose": "proceedings", "at": at(LDN, 2026, 6, 2, 10, 0)},
            holds=holds,
        )
    )
    assert rules_of(suit) == [("UK-14", "block")]


def test_uk15_breathing_space_lasts_sixty_days() -> None:
    holds = [{"kind": "breathing_space", "since": at(LDN, 2026, 6, 1, 9, 0)}]
    decision = simulate(
        body(
            "GB",
            ["Europe/London"],
            {"channel": "call", "at": at(LDN, 2026, 6, 2, 10, 0)},
            holds=holds,
        )
    )
    assert rules_of(decision) == [("UK-15", "block")]
    assert decision.next_allowed_at == utc(at(LDN, 2026, 7, 31, 9, 0))
    assert utc(at(LDN, 2026, 7, 31, 9, 0)) - utc(at(LDN, 2026, 6, 1, 9, 0)) == timedelta(days=60)


def test_cba_2026_code_is_an_alias_of_the_cn_pack() -> None:
    assert packs_for_jurisdiction("CN", ("cn-gbt45251-2025", "cn-cba-2026")) == (
        "cn-gbt45251-2025",
    )
