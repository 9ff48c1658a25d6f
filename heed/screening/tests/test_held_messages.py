"""Messages screening holds for review: a second person releases them (the gateway is asked
again, then the adapter gets them once) or rejects them (never sent) — in the service, the API
and the web screen."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import translation

from heed.audit.models import AuditEvent
from heed.collection.models import ContactAttempt
from heed.core.errors import ApplicationError, Conflict, PermissionDenied
from heed.core.roles import Role
from heed.portfolio.tests.conftest import field_keys  # noqa: F401  (autouse: PII keys)
from heed.portfolio.tests.factories import AccountFactory, DebtorFactory, make_contact_point
from heed.screening import selectors, services
from heed.screening.models import OutgoingMessage

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
MORNING = datetime(2026, 11, 27, 10, 0, tzinfo=SH)
NIGHT = datetime(2026, 11, 27, 23, 0, tzinfo=SH)
# A phrase the officers added with low confidence: a hit asks a person instead of blocking.
UNSURE = "回头再说吧"


@pytest.fixture
def people(make_user: Callable[..., Any]) -> dict[str, Any]:
    return {
        "officer": make_user(Role.COMPLIANCE_OFFICER),
        "officer2": make_user(Role.COMPLIANCE_OFFICER),
        "qa": make_user(Role.QA_INSPECTOR),
        "lead": make_user(Role.TEAM_LEAD),
        "collector": make_user(Role.COLLECTOR),
    }


@pytest.fixture
def held(people: dict[str, Any], outbox: Path, packs_active: None) -> OutgoingMessage:
    change = services.lexicon_change_propose(
        actor=people["officer"],
        kind="phrase",
        language="zh",
        phrase=UNSURE,
        category="P8",
        confidence=0.6,
        reason="Stalling wording: a person should look.",
    )
    services.lexicon_change_approve(actor=people["officer2"], change=change)
    account = AccountFactory(
        debtor=DebtorFactory(full_name="王小明"), assigned_collector=people["collector"]
    )
    phone = make_contact_point(account.debtor, "+8613812341234")
    message = services.message_send(
        actor=people["lead"],
        account=account,
        contact_point=phone,
        text=f"您好，关于您的账单，{UNSURE}，请回电。",
        channel="sms",
        at=MORNING,
    )
    assert (message.status, message.reason) == ("held_review", "P8")
    assert not outbox.exists()
    return message


def held_decision_reason(people: dict[str, Any], held: OutgoingMessage) -> dict[str, Any]:
    """The CN-01 reason the gateway gives at night for the held message's contact."""
    from heed.compliance.services import preflight

    decision = preflight(
        actor=people["lead"],
        account=held.account,
        contact_point=held.contact_point,
        channel="sms",
        at=NIGHT,
    )
    [reason] = [r for r in decision.reasons if r["rule"] == "CN-01"]
    return dict(reason)


def sent_lines(outbox: Path) -> list[dict[str, Any]]:
    if not outbox.exists():
        return []
    return [json.loads(line) for line in outbox.read_text(encoding="utf-8").splitlines()]


def test_release_asks_the_gateway_sends_once_and_records_the_contact(
    people: dict[str, Any], held: OutgoingMessage, outbox: Path
) -> None:
    assert list(selectors.held_messages_for_user(people["qa"])) == [held]
    released = services.message_release(
        actor=people["qa"], message=held, note="Polite; no pressure.", at=MORNING
    )
    assert released.status == "sent"
    assert (released.reviewed_by, released.review_note) == (people["qa"], "Polite; no pressure.")
    assert released.decision is not None and released.decision.allowed
    [line] = sent_lines(outbox)
    assert (line["to"], line["message_id"]) == ("+8613812341234", held.pk)
    attempt = ContactAttempt.objects.get(pk=released.contact_attempt_id)
    # The contact is the sender's; the reviewer only let it go.
    assert (attempt.collector_id, attempt.decision_id) == (people["lead"].pk, released.decision_id)
    actions = set(
        AuditEvent.objects.filter(target_id=str(held.pk)).values_list("action", flat=True)
    )
    assert {"message.released", "message.sent"} <= actions
    assert list(selectors.held_messages_for_user(people["qa"])) == []
    with pytest.raises(Conflict):
        services.message_release(actor=people["officer"], message=held, note="again", at=MORNING)
    assert len(sent_lines(outbox)) == 1


def test_gateway_refusing_at_release_keeps_the_message_held(
    people: dict[str, Any], held: OutgoingMessage, outbox: Path
) -> None:
    with pytest.raises(ApplicationError) as caught:
        services.message_release(actor=people["qa"], message=held, note="fine", at=NIGHT)
    assert caught.value.code == "gateway_refused"
    reason = held_decision_reason(people, held)
    assert f"CN-01: {reason['message_en']}" in caught.value.message
    with translation.override("zh-hans"), pytest.raises(ApplicationError) as in_chinese:
        services.message_release(actor=people["qa"], message=held, note="fine", at=NIGHT)
    assert f"CN-01: {reason['message_zh']}" in in_chinese.value.message
    held.refresh_from_db()
    assert (held.status, held.reviewed_by, held.decision) == ("held_review", None, None)
    assert sent_lines(outbox) == []
    assert AuditEvent.objects.filter(
        action="message.release_refused", target_id=str(held.pk)
    ).exists()
    released = services.message_release(actor=people["qa"], message=held, note="fine", at=MORNING)
    assert released.status == "sent"
    assert len(sent_lines(outbox)) == 1


def test_reject_needs_a_note_and_nothing_is_sent(
    people: dict[str, Any], held: OutgoingMessage, outbox: Path
) -> None:
    with pytest.raises(ApplicationError) as caught:
        services.message_reject(actor=people["officer"], message=held, note="  ")
    assert caught.value.fields == {"note": ["A note is required."]}
    held.refresh_from_db()
    assert held.status == "held_review"
    rejected = services.message_reject(actor=people["officer"], message=held, note="Stalling.")
    assert (rejected.status, rejected.reviewed_by) == ("rejected", people["officer"])
    assert sent_lines(outbox) == []
    assert rejected.contact_attempt is None
    with pytest.raises(Conflict):
        services.message_release(actor=people["qa"], message=held, note="no", at=MORNING)
    assert sent_lines(outbox) == []


def test_only_reviewers_and_never_the_writer(
    people: dict[str, Any], held: OutgoingMessage, outbox: Path
) -> None:
    for who in ("lead", "collector"):
        with pytest.raises(PermissionDenied):
            services.message_release(actor=people[who], message=held, note="ok", at=MORNING)
        assert list(selectors.held_messages_for_user(people[who])) == []
    # A reviewer who wrote the message (made so here: no shipped role both sends and reviews).
    OutgoingMessage.objects.filter(pk=held.pk).update(sent_by=people["qa"])
    held.refresh_from_db()
    with pytest.raises(ApplicationError) as caught:
        services.message_release(actor=people["qa"], message=held, note="mine", at=MORNING)
    assert (caught.value.code, caught.value.status) == ("four_eyes", 403)
    assert sent_lines(outbox) == []


def test_api_queue_release_and_reject(
    people: dict[str, Any],
    held: OutgoingMessage,
    outbox: Path,
    api_client_for: Callable[..., Client],
    snapshot: Any,
) -> None:
    def post(client: Client, url: str, body: dict[str, Any]) -> Any:
        return client.post(url, data=json.dumps(body), content_type="application/json")

    qa = api_client_for(people["qa"])
    listed = qa.get("/api/v1/screening/messages/held")
    assert listed.status_code == 200
    assert [(m["id"], m["status"]) for m in listed.json()] == [(held.pk, "held_review")]
    assert (
        api_client_for(people["collector"]).get("/api/v1/screening/messages/held").status_code
        == 403
    )
    url = f"/api/v1/screening/messages/{held.pk}/release"
    lead = api_client_for(people["lead"])
    check = snapshot()
    for client, status in ((Client(), 401), (lead, 403)):
        assert post(client, url, {"note": "ok"}).status_code == status
    missing = post(qa, "/api/v1/screening/messages/999999/release", {"note": "ok"})
    assert missing.status_code == 404
    assert post(qa, url, {}).status_code == 422
    blank = post(qa, url, {"note": " "})
    assert (blank.status_code, blank.json()["fields"]) == (400, {"note": ["A note is required."]})
    check.assert_unchanged()
    assert sent_lines(outbox) == []
    # The API releases at the real time of day: the gateway decides whether that is allowed.
    response = post(qa, url, {"note": "Polite."})
    if response.status_code == 200:
        body = response.json()
        assert (body["status"], body["reviewed_by"]) == ("sent", people["qa"].pk)
        assert len(sent_lines(outbox)) == 1
    else:
        assert (response.status_code, response.json()["code"]) == (400, "gateway_refused")
        assert sent_lines(outbox) == []
        rejected = post(qa, f"/api/v1/screening/messages/{held.pk}/reject", {"note": "Later."})
        assert (rejected.status_code, rejected.json()["status"]) == (200, "rejected")
    again = post(qa, f"/api/v1/screening/messages/{held.pk}/reject", {"note": "twice"})
    assert (again.status_code, again.json()["code"]) == (409, "already_decided")


def test_a_held_message_records_the_lexicon_that_screened_it(
    people: dict[str, Any],
    held: OutgoingMessage,
    api_client_for: Callable[..., Client],
    client_for: Callable[..., Client],
) -> None:
    # The officers' approved change is part of it: the files' VERSION plus +ui.<count>.<id>.
    version = selectors.screener_get().lexicon.version
    assert "+ui.1." in version
    assert held.lexicon_version == version
    listed = api_client_for(people["qa"]).get("/api/v1/screening/messages/held").json()
    assert [m["lexicon_version"] for m in listed] == [version]
    html = client_for(people["qa"]).get("/screening/held/").content.decode()
    assert f"Screened with lexicon {version}." in html
    log = client_for(people["qa"]).get("/screening/messages/").content.decode()
    assert f'title="The lexicon that screened it">{version}</span>' in log


def test_review_screen_lists_highlights_and_rejects(
    people: dict[str, Any], held: OutgoingMessage, client_for: Callable[..., Client], outbox: Path
) -> None:
    qa = client_for(people["qa"])
    page = qa.get("/screening/held/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'id="held-{held.pk}"' in html
    assert f'<mark class="finding review" title="P8">{UNSURE}' in html
    assert client_for(people["collector"]).get("/screening/held/").status_code == 403
    done = qa.post(f"/screening/held/{held.pk}/reject/", {"note": "Stalling."}, follow=True)
    assert done.status_code == 200
    held.refresh_from_db()
    assert (held.status, held.review_note) == ("rejected", "Stalling.")
    assert "No message is waiting for review." in done.content.decode()
    assert sent_lines(outbox) == []


def test_message_log_shows_the_review_outcome_to_the_accounts_people_only(
    people: dict[str, Any],
    held: OutgoingMessage,
    make_user: Callable[..., Any],
    client_for: Callable[..., Client],
    api_client_for: Callable[..., Client],
) -> None:
    services.message_reject(actor=people["qa"], message=held, note="Stalling wording.")
    collector = client_for(people["collector"])  # the account's collector (not the sender)
    page = collector.get("/screening/messages/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-status="rejected"' in html and "Stalling wording." in html
    assert (
        collector.get("/screening/messages/?mine=on").content.decode().count("<tr data-status") == 0
    )
    lead = client_for(people["lead"])
    assert (
        lead.get("/screening/messages/?status=rejected&mine=on")
        .content.decode()
        .count("<tr data-status")
        == 1
    )
    assert 'data-status="' not in lead.get("/screening/messages/?status=sent").content.decode()
    stranger = make_user(Role.COLLECTOR)
    assert (
        "<tr data-status" not in client_for(stranger).get("/screening/messages/").content.decode()
    )
    assert client_for(make_user(Role.HR_OFFICER)).get("/screening/messages/").status_code == 403
    listed = api_client_for(people["collector"]).get("/api/v1/screening/messages")
    assert listed.status_code == 200
    [row] = listed.json()
    assert (row["id"], row["status"], row["review_note"]) == (
        held.pk,
        "rejected",
        "Stalling wording.",
    )
    assert api_client_for(stranger).get("/api/v1/screening/messages").json() == []
    assert (
        api_client_for(people["collector"]).get("/api/v1/screening/messages?status=sent").json()
        == []
    )
    assert (
        api_client_for(make_user(Role.HR_OFFICER)).get("/api/v1/screening/messages").status_code
        == 403
    )


def test_home_counts_the_review_queue_and_the_senders_stopped_messages(
    people: dict[str, Any], held: OutgoingMessage
) -> None:
    from heed.screening.home import widgets

    def value(user: Any, label: str) -> int:
        [found] = [w["value"] for w in widgets(user) if w["label"] == label]
        return int(found)

    assert value(people["qa"], "Messages waiting for your review") == 1
    assert value(people["lead"], "Your messages held or stopped") == 1
    assert value(people["collector"], "Your messages held or stopped") == 0
    services.message_reject(actor=people["qa"], message=held, note="No.")
    assert value(people["qa"], "Messages waiting for your review") == 0
    assert value(people["lead"], "Your messages held or stopped") == 1
