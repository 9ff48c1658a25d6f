"""Replies from debtors, reported by the message provider over the API: "STOP" or "退订" opts the
person out of the channel, after which the compliance gateway refuses it; a retried report adds
nothing; other replies change nothing; only the provider's role may report."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from heed.audit.models import AuditEvent
from heed.compliance.models import ContactPreference
from heed.compliance.services import preflight
from heed.core.roles import Role
from heed.portfolio.tests.conftest import field_keys  # noqa: F401  (autouse: PII keys)
from heed.portfolio.tests.factories import AccountFactory, DebtorFactory, make_contact_point
from heed.screening.models import OutgoingMessage
from heed.screening.services import is_opt_out

pytestmark = pytest.mark.django_db

MORNING = datetime(2026, 11, 27, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
URL = "/api/v1/screening/replies"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("STOP", True),
        ("stop.", True),
        ("Stop texting me", True),
        ("UNSUBSCRIBE", True),
        ("opt out", True),
        ("退订", True),
        ("我要退订短信", True),
        ("TD", True),
        ("ｔｄ", True),
        ("Please don't stop the plan", False),
        ("Cancel", True),
        ("END.", True),
        ("End of the month I will pay", False),
        ("Cancel my appointment and call me tomorrow", False),
        ("I will pay on Friday", False),
        ("好的，周五还款", False),
        ("", False),
    ],
)
def test_which_replies_ask_to_stop(body: str, expected: bool) -> None:
    assert is_opt_out(body) is expected


@pytest.fixture
def people(make_user: Callable[..., Any]) -> dict[str, Any]:
    return {
        "provider": make_user(Role.MESSAGE_PROVIDER),
        "collector": make_user(Role.COLLECTOR),
        "payments": make_user(Role.PAYMENT_PROCESSOR),
    }


@pytest.fixture
def account(people: dict[str, Any]) -> Any:
    return AccountFactory(
        debtor=DebtorFactory(full_name="王小明"), assigned_collector=people["collector"]
    )


def post(client: Client, body: dict[str, Any]) -> Any:
    return client.post(URL, data=json.dumps(body), content_type="application/json")


def test_stop_opts_the_person_out_and_the_gateway_then_refuses(
    people: dict[str, Any],
    account: Any,
    packs_active: None,
    api_client_for: Callable[..., Client],
) -> None:
    phone = make_contact_point(account.debtor, "+8613812341234")

    def decision(channel: str) -> Any:
        return preflight(
            actor=people["collector"],
            account=account,
            contact_point=phone,
            channel=channel,
            at=MORNING,
        )

    before = decision("sms")
    assert before.allowed
    message = OutgoingMessage.objects.create(
        account=account,
        contact_point=phone,
        channel="sms",
        body="您好",
        status="sent",
        screening_verdict="pass",
        decision=before,
        sent_by=people["collector"],
    )
    client = api_client_for(people["provider"])
    reply = {"from": "138 1234 1234", "channel": "sms", "body": "退订", "in_reply_to": message.pk}
    response = post(client, reply)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["matched"], body["debtors"], body["opt_out"]) == (1, 1, True)
    [created] = body["preferences_created"]
    preference = ContactPreference.objects.get(pk=created)
    assert (preference.kind, preference.channel, preference.contact_point_id) == (
        "opt_out_channel",
        "sms",
        phone.pk,
    )
    assert "退订" in preference.evidence
    assert not decision("sms").allowed
    assert decision("call").allowed, "an SMS opt-out does not stop calls"
    again = post(client, reply).json()
    assert (again["preferences_created"], again["preferences_existing"]) == ([], [created])
    assert ContactPreference.objects.count() == 1
    assert AuditEvent.objects.filter(action="message.reply_received").count() == 2


def test_a_reply_without_a_message_id_finds_every_point_with_that_number(
    people: dict[str, Any], account: Any, api_client_for: Callable[..., Client]
) -> None:
    make_contact_point(account.debtor, "+8613812341234")
    other = AccountFactory(debtor=DebtorFactory(full_name="李娜"))
    make_contact_point(other.debtor, "+8613812341234")
    client = api_client_for(people["provider"])
    body = post(client, {"from": "+86 138-1234-1234", "channel": "sms", "body": "STOP"}).json()
    assert (body["matched"], body["debtors"], len(body["preferences_created"])) == (2, 2, 2)
    nothing = post(client, {"from": "+8613900000000", "channel": "sms", "body": "STOP"}).json()
    assert (nothing["matched"], nothing["preferences_created"]) == (0, [])


def test_other_replies_change_nothing_and_bad_reports_are_refused(
    people: dict[str, Any],
    account: Any,
    api_client_for: Callable[..., Client],
    snapshot: Any,
) -> None:
    phone = make_contact_point(account.debtor, "+8613812341234")
    client = api_client_for(people["provider"])
    paying = post(client, {"from": "+8613812341234", "channel": "sms", "body": "周五还款"})
    assert paying.json()["opt_out"] is False
    assert ContactPreference.objects.count() == 0
    other_point = make_contact_point(account.debtor, "+8613900001111")
    sent = OutgoingMessage.objects.create(
        account=account,
        contact_point=other_point,
        channel="sms",
        body="您好",
        status="held_review",
        screening_verdict="review",
        sent_by=people["collector"],
    )
    collector = api_client_for(people["collector"])
    payments = api_client_for(people["payments"])
    check = snapshot()
    stop = {"from": "+8613812341234", "channel": "sms", "body": "STOP"}
    assert post(Client(), stop).status_code == 401
    assert post(collector, stop).status_code == 403
    assert post(payments, stop).status_code == 403
    wrong = post(client, {**stop, "in_reply_to": sent.pk})
    assert (wrong.status_code, wrong.json()["fields"]) == (
        400,
        {"in_reply_to": ["That message did not go to this sender."]},
    )
    assert post(client, {**stop, "channel": "call"}).status_code == 422
    assert post(client, {**stop, "in_reply_to": 999999}).status_code == 400
    check.assert_unchanged()
    assert ContactPreference.objects.count() == 0
    assert phone.pk != other_point.pk
