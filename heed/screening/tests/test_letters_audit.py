"""Letters after the user audit: the newest address, line breaks and long strings on the page,
print runs started once per request, run PDFs limited to the current scope, audited single-letter
downloads for reviewers, and run texts in the language of the person who started the run."""

from __future__ import annotations

import datetime
import re
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from weasyprint.formatting_structure import boxes

from heed.audit.models import AuditEvent
from heed.core.roles import Role
from heed.portfolio import services as portfolio_services
from heed.portfolio.models import ContactPoint
from heed.portfolio.selectors import contact_point_plain_value
from heed.portfolio.tests.conftest import field_keys  # noqa: F401  (autouse: PII keys)
from heed.portfolio.tests.factories import AccountFactory, DebtorFactory, make_contact_point
from heed.screening import services
from heed.screening.letters import Letter, letters_document, letters_html, letters_pdf
from heed.screening.models import OutgoingMessage
from heed.screening.tests.test_letters import MORNING, approved_letter, letter_account, pdf_text
from heed.tasks.models import TaskRun

pytestmark = pytest.mark.django_db


LONG_TOKEN = "https://pay.example.com/r/" + "A1b2C3d4E5" * 17 + "Z" * 4  # 200 characters


def inflated(pdf: bytes) -> bytes:
    """The PDF with every Flate stream decompressed, so :func:`pdf_text` reads a stored file."""
    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"\n".join(parts)


def text_boxes(box: Any) -> Iterator[Any]:
    if isinstance(box, boxes.TextBox):
        yield box
    for child in getattr(box, "children", None) or []:
        yield from text_boxes(child)


def sample(*, address: str, body: str) -> Letter:
    return Letter(
        sender="Example Lender",
        recipient="Jo Bloggs",
        address=address,
        date=datetime.date(2026, 11, 29),
        subject="Payment reminder",
        body=body,
        reference="REF-1",
        language="en",
    )


# --- 2. the newest postal address -----------------------------------------------------------


def test_print_run_uses_the_newest_valid_postal_address(people: dict[str, Any]) -> None:
    account = letter_account(people, "王小明")  # 上海市黄浦区王小明路1号
    corrected = make_contact_point(account.debtor, "上海市静安区南京西路2号", kind="postal")
    make_contact_point(account.debtor, "上海市徐汇区淮海中路3号", kind="postal", is_valid=False)
    make_contact_point(account.debtor, "上海市长宁区延安西路4号", kind="postal", opted_out=True)
    assert services._debtor_postal_point(account) == corrected


def test_print_run_letter_goes_to_the_corrected_address(
    people: dict[str, Any], var_dir: Path, packs_active: None
) -> None:
    version = approved_letter(people)
    account = letter_account(people, "王小明")
    corrected = make_contact_point(account.debtor, "上海市静安区南京西路2号", kind="postal")
    run = TaskRun.objects.create(
        kind=services.LETTER_BATCH_KIND,
        params={
            "template_version": version.pk,
            "accounts": [account.pk],
            "at": MORNING.isoformat(),
        },
        created_by=people["collector"],
    )
    assert services.letter_batch_run(run)["letters"] == 1
    message = OutgoingMessage.objects.get(status="sent")
    assert message.contact_point == corrected
    text = pdf_text(inflated((var_dir / "letters" / f"letters-{run.pk}.pdf").read_bytes()))
    assert "上海市静安区南京西路2号" in text
    assert "王小明路1号" not in text


# --- 3. line breaks and long strings --------------------------------------------------------


def test_address_typed_on_several_lines_is_kept_and_printed_on_those_lines(
    make_user: Callable[..., Any],
) -> None:
    debtor = DebtorFactory(full_name="Jo Bloggs", country="US")
    point = portfolio_services.contact_point_add(
        actor=make_user(Role.DATA_MANAGER),
        debtor=debtor,
        kind=ContactPoint.Kind.POSTAL,
        value="  123  Main St\r\nApt 4\n\nSpringfield,  IL 62704 ",
        provenance=ContactPoint.Provenance.DEBTOR_PROVIDED,
    )
    address = contact_point_plain_value(point)
    assert address == "123 Main St\nApt 4\nSpringfield, IL 62704"
    html = letters_html([sample(address=address, body="Hello.")])
    assert (
        '<div class="recipient"><div>Jo Bloggs</div><div>123 Main St</div><div>Apt 4</div>'
        "<div>Springfield, IL 62704</div></div>"
    ) in html
    page = letters_document([sample(address=address, body="Hello.")]).pages[0]
    tops = {box.text: box.position_y for box in text_boxes(page._page_box)}
    assert tops["Jo Bloggs"] < tops["123 Main St"] < tops["Apt 4"]
    # The same address on one line is the same address (one blind index, no duplicate).
    again = portfolio_services.contact_point_add(
        actor=make_user(Role.DATA_MANAGER),
        debtor=debtor,
        kind=ContactPoint.Kind.POSTAL,
        value="123 Main St Apt 4 Springfield, IL 62704",
        provenance=ContactPoint.Provenance.DEBTOR_PROVIDED,
    )
    assert again == point


def test_a_long_unbroken_string_wraps_inside_the_page() -> None:
    assert len(LONG_TOKEN) == 200
    letter = sample(
        address="10 Downing Street\nLondon\nSW1A 2AA", body=f"Pay online at {LONG_TOKEN} today."
    )
    page = letters_document([letter]).pages[0]
    page_box = page._page_box
    right_edge = page.width - page_box.margin_right
    widest = max(box.position_x + box.width for box in text_boxes(page_box))
    assert widest <= right_edge + 0.01
    pdf, _pages = letters_pdf([letter], uncompressed=True)
    assert LONG_TOKEN in pdf_text(pdf)


# --- 4. one print run per request -----------------------------------------------------------


def test_letters_form_posted_twice_starts_one_run(
    people: dict[str, Any],
    var_dir: Path,
    packs_active: None,
    client_for: Callable[..., Client],
    django_capture_on_commit_callbacks: Any,
    letter_runs_in_the_morning: datetime.datetime,
) -> None:
    version = approved_letter(people)
    account = letter_account(people, "王小明")
    client = client_for(people["collector"])
    page = client.get("/screening/letters/").content.decode()
    [token] = re.findall(r'name="token" value="([0-9a-f]{32})"', page)
    body = {"template_version": str(version.pk), "accounts": account.external_ref, "token": token}
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post("/screening/letters/", body)
    with django_capture_on_commit_callbacks(execute=True):
        second = client.post("/screening/letters/", body)
    run = TaskRun.objects.get(kind=services.LETTER_BATCH_KIND)
    assert (first.status_code, second.status_code) == (302, 302)
    assert first["Location"] == second["Location"] == f"/screening/letters/{run.pk}/"
    assert run.params["request_key"] == token
    assert OutgoingMessage.objects.filter(status="sent").count() == 1
    assert AuditEvent.objects.filter(action="letter.batch_started").count() == 1
    # The form shown again (the back button) with other accounts: said plainly, nothing started,
    # and a fresh token so the next send starts the new run.
    other = letter_account(people, "周杰")
    again = client.post("/screening/letters/", {**body, "accounts": other.external_ref})
    assert again.status_code == 200
    content = again.content.decode()
    assert "This form already started a print run" in content
    [fresh] = re.findall(r'name="token" value="([0-9a-f]{32})"', content)
    assert fresh != token
    assert TaskRun.objects.count() == 1
    # A new form, a new token: a new run.
    fresh_page = client.get("/screening/letters/").content.decode()
    [new_token] = re.findall(r'name="token" value="([0-9a-f]{32})"', fresh_page)
    assert new_token != token
    response = client.post("/screening/letters/", {**body, "token": new_token})
    assert response.status_code == 302
    assert TaskRun.objects.count() == 2


def _api_post(client: Client, body: dict[str, Any], key: str = "") -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(
        "/api/v1/screening/letter-batches",
        data=body,
        content_type="application/json",
        headers=headers,
    )


def test_letter_batch_api_honours_the_idempotency_key(
    people: dict[str, Any],
    var_dir: Path,
    api_client_for: Callable[..., Client],
    snapshot: Callable[[], Any],
) -> None:
    version = approved_letter(people)
    account = letter_account(people, "王小明")
    other_account = letter_account(people, "周杰")
    client = api_client_for(people["collector"])
    body = {"template_version": version.pk, "accounts": [account.pk]}
    first = _api_post(client, body, "retry-1")
    second = _api_post(client, body, "retry-1")
    assert (first.status_code, second.status_code) == (202, 202)
    assert first.json()["run"] == second.json()["run"]
    assert TaskRun.objects.count() == 1
    assert AuditEvent.objects.filter(action="letter.batch_started").count() == 1
    # The same key for another list of accounts: a conflict, nothing started.
    snap = snapshot()
    reused = _api_post(client, {**body, "accounts": [other_account.pk]}, "retry-1")
    assert reused.status_code == 409
    assert reused.json()["code"] == "request_key_reused"
    snap.assert_unchanged()
    # Another user's same key is their own; no key, or another key: a new run each time.
    other_collector_account = AccountFactory(assigned_collector=people["other_collector"])
    theirs = _api_post(
        api_client_for(people["other_collector"]),
        {"template_version": version.pk, "accounts": [other_collector_account.pk]},
        "retry-1",
    )
    assert theirs.status_code == 202 and theirs.json()["run"] != first.json()["run"]
    assert _api_post(client, body).status_code == 202
    assert _api_post(client, body, "retry-2").status_code == 202
    assert TaskRun.objects.count() == 4
    too_long = _api_post(client, body, "k" * 65)
    assert too_long.status_code in (400, 422)
    assert TaskRun.objects.count() == 4


# --- 5. the run's PDF holds only letters still in scope -------------------------------------


def test_run_pdf_leaves_out_letters_of_accounts_moved_out_of_scope(
    people: dict[str, Any],
    var_dir: Path,
    packs_active: None,
    client_for: Callable[..., Client],
) -> None:
    version = approved_letter(people)
    kept = letter_account(people, "王小明")
    moved = letter_account(people, "周杰")
    run = TaskRun.objects.create(
        kind=services.LETTER_BATCH_KIND,
        params={
            "template_version": version.pk,
            "accounts": [kept.pk, moved.pk],
            "at": MORNING.isoformat(),
        },
        created_by=people["collector"],
    )
    result = services.letter_batch_run(run)
    TaskRun.objects.filter(pk=run.pk).update(status="succeeded", result=result)
    assert result["letters"] == 2
    client = client_for(people["collector"])
    url = f"/screening/letters/{run.pk}/pdf/"
    whole = client.get(url)
    assert whole.status_code == 200
    assert "周杰" in pdf_text(inflated(whole.content))
    # The account goes to another collector: its letter is no longer the owner's to see.
    moved.assigned_collector = people["other_collector"]
    moved.save(update_fields=["assigned_collector"])
    part = client.get(url)
    assert (part.status_code, part["Content-Type"]) == (200, "application/pdf")
    text = pdf_text(inflated(part.content))
    assert "王小明您好：" in text
    assert "周杰" not in text and "周杰路1号" not in text
    event = AuditEvent.objects.filter(action="letter.batch_downloaded").order_by("-id").first()
    assert event is not None and event.changes == {"letters": 1, "left_out": 1}
    # The stored file is unchanged (the run's record); nobody gets it with the moved letter.
    assert "周杰" in pdf_text(inflated((var_dir / "letters" / result["file"]).read_bytes()))
    # Every account moved: nothing left to download.
    kept.assigned_collector = people["other_collector"]
    kept.save(update_fields=["assigned_collector"])
    assert client.get(url).status_code == 404


# --- 6. single-letter downloads: audited, and open to reviewers -----------------------------


@pytest.mark.parametrize(
    "role", [Role.COMPLIANCE_OFFICER, Role.QA_INSPECTOR, Role.MANAGER, Role.AUDITOR]
)
def test_reviewers_download_a_letter_and_every_download_is_audited(
    role: str,
    people: dict[str, Any],
    var_dir: Path,
    packs_active: None,
    make_user: Callable[..., Any],
    client_for: Callable[..., Client],
) -> None:
    version = approved_letter(people)
    account = letter_account(people, "王小明")
    message = services.message_send(
        actor=people["collector"],
        account=account,
        contact_point=account.debtor.contact_points.get(),
        template_version=version,
        at=MORNING,
    )
    url = f"/screening/letters/message/{message.pk}/pdf/"
    reviewer = make_user(role)
    response = client_for(reviewer).get(url)
    assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")
    assert client_for(people["collector"]).get(url).status_code == 200
    events = AuditEvent.objects.filter(action="letter.downloaded").order_by("id")
    assert [(e.actor_user_id, e.target_id) for e in events] == [
        (reviewer.pk, str(message.pk)),
        (people["collector"].pk, str(message.pk)),
    ]
    assert client_for(reviewer).get("/screening/letters/message/999999/pdf/").status_code == 404


def test_letter_download_is_refused_outside_scope_and_without_the_message_log(
    people: dict[str, Any],
    var_dir: Path,
    packs_active: None,
    make_user: Callable[..., Any],
    client_for: Callable[..., Client],
) -> None:
    version = approved_letter(people)
    account = letter_account(people, "王小明")
    message = services.message_send(
        actor=people["collector"],
        account=account,
        contact_point=account.debtor.contact_points.get(),
        template_version=version,
        at=MORNING,
    )
    url = f"/screening/letters/message/{message.pk}/pdf/"
    before = AuditEvent.objects.count()
    assert client_for(people["other_collector"]).get(url).status_code == 404
    assert client_for(make_user(Role.DATA_MANAGER)).get(url).status_code == 403
    assert client_for(make_user(Role.HR_OFFICER)).get(url).status_code == 403
    assert Client().get(url).status_code == 302
    assert AuditEvent.objects.count() == before


# --- 7. the run's texts in the starter's language -------------------------------------------


def test_print_run_texts_are_in_the_language_of_the_user_who_started_it(
    people: dict[str, Any], var_dir: Path, packs_active: None
) -> None:
    version = approved_letter(people)  # a CN template
    fits = letter_account(people, "王小明")
    abroad = AccountFactory(
        debtor=DebtorFactory(full_name="Jo Bloggs"),
        assigned_collector=people["collector"],
        jurisdiction="US-NY",
    )
    make_contact_point(abroad.debtor, "1 Main Street, Albany NY", kind="postal")
    collector = people["collector"]
    collector.language = "zh-hans"
    collector.save(update_fields=["language"])
    run = TaskRun.objects.create(
        kind=services.LETTER_BATCH_KIND,
        params={
            "template_version": version.pk,
            "accounts": [fits.pk, abroad.pk],
            "at": MORNING.isoformat(),
        },
        created_by=collector,
    )
    result = services.letter_batch_run(run)
    assert result["message"] == "1 封信函，共 1 页；1 封未发出"
    [unfit] = result["invalid_accounts"]
    assert re.search(r"[\u4e00-\u9fff]", unfit["reason"]), unfit["reason"]
    assert "jurisdiction" not in unfit["reason"]


@pytest.mark.parametrize(
    ("letters_count", "pages", "stopped", "expected"),
    [
        (1, 1, 0, "1 letter on 1 page; 0 not sent"),
        (2, 3, 1, "2 letters on 3 pages; 1 not sent"),
        (0, 0, 2, "0 letters on 0 pages; 2 not sent"),
    ],
)
def test_print_run_summary_counts_in_english_use_plurals(
    letters_count: int, pages: int, stopped: int, expected: str
) -> None:
    summary = services._letter_batch_summary(
        letters_count=letters_count, pages=pages, stopped=stopped
    )
    assert summary == expected
