"""The gateway over HTTP: API keys, exact bodies, permissions over four actors."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from heed.audit.models import AuditEvent
from heed.collection.models import ContactAttempt
from heed.compliance.models import ContactPreference, Decision, Hold, PackVersion
from heed.core.roles import Role
from heed.portfolio.tests.factories import AccountFactory, make_contact_point
from heed.users.tests.factories import TeamFactory

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


@pytest.fixture
def collector(make_user: Any) -> Any:
    return make_user(Role.COLLECTOR, username="alice")


@pytest.fixture
def account(collector: Any) -> Any:
    return AccountFactory(assigned_collector=collector, assigned_team=collector.team)


@pytest.fixture
def phone(account: Any) -> Any:
    return make_contact_point(account.debtor, "+8613812341234")


@pytest.fixture
def actors(make_user: Any, collector: Any) -> dict[str, Any]:
    """anonymous, other team, same team without permission, right role."""
    return {
        "other_team": make_user(Role.COLLECTOR, username="bob", team=TeamFactory(name="Beta")),
        "no_permission": make_user(Role.AUDITOR, username="carol"),
        "right": collector,
    }


def test_preflight_over_http_with_an_api_key(
    packs_active: Any, api_client_for: Any, collector: Any, account: Any, phone: Any
) -> None:
    client = api_client_for(collector)
    response = post(
        client,
        "/api/v1/contacts/preflight",
        {
            "account": account.pk,
            "contact_point": phone.pk,
            "channel": "call",
            "at": "2026-03-02T22:00:00+08:00",
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert body["allowed"] is False
    assert body["next_allowed_at"] == "2026-03-03T00:00:00Z"
    assert [(r["rule"], r["mode"], r["source"][:15]) for r in body["reasons"]] == [
        ("CN-01", "block", "GB/T 45251-2025")
    ]
    assert body["reasons"][0]["message"].startswith("2026-03-02 22:00 in Asia/Shanghai is outside")
    assert body["decision_id"] == Decision.objects.get().pk
    assert body["pack_versions"][0]["pack"] == "cn-gbt45251-2025@1"


def test_preflight_answers_in_the_users_language(
    packs_active: Any, api_client_for: Any, make_user: Any, account: Any, phone: Any
) -> None:
    zh_user = make_user(Role.COLLECTOR, username="wang", language="zh-hans")
    account.assigned_collector = zh_user
    account.save()
    body = post(
        api_client_for(zh_user),
        "/api/v1/contacts/preflight",
        {
            "account": account.pk,
            "contact_point": phone.pk,
            "channel": "sms",
            "at": "2026-03-02T23:00:00+08:00",
        },
    ).json()
    assert body["reasons"][0]["message"].startswith("Asia/Shanghai 当地时间 2026-03-02 23:00")


def test_record_contact_with_decision_id_then_timeline(
    packs_active: Any, api_client_for: Any, collector: Any, account: Any, phone: Any
) -> None:
    from heed.compliance.tests.test_views import _zone_in_daytime_now

    zone = _zone_in_daytime_now()
    account.debtor.timezones = [zone]
    account.debtor.save()
    phone.timezones = [zone]
    phone.save()
    client = api_client_for(collector)
    now = datetime.now(tz=SH).replace(second=0, microsecond=0)
    decision = post(
        client,
        "/api/v1/contacts/preflight",
        {"account": account.pk, "contact_point": phone.pk, "channel": "sms", "at": now.isoformat()},
    ).json()
    assert decision["allowed"] is True
    response = post(
        client,
        "/api/v1/contacts",
        {
            "account": account.pk,
            "contact_point": phone.pk,
            "channel": "sms",
            "outcome": "delivered",
            "started_at": now.isoformat(),
            "decision_id": decision["decision_id"],
            "content": "请回电",
        },
    )
    assert response.status_code == 201, response.json()
    assert response.json()["check_status"] == "checked"
    timeline = client.get(f"/api/v1/accounts/{account.pk}/contacts").json()
    assert timeline["count"] == 1
    assert timeline["items"][0]["decision_id"] == decision["decision_id"]
    again = post(
        client,
        "/api/v1/contacts",
        {
            "account": account.pk,
            "contact_point": phone.pk,
            "channel": "sms",
            "outcome": "delivered",
            "started_at": now.isoformat(),
            "decision_id": decision["decision_id"],
        },
    )
    assert (again.status_code, again.json()["code"]) == (409, "decision_used")


def test_contact_without_decision_is_listed_as_unchecked(
    packs_active: Any, api_client_for: Any, collector: Any, officer: Any, account: Any, phone: Any
) -> None:
    response = post(
        api_client_for(collector),
        "/api/v1/contacts",
        {
            "account": account.pk,
            "contact_point": phone.pk,
            "channel": "call",
            "outcome": "no_answer",
            "initiator": "dialer",
            "started_at": "2026-03-02T10:00:00+08:00",
        },
    )
    assert response.status_code == 201
    assert response.json()["is_unchecked"] is True
    listed = api_client_for(officer).get("/api/v1/contacts/unchecked").json()
    assert [item["id"] for item in listed["items"]] == [response.json()["id"]]


def test_simulate_with_the_exact_issue_body(
    packs_active: Any, api_client_for: Any, officer: Any
) -> None:
    body = {
        "jurisdiction": "US-MA",
        "packs": None,
        "timezones": ["America/New_York", "America/Chicago"],
        "proposed": {
            "channel": "call",
            "at": "2026-06-05T14:30:00Z",
            "party": "debtor",
            "to": "n1",
        },
        "history": [
            {
                "channel": "call",
                "at": "2026-06-01T14:00:00Z",
                "party": "debtor",
                "to": "n1",
                "outcome": "no_answer",
            },
            {
                "channel": "sms",
                "at": "2026-06-03T14:00:00Z",
                "party": "debtor",
                "to": "n1",
                "outcome": "delivered",
            },
        ],
        "holds": [],
        "preferences": {"opted_out_channels": [], "do_not_contact": []},
    }
    response = post(api_client_for(officer), "/api/v1/compliance/simulate", body)
    assert response.status_code == 200
    result = response.json()
    assert result["allowed"] is False
    assert [(r["rule"], r["mode"]) for r in result["reasons"]] == [("US-MA", "block")]
    assert result["next_allowed_at"] == "2026-06-08T13:00:00Z"  # 08:00 in Chicago (CDT)
    assert set(result["reasons"][0]) >= {"rule", "mode", "message", "source"}
    assert Decision.objects.count() == 0


def test_simulate_refuses_unknown_packs(
    packs_active: Any, api_client_for: Any, officer: Any
) -> None:
    response = post(
        api_client_for(officer),
        "/api/v1/compliance/simulate",
        {
            "jurisdiction": "CN",
            "packs": ["nope"],
            "timezones": ["Asia/Shanghai"],
            "proposed": {
                "channel": "call",
                "at": "2026-06-05T14:30:00Z",
                "party": "debtor",
                "to": "n1",
            },
        },
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_simulation"


def test_bulk_contactable_endpoint(
    packs_active: Any, api_client_for: Any, collector: Any, account: Any, phone: Any
) -> None:
    response = post(
        api_client_for(collector),
        "/api/v1/contacts/contactable",
        {"at": "2026-03-02T02:00:00Z", "channel": "call"},
    )
    assert response.status_code == 200
    assert response.json()["contactable"] == [{"account": account.pk, "contact_point": phone.pk}]
    night = post(
        api_client_for(collector),
        "/api/v1/contacts/contactable",
        {"at": "2026-03-02T15:00:00Z", "channel": "call"},
    ).json()
    assert (night["contactable_count"], night["blocked_by_rule"]) == (0, {"CN-01": 1})


# ---------------------------------------------------------------- permissions over four actors


@pytest.mark.parametrize("who", ["anonymous", "other_team", "no_permission", "right"])
def test_preflight_permissions(
    who: str,
    packs_active: Any,
    actors: dict[str, Any],
    api_client_for: Any,
    account: Any,
    phone: Any,
) -> None:
    client = Client() if who == "anonymous" else api_client_for(actors[who])
    events = AuditEvent.objects.count()
    response = post(
        client,
        "/api/v1/contacts/preflight",
        {
            "account": account.pk,
            "contact_point": phone.pk,
            "channel": "call",
            "at": "2026-03-02T10:00:00+08:00",
        },
    )
    expected = {"anonymous": 401, "other_team": 404, "no_permission": 403, "right": 200}[who]
    assert response.status_code == expected
    if who != "right":
        assert Decision.objects.count() == 0
        assert AuditEvent.objects.count() == events


@pytest.mark.parametrize("who", ["anonymous", "other_team", "no_permission", "right"])
def test_hold_placement_permissions(
    who: str, actors: dict[str, Any], api_client_for: Any, account: Any
) -> None:
    client = Client() if who == "anonymous" else api_client_for(actors[who])
    events = AuditEvent.objects.count()
    response = post(
        client,
        f"/api/v1/accounts/{account.pk}/holds",
        {"kind": "dispute", "evidence": "debtor says not their debt"},
    )
    expected = {"anonymous": 401, "other_team": 404, "no_permission": 403, "right": 201}[who]
    assert response.status_code == expected
    if who == "right":
        assert Hold.objects.get().set_by == actors["right"]
        assert AuditEvent.objects.filter(action="compliance.hold_placed").count() == 1
    else:
        assert Hold.objects.count() == 0
        assert AuditEvent.objects.count() == events


@pytest.mark.parametrize("who", ["anonymous", "other_team", "no_permission", "right"])
def test_preference_permissions(
    who: str, actors: dict[str, Any], api_client_for: Any, account: Any
) -> None:
    client = Client() if who == "anonymous" else api_client_for(actors[who])
    events = AuditEvent.objects.count()
    response = post(
        client,
        f"/api/v1/accounts/{account.pk}/preferences",
        {"kind": "opt_out_channel", "channel": "sms", "evidence": "asked on the phone"},
    )
    expected = {"anonymous": 401, "other_team": 404, "no_permission": 403, "right": 201}[who]
    assert response.status_code == expected
    if who != "right":
        assert ContactPreference.objects.count() == 0
        assert AuditEvent.objects.count() == events


@pytest.mark.parametrize("who", ["anonymous", "collector", "author", "second_officer"])
def test_pack_approval_permissions_and_four_eyes(
    who: str, make_user: Any, officer: Any, officer2: Any, collector: Any, api_client_for: Any
) -> None:
    from heed.compliance import services

    draft = services.pack_version_create(
        actor=officer,
        content={
            **__import__("heed.compliance.rules.packs", fromlist=["x"]).file_contents()["us-ma"]
        },
        note="initial",
    )
    client = {"anonymous": Client(), "collector": None, "author": None, "second_officer": None}[
        who
    ] or api_client_for(
        {"collector": collector, "author": officer, "second_officer": officer2}[who]
    )
    events = AuditEvent.objects.count()
    response = client.post(f"/api/v1/compliance/pack-versions/{draft.pk}/approve")
    expected = {"anonymous": 401, "collector": 403, "author": 403, "second_officer": 200}[who]
    assert response.status_code == expected
    draft.refresh_from_db()
    if who == "second_officer":
        assert draft.status == "active"
        assert AuditEvent.objects.filter(action="compliance.pack_activated").count() == 1
    else:
        assert draft.status == "draft"
        assert AuditEvent.objects.count() == events
        assert PackVersion.objects.filter(status="active").count() == 0


def test_simulate_needs_compliance_view(api_client_for: Any, collector: Any) -> None:
    response = post(
        api_client_for(collector),
        "/api/v1/compliance/simulate",
        {
            "jurisdiction": "CN",
            "timezones": ["Asia/Shanghai"],
            "proposed": {
                "channel": "call",
                "at": "2026-06-05T14:30:00Z",
                "party": "debtor",
                "to": "n1",
            },
        },
    )
    assert response.status_code == 403


def test_unchecked_list_needs_compliance_view(api_client_for: Any, collector: Any) -> None:
    assert api_client_for(collector).get("/api/v1/contacts/unchecked").status_code == 403


def test_record_contact_permissions(
    actors: dict[str, Any], api_client_for: Any, account: Any, phone: Any
) -> None:
    for who, expected in (("other_team", 404), ("no_permission", 403)):
        response = post(
            api_client_for(actors[who]),
            "/api/v1/contacts",
            {
                "account": account.pk,
                "contact_point": phone.pk,
                "channel": "call",
                "outcome": "no_answer",
                "started_at": "2026-03-02T10:00:00+08:00",
            },
        )
        assert response.status_code == expected
    assert ContactAttempt.objects.count() == 0
