from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from heed.audit.models import AuditEvent
from heed.core.roles import Role
from heed.screening.models import LexiconChange
from heed.screening.views import highlighted_segments

pytestmark = pytest.mark.django_db


def test_check_page_highlights_findings(
    make_user: Callable[..., Any], client_for: Callable[..., Client]
) -> None:
    client = client_for(make_user(Role.QA_INSPECTOR))
    assert client.get("/screening/").status_code == 200
    response = client.post("/screening/", {"text": "请还款，你这个老赖"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-verdict="block"' in html
    assert '<mark class="finding block" title="P3">老赖<sup>P3</sup></mark>' in html


def test_check_page_screens_a_call_transcript_by_speaker(
    make_user: Callable[..., Any], client_for: Callable[..., Client]
) -> None:
    client = client_for(make_user(Role.QA_INSPECTOR))
    transcript = (
        "坐席：您好，我是客服小王。\n客户：你们这帮畜生，滚！\n坐席：好的，打扰了，祝您生活愉快。"
    )
    response = client.post("/screening/", {"text": transcript, "channel": "call"})
    html = response.content.decode()
    assert 'data-verdict="pass"' in html
    assert "speaker:customer" in html
    # Sent as an SMS, the same words are the sender's own.
    response = client.post("/screening/", {"text": transcript, "channel": "sms"})
    assert 'data-verdict="block"' in response.content.decode()


def test_check_partial_for_htmx(
    make_user: Callable[..., Any], client_for: Callable[..., Client]
) -> None:
    client = client_for(make_user(Role.COLLECTOR))
    response = client.post(
        "/screening/", {"text": "已为您执行自动扣款"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert 'data-verdict="pass"' in html
    assert "<html" not in html


def test_check_page_refuses_roles_without_permission(
    make_user: Callable[..., Any], client_for: Callable[..., Client]
) -> None:
    assert Client().get("/screening/").status_code == 302
    response = client_for(make_user(Role.HR_OFFICER)).post("/screening/", {"text": "x"})
    assert response.status_code == 403


def test_lexicon_change_four_eyes_through_the_screens(
    make_user: Callable[..., Any], client_for: Callable[..., Client]
) -> None:
    author = make_user(Role.COMPLIANCE_OFFICER)
    approver = make_user(Role.COMPLIANCE_OFFICER)
    response = client_for(author).post(
        "/screening/lexicon/",
        {
            "kind": "phrase",
            "language": "en",
            "phrase": "penny pincher",
            "category": "P3",
            "gate": "",
            "confidence": "0.9",
            "exception_categories": "",
            "reason": "seen in QA",
        },
    )
    assert response.status_code == 302
    change = LexiconChange.objects.get()
    own = client_for(author).post(f"/screening/lexicon/{change.pk}/approve/", follow=True)
    assert "A second person must decide" in own.content.decode()
    change.refresh_from_db()
    assert change.status == "proposed"
    page = client_for(approver).get("/screening/lexicon/").content.decode()
    assert "penny pincher" in page
    client_for(approver).post(f"/screening/lexicon/{change.pk}/approve/", {"note": "fine"})
    change.refresh_from_db()
    assert (change.status, change.decided_by) == ("approved", approver)
    checked = client_for(approver).post("/screening/", {"text": "You penny pincher."})
    assert 'data-verdict="block"' in checked.content.decode()


def test_lexicon_page_permissions(
    make_user: Callable[..., Any],
    client_for: Callable[..., Client],
    snapshot: Callable[[], Any],
) -> None:
    assert client_for(make_user(Role.QA_INSPECTOR)).get("/screening/lexicon/").status_code == 200
    assert client_for(make_user(Role.COLLECTOR)).get("/screening/lexicon/").status_code == 403
    snap = snapshot()
    qa = client_for(make_user(Role.QA_INSPECTOR))
    data = {"kind": "phrase", "language": "zh", "phrase": "某词", "category": "P3"}
    assert qa.post("/screening/lexicon/", {**data, "reason": "x"}).status_code == 403
    author = make_user(Role.COMPLIANCE_OFFICER)
    events = AuditEvent.objects.count()
    change = LexiconChange.objects.create(
        kind="phrase", language="zh", phrase="某词", category="P3", reason="x", proposed_by=author
    )
    assert qa.post(f"/screening/lexicon/{change.pk}/approve/").status_code == 403
    change.refresh_from_db()
    assert change.status == "proposed"
    assert AuditEvent.objects.count() == events
    del snap


def test_highlighted_segments_cover_the_text_once() -> None:
    from heed.screening.engine.screener import Finding

    findings = (
        Finding("P1", 2, 6, "ccdd", "r", 0.9, "block"),
        Finding("P9", 4, 8, "ddee", "r", 0.7, "review"),
    )
    segments = highlighted_segments("aabbccddee", findings)
    assert [(s["text"], s["categories"], s["decision"]) for s in segments] == [
        ("aa", [], "review"),
        ("bb", ["P1"], "block"),
        ("cc", ["P1", "P9"], "block"),
        ("dd", ["P9"], "review"),
        ("ee", [], "review"),
    ]


def test_screens_are_translated_to_chinese(
    make_user: Callable[..., Any], client_for: Callable[..., Client]
) -> None:
    client = client_for(make_user(Role.COMPLIANCE_OFFICER, language="zh-hans"))
    html = client.post("/screening/", {"text": "你这个老赖"}).content.decode()
    assert "粘贴短信、模板或通话记录" in html
    assert "已拦截" in html
    assert "辱骂、污言秽语、贬损称呼" in html
    assert "审查词库" in client.get("/screening/lexicon/").content.decode()
    assert "消息模板" in client.get("/screening/templates/").content.decode()


def test_a_pending_change_shows_what_it_would_do_to_the_example_messages(
    make_user: Callable[..., Any], client_for: Callable[..., Client]
) -> None:
    author = make_user(Role.COMPLIANCE_OFFICER)
    reader = client_for(make_user(Role.COMPLIANCE_OFFICER))

    def propose(kind: str, language: str, phrase: str, category: str = "") -> LexiconChange:
        return LexiconChange.objects.create(
            kind=kind,
            language=language,
            phrase=phrase,
            category=category,
            reason="x",
            proposed_by=author,
        )

    # Over-broad: "payment" is in many lawful reminders.
    broad = propose("phrase", "en", "payment", "P3")
    # Useful: a wording no file entry has, in a violating example the files miss.
    useful = propose("phrase", "en", "you get the idea", "P11")
    # An exception that would let violating examples through.
    loose = propose("exception", "zh", "老赖")
    page = reader.get("/screening/lexicon/").content.decode()
    assert f"/screening/lexicon/{broad.pk}/impact/" in page

    fragment = reader.get(f"/screening/lexicon/{broad.pk}/impact/", HTTP_HX_REQUEST="true")
    text = fragment.content.decode()
    assert "<html" not in text
    impact = fragment.context["impact"]
    assert len(impact.newly_flagged_lawful) >= 10
    assert "Lawful messages it would stop" in text
    assert all("payment" in m.text.lower() for m in impact.newly_flagged_lawful)
    assert impact.newly_passed == ()

    impact = reader.get(f"/screening/lexicon/{useful.pk}/impact/").context["impact"]
    assert impact.newly_flagged_lawful == ()
    assert [m.message_id for m in impact.newly_caught] == ["w296"]

    impact = reader.get(f"/screening/lexicon/{loose.pk}/impact/").context["impact"]
    assert impact.newly_passed
    assert all("P3" in m.categories for m in impact.newly_passed)
    page = reader.get(f"/screening/lexicon/{loose.pk}/impact/").content.decode()
    assert "Violating messages it would let through" in page

    assert (
        client_for(make_user(Role.COLLECTOR))
        .get(f"/screening/lexicon/{broad.pk}/impact/")
        .status_code
        == 403
    )
    assert reader.get("/screening/lexicon/999999/impact/").status_code == 404


def lexicon_form(**overrides: str) -> dict[str, str]:
    return {
        "kind": "phrase",
        "language": "en",
        "phrase": "penny pincher",
        "category": "P3",
        "gate": "",
        "confidence": "0.9",
        "exception_categories": "",
        "reason": "seen in QA",
        **overrides,
    }


@pytest.mark.parametrize("kind", ["phrase", "pattern"])
def test_lexicon_form_without_a_category_names_the_category_field(
    make_user: Callable[..., Any], client_for: Callable[..., Client], kind: str
) -> None:
    author = make_user(Role.COMPLIANCE_OFFICER)
    response = client_for(author).post("/screening/lexicon/", lexicon_form(kind=kind, category=""))
    assert response.status_code == 200
    assert response.context["form"].errors == {"category": ["Choose a category."]}
    assert "unknown category" not in response.content.decode()
    chinese = client_for(make_user(Role.COMPLIANCE_OFFICER, language="zh-hans")).post(
        "/screening/lexicon/", lexicon_form(kind=kind, category="")
    )
    assert chinese.context["form"].errors == {"category": ["请选择类别。"]}
    assert LexiconChange.objects.count() == 0


def test_lexicon_form_explains_a_bad_or_dangerous_pattern_on_the_phrase_field(
    make_user: Callable[..., Any], client_for: Callable[..., Client]
) -> None:
    client = client_for(make_user(Role.COMPLIANCE_OFFICER))
    response = client.post("/screening/lexicon/", lexicon_form(kind="pattern", phrase="(owe"))
    assert response.context["form"].errors == {
        "phrase": ["Not a valid pattern: missing ), unterminated subpattern (at position 0)."]
    }
    response = client.post("/screening/lexicon/", lexicon_form(kind="pattern", phrase="(a|aa)+$"))
    (message,) = response.context["form"].errors["phrase"]
    assert message.startswith("This pattern could take very long to run")
    response = client.post("/screening/lexicon/", lexicon_form(kind="pattern", phrase="x?"))
    assert response.context["form"].errors == {
        "phrase": ["The pattern must match at least one character; it can match nothing."]
    }
    assert LexiconChange.objects.count() == 0
    accepted = client.post(
        "/screening/lexicon/",
        lexicon_form(kind="pattern", phrase=r"\b(pay|cover) (his|her) debt\b", category="P10"),
    )
    assert accepted.status_code == 302
    assert LexiconChange.objects.get().phrase == r"\b(pay|cover) (his|her) debt\b"
