"""Real delivery: e-mail through Django's mail backend, SMS through an HTTP provider (a real HTTP
server on loopback here); a provider that refuses leaves the message ``failed`` with the reason.
And a template whose placeholder has no value for the account is not sent."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from heed.collection.models import ContactAttempt
from heed.core.errors import ApplicationError
from heed.core.roles import Role
from heed.portfolio.tests.conftest import field_keys  # noqa: F401  (autouse: PII keys)
from heed.portfolio.tests.factories import AccountFactory, DebtorFactory, make_contact_point
from heed.screening import services
from heed.screening.adapters import HttpProviderAdapter, Outbound, ProviderAdapter, adapter_get
from heed.screening.models import OutgoingMessage, TemplateVersion

pytestmark = pytest.mark.django_db

MORNING = datetime(2026, 11, 27, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


class _Provider:
    """An SMS provider on loopback: records each request; answers with ``status``."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.status = 200
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 — the standard library's name
                length = int(self.headers["Content-Length"])
                provider.requests.append(
                    {
                        "body": json.loads(self.rfile.read(length)),
                        "authorization": self.headers.get("Authorization"),
                        "idempotency": self.headers.get("Idempotency-Key"),
                    }
                )
                reply = json.dumps({"id": f"sms-{len(provider.requests)}"}).encode()
                self.send_response(provider.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"


@pytest.fixture
def provider(settings: Any) -> Iterator[_Provider]:
    running = _Provider()
    thread = threading.Thread(target=running.server.serve_forever, daemon=True)
    thread.start()
    settings.HEED_MESSAGE_ADAPTER = "provider"
    settings.HEED_SMS_HTTP_URL = running.url
    settings.HEED_SMS_HTTP_TOKEN = "test-token"
    yield running
    running.server.shutdown()
    running.server.server_close()


@pytest.fixture
def people(make_user: Callable[..., Any]) -> dict[str, Any]:
    return {
        "author": make_user(Role.COMPLIANCE_OFFICER),
        "approver": make_user(Role.COMPLIANCE_OFFICER),
        "collector": make_user(Role.COLLECTOR),
    }


def approved(people: dict[str, Any], **template: Any) -> TemplateVersion:
    version = services.template_create(actor=people["author"], **template)
    return services.template_version_approve(actor=people["approver"], version=version)


@pytest.fixture
def account(people: dict[str, Any]) -> Any:
    return AccountFactory(
        debtor=DebtorFactory(full_name="王小明"), assigned_collector=people["collector"]
    )


SMS = {
    "code": "cn-sms",
    "name": "Reminder",
    "channel": "sms",
    "language": "zh",
    "audience": "debtor",
    "region": "CN",
    "body": (
        "{debtor_name}您好，您的借款应还{amount}，请通过官方渠道还款，咨询电话{callback_number}。"
    ),
}


def send_sms_reminder(people: dict[str, Any], account: Any) -> OutgoingMessage:
    """The collector sends the approved SMS reminder to a new phone of the debtor's."""
    phone = make_contact_point(account.debtor, "+8613812341234")
    return services.message_send(
        actor=people["collector"],
        account=account,
        contact_point=phone,
        template_version=approved(people, **SMS),
        at=MORNING,
    )


def test_sms_goes_to_the_http_provider_once(
    people: dict[str, Any], account: Any, provider: _Provider, packs_active: None
) -> None:
    message = send_sms_reminder(people, account)
    assert (message.status, message.adapter, message.adapter_reference) == (
        "sent",
        "provider",
        "sms-1",
    )
    [request] = provider.requests
    assert request["authorization"] == "Bearer test-token"
    assert request["idempotency"] == f"heed-message-{message.pk}"
    assert request["body"] == {
        "to": "+8613812341234",
        "channel": "sms",
        "body": message.body,
        "message_id": message.pk,
    }
    assert "400-000-0000" in message.body  # the demo/test default callback number
    assert ContactAttempt.objects.filter(pk=message.contact_attempt_id).exists()


def test_provider_refusal_is_recorded_as_failed(
    people: dict[str, Any], account: Any, provider: _Provider, packs_active: None
) -> None:
    provider.status = 503
    message = send_sms_reminder(people, account)
    assert message.status == "failed"
    assert message.reason == "the SMS provider refused the message: HTTP 503"
    assert message.contact_attempt is None
    assert len(provider.requests) == 1


def test_unreachable_or_unset_provider_raises_with_the_reason() -> None:
    outbound = Outbound("sms", "+8613812341234", "", "您好", 1)
    with pytest.raises(RuntimeError, match="HEED_SMS_HTTP_URL is not set"):
        HttpProviderAdapter(url="", token="").send(outbound)
    with pytest.raises(RuntimeError, match="cannot be reached"):
        HttpProviderAdapter(url="http://127.0.0.1:9/send", token="").send(outbound)


def test_email_goes_through_the_mail_backend(
    people: dict[str, Any], account: Any, provider: _Provider, packs_active: None
) -> None:
    email = make_contact_point(account.debtor, "wang@example.com", kind="email")
    version = approved(
        people,
        code="cn-email",
        name="Reminder e-mail",
        channel="email",
        language="zh",
        audience="debtor",
        region="CN",
        subject="还款提醒：{amount}",
        body="{debtor_name}您好，您的借款应还{amount}。咨询电话{callback_number}。",
    )
    message = services.message_send(
        actor=people["collector"],
        account=account,
        contact_point=email,
        template_version=version,
        at=MORNING,
    )
    assert message.status == "sent", message.reason
    [sent] = mail.outbox
    assert (sent.to, sent.subject, sent.body) == (
        ["wang@example.com"],
        message.subject,
        message.body,
    )
    assert sent.extra_headers["Message-ID"] == message.adapter_reference
    assert provider.requests == []  # e-mail never goes to the SMS provider
    assert isinstance(adapter_get(), ProviderAdapter)


def test_a_placeholder_without_a_value_stops_the_message(
    people: dict[str, Any], account: Any, settings: Any, packs_active: None
) -> None:
    settings.HEED_MESSAGE_ADAPTER = "file"
    settings.HEED_CALLBACK_NUMBER = ""
    phone = make_contact_point(account.debtor, "+8613812341234")
    with pytest.raises(ApplicationError) as caught:
        services.message_send(
            actor=people["collector"],
            account=account,
            contact_point=phone,
            template_version=approved(people, **SMS),
            at=MORNING,
        )
    assert caught.value.code == "placeholder_empty"
    assert caught.value.fields == {
        "template_version": ["{callback_number} has no value: set HEED_CALLBACK_NUMBER."]
    }
    assert OutgoingMessage.objects.count() == 0
