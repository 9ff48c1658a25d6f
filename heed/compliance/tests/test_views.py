"""Compliance and contact screens."""

from __future__ import annotations

from typing import Any

import pytest

from heed.audit.models import AuditEvent
from heed.collection.models import ContactAttempt
from heed.compliance import services
from heed.compliance.models import ContactPreference, Decision, Hold, PackVersion
from heed.core.roles import Role
from heed.portfolio.tests.factories import AccountFactory, make_contact_point
from heed.users.tests.factories import TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def collector(make_user: Any) -> Any:
    return make_user(Role.COLLECTOR, username="alice")


@pytest.fixture
def account(collector: Any) -> Any:
    return AccountFactory(assigned_collector=collector, assigned_team=collector.team)


def test_packs_page_lists_packs_for_officers_only(
    client_for: Any, officer: Any, collector: Any
) -> None:
    page = client_for(officer).get("/compliance/")
    assert page.status_code == 200
    assert b"cn-gbt45251-2025" in page.content and b"uk-conc" in page.content
    assert client_for(collector).get("/compliance/").status_code == 403


def test_pack_page_shows_rules_sources_and_policy_labels(client_for: Any, officer: Any) -> None:
    page = client_for(officer).get("/compliance/packs/uk-conc/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "UK-15" in text and "Debt Respite Scheme" in text and "policy" in text


def test_new_version_from_the_ui_then_second_officer_approves(
    client_for: Any, officer: Any, officer2: Any, packs_active: Any
) -> None:
    page = client_for(officer2).get("/compliance/packs/us-ma/")
    content = (
        page.context["form"]
        .initial["content"]
        .replace("max: 2\n    days: 7", "max: 1\n    days: 7", 1)
    )
    response = client_for(officer2).post(
        "/compliance/packs/us-ma/", {"content": content, "note": "tighter"}
    )
    draft = PackVersion.objects.get(code="us-ma", version=2)
    assert response.status_code == 302
    detail = client_for(officer2).get(f"/compliance/versions/{draft.pk}/")
    assert detail.context["can_approve"] is False
    assert detail.context["diff"][0]["rule"] == "US-MA/home-cell"
    assert detail.context["diff"][0]["fields"]["params"]["to"]["max"] == 1
    client_for(officer2).post(f"/compliance/versions/{draft.pk}/approve/")
    draft.refresh_from_db()
    assert draft.status == "draft"  # the author cannot approve
    client_for(officer).post(f"/compliance/versions/{draft.pk}/approve/")
    draft.refresh_from_db()
    assert draft.status == "active"


def test_what_if_form_shows_the_answer(client_for: Any, officer: Any) -> None:
    response = client_for(officer).post(
        "/compliance/simulate/",
        {
            "jurisdiction": "CN",
            "timezones": "Asia/Shanghai",
            "channel": "call",
            "at": "2026-03-02T23:00",
            "party": "debtor",
            "to": "p1",
            "purpose": "collect",
            "history": "",
            "holds": "",
        },
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "Blocked" in text and "CN-01" in text
    assert Decision.objects.count() == 0


def test_account_panel_two_clicks_hold_and_preference(
    client_for: Any, collector: Any, account: Any
) -> None:
    client = client_for(collector)
    assert client.get(f"/compliance/accounts/{account.pk}/panel/").status_code == 200
    response = client.post(
        f"/compliance/accounts/{account.pk}/holds/", {"kind": "dispute", "evidence": "not my debt"}
    )
    assert response.status_code == 200
    assert Hold.objects.get().kind == "dispute"
    client.post(
        f"/compliance/accounts/{account.pk}/preferences/",
        {"kind": "opt_out_channel", "channel": "sms"},
    )
    assert ContactPreference.objects.get().channel == "sms"


def test_account_panel_is_404_for_another_team(
    client_for: Any, make_user: Any, account: Any
) -> None:
    bob = make_user(Role.COLLECTOR, username="bob", team=TeamFactory(name="Beta"))
    events = AuditEvent.objects.count()
    assert client_for(bob).get(f"/compliance/accounts/{account.pk}/panel/").status_code == 404
    assert (
        client_for(bob)
        .post(f"/compliance/accounts/{account.pk}/holds/", {"kind": "dispute"})
        .status_code
        == 404
    )
    assert Hold.objects.count() == 0 and AuditEvent.objects.count() == events


def test_auditor_cannot_place_holds_from_the_panel(
    client_for: Any, make_user: Any, account: Any
) -> None:
    auditor = make_user(Role.AUDITOR, username="carol")
    response = client_for(auditor).post(
        f"/compliance/accounts/{account.pk}/holds/", {"kind": "dispute"}
    )
    assert response.status_code == 403
    assert Hold.objects.count() == 0


def _zone_in_daytime_now() -> str:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    for name in (
        "Asia/Shanghai",
        "Europe/London",
        "America/New_York",
        "Pacific/Honolulu",
        "Asia/Tokyo",
        "America/Los_Angeles",
        "Asia/Dubai",
        "Australia/Sydney",
        "Europe/Moscow",
        "Asia/Kolkata",
    ):
        if 9 <= datetime.now(ZoneInfo(name)).hour < 20:
            return name
    raise AssertionError("no daytime zone")  # pragma: no cover - ten zones cover the day


def test_contact_panel_asks_the_gateway_then_records_the_outcome(
    client_for: Any, collector: Any, account: Any, packs_active: Any
) -> None:
    zone = _zone_in_daytime_now()
    account.debtor.timezones = [zone]
    account.debtor.save()
    point = make_contact_point(account.debtor, "+8613812341234", timezones=[zone])
    client = client_for(collector)
    assert client.get(f"/collection/accounts/{account.pk}/").status_code == 200
    answer = client.post(
        f"/collection/accounts/{account.pk}/preflight/",
        {"contact_point": point.pk, "channel": "letter", "purpose": "collect"},
    )
    assert answer.status_code == 200
    assert "cannot carry that channel" in answer.content.decode()
    answer = client.post(
        f"/collection/accounts/{account.pk}/preflight/",
        {"contact_point": point.pk, "channel": "sms", "purpose": "collect"},
    )
    decision = Decision.objects.get()
    assert decision.allowed is True
    assert "Record the outcome" in answer.content.decode()
    recorded = client.post(
        f"/collection/accounts/{account.pk}/contacts/",
        {"decision": decision.pk, "outcome": "delivered", "notes": "reminder sent"},
    )
    assert recorded.status_code == 200
    attempt = ContactAttempt.objects.get()
    assert (attempt.decision, attempt.check_status) == (decision, "checked")
    assert "reminder sent" in recorded.content.decode()


def test_contact_panel_shows_a_refusal_in_plain_words(
    client_for: Any, collector: Any, account: Any, packs_active: Any
) -> None:
    services.hold_place(actor=collector, account=account, kind="cease")
    point = make_contact_point(account.debtor, "+8613812341234")
    answer = client_for(collector).post(
        f"/collection/accounts/{account.pk}/preflight/",
        {"contact_point": point.pk, "channel": "call", "purpose": "collect"},
    )
    text = answer.content.decode()
    assert "Blocked" in text and "CN-H" in text and "Waiting does not help" in text
    assert "Record the outcome" not in text


def test_decisions_log_filters_by_rule_and_outcome(
    client_for: Any, officer: Any, collector: Any, account: Any, packs_active: Any
) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    point = make_contact_point(account.debtor, "+8613812341234")
    sh = ZoneInfo("Asia/Shanghai")
    services.preflight(
        actor=collector,
        account=account,
        contact_point=point,
        channel="call",
        at=datetime(2026, 3, 2, 23, 0, tzinfo=sh),
    )
    services.preflight(
        actor=collector,
        account=account,
        contact_point=point,
        channel="call",
        at=datetime(2026, 3, 2, 10, 0, tzinfo=sh),
    )
    page = client_for(officer).get("/compliance/decisions/?rule=CN-01")
    assert [d.allowed for d in page.context["page"]] == [False]
    page = client_for(officer).get("/compliance/decisions/?allowed=yes")
    assert [d.allowed for d in page.context["page"]] == [True]


def test_home_widgets(client_for: Any, officer: Any) -> None:
    from heed.compliance.home import widgets

    labels = [w["label"] for w in widgets(officer)]
    assert labels == [
        "Unchecked contacts",
        "Gateway refusals (24 h)",
        "Active holds",
        "Pack versions awaiting approval",
    ]
