"""API: message templates (four-eyes), sending on an account, letter batches — four actors each;
a denied call changes nothing and writes no audit event."""

from __future__ import annotations

import datetime
import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from heed.collection.models import ContactAttempt
from heed.core.roles import Role
from heed.portfolio.tests.conftest import field_keys  # noqa: F401  (autouse: PII keys)
from heed.portfolio.tests.factories import AccountFactory, DebtorFactory, make_contact_point
from heed.screening import services
from heed.screening.models import MessageTemplate, OutgoingMessage, TemplateVersion
from heed.tasks.models import TaskRun

pytestmark = pytest.mark.django_db

MORNING = datetime.datetime(2026, 11, 27, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
REMINDER = "{debtor_name}您好，您的借款应还{amount}，请通过{payment_channels}还款。"
NEW_TEMPLATE = {
    "code": "cn-sms-reminder",
    "name": "Reminder",
    "channel": "sms",
    "language": "zh",
    "audience": "debtor",
    "region": "CN",
    "body": REMINDER,
}


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


def counts() -> dict[str, int]:
    return {
        "templates": MessageTemplate.objects.count(),
        "versions": TemplateVersion.objects.count(),
        "approved": TemplateVersion.objects.filter(status="approved").count(),
        "messages": OutgoingMessage.objects.count(),
        "contacts": ContactAttempt.objects.count(),
        "runs": TaskRun.objects.count(),
    }


def denied(snapshot: Callable[[], Any], call: Callable[[], Any], status: int) -> Any:
    before = counts()
    snap = snapshot()
    response = call()
    assert response.status_code == status, response.content
    snap.assert_unchanged()
    assert counts() == before
    return response


def test_template_create_over_four_actors(
    actors: Callable[..., Any], api_client_for: Callable[..., Client], snapshot: Any
) -> None:
    people = actors(Role.COMPLIANCE_OFFICER)
    url = "/api/v1/screening/templates"
    denied(snapshot, lambda: post(people.anonymous, url, NEW_TEMPLATE), 401)
    response = denied(
        snapshot, lambda c=api_client_for(people.without): post(c, url, NEW_TEMPLATE), 403
    )
    assert response.json()["code"] == "permission_denied"
    created = post(api_client_for(people.right), url, NEW_TEMPLATE)
    assert created.status_code == 201
    body = created.json()
    assert (body["code"], body["channel"], len(body["versions"])) == ("cn-sms-reminder", "sms", 1)
    version = body["versions"][0]
    assert (version["number"], version["status"], version["screening_verdict"]) == (
        1,
        "draft",
        "pass",
    )
    assert version["author"] == people.right.username and version["approved_by"] is None
    # Templates are organisation-wide: an officer of another team sees the same list.
    listed = api_client_for(people.other).get(url).json()
    assert [t["code"] for t in listed] == ["cn-sms-reminder"]


def test_template_screens_on_save_and_rejects_bad_placeholders(
    make_user: Callable[..., Any], api_client_for: Callable[..., Client], snapshot: Any
) -> None:
    client = api_client_for(make_user(Role.COMPLIANCE_OFFICER))
    url = "/api/v1/screening/templates"
    threat = post(client, url, {**NEW_TEMPLATE, "body": "{debtor_name}，再不还钱就等着坐牢。"})
    assert threat.status_code == 201
    version = threat.json()["versions"][0]
    assert version["screening_verdict"] == "block"
    assert version["screening_findings"][0]["category"] == "P7"
    bad = denied(
        snapshot,
        lambda c=client: post(c, url, {**NEW_TEMPLATE, "code": "x", "body": "{balance}"}),
        400,
    )
    assert bad.json()["code"] == "invalid_template"
    assert "body" in bad.json()["fields"]


def test_new_version_over_four_actors(
    actors: Callable[..., Any], api_client_for: Callable[..., Client], snapshot: Any
) -> None:
    people = actors(Role.COMPLIANCE_OFFICER)
    first = services.template_create(actor=people.right, **NEW_TEMPLATE)
    url = f"/api/v1/screening/templates/{first.template_id}/versions"
    payload = {"body": REMINDER + "谢谢。"}
    denied(snapshot, lambda: post(people.anonymous, url, payload), 401)
    denied(snapshot, lambda c=api_client_for(people.without): post(c, url, payload), 403)
    missing = "/api/v1/screening/templates/999999/versions"
    denied(snapshot, lambda c=api_client_for(people.right): post(c, missing, payload), 404)
    response = post(api_client_for(people.other), url, payload)
    assert response.status_code == 201
    assert (response.json()["number"], response.json()["status"]) == (2, "draft")


def test_approve_over_four_actors_and_four_eyes(
    actors: Callable[..., Any], api_client_for: Callable[..., Client], snapshot: Any
) -> None:
    people = actors(Role.COMPLIANCE_OFFICER)
    version = services.template_create(actor=people.other, **NEW_TEMPLATE)
    url = f"/api/v1/screening/template-versions/{version.pk}/approve"
    denied(snapshot, lambda: post(people.anonymous, url, {}), 401)
    denied(snapshot, lambda c=api_client_for(people.without): post(c, url, {}), 403)
    own = denied(snapshot, lambda c=api_client_for(people.other): post(c, url, {}), 403)
    assert own.json()["code"] == "four_eyes"
    approved = post(api_client_for(people.right), url, {"note": "ok"})
    assert approved.status_code == 200
    assert (approved.json()["status"], approved.json()["approved_by"]) == (
        "approved",
        people.right.username,
    )
    again = denied(snapshot, lambda c=api_client_for(people.right): post(c, url, {}), 409)
    assert again.json()["code"] == "already_decided"


def test_reject(make_user: Callable[..., Any], api_client_for: Callable[..., Client]) -> None:
    author, approver = make_user(Role.COMPLIANCE_OFFICER), make_user(Role.COMPLIANCE_OFFICER)
    version = services.template_create(actor=author, **NEW_TEMPLATE)
    url = f"/api/v1/screening/template-versions/{version.pk}/reject"
    response = post(api_client_for(approver), url, {"note": "wording"})
    assert (response.status_code, response.json()["status"]) == (200, "rejected")


@pytest.fixture
def sending(
    actors: Callable[..., Any], make_user: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    """A collector's account with a phone, an approved template; the gateway asked at a
    weekday morning in Shanghai (it decides at "now" otherwise)."""
    monkeypatch.setattr(
        services, "message_send", functools.partial(services.message_send, at=MORNING)
    )
    people = actors(Role.COLLECTOR, without_role=Role.QA_INSPECTOR)
    account = AccountFactory(
        debtor=DebtorFactory(full_name="王小明"),
        assigned_collector=people.right,
        assigned_team=people.right.team,
    )
    phone = make_contact_point(account.debtor, "+8613812341234")
    draft = services.template_create(actor=make_user(Role.COMPLIANCE_OFFICER), **NEW_TEMPLATE)
    version = services.template_version_approve(
        actor=make_user(Role.COMPLIANCE_OFFICER), version=draft
    )
    return {"people": people, "account": account, "phone": phone, "version": version}


def test_send_over_four_actors(
    sending: dict[str, Any],
    api_client_for: Callable[..., Client],
    snapshot: Any,
    packs_active: None,
    settings: Any,
    tmp_path: Path,
) -> None:
    settings.HEED_MESSAGE_ADAPTER = "file"
    settings.VAR_DIR = tmp_path
    people, account = sending["people"], sending["account"]
    url = f"/api/v1/screening/accounts/{account.pk}/messages"
    payload = {"contact_point": sending["phone"].pk, "template_version": sending["version"].pk}
    denied(snapshot, lambda: post(people.anonymous, url, payload), 401)
    denied(snapshot, lambda c=api_client_for(people.other): post(c, url, payload), 404)
    denied(snapshot, lambda c=api_client_for(people.without): post(c, url, payload), 403)
    assert not (tmp_path / "outbox").exists()
    response = post(api_client_for(people.right), url, payload)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["channel"], body["account"]) == ("sent", "sms", account.pk)
    assert body["body"].startswith("王小明您好，您的借款应还")
    assert body["decision"] is not None and body["contact_attempt"] is not None
    listed = api_client_for(people.right).get(url).json()
    assert [m["id"] for m in listed] == [body["id"]]
    denied(snapshot, lambda c=api_client_for(people.other): c.get(url), 404)


def test_send_free_text_needs_the_permission_and_blocked_text_is_not_sent(
    sending: dict[str, Any],
    api_client_for: Callable[..., Client],
    make_user: Callable[..., Any],
    snapshot: Any,
    packs_active: None,
    settings: Any,
    tmp_path: Path,
) -> None:
    settings.HEED_MESSAGE_ADAPTER = "file"
    settings.VAR_DIR = tmp_path
    people, account = sending["people"], sending["account"]
    url = f"/api/v1/screening/accounts/{account.pk}/messages"
    payload = {
        "contact_point": sending["phone"].pk,
        "text": "再不还钱就爆你通讯录",
        "channel": "sms",
    }
    denied(snapshot, lambda c=api_client_for(people.right): post(c, url, payload), 403)
    lead = make_user(Role.TEAM_LEAD, team=people.right.team)
    response = post(api_client_for(lead), url, payload)
    assert response.status_code == 201
    assert (response.json()["status"], response.json()["reason"]) == ("blocked_content", "P9")
    assert not (tmp_path / "outbox").exists()


def test_send_refuses_another_debtors_contact_point(
    sending: dict[str, Any], api_client_for: Callable[..., Client], snapshot: Any
) -> None:
    people, account = sending["people"], sending["account"]
    stranger = make_contact_point(DebtorFactory(), "+8613900000000")
    url = f"/api/v1/screening/accounts/{account.pk}/messages"
    payload = {"contact_point": stranger.pk, "template_version": sending["version"].pk}
    response = denied(snapshot, lambda c=api_client_for(people.right): post(c, url, payload), 400)
    assert "contact_point" in response.json()["fields"]


def test_letter_batch_over_four_actors(
    sending: dict[str, Any], api_client_for: Callable[..., Client], snapshot: Any
) -> None:
    people, account = sending["people"], sending["account"]
    letter = services.template_create(
        actor=sending["version"].author,
        **{**NEW_TEMPLATE, "code": "cn-letter", "channel": "letter"},
    )
    letter = services.template_version_approve(actor=sending["version"].approved_by, version=letter)
    url = "/api/v1/screening/letter-batches"
    payload = {"template_version": letter.pk, "accounts": [account.pk]}
    denied(snapshot, lambda: post(people.anonymous, url, payload), 401)
    denied(snapshot, lambda c=api_client_for(people.other): post(c, url, payload), 404)
    denied(snapshot, lambda c=api_client_for(people.without): post(c, url, payload), 403)
    not_letter = {**payload, "template_version": sending["version"].pk}
    denied(snapshot, lambda c=api_client_for(people.right): post(c, url, not_letter), 400)
    response = post(api_client_for(people.right), url, payload)
    assert response.status_code == 202
    run = TaskRun.objects.get()
    assert response.json() == {"run": str(run.pk), "status": "queued", "progress_percent": 0}
    assert run.params["accounts"] == [account.pk]


def test_letter_batch_names_the_accounts_not_found_in_scope(
    sending: dict[str, Any], api_client_for: Callable[..., Client], snapshot: Any
) -> None:
    people, account = sending["people"], sending["account"]
    letter = services.template_create(
        actor=sending["version"].author,
        **{**NEW_TEMPLATE, "code": "cn-letter", "channel": "letter"},
    )
    letter = services.template_version_approve(actor=sending["version"].approved_by, version=letter)
    elsewhere = AccountFactory(assigned_collector=people.other, assigned_team=people.other.team)
    url = "/api/v1/screening/letter-batches"
    client = api_client_for(people.right)
    payload = {"template_version": letter.pk, "accounts": [account.pk, elsewhere.pk, 999_999]}
    response = denied(snapshot, lambda: post(client, url, payload), 404)
    assert response.json() == {
        "code": "not_found",
        "message": "Some accounts are not found in your scope.",
        "fields": {"accounts": [f"Not found in your scope: {elsewhere.pk}, 999999"]},
    }
    # One out-of-scope account alone: named the same way as one that does not exist.
    alone = denied(
        snapshot,
        lambda: post(client, url, {"template_version": letter.pk, "accounts": [elsewhere.pk]}),
        404,
    )
    assert alone.json()["fields"] == {"accounts": [f"Not found in your scope: {elsewhere.pk}"]}
    assert post(client, url, {**payload, "accounts": [account.pk]}).status_code == 202
