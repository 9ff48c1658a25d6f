"""The conversation window: a message that passes alone is screened again run on after the last
messages sent to the same contact point on the same channel (a threat split over two texts).

The compose box's live screening decides a draft as sending will (with the note saying which
earlier message the finding arises with); the API's send path blocks the second half; and two
sends to one contact point at the same instant see each other (PostgreSQL, threads)."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from heed.collection.models import ContactAttempt
from heed.core.roles import Role
from heed.portfolio.models import Account
from heed.portfolio.tests.conftest import field_keys  # noqa: F401  (autouse: PII keys)
from heed.portfolio.tests.factories import AccountFactory, make_contact_point
from heed.screening import services
from heed.screening.adapters import FileAdapter, Outbound
from heed.screening.engine.conversation import Earlier, with_conversation
from heed.screening.engine.screener import Screener
from heed.screening.models import OutgoingMessage
from heed.screening.selectors import screener_get
from heed.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MORNING = datetime(2026, 11, 27, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

FIRST_HALF = "Hello, this is Northway Finance. We will tell your"
SECOND_HALF = "employer about the debt on Monday."
# Run on after FIRST_HALF these stay lawful: "We will tell your payment options…".
LAWFUL_ENDINGS = (
    "payment options when you call us back on Monday.",
    "balance and due date by letter on Monday.",
)
# Two halves that complete each other in either order ("…will tell your" + "employer about the
# debt…"): of two sent at once, the second is the threat, whichever it is.
ONE_WAY = "employer about the debt. Northway Finance will tell your"
OTHER_WAY = "employer about the debt on Monday. We will tell your"
CONVERSATION_RULE = "lex:en:P9:tell your employer|conversation"


# --- The engine: what the earlier messages add ------------------------------------------------


def test_each_half_passes_alone_and_either_order_of_the_symmetric_halves_blocks(
    screener: Screener,
) -> None:
    for text in (FIRST_HALF, SECOND_HALF, ONE_WAY, OTHER_WAY, *LAWFUL_ENDINGS):
        assert screener.screen(text, channel="sms").verdict == "pass", text
    for joined in (f"{ONE_WAY} {OTHER_WAY}", f"{OTHER_WAY} {ONE_WAY}"):
        assert screener.screen(joined, channel="sms").verdict == "block"


def test_a_finding_arises_with_the_earlier_message_it_reaches_into(screener: Screener) -> None:
    greeting = datetime(2026, 11, 27, 2, 0, tzinfo=ZoneInfo("UTC"))
    half = datetime(2026, 11, 27, 2, 5, tzinfo=ZoneInfo("UTC"))
    earlier = [Earlier("Hello, your statement is ready.", greeting), Earlier(FIRST_HALF, half)]
    alone = screener.screen(SECOND_HALF, channel="sms")
    assert alone.verdict == "pass"
    found = with_conversation(
        alone, SECOND_HALF, earlier, lambda text: screener.screen(text, channel="sms")
    )
    assert found.result.verdict == "block"
    [finding] = found.result.findings
    assert (finding.category, finding.start, finding.end, finding.match, finding.rule) == (
        "P9",
        0,
        len("employer"),
        "employer",
        CONVERSATION_RULE,
    )
    assert found.arises_with == ((half,),)


@pytest.mark.parametrize("ending", LAWFUL_ENDINGS)
def test_a_lawful_ending_after_the_first_half_stays_pass(screener: Screener, ending: str) -> None:
    earlier = [Earlier(FIRST_HALF, timezone.now())]
    alone = screener.screen(ending, channel="sms")
    found = with_conversation(alone, ending, earlier, lambda t: screener.screen(t, channel="sms"))
    assert (found.result.verdict, found.result.findings, found.arises_with) == ("pass", (), ())


# --- Live screening in the compose box --------------------------------------------------------


@pytest.fixture
def lead(make_user: Callable[..., Any]) -> Any:
    return make_user(Role.TEAM_LEAD)


@pytest.fixture
def account(lead: Any) -> Any:
    return AccountFactory(assigned_collector=lead)


@pytest.fixture
def phone(account: Any) -> Any:
    return make_contact_point(account.debtor, "+8613812341234")


def sent_minutes_ago(actor: Any, account: Any, point: Any, text: str, minutes: int) -> Any:
    """``text`` sent through the real send path, then dated ``minutes`` back."""
    message = services.message_send(
        actor=actor, account=account, contact_point=point, text=text, channel="sms", at=MORNING
    )
    assert message.status == "sent"
    OutgoingMessage.objects.filter(pk=message.pk).update(
        created_at=timezone.now() - timedelta(minutes=minutes)
    )
    message.refresh_from_db()
    return message


def live(client: Client, account: Any, text: str, **fields: Any) -> str:
    """The compose box's request: the form's fields as htmx sends them, and the account."""
    data = {"account": account.pk, "template_version": "", "token": "t", "text": text, **fields}
    return client.post("/screening/live/", data).content.decode()


def verdict(html: str) -> str:
    found = re.search(r'data-verdict="(\w+)"', html)
    return found.group(1) if found else ""


def hhmm(message: Any) -> str:
    return timezone.localtime(message.created_at).strftime("%H:%M")


def test_live_screening_shows_the_threat_a_draft_completes_with_a_message_sent_before(
    lead: Any,
    account: Any,
    phone: Any,
    client_for: Callable[..., Client],
    outbox: Path,
    packs_active: None,
) -> None:
    first = sent_minutes_ago(lead, account, phone, FIRST_HALF, 5)
    client = client_for(lead)
    html = live(client, account, SECOND_HALF, contact_point=phone.pk, channel="sms")
    assert verdict(html) == "block"
    assert CONVERSATION_RULE in html
    assert '<mark class="finding block" title="P9">employer<sup>P9</sup></mark>' in html
    assert (
        f"Arises read on after the message sent at {hhmm(first)} to this contact point on this "
        "channel: sending screens them together."
    ) in html
    # Before the contact point or the channel is chosen, the draft is screened alone.
    assert verdict(live(client, account, SECOND_HALF, contact_point="", channel="sms")) == "pass"
    assert verdict(live(client, account, SECOND_HALF, contact_point=phone.pk, channel="")) == (
        "pass"
    )
    # Another channel is another conversation.
    assert verdict(live(client, account, SECOND_HALF, contact_point=phone.pk, channel="email")) == (
        "pass"
    )
    # Sending decides as the compose box said.
    client.post(
        f"/screening/send/{account.pk}/",
        {"contact_point": phone.pk, "template_version": "", "channel": "sms", "text": SECOND_HALF},
    )
    second = OutgoingMessage.objects.exclude(pk=first.pk).get()
    assert (second.status, second.screening_findings[0]["rule"]) == (
        "blocked_content",
        CONVERSATION_RULE,
    )
    bodies = [json.loads(line)["body"] for line in outbox.read_text("utf-8").splitlines()]
    assert bodies == [FIRST_HALF]


def test_the_note_is_in_the_collectors_language(
    make_user: Callable[..., Any],
    client_for: Callable[..., Client],
    outbox: Path,
    packs_active: None,
) -> None:
    lead = make_user(Role.TEAM_LEAD, language="zh-hans")
    account = AccountFactory(assigned_collector=lead)
    phone = make_contact_point(account.debtor, "+8613812341234")
    first = sent_minutes_ago(lead, account, phone, FIRST_HALF, 5)
    html = live(client_for(lead), account, SECOND_HALF, contact_point=phone.pk, channel="sms")
    assert verdict(html) == "block"
    assert (f"与 {hhmm(first)} 在此渠道发给此联系方式的消息连读时出现：发送时会一并筛查。") in html


def test_live_screening_leaves_out_old_messages_other_contact_points_and_other_accounts(
    lead: Any,
    account: Any,
    phone: Any,
    client_for: Callable[..., Client],
    outbox: Path,
    packs_active: None,
    team_beta: Any,
) -> None:
    client = client_for(lead)
    first = sent_minutes_ago(lead, account, phone, FIRST_HALF, 5)
    # To another contact point of the same debtor: another conversation.
    other_phone = make_contact_point(account.debtor, "+8613812349999")
    assert verdict(
        live(client, account, SECOND_HALF, contact_point=other_phone.pk, channel="sms")
    ) == ("pass")
    # Older than the window.
    OutgoingMessage.objects.filter(pk=first.pk).update(
        created_at=timezone.now() - timedelta(minutes=services.CONVERSATION_WINDOW_MINUTES + 1)
    )
    assert verdict(live(client, account, SECOND_HALF, contact_point=phone.pk, channel="sms")) == (
        "pass"
    )
    # A message on another account of the same debtor, one this user may not see, to the same
    # contact point: not this account's conversation, and nothing of it is shown.
    other_account = AccountFactory(debtor=account.debtor)
    sent_minutes_ago(elsewhere(other_account, team_beta), other_account, phone, FIRST_HALF, 5)
    html = live(client, account, SECOND_HALF, contact_point=phone.pk, channel="sms")
    assert (verdict(html), "Arises read on after" in html) == ("pass", False)
    assert live(client, other_account, SECOND_HALF, contact_point=phone.pk, channel="sms") == ""
    # A contact point of a debtor outside the user's scope is not looked at.
    stranger = AccountFactory()
    stranger_phone = make_contact_point(stranger.debtor, "+8613812345678")
    sent_minutes_ago(elsewhere(stranger, team_beta), stranger, stranger_phone, FIRST_HALF, 5)
    html = live(client, account, SECOND_HALF, contact_point=stranger_phone.pk, channel="sms")
    assert verdict(html) == "pass"
    assert live(client, stranger, SECOND_HALF, contact_point=stranger_phone.pk, channel="sms") == ""


def elsewhere(account: Any, team: Any) -> Any:
    """A team lead of ``team`` (another team than the test's user) assigned ``account``."""
    user = UserFactory(role=Role.TEAM_LEAD, team=team)
    Account.objects.filter(pk=account.pk).update(assigned_collector=user, assigned_team=team)
    account.refresh_from_db()
    return user


@pytest.mark.parametrize("ending", LAWFUL_ENDINGS)
def test_live_screening_lets_a_lawful_ending_pass(
    lead: Any,
    account: Any,
    phone: Any,
    client_for: Callable[..., Client],
    outbox: Path,
    packs_active: None,
    ending: str,
) -> None:
    sent_minutes_ago(lead, account, phone, FIRST_HALF, 5)
    html = live(client_for(lead), account, ending, contact_point=phone.pk, channel="sms")
    assert verdict(html) == "pass"


def test_the_compose_box_screens_again_when_the_contact_point_or_channel_changes(
    lead: Any, account: Any, phone: Any, client_for: Callable[..., Client]
) -> None:
    page = client_for(lead).get(f"/screening/send/{account.pk}/").content.decode()
    assert 'hx-trigger="input changed delay:500ms, change from:closest form delay:100ms"' in page


# --- The API's send path ----------------------------------------------------------------------


def test_the_api_blocks_the_second_half_and_a_retry_sends_nothing_twice(
    lead: Any,
    account: Any,
    phone: Any,
    api_client_for: Callable[..., Client],
    outbox: Path,
    packs_active: None,
) -> None:
    client = api_client_for(lead)
    url = f"/api/v1/screening/accounts/{account.pk}/messages"

    def send(text: str, key: str) -> Any:
        return client.post(
            url,
            {"contact_point": phone.pk, "text": text, "channel": "sms"},
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=key,
        )

    first = send(FIRST_HALF, "first")
    assert (first.status_code, first.json()["status"]) == (201, "sent")
    second = send(SECOND_HALF, "second")
    body = second.json()
    assert (second.status_code, body["status"], body["reason"]) == (201, "blocked_content", "P9")
    assert [f["rule"] for f in body["screening_findings"]] == [CONVERSATION_RULE]
    retried = send(SECOND_HALF, "second")
    assert retried.json()["id"] == body["id"]
    assert send(FIRST_HALF, "first").json()["id"] == first.json()["id"]
    assert OutgoingMessage.objects.count() == 2
    assert ContactAttempt.objects.count() == 1
    bodies = [json.loads(line)["body"] for line in outbox.read_text("utf-8").splitlines()]
    assert bodies == [FIRST_HALF]


# --- Sends at the same instant (PostgreSQL) ---------------------------------------------------


def _run_together(works: list[Callable[[], Any]]) -> list[Any]:
    """Run ``works`` in threads released together by a barrier; each result or its exception."""
    barrier = threading.Barrier(len(works))
    results: list[Any] = [None] * len(works)

    def runner(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = works[index]()
        except Exception as exc:  # reported to the test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(len(works))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _sender(actor: Any, account: Any, point: Any, text: str, key: str) -> Callable[[], Any]:
    def send() -> Any:
        return services.message_send(
            actor=actor,
            account=account,
            contact_point=point,
            text=text,
            channel="sms",
            at=MORNING,
            request_key=key,
        )

    return send


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "keys", [("", ""), ("one-way", ""), ("", "other-way"), ("one-way", "other-way")]
)
def test_of_two_halves_sent_at_once_the_second_is_blocked(
    make_user: Callable[..., Any], outbox: Path, packs_active: None, keys: tuple[str, str]
) -> None:
    """With or without request keys (a key also takes the account's row lock first): never a
    deadlock, never both sent."""
    screener_get()  # built once, before the race
    for _round in range(3):
        lead = make_user(Role.TEAM_LEAD)
        account = AccountFactory(assigned_collector=lead)
        point = make_contact_point(account.debtor, "+8613812341234")
        results = _run_together(
            [
                _sender(lead, account, point, ONE_WAY, keys[0]),
                _sender(lead, account, point, OTHER_WAY, keys[1]),
            ]
        )
        assert all(isinstance(r, OutgoingMessage) for r in results), results
        sent, blocked = sorted(results, key=lambda m: (m.status != "sent", m.pk))
        assert (sent.status, blocked.status) == ("sent", "blocked_content")
        assert blocked.created_at > sent.created_at  # the second one is the one blocked
        assert [f["rule"] for f in blocked.screening_findings] == [CONVERSATION_RULE]
        assert ContactAttempt.objects.filter(account=account).count() == 1
    bodies = [json.loads(line)["body"] for line in outbox.read_text("utf-8").splitlines()]
    assert len(bodies) == 3


class HeldAdapter(FileAdapter):
    """The file adapter, except that it holds FIRST_HALF (as a slow provider would) until the
    test lets it go."""

    entered = threading.Event()
    release = threading.Event()

    def send(self, message: Outbound) -> str:
        if message.body == FIRST_HALF:
            HeldAdapter.entered.set()
            HeldAdapter.release.wait(timeout=20)
        return super().send(message)


def _waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return bool(cursor.fetchone()[0])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_message_sent_while_the_first_half_is_with_the_provider_waits_and_is_blocked(
    make_user: Callable[..., Any], outbox: Path, packs_active: None, settings: Any
) -> None:
    """The first half is stored as sent, not yet committed, while the provider takes it; the
    second half sent now waits for it and is screened with it."""
    settings.HEED_MESSAGE_ADAPTER = f"{__name__}.HeldAdapter"
    HeldAdapter.entered.clear()
    HeldAdapter.release.clear()
    screener_get()
    lead = make_user(Role.TEAM_LEAD)
    account = AccountFactory(assigned_collector=lead)
    point = make_contact_point(account.debtor, "+8613812341234")
    results: dict[str, Any] = {}

    def run(name: str, send: Callable[[], Any]) -> threading.Thread:
        def work() -> None:
            try:
                results[name] = send()
            except Exception as exc:  # reported to the test
                results[name] = exc
            finally:
                connection.close()

        thread = threading.Thread(target=work)
        thread.start()
        return thread

    first = run("first", _sender(lead, account, point, FIRST_HALF, ""))
    assert HeldAdapter.entered.wait(timeout=20)
    second = run("second", _sender(lead, account, point, SECOND_HALF, ""))
    waited = False
    deadline = time.monotonic() + 10
    while second.is_alive() and time.monotonic() < deadline and not waited:
        waited = _waiting_on_a_lock()
        time.sleep(0.05)
    HeldAdapter.release.set()
    first.join(timeout=30)
    second.join(timeout=30)
    assert (results["first"].status, results["second"].status) == ("sent", "blocked_content")
    assert waited
    assert [f["rule"] for f in results["second"].screening_findings] == [CONVERSATION_RULE]
    bodies = [json.loads(line)["body"] for line in outbox.read_text("utf-8").splitlines()]
    assert bodies == [FIRST_HALF]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_retries_at_once_with_one_request_key_send_and_count_once(
    make_user: Callable[..., Any], outbox: Path, packs_active: None
) -> None:
    screener_get()
    lead = make_user(Role.TEAM_LEAD)
    account = AccountFactory(assigned_collector=lead)
    point = make_contact_point(account.debtor, "+8613812341234")
    results = _run_together([_sender(lead, account, point, FIRST_HALF, "retry")] * 4)
    assert all(isinstance(r, OutgoingMessage) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert OutgoingMessage.objects.count() == 1
    assert ContactAttempt.objects.count() == 1
    assert len(outbox.read_text("utf-8").splitlines()) == 1
