from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from heed.audit.models import AuditEvent
from heed.core.errors import ApplicationError, PermissionDenied
from heed.core.roles import Role
from heed.portfolio.tests.conftest import field_keys  # noqa: F401  (autouse: PII keys)
from heed.portfolio.tests.factories import AccountFactory, DebtorFactory, make_contact_point
from heed.screening import outgoing, services
from heed.screening.models import OutgoingMessage, TemplateVersion

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
MORNING = datetime(2026, 11, 27, 10, 0, tzinfo=SH)
NIGHT = datetime(2026, 11, 27, 23, 0, tzinfo=SH)

REMINDER = (
    "{debtor_name}您好，您的借款应还{amount}，到期日{due_date}，请通过{payment_channels}还款。"
)


@pytest.fixture
def people(make_user: Callable[..., Any]) -> dict[str, Any]:
    return {
        "author": make_user(Role.COMPLIANCE_OFFICER),
        "approver": make_user(Role.COMPLIANCE_OFFICER),
        "collector": make_user(Role.COLLECTOR),
        "lead": make_user(Role.TEAM_LEAD),
    }


@pytest.fixture
def account(people: dict[str, Any]) -> Any:
    debtor = DebtorFactory(full_name="王小明")
    return AccountFactory(debtor=debtor, assigned_collector=people["collector"])


@pytest.fixture
def phone(account: Any) -> Any:
    return make_contact_point(account.debtor, "+8613812341234")


def approved_reminder(people: dict[str, Any]) -> TemplateVersion:
    version = services.template_create(
        actor=people["author"],
        code="cn-sms-reminder",
        name="Reminder",
        channel="sms",
        language="zh",
        audience="debtor",
        region="CN",
        body=REMINDER,
    )
    return services.template_version_approve(actor=people["approver"], version=version)


def refused_send(people: dict[str, Any], account: Any, phone: Any, version: TemplateVersion) -> str:
    """The collector sends ``version`` in the morning; the code of the refusal it must get."""
    with pytest.raises(ApplicationError) as caught:
        services.message_send(
            actor=people["collector"],
            account=account,
            contact_point=phone,
            template_version=version,
            at=MORNING,
        )
    return caught.value.code


def test_template_rules() -> None:
    ok = outgoing.template_problems(body=REMINDER, channel="sms", audience="debtor", region="CN")
    assert ok == {}
    third = outgoing.template_problems(
        body="请转告{debtor_name}回电，欠款{amount}",
        channel="sms",
        audience="third_party",
        region="CN",
    )
    assert "must not mention the debt" in third["body"][0]
    us = outgoing.template_problems(
        body="Your payment of {amount} is due.", channel="sms", audience="debtor", region="US"
    )
    assert "opt out" in us["body"][0]
    assert (
        outgoing.template_problems(
            body="Due {amount}. Reply STOP to opt out.",
            channel="sms",
            audience="debtor",
            region="US",
        )
        == {}
    )
    voicemail = outgoing.template_problems(
        body="This is {collector_id}, call {callback_number} about {amount}.",
        channel="voicemail",
        audience="debtor",
        region="US",
    )
    assert "limited-content" in voicemail["body"][0]
    assert (
        "Unknown placeholder"
        in outgoing.template_problems(
            body="{balance}", channel="sms", audience="debtor", region="CN"
        )["body"][0]
    )


def test_template_needs_a_second_person_and_screens_on_save(people: dict[str, Any]) -> None:
    version = services.template_create(
        actor=people["author"],
        code="t1",
        name="T",
        channel="sms",
        language="zh",
        audience="debtor",
        region="CN",
        body="{debtor_name}，再不还钱就等着坐牢。",
    )
    assert version.status == "draft"
    assert version.screening_verdict == "block"
    assert version.screening_findings[0]["category"] == "P7"
    with pytest.raises(ApplicationError) as own:
        services.template_version_approve(actor=people["author"], version=version)
    assert own.value.code == "four_eyes"
    with pytest.raises(ApplicationError) as blocked:
        services.template_version_approve(actor=people["approver"], version=version)
    assert blocked.value.code == "screening_blocked"
    version.refresh_from_db()
    assert (version.status, version.approved_by) == ("draft", None)


def test_new_approved_version_retires_the_old_one(people: dict[str, Any]) -> None:
    first = approved_reminder(people)
    second = services.template_version_create(
        actor=people["author"], template=first.template, body=REMINDER + "谢谢。"
    )
    assert second.number == 2
    services.template_version_approve(actor=people["approver"], version=second)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("retired", "approved")


def test_collector_cannot_author_templates(people: dict[str, Any]) -> None:
    with pytest.raises(PermissionDenied):
        services.template_create(
            actor=people["collector"],
            code="x",
            name="x",
            channel="sms",
            language="zh",
            audience="debtor",
            region="CN",
            body="你好",
        )


def test_approved_template_is_rendered_screened_allowed_sent_and_recorded(
    people: dict[str, Any], account: Any, phone: Any, outbox: Path, packs_active: None
) -> None:
    version = approved_reminder(people)
    message = services.message_send(
        actor=people["collector"],
        account=account,
        contact_point=phone,
        template_version=version,
        at=MORNING,
    )
    assert message.status == "sent", message.reason
    assert message.body.startswith("王小明您好，您的借款应还")
    assert message.decision is not None and message.decision.allowed
    assert message.contact_attempt is not None
    assert message.contact_attempt.decision_id == message.decision.pk
    [line] = [json.loads(x) for x in outbox.read_text(encoding="utf-8").splitlines()]
    assert (line["to"], line["body"], line["message_id"]) == (
        "+8613812341234",
        message.body,
        message.pk,
    )
    assert AuditEvent.objects.filter(action="message.sent", target_id=str(message.pk)).exists()


def test_unapproved_template_cannot_be_used(
    people: dict[str, Any], account: Any, phone: Any, outbox: Path
) -> None:
    version = services.template_create(
        actor=people["author"],
        code="draft",
        name="D",
        channel="sms",
        language="zh",
        audience="debtor",
        region="CN",
        body=REMINDER,
    )
    assert refused_send(people, account, phone, version) == "template_not_approved"
    assert not outbox.exists()
    assert OutgoingMessage.objects.count() == 0


def test_blocked_free_text_never_reaches_the_adapter(
    people: dict[str, Any], account: Any, phone: Any, outbox: Path, packs_active: None
) -> None:
    message = services.message_send(
        actor=people["lead"],
        account=account,
        contact_point=phone,
        text="再不还钱就爆你通讯录",
        channel="sms",
        at=MORNING,
    )
    assert (message.status, message.reason, message.decision) == ("blocked_content", "P9", None)
    assert not outbox.exists()


def test_collector_without_free_text_permission_is_refused(
    people: dict[str, Any], account: Any, phone: Any, outbox: Path
) -> None:
    with pytest.raises(PermissionDenied):
        services.message_send(
            actor=people["collector"],
            account=account,
            contact_point=phone,
            text="您好，请回电。",
            channel="sms",
            at=MORNING,
        )
    assert OutgoingMessage.objects.count() == 0


def test_gateway_refusal_is_stored_and_not_sent(
    people: dict[str, Any], account: Any, phone: Any, outbox: Path, packs_active: None
) -> None:
    version = approved_reminder(people)
    message = services.message_send(
        actor=people["collector"],
        account=account,
        contact_point=phone,
        template_version=version,
        at=NIGHT,
    )
    assert (message.status, message.reason) == ("blocked_gateway", "CN-01")
    assert message.decision is not None and not message.decision.allowed
    assert not outbox.exists()


def test_template_of_another_region_is_refused_and_not_offered(
    people: dict[str, Any],
    account: Any,
    phone: Any,
    outbox: Path,
    client_for: Callable[..., Any],
) -> None:
    version = services.template_create(
        actor=people["author"],
        code="us-sms",
        name="US reminder",
        channel="sms",
        language="en",
        audience="debtor",
        region="US",
        body="Hi {debtor_name}, {amount} is due. Reply STOP to opt out.",
    )
    version = services.template_version_approve(actor=people["approver"], version=version)
    assert (account.jurisdiction, outgoing.region_of("US-NY"), outgoing.region_of("GB")) == (
        "CN",
        "US",
        "UK",
    )
    assert refused_send(people, account, phone, version) == "wrong_region"
    assert OutgoingMessage.objects.count() == 0
    assert not outbox.exists()
    chinese = approved_reminder(people)
    page = client_for(people["collector"]).get(f"/screening/send/{account.pk}/")
    html = page.content.decode()
    start = html.index('name="template_version"')
    options = html[start : html.index("</select>", start)]
    assert f'value="{chinese.pk}"' in options
    assert f'value="{version.pk}"' not in options


# --- a threat split over two messages ------------------------------------------------------------

FIRST_HALF = "Hello, this is Northway Finance. We will tell your"
SECOND_HALF = "employer about the debt on Monday."


def send_text(people: dict[str, Any], account: Any, phone: Any, text: str) -> OutgoingMessage:
    return services.message_send(
        actor=people["lead"],
        account=account,
        contact_point=phone,
        text=text,
        channel="sms",
        at=MORNING,
    )


def test_each_half_of_a_split_threat_passes_alone() -> None:
    from heed.screening.selectors import screener_get

    for text in (FIRST_HALF, SECOND_HALF):
        assert screener_get().screen(text, channel="sms").verdict == "pass"
    assert screener_get().screen(f"{FIRST_HALF} {SECOND_HALF}", channel="sms").verdict == "block"


def test_a_message_is_screened_with_the_ones_just_sent_to_the_same_contact(
    people: dict[str, Any], account: Any, phone: Any, outbox: Path, packs_active: None
) -> None:
    first = send_text(people, account, phone, FIRST_HALF)
    assert first.status == "sent"
    second = send_text(people, account, phone, SECOND_HALF)
    assert (second.status, second.reason, second.screening_verdict) == (
        "blocked_content",
        "P9",
        "block",
    )
    [finding] = second.screening_findings
    assert finding["rule"].endswith("|conversation")
    # The span is cut to this message: "employer" (the phrase began in the one before).
    assert (finding["start"], finding["match"]) == (0, SECOND_HALF[: finding["end"]])
    assert finding["match"].startswith("employer")
    sent = outbox.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["body"] for line in sent] == [FIRST_HALF]


def test_older_messages_and_other_contact_points_are_not_joined(
    people: dict[str, Any], account: Any, phone: Any, outbox: Path, packs_active: None
) -> None:
    first = send_text(people, account, phone, FIRST_HALF)
    other = make_contact_point(account.debtor, "+8613812349999")
    elsewhere = services.message_send(
        actor=people["lead"],
        account=account,
        contact_point=other,
        text=SECOND_HALF,
        channel="sms",
        at=MORNING,
    )
    assert elsewhere.status == "sent"
    OutgoingMessage.objects.filter(pk=first.pk).update(
        created_at=first.created_at - timedelta(minutes=services.CONVERSATION_WINDOW_MINUTES + 1)
    )
    later = send_text(people, account, phone, SECOND_HALF)
    assert later.status == "sent"
