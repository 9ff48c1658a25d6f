"""The screening lists page (held queue, decided lexicon changes, print runs, the API's held
queue), the message log links (account page, send page, a sent letter's PDF) and the Chinese
labels for codes (channels, gates, verdicts, languages, why a hit was not counted)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import translation

from heed.core.roles import Role
from heed.portfolio.tests.conftest import field_keys  # noqa: F401  (autouse: PII keys)
from heed.portfolio.tests.factories import AccountFactory, DebtorFactory, make_contact_point
from heed.screening import services
from heed.screening.categories import suppressed_reason_label
from heed.screening.models import LexiconChange, OutgoingMessage, TemplateVersion
from heed.tasks.models import TaskRun

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
MORNING = datetime.datetime(2026, 11, 27, 10, 0, tzinfo=SH)
HELD_COUNT = 206


def held_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'id="held-(\d+)"', html)]


@pytest.fixture
def held_queue(make_user: Callable[..., Any]) -> list[OutgoingMessage]:
    """206 messages waiting for review, one minute apart (the list is oldest first)."""
    lead = make_user(Role.TEAM_LEAD)
    account = AccountFactory(assigned_team=lead.team)
    point = make_contact_point(account.debtor, "+8613812341234")
    start = datetime.datetime(2026, 11, 1, 9, 0, tzinfo=SH)
    OutgoingMessage.objects.bulk_create(
        OutgoingMessage(
            account=account,
            contact_point=point,
            channel="sms",
            body=f"held message {number}",
            status=OutgoingMessage.Status.HELD_REVIEW,
            reason="P8",
            screening_verdict="review",
            sent_by=lead,
            created_at=start + datetime.timedelta(minutes=number),
        )
        for number in range(HELD_COUNT)
    )
    return list(OutgoingMessage.objects.order_by("created_at", "id"))


def test_held_queue_pages_oldest_first_with_the_count(
    held_queue: list[OutgoingMessage],
    make_user: Callable[..., Any],
    client_for: Callable[..., Client],
) -> None:
    client = client_for(make_user(Role.QA_INSPECTOR))
    first = client.get("/screening/held/").content.decode()
    assert held_ids(first) == [m.pk for m in held_queue[:50]]
    assert "206 messages waiting, oldest first" in first
    assert "showing 1–50" in first
    assert "page 1 of 5" in first
    assert "page=2" in first
    last = client.get("/screening/held/?page=5").content.decode()
    # The 201st held message (and the newest) can be reached.
    assert held_ids(last) == [m.pk for m in held_queue[200:]]
    assert "showing 201–206" in last
    # A bad page number shows the first page, one past the end the last.
    assert held_ids(client.get("/screening/held/?page=x").content.decode())[0] == held_queue[0].pk
    assert held_ids(client.get("/screening/held/?page=99").content.decode()) == [
        m.pk for m in held_queue[200:]
    ]


def test_a_decision_returns_to_the_same_page_of_the_queue(
    held_queue: list[OutgoingMessage],
    make_user: Callable[..., Any],
    client_for: Callable[..., Client],
) -> None:
    client = client_for(make_user(Role.COMPLIANCE_OFFICER))
    page = client.get("/screening/held/?page=3").content.decode()
    assert '<input type="hidden" name="page" value="3">' in page
    target = held_queue[120]
    response = client.post(
        f"/screening/held/{target.pk}/reject/", {"note": "not like this", "page": "3"}
    )
    assert (response.status_code, response["Location"]) == (302, "/screening/held/?page=3")
    target.refresh_from_db()
    assert target.status == OutgoingMessage.Status.REJECTED


def test_api_held_queue_pages_with_limit_and_offset(
    held_queue: list[OutgoingMessage],
    make_user: Callable[..., Any],
    api_client_for: Callable[..., Client],
) -> None:
    client = api_client_for(make_user(Role.QA_INSPECTOR))
    everything = client.get("/api/v1/screening/messages/held")
    assert everything.status_code == 200
    assert [m["id"] for m in everything.json()] == [m.pk for m in held_queue]
    assert everything["X-Total-Count"] == "206"
    tail = client.get("/api/v1/screening/messages/held?limit=50&offset=200")
    assert [m["id"] for m in tail.json()] == [m.pk for m in held_queue[200:]]
    assert tail["X-Total-Count"] == "206"
    middle = client.get("/api/v1/screening/messages/held?limit=2&offset=100")
    assert [m["id"] for m in middle.json()] == [held_queue[100].pk, held_queue[101].pk]
    for bad in ("limit=501", "limit=0", "offset=-1"):
        response = client.get(f"/api/v1/screening/messages/held?{bad}")
        assert (response.status_code, response.json()["code"]) == (422, "invalid")


def test_decided_lexicon_changes_are_paged(
    make_user: Callable[..., Any], client_for: Callable[..., Client]
) -> None:
    author = make_user(Role.COMPLIANCE_OFFICER)
    decider = make_user(Role.COMPLIANCE_OFFICER)
    start = datetime.datetime(2026, 11, 1, 9, 0, tzinfo=SH)
    LexiconChange.objects.bulk_create(
        LexiconChange(
            kind="phrase",
            language="en",
            phrase=f"decided phrase {number:02d}",
            category="P3",
            reason="x",
            status=LexiconChange.Status.REJECTED,
            proposed_by=author,
            proposed_at=start + datetime.timedelta(minutes=number),
            decided_by=decider,
            decided_at=start + datetime.timedelta(minutes=number + 1),
        )
        for number in range(51)
    )
    client = client_for(decider)
    first = client.get("/screening/lexicon/").content.decode()
    assert "51 changes" in first
    assert first.count("decided phrase") == 50
    assert "decided phrase 50" in first  # newest first
    assert "page=2" in first
    second = client.get("/screening/lexicon/?page=2").content.decode()
    assert second.count("decided phrase") == 1
    assert "decided phrase 00" in second


def test_print_runs_are_paged(
    make_user: Callable[..., Any], client_for: Callable[..., Client]
) -> None:
    collector = make_user(Role.COLLECTOR)
    start = datetime.datetime(2026, 11, 1, 9, 0, tzinfo=SH)
    runs = [
        TaskRun.objects.create(
            kind=services.LETTER_BATCH_KIND,
            created_by=collector,
            message=f"run number {number:02d}",
            created_at=start + datetime.timedelta(minutes=number),
        )
        for number in range(21)
    ]
    client = client_for(collector)
    first = client.get("/screening/letters/").content.decode()
    assert "21 print runs" in first
    assert first.count("run number") == 20
    assert "page=2" in first
    second = client.get("/screening/letters/?page=2").content.decode()
    assert second.count("run number") == 1
    assert f"/screening/letters/{runs[0].pk}/" in second


# --- The message log's links -----------------------------------------------------------------


@pytest.fixture
def var_dir(settings: Any, tmp_path: Path) -> Path:
    settings.VAR_DIR = tmp_path
    settings.HEED_MESSAGE_ADAPTER = "file"
    return tmp_path


def approved_template(channel: str, body: str, *, language: str = "zh") -> TemplateVersion:
    from heed.users.tests.factories import UserFactory

    author = UserFactory(role=Role.COMPLIANCE_OFFICER)
    version = services.template_create(
        actor=author,
        code=f"cn-{channel}-{language}",
        name=f"Reminder {channel}",
        channel=channel,
        language=language,
        audience="debtor",
        region="CN",
        subject="还款通知" if channel == "letter" else "",
        body=body,
    )
    approver = UserFactory(role=Role.COMPLIANCE_OFFICER)
    return services.template_version_approve(actor=approver, version=version)


@pytest.fixture
def sent_letter(
    make_user: Callable[..., Any], var_dir: Path, packs_active: None
) -> OutgoingMessage:
    collector = make_user(Role.COLLECTOR)
    version = approved_template("letter", "{debtor_name}您好：\n您的借款尚欠{amount}。")
    account = AccountFactory(debtor=DebtorFactory(full_name="王小明"), assigned_collector=collector)
    point = make_contact_point(account.debtor, "上海市黄浦区南京路1号", kind="postal")
    message = services.message_send(
        actor=collector, account=account, contact_point=point, template_version=version, at=MORNING
    )
    assert message.status == "sent"
    return message


@pytest.mark.parametrize(
    "role", [Role.COMPLIANCE_OFFICER, Role.QA_INSPECTOR, Role.MANAGER, Role.AUDITOR]
)
def test_reviewers_get_account_links_they_may_open(
    role: str,
    sent_letter: OutgoingMessage,
    make_user: Callable[..., Any],
    client_for: Callable[..., Client],
) -> None:
    client = client_for(make_user(role))
    html = client.get("/screening/messages/").content.decode()
    account_url = f"/portfolio/accounts/{sent_letter.account_id}/"
    assert f'href="{account_url}"' in html
    assert "/screening/send/" not in html  # they may not send: no link that answers 403
    # They may read a sent letter as printed (each download audited): the link answers 200.
    pdf_url = f"/screening/letters/message/{sent_letter.pk}/pdf/"
    assert f'<a class="letter-pdf" href="{pdf_url}">PDF</a>' in html
    assert client.get(pdf_url).status_code == 200
    assert client.get(account_url).status_code == 200


def test_senders_get_the_account_the_send_page_and_a_sent_letter_s_pdf(
    sent_letter: OutgoingMessage, client_for: Callable[..., Client]
) -> None:
    client = client_for(sent_letter.sent_by)
    html = client.get("/screening/messages/").content.decode()
    pdf_url = f"/screening/letters/message/{sent_letter.pk}/pdf/"
    assert f'href="/portfolio/accounts/{sent_letter.account_id}/"' in html
    assert f'href="/screening/send/{sent_letter.account_id}/"' in html
    assert f'<a class="letter-pdf" href="{pdf_url}">PDF</a>' in html
    response = client.get(pdf_url)
    assert (response.status_code, response.content[:5]) == (200, b"%PDF-")
    # The account's list of messages links it too.
    send_page = client.get(f"/screening/send/{sent_letter.account_id}/").content.decode()
    assert f'href="{pdf_url}"' in send_page


def test_no_pdf_link_for_a_letter_that_was_not_sent(
    sent_letter: OutgoingMessage, client_for: Callable[..., Client]
) -> None:
    blocked = OutgoingMessage.objects.create(
        account=sent_letter.account,
        contact_point=sent_letter.contact_point,
        channel="letter",
        body="你这个老赖",
        status=OutgoingMessage.Status.BLOCKED_CONTENT,
        reason="P3",
        screening_verdict="block",
        sent_by=sent_letter.sent_by,
    )
    html = client_for(sent_letter.sent_by).get("/screening/messages/").content.decode()
    assert html.count('class="letter-pdf"') == 1
    assert f"/screening/letters/message/{blocked.pk}/pdf/" not in html


# --- Chinese labels for codes ----------------------------------------------------------------


def test_check_page_channels_are_labelled_in_chinese_with_the_codes_as_values(
    make_user: Callable[..., Any], client_for: Callable[..., Client]
) -> None:
    client = client_for(make_user(Role.COLLECTOR, language="zh-hans"))
    html = client.get("/screening/").content.decode()
    labels = dict(re.findall(r'<option value="([a-z]+)">([^<]+)</option>', html))
    assert {code: labels[code] for code in ("sms", "email", "letter", "call")} == {
        "sms": "短信",
        "email": "电子邮件",
        "letter": "信函",
        "call": "电话",
    }
    assert (labels["voicemail"], labels["im"], labels["other"]) == ("语音留言", "即时通讯", "其他")
    # The submitted value is still the code.
    call = "Agent: Hello.\nCustomer: You stupid bastard!\n"
    result = client.post("/screening/", {"text": call, "channel": "call"}).content.decode()
    assert 'data-verdict="pass"' in result


def test_lexicon_gates_are_labelled_in_chinese(
    make_user: Callable[..., Any], client_for: Callable[..., Client]
) -> None:
    officer = make_user(Role.COMPLIANCE_OFFICER, language="zh-hans")
    client = client_for(officer)
    html = client.get("/screening/lexicon/").content.decode()
    assert '<option value="lawyer">已委托律师</option>' in html
    assert '<option value="never">从不（始终禁止）</option>' in html
    assert ">lawyer</option>" not in html and ">fee</option>" not in html
    response = client.post(
        "/screening/lexicon/",
        {
            "kind": "phrase",
            "language": "zh",
            "phrase": "律师函已发出",
            "category": "P5",
            "gate": "lawyer",
            "confidence": "0.9",
            "reason": "律师函",
        },
    )
    assert response.status_code == 302
    change = LexiconChange.objects.get()
    assert change.gate == "lawyer"
    assert "P5 · 已委托律师" in client.get("/screening/lexicon/").content.decode()


def test_template_verdict_and_option_labels_are_in_chinese(
    make_user: Callable[..., Any], client_for: Callable[..., Client], var_dir: Path
) -> None:
    sms = approved_template("sms", "{debtor_name}您好，您的应还金额为{amount}。")
    letter = approved_template("letter", "{debtor_name}您好：\n如逾期仍不还款，我们将起诉您。")
    officer = client_for(make_user(Role.COMPLIANCE_OFFICER, language="zh-hans"))
    page = officer.get(f"/screening/templates/{letter.template_id}/").content.decode()
    assert 'data-verdict="review">需人工复核</span>' in page
    assert ">review</span>" not in page
    page = officer.get(f"/screening/templates/{sms.template_id}/").content.decode()
    assert 'data-verdict="pass">通过</span>' in page
    lead = make_user(Role.TEAM_LEAD, language="zh-hans")
    account = AccountFactory(assigned_team=lead.team)
    send_page = client_for(lead).get(f"/screening/send/{account.pk}/").content.decode()
    assert f'<option value="{sms.pk}">Reminder sms · 短信 · v1</option>' in send_page
    assert "· sms ·" not in send_page
    letters_page = client_for(lead).get("/screening/letters/").content.decode()
    assert f'<option value="{letter.pk}">Reminder letter · 中文 · v1</option>' in letters_page
    assert "· zh ·" not in letters_page


def test_why_not_counted_is_said_in_chinese(
    make_user: Callable[..., Any], client_for: Callable[..., Client]
) -> None:
    client = client_for(make_user(Role.COMPLIANCE_OFFICER, language="zh-hans"))

    def reasons(data: dict[str, Any]) -> list[str]:
        html = client.post("/screening/", data).content.decode()
        return re.findall(r'<td title="[^"]*">([^<]*)</td></tr>', html)

    call = "Agent: Hello.\nCustomer: You stupid bastard!\n"
    assert set(reasons({"text": call, "channel": "call"})) == {"通话中客户所说的话"}
    reassured = (
        "We know you're worried about being arrested. Being unable to pay a debt is not a crime."
    )
    assert "语境规则：no_arrest_en" in reasons({"text": reassured})
    assert reasons({"text": "我们可向法院提起诉讼。"}) == ["例外：可向法院提起诉讼"]
    account = AccountFactory(litigation_status="approved")
    gated = {"text": "如逾期仍不还款，我们将起诉您。", "account": account.pk}
    assert reasons(gated) == ["账户事实使其属实（已批准诉讼）"]


@translation.override("en")
def test_suppressed_reason_labels_for_every_kind() -> None:
    exceptions = {"exceptions.txt:19": "可向法院提起诉讼", "ui:7": "not a crime"}
    assert [
        suppressed_reason_label(code, exceptions)
        for code in (
            "speaker:customer",
            "context:anti_fraud",
            "gate:fee:facts_hold",
            "exceptions.txt:19",
            "ui:7",
            "something:else",
        )
    ] == [
        "the customer's own words in a call",
        "context rule: anti_fraud",
        "the account's facts make it true (Fee provided in the contract)",
        "exception: 可向法院提起诉讼",
        "exception: not a crime",
        "something:else",
    ]


def test_the_api_keeps_the_raw_codes(
    make_user: Callable[..., Any], api_client_for: Callable[..., Client], var_dir: Path
) -> None:
    letter = approved_template("letter", "{debtor_name}您好：\n如逾期仍不还款，我们将起诉您。")
    client = api_client_for(make_user(Role.COMPLIANCE_OFFICER, language="zh-hans"))
    template = client.get(f"/api/v1/screening/templates/{letter.template_id}").json()
    assert (template["channel"], template["language"]) == ("letter", "zh")
    assert template["versions"][0]["screening_verdict"] == "review"


def test_the_accounts_message_list_names_channels_as_the_screens_do(
    make_user: Callable[..., Any], client_for: Callable[..., Client]
) -> None:
    lead = make_user(Role.TEAM_LEAD, language="zh-hans")
    account = AccountFactory(assigned_team=lead.team)
    OutgoingMessage.objects.create(
        account=account,
        channel="email",
        body="您好。",
        status="blocked_content",
        screening_verdict="block",
        sent_by=lead,
    )
    page = client_for(lead).get(f"/screening/send/{account.pk}/").content.decode()
    assert "<td>电子邮件</td>" in page  # a message, not 电子邮箱 (an address)
