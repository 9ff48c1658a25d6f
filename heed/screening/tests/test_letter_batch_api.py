"""Print runs for API clients (found by a user audit): a run's status and outcome, and its
combined PDF, over the API with an API key — scoped, permission-checked and audited as the web
page's download; and an over-long ``Idempotency-Key`` named as the header the client sent."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils.html import escape

from heed.audit.models import AuditEvent
from heed.core.roles import Role
from heed.portfolio.tests.conftest import field_keys  # noqa: F401  (autouse: PII keys)
from heed.portfolio.tests.factories import AccountFactory, DebtorFactory, make_contact_point
from heed.screening import services
from heed.screening.models import OutgoingMessage
from heed.screening.tests.test_letters import MORNING, approved_letter, letter_account, pdf_text
from heed.screening.tests.test_letters_audit import inflated
from heed.tasks.models import TaskRun

pytestmark = pytest.mark.django_db

BATCHES = "/api/v1/screening/letter-batches"


def finished_run(people: dict[str, Any], accounts: list[Any]) -> TaskRun:
    """A print run of the collector's over ``accounts``, run to the end (as the task does)."""
    version = approved_letter(people)
    run = TaskRun.objects.create(
        kind=services.LETTER_BATCH_KIND,
        params={
            "template_version": version.pk,
            "accounts": [account.pk for account in accounts],
            "at": MORNING.isoformat(),
        },
        created_by=people["collector"],
    )
    result = services.letter_batch_run(run)
    TaskRun.objects.filter(pk=run.pk).update(
        status="succeeded", progress_percent=100, result=result
    )
    run.refresh_from_db()
    return run


def downloads() -> list[tuple[int | None, str, dict[str, Any]]]:
    return [
        (event.actor_user_id, event.target_id, event.changes)
        for event in AuditEvent.objects.filter(action="letter.batch_downloaded").order_by("id")
    ]


# --- 1. status and PDF over the API ------------------------------------------------------------


def test_an_api_client_starts_a_print_run_follows_it_and_downloads_its_pdf(
    people: dict[str, Any],
    var_dir: Path,
    packs_active: None,
    api_client_for: Callable[..., Client],
    django_capture_on_commit_callbacks: Any,
    letter_runs_in_the_morning: Any,
) -> None:
    version = approved_letter(people)
    account = letter_account(people, "王小明")
    client = api_client_for(people["collector"])
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(
            BATCHES,
            data={"template_version": version.pk, "accounts": [account.pk]},
            content_type="application/json",
        )
    assert started.status_code == 202, started.content
    run_id = started.json()["run"]
    pdf_url = f"{BATCHES}/{run_id}/pdf"

    status = client.get(f"{BATCHES}/{run_id}")
    assert status.status_code == 200
    body = status.json()
    assert (body["run"], body["status"], body["progress_percent"]) == (run_id, "succeeded", 100)
    assert (body["template_version"], body["account_count"]) == (version.pk, 1)
    assert body["counts"] == {
        "letters": 1,
        "pages": 1,
        "blocked_content": 0,
        "held_review": 0,
        "blocked_gateway": 0,
        "no_address": 0,
        "invalid": 0,
        "not_found": 0,
    }
    assert body["skipped_accounts"] == []
    assert body["pdf"] == pdf_url
    assert not downloads()

    download = client.get(pdf_url)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == f'attachment; filename="letters-{run_id}.pdf"'
    assert download.content[:5] == b"%PDF-"
    assert "王小明您好：" in pdf_text(inflated(download.content))
    # The same file the web page serves, and the same audit record for each download.
    stored = (var_dir / "letters" / f"letters-{run_id}.pdf").read_bytes()
    assert download.content == stored
    assert downloads() == [(people["collector"].pk, run_id, {"letters": 1, "left_out": 0})]


def test_a_print_run_is_only_its_starters_to_see_and_download(
    people: dict[str, Any],
    var_dir: Path,
    packs_active: None,
    make_user: Callable[..., Any],
    api_client_for: Callable[..., Client],
    snapshot: Callable[[], Any],
) -> None:
    run = finished_run(people, [letter_account(people, "王小明")])
    status_url, pdf_url = f"{BATCHES}/{run.pk}", f"{BATCHES}/{run.pk}/pdf"
    other = api_client_for(people["other_collector"])
    auditor = api_client_for(make_user(Role.AUDITOR))
    lead = api_client_for(make_user(Role.TEAM_LEAD, team=people["collector"].team))
    snap = snapshot()
    # Anonymous: not authenticated.
    assert Client().get(status_url).status_code == 401
    assert Client().get(pdf_url).status_code == 401
    # Another collector (same permission, not their run) and a missing run: the same 404.
    for url in (status_url, pdf_url, f"{BATCHES}/{'0' * 8}-0000-0000-0000-{'0' * 12}/pdf"):
        response = other.get(url)
        assert (response.status_code, response.json()["code"]) == (404, "not_found"), url
    # A role without the permission to send (an auditor sees messages, not print runs).
    assert auditor.get(status_url).status_code == 403
    assert auditor.get(pdf_url).status_code == 403
    # A team lead of the starter's team follows the run in /tasks/runs, but its PDF (debtors'
    # addresses) is only the starter's, as on the web page.
    assert lead.get(pdf_url).status_code == 404
    snap.assert_unchanged()
    assert not downloads()


@pytest.mark.parametrize("status", ["queued", "running"])
def test_the_pdf_of_a_run_that_has_not_finished_is_a_conflict(
    status: str,
    people: dict[str, Any],
    var_dir: Path,
    api_client_for: Callable[..., Client],
    snapshot: Callable[[], Any],
) -> None:
    run = TaskRun.objects.create(
        kind=services.LETTER_BATCH_KIND,
        status=status,
        progress_percent=40 if status == "running" else 0,
        params={"template_version": 1, "accounts": [1, 2, 3]},
        created_by=people["collector"],
    )
    client = api_client_for(people["collector"])
    snap = snapshot()
    response = client.get(f"{BATCHES}/{run.pk}/pdf")
    assert response.status_code == 409
    error = response.json()
    assert error["code"] == "run_not_finished"
    percent = 40 if status == "running" else 0
    assert f"has not finished yet ({status.title()}, {percent}% done)" in error["message"]
    snap.assert_unchanged()
    # Its status: nothing made yet, nothing to download.
    body = client.get(f"{BATCHES}/{run.pk}").json()
    assert (body["status"], body["progress_percent"], body["account_count"]) == (
        status,
        percent,
        3,
    )
    assert (body["counts"], body["skipped_accounts"], body["pdf"]) == (None, [], None)


def test_the_pdf_of_a_failed_run_is_a_conflict_that_says_so(
    people: dict[str, Any], var_dir: Path, api_client_for: Callable[..., Client]
) -> None:
    run = TaskRun.objects.create(
        kind=services.LETTER_BATCH_KIND,
        status="failed",
        error="The template version is not approved.",
        created_by=people["collector"],
    )
    client = api_client_for(people["collector"])
    response = client.get(f"{BATCHES}/{run.pk}/pdf")
    assert (response.status_code, response.json()["code"]) == (409, "run_failed")
    body = client.get(f"{BATCHES}/{run.pk}").json()
    assert (body["status"], body["error"], body["pdf"]) == (
        "failed",
        "The template version is not approved.",
        None,
    )
    assert not downloads()


def test_the_api_pdf_holds_only_letters_of_accounts_still_in_scope(
    people: dict[str, Any],
    var_dir: Path,
    packs_active: None,
    api_client_for: Callable[..., Client],
) -> None:
    kept = letter_account(people, "王小明")
    moved = letter_account(people, "周杰")
    run = finished_run(people, [kept, moved])
    client = api_client_for(people["collector"])
    url = f"{BATCHES}/{run.pk}/pdf"
    moved.assigned_collector = people["other_collector"]
    moved.save(update_fields=["assigned_collector"])
    part = client.get(url)
    assert (part.status_code, part["Content-Type"]) == (200, "application/pdf")
    text = pdf_text(inflated(part.content))
    assert "王小明您好：" in text and "周杰" not in text
    assert downloads() == [(people["collector"].pk, str(run.pk), {"letters": 1, "left_out": 1})]
    # Every account moved: no letter is left to give, said plainly; nothing more audited.
    kept.assigned_collector = people["other_collector"]
    kept.save(update_fields=["assigned_collector"])
    none_left = client.get(url)
    assert none_left.status_code == 404
    assert "in your scope" in none_left.json()["message"]
    assert len(downloads()) == 1


def test_the_run_status_lists_the_accounts_the_template_does_not_fit_with_the_reason(
    people: dict[str, Any],
    var_dir: Path,
    packs_active: None,
    api_client_for: Callable[..., Client],
    client_for: Callable[..., Client],
) -> None:
    fits = letter_account(people, "王小明")
    abroad = AccountFactory(
        debtor=DebtorFactory(full_name="Jo Bloggs"),
        assigned_collector=people["collector"],
        jurisdiction="US-NY",
    )
    make_contact_point(abroad.debtor, "1 Main Street, Albany NY", kind="postal")
    no_address = letter_account(people, "周杰", address=False)
    run = finished_run(people, [fits, abroad, no_address])
    body = api_client_for(people["collector"]).get(f"{BATCHES}/{run.pk}").json()
    assert body["counts"]["letters"] == 1
    assert (body["counts"]["invalid"], body["counts"]["no_address"]) == (1, 1)
    [skipped] = body["skipped_accounts"]
    assert skipped["account"] == abroad.external_ref
    assert "jurisdiction" in skipped["reason"]
    # The same reason the run's web page shows.
    page = client_for(people["collector"]).get(f"/screening/letters/{run.pk}/").content.decode()
    assert abroad.external_ref in page and escape(skipped["reason"]) in page


# --- 2. an over-long Idempotency-Key names the header -------------------------------------------


def _send_message(client: Client, account: Any, phone: Any, key: str) -> Any:
    return client.post(
        f"/api/v1/screening/accounts/{account.pk}/messages",
        data=json.dumps(
            {"contact_point": phone.pk, "channel": "sms", "text": "您好，请查收账单。"}
        ),
        content_type="application/json",
        headers={"Idempotency-Key": key},
    )


def _start_batch(client: Client, version: Any, account: Any, key: str) -> Any:
    return client.post(
        BATCHES,
        data={"template_version": version.pk, "accounts": [account.pk]},
        content_type="application/json",
        headers={"Idempotency-Key": key},
    )


def _assert_names_the_header(response: Any) -> None:
    assert response.status_code == 400, response.content
    error = response.json()
    assert error["code"] == "invalid"
    assert error["fields"] == {
        "Idempotency-Key": ["At most 64 characters (this one has 65)."],
    }
    assert "Idempotency-Key header is too long" in error["message"]
    assert "request_key" not in json.dumps(error)


def test_an_over_long_idempotency_key_on_a_send_names_the_header(
    people: dict[str, Any],
    outbox: Path,
    packs_active: None,
    make_user: Callable[..., Any],
    api_client_for: Callable[..., Client],
    snapshot: Callable[[], Any],
) -> None:
    lead = make_user(Role.TEAM_LEAD)
    account = AccountFactory(assigned_team=lead.team)
    phone = make_contact_point(account.debtor, "+8613812341234")
    client = api_client_for(lead)
    snap = snapshot()
    _assert_names_the_header(_send_message(client, account, phone, "k" * 65))
    snap.assert_unchanged()
    assert not OutgoingMessage.objects.exists()
    # 64 characters are fine (surrounding spaces do not count).
    assert _send_message(client, account, phone, f" {'k' * 64} ").status_code == 201
    assert OutgoingMessage.objects.get().request_key == "k" * 64


def test_an_over_long_idempotency_key_on_a_print_run_names_the_header(
    people: dict[str, Any],
    var_dir: Path,
    api_client_for: Callable[..., Client],
    snapshot: Callable[[], Any],
) -> None:
    version = approved_letter(people)
    account = letter_account(people, "王小明")
    client = api_client_for(people["collector"])
    snap = snapshot()
    _assert_names_the_header(_start_batch(client, version, account, "k" * 65))
    snap.assert_unchanged()
    started = _start_batch(client, version, account, "k" * 64)
    assert started.status_code == 202
    assert TaskRun.objects.get().params["request_key"] == "k" * 64


def test_the_letters_form_refuses_a_forged_long_token_and_still_works(
    people: dict[str, Any],
    var_dir: Path,
    client_for: Callable[..., Client],
    snapshot: Callable[[], Any],
) -> None:
    version = approved_letter(people)
    account = letter_account(people, "王小明")
    client = client_for(people["collector"])
    body = {"template_version": str(version.pk), "accounts": account.external_ref}
    snap = snapshot()
    refused = client.post("/screening/letters/", {**body, "token": "t" * 65})
    assert refused.status_code == 200
    assert "token" in refused.context["form"].errors
    snap.assert_unchanged()
    started = client.post("/screening/letters/", {**body, "token": "t" * 32})
    assert started.status_code == 302
    assert TaskRun.objects.get().params["request_key"] == "t" * 32
