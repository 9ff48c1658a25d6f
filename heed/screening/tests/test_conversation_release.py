"""The conversation window for messages held for review, for releases and in the check API.

A message that alone is only held for review (a low-confidence hit: "We met at the office") but
that, run on after the message sent just before it, completes an always-prohibited threat is
blocked, not held. A held message is screened again with the conversation as it is when a
reviewer releases it: a message sent to that contact point since may complete a threat with it.
``POST /api/v1/screening/check`` screens a text as sending it to a contact point would."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone, translation

from heed.audit.models import AuditEvent
from heed.collection.models import ContactAttempt
from heed.core.errors import ApplicationError, Conflict
from heed.core.roles import Role
from heed.portfolio.tests.conftest import field_keys  # noqa: F401  (autouse: PII keys)
from heed.portfolio.tests.factories import AccountFactory, make_contact_point
from heed.screening import services
from heed.screening.engine.conversation import Earlier, with_conversation
from heed.screening.engine.lexicon import load_lexicon
from heed.screening.engine.screener import Screener
from heed.screening.models import OutgoingMessage
from heed.screening.selectors import screener_get
from heed.screening.tests.test_conversation_window import _run_together, elsewhere

pytestmark = pytest.mark.django_db

MORNING = datetime(2026, 11, 27, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

FIRST_HALF = "Hello, this is Northway Finance. We will tell your"
# Alone: held for review (P14 "we met at", a low-confidence pattern: a person looks). Run on after
# FIRST_HALF: "…will tell your employer about the debt…" (P9, always prohibited).
HELD_HALF = "employer about the debt on Monday. We met at the office, remember."
INNOCUOUS = "Hello, your statement for November is ready."
# Held alone (P14); completes the threat whichever of it and ONE_WAY is read first.
HELD_EITHER_WAY = "employer about the debt on Monday. We met at the office. We will tell your"
ONE_WAY = "employer about the debt. Northway Finance will tell your"
THREAT_RULE = "lex:en:P9:tell your employer|conversation"
MET_RULE = r"pattern:en:P14:\bwe met at\b"


def sms(screener: Screener) -> Callable[[str], Any]:
    return lambda text: screener.screen(text, channel="sms")


# --- The engine: a held message with the conversation -----------------------------------------


def test_a_held_half_that_completes_a_threat_is_blocked_with_both_findings(
    screener: Screener,
) -> None:
    alone = screener.screen(HELD_HALF, channel="sms")
    assert (alone.verdict, [f.rule for f in alone.findings]) == ("review", [MET_RULE])
    half = datetime(2026, 11, 27, 2, 5, tzinfo=ZoneInfo("UTC"))
    found = with_conversation(alone, HELD_HALF, [Earlier(FIRST_HALF, half)], sms(screener))
    assert found.result.verdict == "block"
    # The message's own finding once (the joined text has it too), then the conversation's.
    assert [(f.category, f.rule, f.match, f.decision) for f in found.result.findings] == [
        ("P14", MET_RULE, "We met at", "review"),
        ("P9", THREAT_RULE, "employer", "block"),
    ]
    assert found.arises_with == ((), (half,))


@pytest.mark.parametrize("earlier", [INNOCUOUS, "We will send your"])
def test_a_held_message_after_a_lawful_one_stays_held_with_its_own_finding(
    screener: Screener, earlier: str
) -> None:
    alone = screener.screen(HELD_HALF, channel="sms")
    found = with_conversation(alone, HELD_HALF, [Earlier(earlier, timezone.now())], sms(screener))
    assert (found.result.verdict, found.result.findings, found.arises_with) == (
        "review",
        alone.findings,
        ((),),
    )


def test_a_lawful_look_alike_of_the_held_half_passes_read_on(screener: Screener) -> None:
    text = "employer details on file are out of date; please call us."
    alone = screener.screen(text, channel="sms")
    found = with_conversation(
        alone, text, [Earlier("Hello, could you confirm your", timezone.now())], sms(screener)
    )
    assert (alone.verdict, found.result.verdict, found.result.findings) == ("pass", "pass", ())


# --- Sending: a held half is screened with the conversation -----------------------------------


@pytest.fixture
def people(make_user: Callable[..., Any]) -> dict[str, Any]:
    return {"lead": make_user(Role.TEAM_LEAD), "qa": make_user(Role.QA_INSPECTOR)}


@pytest.fixture
def account(people: dict[str, Any]) -> Any:
    return AccountFactory(assigned_collector=people["lead"])


@pytest.fixture
def phone(account: Any) -> Any:
    return make_contact_point(account.debtor, "+8613812341234")


def send(actor: Any, account: Any, point: Any, text: str) -> OutgoingMessage:
    return services.message_send(
        actor=actor, account=account, contact_point=point, text=text, channel="sms", at=MORNING
    )


def bodies(outbox: Path) -> list[str]:
    if not outbox.exists():
        return []
    return [json.loads(line)["body"] for line in outbox.read_text("utf-8").splitlines()]


def test_a_second_half_held_alone_is_blocked_with_the_message_sent_before(
    people: dict[str, Any], account: Any, phone: Any, outbox: Path, packs_active: None
) -> None:
    assert send(people["lead"], account, phone, FIRST_HALF).status == "sent"
    second = send(people["lead"], account, phone, HELD_HALF)
    assert (second.status, second.screening_verdict, second.reason) == (
        "blocked_content",
        "block",
        "P14, P9",
    )
    assert [f["rule"] for f in second.screening_findings] == [MET_RULE, THREAT_RULE]
    assert bodies(outbox) == [FIRST_HALF]
    # Without the first half it is only held (the reviewer decides).
    other = make_contact_point(account.debtor, "+8613812349999")
    assert send(people["lead"], account, other, HELD_HALF).status == "held_review"


# --- Releasing: the conversation as it is at release time --------------------------------------


@pytest.fixture
def held(people: dict[str, Any], account: Any, phone: Any, outbox: Path, packs_active: None) -> Any:
    message = send(people["lead"], account, phone, HELD_HALF)
    assert (message.status, message.reason) == ("held_review", "P14")
    return message


def test_a_held_message_that_completes_a_threat_sent_since_is_blocked_at_release(
    people: dict[str, Any], account: Any, phone: Any, held: Any, outbox: Path
) -> None:
    # Sent after the held message: screened without it (a held message is not sent), so it goes.
    first = send(people["lead"], account, phone, FIRST_HALF)
    assert first.status == "sent"
    with pytest.raises(ApplicationError) as caught:
        services.message_release(actor=people["qa"], message=held, note="Looks fine.", at=MORNING)
    assert caught.value.code == "conversation_blocked"
    assert "(P9)" in caught.value.message
    assert "read on after the last messages sent to this contact point" in caught.value.message
    held.refresh_from_db()
    assert (held.status, held.screening_verdict, held.reason, held.reviewed_by) == (
        "blocked_content",
        "block",
        "P14, P9",
        None,
    )
    assert [f["rule"] for f in held.screening_findings] == [MET_RULE, THREAT_RULE]
    assert bodies(outbox) == [FIRST_HALF]  # never handed to the adapter
    assert not ContactAttempt.objects.filter(content=HELD_HALF).exists()
    event = AuditEvent.objects.get(action="message.blocked_at_release", target_id=str(held.pk))
    assert event.changes["status"] == ["held_review", "blocked_content"]
    assert (event.changes["rules"], event.changes["categories"]) == ([THREAT_RULE], "P9")
    assert event.changes["with_conversation"] is True
    assert event.changes["arises_with"] == [first.created_at.isoformat()]
    assert event.reason == "Looks fine."
    actions = set(
        AuditEvent.objects.filter(target_id=str(held.pk)).values_list("action", flat=True)
    )
    assert "message.released" not in actions and "message.sent" not in actions
    with pytest.raises(Conflict) as again:
        services.message_release(actor=people["qa"], message=held, note="Again.", at=MORNING)
    assert again.value.message == "This message is no longer waiting for review."
    assert bodies(outbox) == [FIRST_HALF]


def test_the_refusal_is_in_the_reviewers_language(
    people: dict[str, Any], account: Any, phone: Any, held: Any, outbox: Path
) -> None:
    send(people["lead"], account, phone, FIRST_HALF)
    with translation.override("zh-hans"), pytest.raises(ApplicationError) as caught:
        services.message_release(actor=people["qa"], message=held, note="好", at=MORNING)
    assert caught.value.message == (
        "未发送：与最近在此渠道发给此联系方式的消息连读时，这条消息构成了禁止的内容（P9）。"
        "它现已被拦截，不能放行。"
    )


def test_a_held_message_released_after_an_innocuous_message_goes_out_once(
    people: dict[str, Any], account: Any, phone: Any, held: Any, outbox: Path
) -> None:
    send(people["lead"], account, phone, INNOCUOUS)
    released = services.message_release(
        actor=people["qa"], message=held, note="They did meet at the office.", at=MORNING
    )
    assert (released.status, released.reviewed_by) == ("sent", people["qa"])
    assert bodies(outbox) == [INNOCUOUS, HELD_HALF]
    with pytest.raises(Conflict):
        services.message_release(actor=people["qa"], message=held, note="Again.", at=MORNING)
    assert bodies(outbox) == [INNOCUOUS, HELD_HALF]


def test_a_completing_message_sent_before_the_window_does_not_stop_the_release(
    people: dict[str, Any], account: Any, phone: Any, held: Any, outbox: Path
) -> None:
    first = send(people["lead"], account, phone, FIRST_HALF)
    OutgoingMessage.objects.filter(pk=first.pk).update(
        created_at=timezone.now() - timedelta(minutes=services.CONVERSATION_WINDOW_MINUTES + 1)
    )
    released = services.message_release(actor=people["qa"], message=held, note="Ok.", at=MORNING)
    assert released.status == "sent"
    assert bodies(outbox) == [FIRST_HALF, HELD_HALF]


def test_a_held_message_the_accounts_facts_now_make_unlawful_is_blocked_at_release(
    people: dict[str, Any], outbox: Path, packs_active: None
) -> None:
    account = AccountFactory(assigned_collector=people["lead"], litigation_status="approved")
    phone = make_contact_point(account.debtor, "+8613812341234")
    held = send(people["lead"], account, phone, "We met at the office. We may file a lawsuit.")
    assert (held.status, held.reason) == ("held_review", "P14")
    # Since it was held the debt became time-barred: suing on it is never lawful.
    type(account).objects.filter(pk=account.pk).update(time_barred_on=date(2020, 1, 1))
    with pytest.raises(ApplicationError) as caught:
        services.message_release(actor=people["qa"], message=held, note="Ok.", at=MORNING)
    assert caught.value.code == "content_blocked"
    assert "(P8)" in caught.value.message
    held.refresh_from_db()
    assert (held.status, held.reason) == ("blocked_content", "P14, P8")
    event = AuditEvent.objects.get(action="message.blocked_at_release", target_id=str(held.pk))
    assert (event.changes["with_conversation"], event.changes["arises_with"]) == (False, [])
    assert bodies(outbox) == []


def test_the_api_and_the_review_page_refuse_the_release_clearly(
    people: dict[str, Any],
    account: Any,
    phone: Any,
    held: Any,
    outbox: Path,
    api_client_for: Callable[..., Client],
    client_for: Callable[..., Client],
) -> None:
    other = send(people["lead"], account, phone, HELD_HALF)
    assert other.status == "held_review"
    send(people["lead"], account, phone, FIRST_HALF)
    response = api_client_for(people["qa"]).post(
        f"/api/v1/screening/messages/{held.pk}/release",
        {"note": "Looks fine."},
        content_type="application/json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "conversation_blocked"
    assert "(P9)" in body["message"]
    # The web review page: the same refusal shown; the message is gone from the queue.
    page = client_for(people["qa"])
    answer = page.post(f"/screening/held/{other.pk}/release/", {"note": "ok"}, follow=True)
    html = answer.content.decode()
    assert "completes a prohibited statement (P9)" in html
    assert f"/screening/held/{other.pk}/release/" not in html
    other.refresh_from_db()
    assert other.status == "blocked_content"
    assert bodies(outbox) == [FIRST_HALF]


# --- Release and a completing send at the same instant (PostgreSQL) -----------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_release_and_a_completing_send_at_once_never_both_go_out(
    make_user: Callable[..., Any], outbox: Path, packs_active: None
) -> None:
    """Whichever commits first goes; the other is screened with it and blocked."""
    screener_get()
    for _round in range(3):
        lead, qa = make_user(Role.TEAM_LEAD), make_user(Role.QA_INSPECTOR)
        account = AccountFactory(assigned_collector=lead)
        point = make_contact_point(account.debtor, "+8613812341234")
        held = send(lead, account, point, HELD_EITHER_WAY)
        assert held.status == "held_review"
        results = _run_together(
            [
                lambda held=held, qa=qa: services.message_release(
                    actor=qa, message=held, note="ok", at=MORNING
                ),
                lambda lead=lead, account=account, point=point: send(lead, account, point, ONE_WAY),
            ]
        )
        released, sent = results
        assert isinstance(sent, OutgoingMessage), results
        held.refresh_from_db()
        if isinstance(released, ApplicationError):
            assert released.code == "conversation_blocked"
            assert (held.status, sent.status) == ("blocked_content", "sent")
        else:
            assert isinstance(released, OutgoingMessage), results
            assert (held.status, sent.status) == ("sent", "blocked_content")
            assert THREAT_RULE in [f["rule"] for f in sent.screening_findings]
        assert ContactAttempt.objects.filter(account=account).count() == 1
    assert len(bodies(outbox)) == 3


# --- The check API with a contact point ---------------------------------------------------------

CHECK = "/api/v1/screening/check"


def check(client: Client, body: dict[str, Any]) -> Any:
    return client.post(CHECK, data=json.dumps(body), content_type="application/json")


def test_the_check_api_screens_with_the_conversation_of_a_contact_point(
    people: dict[str, Any],
    account: Any,
    phone: Any,
    outbox: Path,
    packs_active: None,
    api_client_for: Callable[..., Client],
) -> None:
    first = send(people["lead"], account, phone, FIRST_HALF)
    client = api_client_for(people["lead"])
    base = {"text": HELD_HALF, "account": account.pk, "channel": "sms"}
    alone = check(client, base).json()
    assert alone["verdict"] == "review"
    assert [set(f) for f in alone["findings"]] == [
        {"category", "start", "end", "match", "rule", "confidence"}
    ]
    response = check(client, {**base, "contact_point": phone.pk})
    assert response.status_code == 200
    body = response.json()
    assert (set(body), body["verdict"]) == ({"verdict", "findings", "lexicon_version"}, "block")
    own, threat = body["findings"]
    assert (own["rule"], "arises_with" in own) == (MET_RULE, False)
    assert {k: threat[k] for k in ("category", "start", "end", "match", "rule")} == {
        "category": "P9",
        "start": 0,
        "end": len("employer"),
        "match": "employer",
        "rule": THREAT_RULE,
    }
    [when] = threat["arises_with"]
    # As the API writes every time: ISO 8601, to the millisecond.
    sent_at = datetime.fromisoformat(when.replace("Z", "+00:00"))
    assert timedelta(0) <= first.created_at - sent_at < timedelta(milliseconds=1)
    # An innocuous text stays pass with the contact point; nothing was sent or stored.
    lawful = check(client, {**base, "text": "payment options when you call us back on Monday."})
    assert lawful.json()["verdict"] == "pass"
    assert OutgoingMessage.objects.count() == 1


def test_the_check_api_refuses_a_contact_point_that_is_not_the_accounts(
    people: dict[str, Any],
    account: Any,
    phone: Any,
    api_client_for: Callable[..., Client],
    team_beta: Any,
) -> None:
    client = api_client_for(people["lead"])
    stranger = AccountFactory()
    elsewhere(stranger, team_beta)
    stranger_phone = make_contact_point(stranger.debtor, "+8613812345678")
    base = {"text": HELD_HALF, "account": account.pk, "channel": "sms"}
    refused = check(client, {**base, "contact_point": stranger_phone.pk})
    missing = check(client, {**base, "contact_point": 999_999})
    expected = {
        "code": "invalid",
        "message": "The text cannot be screened.",
        "fields": {"contact_point": ["Not a contact point of this account's debtor."]},
    }
    assert (refused.status_code, refused.json()) == (422, expected)
    assert (missing.status_code, missing.json()) == (422, expected)
    # The stranger's own account is still not found (its debtor's contact point alone is no way
    # in).
    other = check(client, {**base, "account": stranger.pk, "contact_point": stranger_phone.pk})
    assert (other.status_code, other.json()["fields"]) == (
        404,
        {"account": ["No such account in your scope."]},
    )


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"channel": "sms"}, {"account"}),
        ({"account": "ACCOUNT"}, {"channel"}),
        ({"account": "ACCOUNT", "channel": "call"}, {"channel"}),
        ({"channel": "other"}, {"account", "channel"}),
    ],
)
def test_the_check_api_needs_the_account_and_a_message_channel_with_a_contact_point(
    people: dict[str, Any],
    account: Any,
    phone: Any,
    api_client_for: Callable[..., Client],
    fields: dict[str, Any],
    named: set[str],
) -> None:
    body = {"text": HELD_HALF, "contact_point": phone.pk, **fields}
    if body.get("account") == "ACCOUNT":
        body["account"] = account.pk
    response = check(api_client_for(people["lead"]), body)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"
    assert set(response.json()["fields"]) == named
    if "channel" in named:
        assert response.json()["fields"]["channel"] == [
            "With a contact point, give the message channel: sms, email, letter, voicemail, im."
        ]


def test_the_openapi_schema_documents_the_contact_point_and_arises_with() -> None:
    schema = Client().get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert "contact_point" in schema["CheckIn"]["properties"]
    assert "contact_point" not in schema["CheckIn"].get("required", [])
    assert "arises_with" in schema["FindingOut"]["properties"]
    assert "arises_with" not in schema["FindingOut"].get("required", [])


def test_the_check_without_a_contact_point_is_unchanged(
    people: dict[str, Any], api_client_for: Callable[..., Client]
) -> None:
    body = check(api_client_for(people["lead"]), {"text": "你就是個老賴！"}).json()
    assert body == {
        "verdict": "block",
        "findings": [
            {
                "category": "P3",
                "start": 4,
                "end": 6,
                "match": "老賴",
                "rule": "lex:zh:P3:老赖",
                "confidence": 0.95,
            }
        ],
        "lexicon_version": load_lexicon().version,
    }
