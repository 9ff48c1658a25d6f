from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from heed.core.roles import Role
from heed.portfolio.tests.conftest import field_keys  # noqa: F401  (autouse: PII keys)
from heed.portfolio.tests.factories import AccountFactory, make_contact_point
from heed.screening.models import MessageTemplate, OutgoingMessage, TemplateVersion

pytestmark = pytest.mark.django_db


def test_template_is_written_approved_by_another_officer_and_used_to_send(
    make_user: Callable[..., Any],
    client_for: Callable[..., Client],
    settings: Any,
    tmp_path: Path,
) -> None:
    settings.HEED_MESSAGE_ADAPTER = "file"
    settings.VAR_DIR = tmp_path
    author = make_user(Role.COMPLIANCE_OFFICER)
    approver = make_user(Role.COMPLIANCE_OFFICER)
    lead = make_user(Role.TEAM_LEAD)
    response = client_for(author).post(
        "/screening/templates/",
        {
            "code": "cn-reminder",
            "name": "Reminder",
            "channel": "sms",
            "language": "zh",
            "audience": "debtor",
            "region": "CN",
            "subject": "",
            "body": "{debtor_name}您好，您的应还金额为{amount}。",
        },
    )
    template = MessageTemplate.objects.get()
    assert response.status_code == 302
    version = template.versions.get()
    page = client_for(approver).get(f"/screening/templates/{template.pk}/").content.decode()
    assert "v1" in page
    client_for(approver).post(f"/screening/templates/versions/{version.pk}/approve/")
    version.refresh_from_db()
    assert version.status == TemplateVersion.Status.APPROVED
    account = AccountFactory(assigned_team=lead.team)
    point = make_contact_point(account.debtor, "+8613812341234")
    send_page = client_for(lead).get(f"/screening/send/{account.pk}/")
    assert send_page.status_code == 200
    blocked = client_for(lead).post(
        f"/screening/send/{account.pk}/",
        {"contact_point": point.pk, "template_version": "", "channel": "sms", "text": "你这个老赖"},
        follow=True,
    )
    assert 'data-status="blocked_content"' in blocked.content.decode()
    assert OutgoingMessage.objects.get().status == "blocked_content"
    assert not (tmp_path / "outbox" / "messages.jsonl").exists()


def test_live_screening_partial(
    make_user: Callable[..., Any], client_for: Callable[..., Client]
) -> None:
    client = client_for(make_user(Role.COMPLIANCE_OFFICER))
    html = client.post("/screening/live/", {"body": "再不还钱就等着坐牢"}).content.decode()
    assert 'data-verdict="block"' in html
    assert client.post("/screening/live/", {"body": "  "}).content == b""


def test_template_screens_refuse_other_roles(
    make_user: Callable[..., Any], client_for: Callable[..., Client]
) -> None:
    collector = client_for(make_user(Role.COLLECTOR))
    assert collector.get("/screening/templates/").status_code == 403
    qa = client_for(make_user(Role.QA_INSPECTOR))
    assert qa.get("/screening/templates/").status_code == 200
    data = {
        "code": "x",
        "name": "x",
        "channel": "sms",
        "language": "zh",
        "audience": "debtor",
        "region": "CN",
        "body": "你好",
    }
    assert qa.post("/screening/templates/", data).status_code == 403
    assert MessageTemplate.objects.count() == 0


def test_send_page_is_scoped_to_the_account(
    actors: Callable[..., Any], client_for: Callable[..., Client]
) -> None:
    people = actors(Role.COLLECTOR)
    account = AccountFactory(assigned_collector=people.right)
    assert client_for(people.right).get(f"/screening/send/{account.pk}/").status_code == 200
    assert client_for(people.other).get(f"/screening/send/{account.pk}/").status_code == 404


def test_live_screening_in_an_accounts_compose_box_decides_on_its_facts(
    make_user: Callable[..., Any], client_for: Callable[..., Client]
) -> None:
    lead = make_user(Role.TEAM_LEAD)
    client = client_for(lead)
    plain = AccountFactory(assigned_collector=lead)
    with_lawyer = AccountFactory(assigned_collector=lead, litigation_status="lawyer")
    elsewhere = AccountFactory()
    text = "A lawyer will contact you."

    def verdict(**fields: Any) -> str:
        html = client.post("/screening/live/", {"text": text, **fields}).content.decode()
        found = re.search(r'data-verdict="(\w+)"', html)
        return found.group(1) if found else ""

    assert verdict() == "review"  # no account: a person must check the claim
    assert verdict(account=plain.pk, channel="sms") == "block"  # no lawyer instructed
    assert verdict(account=with_lawyer.pk, channel="sms") == "pass"
    assert verdict(account=elsewhere.pk) == ""  # not the user's account: nothing is said
    page = client.get(f"/screening/send/{plain.pk}/").content.decode()
    assert f'hx-vals=\'{{"account": "{plain.pk}"}}\'' in page
