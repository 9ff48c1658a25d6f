"""Letters: WeasyPrint PDFs with a Chinese text layer, single letters and batch print runs."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from heed.audit.models import AuditEvent
from heed.core.errors import ApplicationError
from heed.portfolio.tests.conftest import field_keys  # noqa: F401  (autouse: PII keys)
from heed.portfolio.tests.factories import AccountFactory, DebtorFactory, make_contact_point
from heed.screening import services
from heed.screening.letters import Letter, letters_document, letters_pdf
from heed.screening.models import OutgoingMessage, TemplateVersion
from heed.screening.tests.conftest import MORNING
from heed.tasks.models import TaskRun

LETTER = (
    "{debtor_name}您好：\n您的借款尚欠{amount}，到期日{due_date}。"
    "如逾期仍不还款，我们将起诉您。\n请通过{payment_channels}还款。"
)


def pdf_text(pdf: bytes) -> str:
    """The text layer of an uncompressed WeasyPrint PDF: glyph ids in the content streams mapped
    back through the fonts' ToUnicode tables (enough for these tests; no PDF library needed)."""
    data = pdf.decode("latin-1")
    mapping: dict[int, str] = {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", data, re.S):
        for source, target in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            mapping.setdefault(int(source, 16), bytes.fromhex(target).decode("utf-16-be"))
    for block in re.findall(r"beginbfrange(.*?)endbfrange", data, re.S):
        for low, high, target in re.findall(
            r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block
        ):
            first = int(target, 16)
            for offset, code in enumerate(range(int(low, 16), int(high, 16) + 1)):
                mapping.setdefault(code, chr(first + offset))
    out: list[str] = []
    for array in re.findall(r"\[(.*?)\]\s*TJ", data, re.S):
        for glyphs in re.findall(r"<([0-9A-Fa-f]+)>", array):
            out.extend(
                mapping.get(int(glyphs[i : i + 4], 16), "?") for i in range(0, len(glyphs), 4)
            )
    return "".join(out)


def sample(name: str, body: str = "您的借款尚欠1,250.00 CNY。\n请通过官方渠道还款。") -> Letter:
    return Letter(
        sender="示例银行",
        recipient=name,
        address="上海市浦东新区世纪大道100号",
        date=datetime.date(2026, 11, 29),
        subject="还款提醒",
        body=body,
        reference="REF-1",
    )


def test_letters_render_to_a_pdf_with_a_chinese_text_layer() -> None:
    letters = [sample("王小明"), sample("李四")]
    pdf, pages = letters_pdf(letters, uncompressed=True)
    assert pdf[:5] == b"%PDF-"
    assert pages == 2
    assert len(letters_document(letters).pages) == 2
    text = pdf_text(pdf)
    assert "王小明" in text and "李四" in text
    assert "上海市浦东新区世纪大道100号" in text
    assert "请通过官方渠道还款。" in text
    assert re.search(rb"/BaseFont /[A-Z]{6}\+Noto-Serif-CJK-SC", pdf)


def test_letter_body_is_escaped_not_markup() -> None:
    pdf, _pages = letters_pdf([sample("王小明", "<b>加粗</b> & 其他")], uncompressed=True)
    assert "<b>加粗</b>&其他" in pdf_text(pdf).replace(" ", "")


def approved_letter(people: dict[str, Any]) -> TemplateVersion:
    version = services.template_create(
        actor=people["author"],
        code="cn-letter-final",
        name="Final notice",
        channel="letter",
        language="zh",
        audience="debtor",
        region="CN",
        subject="还款通知",
        body=LETTER,
    )
    # Without an account the lawsuit mention is gated: review, so it can be approved; each
    # account's facts decide it when the letter is rendered.
    assert version.screening_verdict == "review"
    return services.template_version_approve(actor=people["approver"], version=version)


def letter_account(
    people: dict[str, Any], name: str, *, litigation: bool = True, address: bool = True
) -> Any:
    account = AccountFactory(
        debtor=DebtorFactory(full_name=name),
        assigned_collector=people["collector"],
        litigation_status="approved" if litigation else "",
    )
    if address:
        make_contact_point(account.debtor, f"上海市黄浦区{name}路1号", kind="postal")
    return account


@pytest.mark.django_db
def test_single_letter_is_screened_gated_rendered_and_recorded(
    people: dict[str, Any], var_dir: Path, packs_active: None
) -> None:
    version = approved_letter(people)
    account = letter_account(people, "王小明")
    point = account.debtor.contact_points.get()
    message = services.message_send(
        actor=people["collector"],
        account=account,
        contact_point=point,
        template_version=version,
        at=MORNING,
    )
    assert (message.status, message.adapter, message.adapter_reference) == (
        "sent",
        "pdf",
        f"letter-{message.pk}.pdf",
    )
    pdf = (var_dir / "letters" / message.adapter_reference).read_bytes()
    assert pdf[:5] == b"%PDF-"
    assert message.contact_attempt is not None
    assert message.contact_attempt.channel == "letter"
    assert message.decision is not None and message.decision.channel == "letter"
    assert not (var_dir / "outbox").exists()  # letters are printed, not handed to the adapter


@pytest.mark.django_db
def test_single_letter_download_is_scoped(
    people: dict[str, Any],
    var_dir: Path,
    packs_active: None,
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
    response = client_for(people["collector"]).get(url)
    assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")
    assert response.content[:5] == b"%PDF-"
    assert client_for(people["other_collector"]).get(url).status_code == 404
    assert Client().get(url).status_code == 302  # to the login page


@pytest.mark.django_db
def test_letter_the_facts_make_false_is_blocked_and_not_rendered(
    people: dict[str, Any], var_dir: Path, packs_active: None
) -> None:
    version = approved_letter(people)
    account = letter_account(people, "赵六", litigation=False)
    message = services.message_send(
        actor=people["collector"],
        account=account,
        contact_point=account.debtor.contact_points.get(),
        template_version=version,
        at=MORNING,
    )
    assert (message.status, message.reason, message.decision) == ("blocked_content", "P8", None)
    assert not (var_dir / "letters").exists()


@pytest.mark.django_db
def test_batch_letters_make_one_pdf_without_the_stopped_ones(
    people: dict[str, Any],
    var_dir: Path,
    packs_active: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    version = approved_letter(people)
    ok_one = letter_account(people, "王小明")
    ok_two = letter_account(people, "周杰")
    barred = letter_account(people, "赵六", litigation=False)
    homeless = letter_account(people, "孙八", address=False)
    with django_capture_on_commit_callbacks(execute=True):
        run = services.letter_batch_start(
            actor=people["collector"],
            template_version=version,
            accounts=[ok_one, barred, homeless, ok_two],
            at=MORNING,
        )
    run.refresh_from_db()
    assert (run.status, run.progress_percent, run.kind) == (
        "succeeded",
        100,
        "screening.letter_batch",
    )
    result = dict(run.result)
    assert result.pop("message") == "2 letters on 2 pages; 2 not sent"
    assert result == {
        "file": f"letters-{run.pk}.pdf",
        "letters": 2,
        "pages": 2,
        "blocked_content": 1,
        "held_review": 0,
        "blocked_gateway": 0,
        "no_address": 1,
        "not_found": 0,
        "invalid": 0,
        "invalid_accounts": [],
    }
    pdf = (var_dir / "letters" / result["file"]).read_bytes()
    assert pdf[:5] == b"%PDF-"
    sent = OutgoingMessage.objects.filter(status="sent").order_by("account_id")
    assert [(m.account_id, m.adapter, m.adapter_reference) for m in sent] == [
        (ok_one.pk, "letter_batch", result["file"]),
        (ok_two.pk, "letter_batch", result["file"]),
    ]
    assert all(m.contact_attempt_id is not None for m in sent)
    blocked = OutgoingMessage.objects.get(status="blocked_content")
    assert (blocked.account_id, blocked.reason) == (barred.pk, "P8")
    assert AuditEvent.objects.filter(action="letter.batch_finished").count() == 1


@pytest.mark.django_db
def test_batch_pdf_text_layer_holds_only_allowed_letters(
    people: dict[str, Any], var_dir: Path, packs_active: None
) -> None:
    """The batch PDF's text: the allowed debtor's letter, not the blocked one's."""
    version = approved_letter(people)
    ok = letter_account(people, "王小明")
    barred = letter_account(people, "赵六", litigation=False)
    run = TaskRun.objects.create(
        kind=services.LETTER_BATCH_KIND,
        params={
            "template_version": version.pk,
            "accounts": [ok.pk, barred.pk],
            "at": MORNING.isoformat(),
        },
        created_by=people["collector"],
    )
    import heed.screening.letters as letters_module

    rendered: list[bytes] = []
    original = letters_module.letters_pdf

    def capture(letters: list[Letter], *, uncompressed: bool = False) -> tuple[bytes, int]:
        pdf, pages = original(letters, uncompressed=True)
        rendered.append(pdf)
        return pdf, pages

    letters_module.letters_pdf = capture  # type: ignore[assignment]
    try:
        services.letter_batch_run(run)
    finally:
        letters_module.letters_pdf = original  # type: ignore[assignment]
    [pdf] = rendered
    text = pdf_text(pdf)
    assert "王小明您好：" in text and "还款通知" in text
    assert "赵六" not in text


@pytest.mark.django_db
def test_batch_needs_an_approved_letter_template(
    people: dict[str, Any], var_dir: Path, snapshot: Callable[[], Any]
) -> None:
    version = services.template_create(
        actor=people["author"],
        code="draft-letter",
        name="Draft",
        channel="letter",
        language="zh",
        audience="debtor",
        region="CN",
        body="{debtor_name}您好。",
    )
    account = letter_account(people, "王小明")
    snap = snapshot()
    with pytest.raises(ApplicationError) as caught:
        services.letter_batch_start(
            actor=people["collector"], template_version=version, accounts=[account]
        )
    assert caught.value.code == "template_not_approved"
    snap.assert_unchanged()


@pytest.mark.django_db
def test_letter_runs_in_the_morning_decides_runs_started_without_a_time_at_morning(
    people: dict[str, Any], var_dir: Path, letter_runs_in_the_morning: datetime.datetime
) -> None:
    version = approved_letter(people)
    account = letter_account(people, "王小明")
    run = services.letter_batch_start(
        actor=people["collector"], template_version=version, accounts=[account]
    )
    assert letter_runs_in_the_morning == MORNING
    assert run.params["at"] == "2026-11-27T10:00:00+08:00"


@pytest.mark.django_db
def test_print_run_in_the_ui_and_download_only_by_its_owner(
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
    assert "Final notice" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/screening/letters/",
            {"template_version": str(version.pk), "accounts": account.external_ref},
        )
    run = TaskRun.objects.get(kind=services.LETTER_BATCH_KIND)
    assert response.status_code == 302
    assert response["Location"] == f"/screening/letters/{run.pk}/"
    status = client.get(f"/screening/letters/{run.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'data-status="succeeded"' in status
    download = client.get(f"/screening/letters/{run.pk}/pdf/")
    assert download.status_code == 200
    assert download.content[:5] == b"%PDF-"
    assert AuditEvent.objects.filter(action="letter.batch_downloaded").count() == 1
    other = client_for(people["other_collector"])
    assert other.get(f"/screening/letters/{run.pk}/pdf/").status_code == 404
    assert other.get(f"/screening/letters/{run.pk}/").status_code == 404


@pytest.mark.django_db
def test_print_run_refuses_accounts_outside_scope(
    people: dict[str, Any],
    var_dir: Path,
    client_for: Callable[..., Client],
    snapshot: Callable[[], Any],
) -> None:
    version = approved_letter(people)
    account = letter_account(people, "王小明")
    snap = snapshot()
    response = client_for(people["other_collector"]).post(
        "/screening/letters/", {"template_version": str(version.pk), "accounts": str(account.pk)}
    )
    assert response.status_code == 200
    assert "Not found in your scope" in response.content.decode()
    snap.assert_unchanged()
