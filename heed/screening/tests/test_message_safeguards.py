"""Safeguards on templates and sending found missing by a user's audit: one request sends one
message, a print run's letter is downloaded alone, templates fill in plain text only, voicemails
say nothing of the debt, lengths are bounded, an out-of-date draft is not approved, and what the
debtor reads is in the template's language."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from heed.collection.models import ContactAttempt
from heed.core.errors import ApplicationError, Conflict
from heed.core.roles import Role
from heed.portfolio.tests.conftest import field_keys  # noqa: F401  (autouse: PII keys)
from heed.portfolio.tests.factories import AccountFactory, DebtorFactory, make_contact_point
from heed.screening import outgoing, services
from heed.screening.models import OutgoingMessage, TemplateVersion
from heed.screening.tests.test_letters import MORNING, approved_letter, letter_account, pdf_text
from heed.tasks.models import TaskRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_user: Callable[..., Any]) -> dict[str, Any]:
    return {
        "author": make_user(Role.COMPLIANCE_OFFICER),
        "approver": make_user(Role.COMPLIANCE_OFFICER),
        "collector": make_user(Role.COLLECTOR),
        "other_collector": make_user(Role.COLLECTOR),
        "lead": make_user(Role.TEAM_LEAD),
    }


def sms_template(people: dict[str, Any], body: str, **extra: Any) -> TemplateVersion:
    fields = {
        "code": "cn-sms",
        "name": "Reminder",
        "channel": "sms",
        "language": "zh",
        "audience": "debtor",
        "region": "CN",
        **extra,
    }
    version = services.template_create(actor=people["author"], body=body, **fields)
    return services.template_version_approve(actor=people["approver"], version=version)


def outbox_lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines()) if path.exists() else 0


# --- Templates ---------------------------------------------------------------------------------


@pytest.mark.parametrize("body", ["Pay {amount!x} now", "Pay {amount:%Y} now", "{amount!r}"])
def test_placeholders_with_a_format_or_conversion_are_refused(body: str) -> None:
    with translation.override("en"):
        problems = outgoing.template_problems(
            body=body, channel="sms", audience="debtor", region="CN"
        )
    assert "without a format or conversion" in problems["body"][0]


def test_a_template_with_a_format_spec_is_a_field_error_not_a_server_error(
    people: dict[str, Any], client_for: Callable[..., Client]
) -> None:
    response = client_for(people["author"]).post(
        "/screening/templates/",
        {
            "code": "bad-format",
            "name": "Bad",
            "channel": "sms",
            "language": "en",
            "audience": "debtor",
            "region": "CN",
            "subject": "",
            "body": "Pay {amount:%Y} now",
        },
    )
    assert response.status_code == 200
    assert "without a format or conversion" in response.content.decode()
    assert not TemplateVersion.objects.exists()


@pytest.fixture(autouse=True)
def english() -> Any:
    with translation.override("en"):
        yield


def test_any_region_texts_and_emails_need_an_opt_out_line() -> None:
    # A template for any region is offered on US accounts too.
    for channel in ("sms", "email"):
        problems = outgoing.template_problems(
            body="Hello {debtor_name}, {amount} is due.",
            channel=channel,
            audience="debtor",
            region="any",
        )
        assert "opt out" in problems["body"][0]
    assert (
        outgoing.template_problems(
            body="Hello {debtor_name}, {amount} is due. Reply STOP to opt out.",
            channel="sms",
            audience="debtor",
            region="any",
        )
        == {}
    )


@pytest.mark.parametrize(
    "body",
    [
        "This is {collector_id} from ABC Collections calling. Call {callback_number}.",
        "This is {collector_id} calling about your overdue debt of 500 dollars.",
        "{collector_id}您好，关于您的逾期欠款，请回电{callback_number}。",
        "This is {collector_id}. Call us about $500 at {callback_number}.",
    ],
)
def test_a_voicemail_may_not_say_it_is_about_a_debt(body: str) -> None:
    problems = outgoing.template_problems(
        body=body, channel="voicemail", audience="debtor", region="US"
    )
    assert "may not say or hint that it is about a debt" in problems["body"][-1]


def test_the_limited_content_voicemail_passes() -> None:
    for body in (
        "This is {collector_id} calling. Please call us back at {callback_number}.",
        "您好，我是{collector_id}，请回电{callback_number}，谢谢。",
    ):
        assert (
            outgoing.template_problems(
                body=body, channel="voicemail", audience="debtor", region="US"
            )
            == {}
        )


def test_template_bodies_are_bounded_per_channel() -> None:
    body = "x" * (outgoing.MAX_LENGTH["sms"] + 1)
    problems = outgoing.template_problems(body=body, channel="sms", audience="debtor", region="CN")
    assert "Too long for this channel" in problems["body"][0]
    assert (
        outgoing.template_problems(body=body, channel="letter", audience="debtor", region="CN")
        == {}
    )


@pytest.mark.parametrize(
    ("field", "values"),
    [("name", {"name": " "}), ("code", {"code": ""}), ("body", {"body": "  "})],
)
def test_a_template_needs_a_code_a_name_and_a_text(
    people: dict[str, Any], field: str, values: dict[str, str]
) -> None:
    fields = {
        "code": "t1",
        "name": "T",
        "channel": "sms",
        "language": "zh",
        "audience": "debtor",
        "region": "CN",
        "body": "{debtor_name}您好。",
    } | values
    with pytest.raises(ApplicationError) as caught:
        services.template_create(actor=people["author"], **fields)
    assert field in caught.value.fields
    assert not TemplateVersion.objects.exists()


def test_the_api_refuses_an_empty_template(
    people: dict[str, Any], api_client_for: Callable[..., Client]
) -> None:
    response = api_client_for(people["author"]).post(
        "/api/v1/screening/templates",
        data=json.dumps(
            {
                "code": "empty",
                "name": "",
                "channel": "sms",
                "language": "zh",
                "audience": "debtor",
                "region": "CN",
                "body": "",
            }
        ),
        content_type="application/json",
    )
    # A service refusal: 400 with the fields named (schema errors are 422).
    assert response.status_code == 400, response.content
    assert set(response.json()["fields"]) == {"name", "body"}
    assert not TemplateVersion.objects.exists()


def test_an_out_of_date_draft_cannot_replace_a_newer_approved_version(
    people: dict[str, Any],
) -> None:
    first = sms_template(people, "{debtor_name}您好，第一版。")
    older = services.template_version_create(
        actor=people["author"], template=first.template, body="{debtor_name}您好，第二版。"
    )
    newer = services.template_version_create(
        actor=people["author"], template=first.template, body="{debtor_name}您好，第三版。"
    )
    services.template_version_approve(actor=people["approver"], version=newer)
    with pytest.raises(Conflict) as caught:
        services.template_version_approve(actor=people["approver"], version=older)
    assert caught.value.code == "outdated_version"
    statuses = dict(first.template.versions.values_list("number", "status"))
    assert statuses == {1: "retired", 2: "draft", 3: "approved"}


# --- Sending -----------------------------------------------------------------------------------


def test_filled_in_values_follow_the_templates_language_not_the_senders(
    people: dict[str, Any], outbox: Path, packs_active: None
) -> None:
    version = sms_template(people, "{debtor_name}您好，请通过{payment_channels}还款。回复TD退订")
    account = AccountFactory(
        debtor=DebtorFactory(full_name="王小明"), assigned_collector=people["collector"]
    )
    phone = make_contact_point(account.debtor, "+8613812341234")
    with translation.override("en"):
        message = services.message_send(
            actor=people["collector"],
            account=account,
            contact_point=phone,
            template_version=version,
            at=MORNING,
        )
    assert message.status == "sent", message.reason
    assert "the official app" not in message.body
    assert "官方" in message.body  # the Chinese fallback wording


def test_free_text_is_bounded_and_nothing_is_stored(
    people: dict[str, Any], outbox: Path, packs_active: None
) -> None:
    account = AccountFactory(assigned_team=people["lead"].team)
    phone = make_contact_point(account.debtor, "+8613812341234")
    with pytest.raises(ApplicationError) as caught:
        services.message_send(
            actor=people["lead"],
            account=account,
            contact_point=phone,
            text="您好" * 60_000,
            channel="sms",
            at=MORNING,
        )
    assert caught.value.code == "too_long"
    assert "text" in caught.value.fields
    assert not OutgoingMessage.objects.exists()
    assert outbox_lines(outbox) == 0


def test_the_same_request_key_sends_one_message(
    people: dict[str, Any], outbox: Path, packs_active: None
) -> None:
    account = AccountFactory(assigned_team=people["lead"].team)
    phone = make_contact_point(account.debtor, "+8613812341234")

    def send(key: str) -> OutgoingMessage:
        return services.message_send(
            actor=people["lead"],
            account=account,
            contact_point=phone,
            text="您好，请查收本月账单。",
            channel="sms",
            at=MORNING,
            request_key=key,
        )

    first, again = send("form-token-1"), send("form-token-1")
    assert first.status == "sent"
    assert again.pk == first.pk
    assert (OutgoingMessage.objects.count(), ContactAttempt.objects.count()) == (1, 1)
    assert outbox_lines(outbox) == 1
    other = send("form-token-2")
    assert other.pk != first.pk and outbox_lines(outbox) == 2
    elsewhere = AccountFactory(assigned_team=people["lead"].team)
    with pytest.raises(Conflict):
        services.message_send(
            actor=people["lead"],
            account=elsewhere,
            contact_point=make_contact_point(elsewhere.debtor, "+8613812345678"),
            text="您好。",
            channel="sms",
            at=MORNING,
            request_key="form-token-1",
        )


def test_send_page_redirects_after_sending_and_a_resubmitted_form_sends_nothing(
    people: dict[str, Any], outbox: Path, packs_active: None, client_for: Callable[..., Client]
) -> None:
    account = AccountFactory(assigned_team=people["lead"].team, jurisdiction="CN")
    phone = make_contact_point(account.debtor, "+8613812341234")
    client = client_for(people["lead"])
    page = client.get(f"/screening/send/{account.pk}/").content.decode()
    token = page.split('name="token" value="', 1)[1].split('"', 1)[0]
    form = {
        "contact_point": phone.pk,
        "template_version": "",
        "channel": "sms",
        "text": "您好，请查收本月账单。",
        "token": token,
    }
    # The send happens at whatever time the test runs: only the request key matters here.
    first = client.post(f"/screening/send/{account.pk}/", form)
    assert first.status_code == 302
    message = OutgoingMessage.objects.get()
    assert first["Location"] == f"/screening/send/{account.pk}/?sent={message.pk}"
    shown = client.get(first["Location"]).content.decode()
    assert f'data-status="{message.status}"' in shown
    # The next message starts from the same contact point and channel, with an empty text.
    assert f'<option value="{phone.pk}" selected>' in shown
    assert '<option value="sms" selected>' in shown
    assert "请查收本月账单" not in shown.split('name="text"', 1)[1].split("</textarea>", 1)[0]
    again = client.post(f"/screening/send/{account.pk}/", form)
    assert again.status_code == 302
    assert OutgoingMessage.objects.count() == 1
    assert ContactAttempt.objects.count() == (1 if message.status == "sent" else 0)


def test_an_error_on_a_field_the_collector_cannot_see_is_shown(
    people: dict[str, Any], packs_active: None, client_for: Callable[..., Client]
) -> None:
    version = sms_template(people, "{debtor_name}您好，请查收账单。回复TD退订")
    account = AccountFactory(assigned_collector=people["collector"], jurisdiction="CN")
    email = make_contact_point(account.debtor, "wang@example.com", kind="email")
    response = client_for(people["collector"]).post(
        f"/screening/send/{account.pk}/",
        {"contact_point": email.pk, "template_version": version.pk, "channel": "", "text": ""},
    )
    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert errors, "the refusal must be shown above the form"
    assert "channel" not in response.context["form"].errors
    assert not OutgoingMessage.objects.exists()


def test_api_retries_with_the_same_idempotency_key_send_once(
    people: dict[str, Any], outbox: Path, packs_active: None, api_client_for: Callable[..., Client]
) -> None:
    account = AccountFactory(assigned_team=people["lead"].team)
    phone = make_contact_point(account.debtor, "+8613812341234")
    client = api_client_for(people["lead"])
    body = json.dumps({"contact_point": phone.pk, "channel": "sms", "text": "您好，请查收账单。"})
    url = f"/api/v1/screening/accounts/{account.pk}/messages"
    first = client.post(
        url, data=body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="retry-1"
    )
    again = client.post(
        url, data=body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="retry-1"
    )
    assert first.status_code == again.status_code == 201, first.content
    assert first.json()["id"] == again.json()["id"]
    assert OutgoingMessage.objects.count() == 1
    assert ContactAttempt.objects.count() == (1 if first.json()["status"] == "sent" else 0)


# --- Letters -----------------------------------------------------------------------------------


def test_a_print_runs_letter_downloads_alone_for_whoever_may_see_that_account(
    people: dict[str, Any],
    packs_active: None,
    client_for: Callable[..., Client],
    settings: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import heed.screening.letters as letters_module

    settings.VAR_DIR = tmp_path
    version = approved_letter(people)
    mine = letter_account(people, "王小明")
    moved = letter_account(people, "周杰")
    run = TaskRun.objects.create(
        kind=services.LETTER_BATCH_KIND,
        params={
            "template_version": version.pk,
            "accounts": [mine.pk, moved.pk],
            "at": MORNING.isoformat(),
        },
        created_by=people["collector"],
    )
    services.letter_batch_run(run)
    letter = OutgoingMessage.objects.get(account=moved, status="sent")
    assert letter.adapter == services.LETTER_BATCH_ADAPTER
    moved.assigned_collector = people["other_collector"]
    moved.save(update_fields=["assigned_collector"])

    original = letters_module.letters_pdf
    monkeypatch.setattr(
        letters_module,
        "letters_pdf",
        lambda letters, *, uncompressed=False: original(letters, uncompressed=True),
    )
    url = f"/screening/letters/message/{letter.pk}/pdf/"
    response = client_for(people["other_collector"]).get(url)
    assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")
    text = pdf_text(response.content)
    assert "周杰您好：" in text
    assert "王小明" not in text  # the other letter of the run is not in it
    mine_letter = OutgoingMessage.objects.get(account=mine, status="sent")
    assert (
        client_for(people["other_collector"])
        .get(f"/screening/letters/message/{mine_letter.pk}/pdf/")
        .status_code
        == 404
    )


def test_a_print_run_lists_the_accounts_its_template_does_not_fit(
    people: dict[str, Any], packs_active: None, settings: Any, tmp_path: Path
) -> None:
    settings.VAR_DIR = tmp_path
    version = approved_letter(people)  # a CN template
    fits = letter_account(people, "王小明")
    abroad = AccountFactory(
        debtor=DebtorFactory(full_name="Jo Bloggs"),
        assigned_collector=people["collector"],
        jurisdiction="US-NY",
    )
    make_contact_point(abroad.debtor, "1 Main Street, Albany NY", kind="postal")
    run = TaskRun.objects.create(
        kind=services.LETTER_BATCH_KIND,
        params={
            "template_version": version.pk,
            "accounts": [fits.pk, abroad.pk],
            "at": MORNING.isoformat(),
        },
        created_by=people["collector"],
    )
    result = services.letter_batch_run(run)
    assert (result["letters"], result["invalid"]) == (1, 1)
    [unfit] = result["invalid_accounts"]
    assert unfit["account"] == abroad.external_ref
    assert "jurisdiction" in unfit["reason"]


# --- Found by a second audit ---------------------------------------------------------------------


def test_a_text_message_has_no_subject_and_its_opt_out_must_be_in_the_text() -> None:
    problems = outgoing.template_problems(
        subject="Reply STOP to opt out",
        body="Hello {debtor_name}, {amount} is due.",
        channel="sms",
        audience="debtor",
        region="US",
    )
    assert "Only e-mails and letters have a subject" in problems["subject"][0]
    assert "opt out" in problems["body"][0]  # a subject is not sent with a text message
    email = outgoing.template_problems(
        subject="Your account",
        body="Hello {debtor_name}, {amount} is due. Reply STOP to opt out.",
        channel="email",
        audience="debtor",
        region="US",
    )
    assert email == {}


@pytest.mark.parametrize(
    "body",
    [
        "This is {collector_id} about your bill that is due. Call {callback_number}.",
        "我是{collector_id}，请尽快付款，回电{callback_number}。",
        "This is {collector_id}, call {callback_number} to settle the outstanding 500 USD.",
    ],
)
def test_more_voicemail_wording_that_hints_at_a_debt_is_refused(body: str) -> None:
    problems = outgoing.template_problems(
        body=body, channel="voicemail", audience="debtor", region="US"
    )
    assert "may not say or hint that it is about a debt" in problems["body"][-1]


def test_a_free_text_voicemail_is_the_limited_content_message_too(
    people: dict[str, Any], outbox: Path, packs_active: None
) -> None:
    account = AccountFactory(assigned_team=people["lead"].team)
    phone = make_contact_point(account.debtor, "+8613812341234")
    with pytest.raises(ApplicationError) as caught:
        services.message_send(
            actor=people["lead"],
            account=account,
            contact_point=phone,
            text="This is Liberty Lending collections about your debt of $1,500.",
            channel="voicemail",
            at=MORNING,
        )
    assert caught.value.code == "voicemail_content"
    assert "text" in caught.value.fields
    assert not OutgoingMessage.objects.exists()


def test_a_request_key_reused_for_a_different_message_is_refused(
    people: dict[str, Any], outbox: Path, packs_active: None
) -> None:
    account = AccountFactory(assigned_team=people["lead"].team)
    phone = make_contact_point(account.debtor, "+8613812341234")

    def send(text: str) -> OutgoingMessage:
        return services.message_send(
            actor=people["lead"],
            account=account,
            contact_point=phone,
            text=text,
            channel="sms",
            at=MORNING,
            request_key="key-1",
        )

    send("您好，请查收账单。")
    with pytest.raises(Conflict) as caught:
        send("您好，这是另一条消息。")
    assert caught.value.code == "request_key_reused"
    assert OutgoingMessage.objects.count() == 1


def test_the_send_page_says_what_to_do_when_there_is_no_contact_point(
    people: dict[str, Any], client_for: Callable[..., Client]
) -> None:
    account = AccountFactory(assigned_team=people["lead"].team)
    page = client_for(people["lead"]).get(f"/screening/send/{account.pk}/").content.decode()
    assert 'id="no-contact-points"' in page
    assert "A data manager can add one" in page
    # Live screening also runs on pasted text, not only on key presses.
    assert 'hx-trigger="input changed delay:500ms,' in page


def test_an_out_of_date_draft_offers_no_approve_button(
    people: dict[str, Any], client_for: Callable[..., Client]
) -> None:
    first = sms_template(people, "{debtor_name}您好，第一版。")
    older = services.template_version_create(
        actor=people["author"], template=first.template, body="{debtor_name}您好，第二版。"
    )
    newer = services.template_version_create(
        actor=people["author"], template=first.template, body="{debtor_name}您好，第三版。"
    )
    page = client_for(people["approver"]).get(f"/screening/templates/{first.template_id}/")
    html = page.content.decode()
    assert f"/screening/templates/versions/{older.pk}/approve/" in html  # v2 is still newest
    services.template_version_approve(actor=people["approver"], version=newer)
    html = (
        client_for(people["approver"])
        .get(f"/screening/templates/{first.template_id}/")
        .content.decode()
    )
    assert f"/screening/templates/versions/{older.pk}/approve/" not in html
    assert f"/screening/templates/versions/{older.pk}/reject/" in html
    assert "Out of date" in html


def test_the_home_tile_counts_every_message_that_did_not_go_out(
    people: dict[str, Any], client_for: Callable[..., Client]
) -> None:
    from heed.screening import home

    account = AccountFactory(assigned_team=people["lead"].team)
    for status in ("held_review", "rejected", "blocked_content", "blocked_gateway", "failed"):
        OutgoingMessage.objects.create(
            account=account,
            channel="sms",
            body=status,
            status=status,
            screening_verdict="pass",
            sent_by=people["lead"],
            reviewed_by=people["approver"] if status == "rejected" else None,
        )
    tiles = {str(tile["label"]): tile for tile in home.widgets(people["lead"])}
    tile = tiles["Your messages held or stopped"]
    assert tile["value"] == 5  # refusals by the gateway and failed sends too
    page = client_for(people["lead"]).get(tile["url"]).content.decode()
    for status in ("held_review", "rejected", "blocked_content", "blocked_gateway", "failed"):
        assert f'data-status="{status}"' in page
