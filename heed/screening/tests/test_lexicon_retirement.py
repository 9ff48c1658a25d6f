"""Retiring lexicon entries (four-eyes, audited), withdrawing one's own proposal, rejecting with
a reason, and impact previews computed on demand and stored per lexicon state."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from heed.audit.models import AuditEvent
from heed.core.errors import ApplicationError, Conflict, PermissionDenied
from heed.core.roles import Role
from heed.screening import services
from heed.screening.models import LexiconChange, LexiconImpactPreview
from heed.screening.selectors import lexicon_state, screener_get

pytestmark = pytest.mark.django_db

INSULT = "请还款，你这个老赖"
RULE = "lex:zh:P3:老赖"


def rules(text: str) -> list[str]:
    return [finding.rule for finding in screener_get().screen(text).findings]


def retire(actor: Any, **overrides: Any) -> LexiconChange:
    arguments: dict[str, Any] = {
        "kind": "phrase",
        "language": "zh",
        "phrase": "老赖",
        "category": "P3",
        "reason": "too broad for our letters",
    }
    arguments.update(overrides)
    return services.lexicon_retirement_propose(actor=actor, **arguments)


@pytest.fixture
def officers(make_user: Callable[..., Any]) -> tuple[Any, Any]:
    return make_user(Role.COMPLIANCE_OFFICER), make_user(Role.COMPLIANCE_OFFICER)


def test_a_retired_file_phrase_stops_taking_effect_once_a_second_person_approves(
    officers: tuple[Any, Any],
) -> None:
    author, approver = officers
    before = screener_get().lexicon
    assert RULE in rules(INSULT)
    change = retire(author)
    assert (change.action, change.status, change.retired_source) == (
        "retire",
        "proposed",
        "zh/P3.txt:2",
    )
    assert RULE in rules(INSULT)  # pending: no effect
    services.lexicon_change_approve(actor=approver, change=change, note="agreed")
    after = screener_get().lexicon
    assert RULE not in rules(INSULT)
    assert after.version == f"{before.version}+ui.1.{change.pk}"
    assert after.content_hash != before.content_hash
    assert len(after.entries) == len(before.entries) - 1
    events = list(
        AuditEvent.objects.order_by("id").values_list("action", "actor_user_id", "changes")
    )
    assert events == [
        (
            "screening.lexicon_retirement_proposed",
            author.pk,
            {
                "kind": "phrase",
                "language": "zh",
                "category": "P3",
                "phrase": "老赖",
                "retired_lines": ["zh/P3.txt:2"],
            },
        ),
        (
            "screening.lexicon_approved",
            approver.pk,
            {"status": ["proposed", "approved"], "action": "retire"},
        ),
    ]


def test_a_retirement_names_every_line_with_the_same_phrase(officers: tuple[Any, Any]) -> None:
    author, approver = officers
    # en/P3.txt has "pathetic" twice (once with conf=0.8): both go.
    change = retire(author, language="en", phrase="pathetic", category="P3")
    assert change.retired_source == "en/P3.txt:35, en/P3.txt:69"
    services.lexicon_change_approve(actor=approver, change=change)
    assert not [e for e in screener_get().lexicon.entries if e.phrase == "pathetic"]


def test_a_retired_exception_no_longer_protects(officers: tuple[Any, Any]) -> None:
    author, approver = officers
    text = "本次还款免手续费"
    assert screener_get().screen(text).verdict == "pass"
    change = retire(author, kind="exception", phrase="免手续费", category="P8")
    assert (change.category, change.retired_source) == ("", "exceptions.txt:8")
    services.lexicon_change_approve(actor=approver, change=change)
    result = screener_get().screen(text)
    assert result.verdict == "block"
    assert [f.rule for f in result.findings] == ["lex:zh:P13:手续费|gate:fee"]


def test_a_ui_addition_can_be_retired_and_added_again(officers: tuple[Any, Any]) -> None:
    author, approver = officers
    text = "You penny pincher."
    added = services.lexicon_change_propose(
        actor=author,
        kind="phrase",
        language="en",
        phrase="penny pincher",
        category="P3",
        reason="seen in QA",
    )
    services.lexicon_change_approve(actor=approver, change=added)
    assert "lex:en:P3:penny pincher" in rules(text)
    retirement = retire(author, language="en", phrase="penny pincher", category="P3")
    assert retirement.retired_source == f"ui:{added.pk}"
    services.lexicon_change_approve(actor=approver, change=retirement)
    assert "lex:en:P3:penny pincher" not in rules(text)
    with pytest.raises(Conflict) as refused:
        retire(author, language="en", phrase="penny pincher", category="P3")
    assert refused.value.code == "already_retired"
    again = services.lexicon_change_propose(
        actor=author,
        kind="phrase",
        language="en",
        phrase="penny pincher",
        category="P3",
        reason="needed after all",
    )
    services.lexicon_change_approve(actor=approver, change=again)
    assert "lex:en:P3:penny pincher" in rules(text)


def test_retiring_twice_is_refused_with_a_clear_message_and_nothing_stored(
    officers: tuple[Any, Any], make_user: Callable[..., Any]
) -> None:
    author, approver = officers
    first = retire(author)
    events = AuditEvent.objects.count()
    for who in (author, approver):
        with pytest.raises(Conflict) as refused:
            retire(who)
        assert refused.value.code == "retirement_pending"
        assert refused.value.message == (
            f"A retirement of this entry is already waiting for approval (change #{first.pk})."
        )
    services.lexicon_change_approve(actor=approver, change=first)
    with pytest.raises(Conflict) as refused:
        retire(make_user(Role.COMPLIANCE_OFFICER))
    assert (refused.value.code, refused.value.message) == (
        "already_retired",
        "This entry is already retired.",
    )
    assert LexiconChange.objects.count() == 1
    assert AuditEvent.objects.count() == events + 1  # only the approval


def test_retiring_what_is_not_in_the_lexicon_names_the_phrase(officers: tuple[Any, Any]) -> None:
    author, _approver = officers
    with pytest.raises(ApplicationError) as refused:
        retire(author, phrase="从未有过的词")
    assert (refused.value.code, refused.value.status) == ("not_in_lexicon", 404)
    assert refused.value.fields == {"phrase": ["Not in the lexicon."]}
    with pytest.raises(ApplicationError) as refused:
        retire(author, phrase="老赖", category="P1")  # in P3, not in P1
    assert refused.value.code == "not_in_lexicon"
    with pytest.raises(ApplicationError) as refused:
        retire(author, kind="context", phrase="anti_fraud", reason="")
    assert refused.value.fields == {
        "kind": ["Only phrases, patterns and exceptions can be retired here."],
        "reason": ["A reason is required."],
    }
    assert not LexiconChange.objects.exists()
    assert not AuditEvent.objects.exists()


def test_only_compliance_officers_propose_retirements(make_user: Callable[..., Any]) -> None:
    for role in (Role.QA_INSPECTOR, Role.AUDITOR, Role.COLLECTOR):
        with pytest.raises(PermissionDenied):
            retire(make_user(role))
    assert not LexiconChange.objects.exists()
    assert not AuditEvent.objects.exists()


def test_approving_a_retirement_of_an_entry_no_longer_there_is_refused(
    officers: tuple[Any, Any],
) -> None:
    author, approver = officers
    stale = LexiconChange.objects.create(
        action="retire",
        kind="phrase",
        language="zh",
        phrase="早已删除的词",
        category="P3",
        reason="x",
        proposed_by=author,
    )
    with pytest.raises(Conflict) as refused:
        services.lexicon_change_approve(actor=approver, change=stale)
    assert refused.value.code == "not_in_lexicon"
    stale.refresh_from_db()
    assert stale.status == "proposed"


def test_the_proposer_withdraws_a_pending_change_and_nobody_can_decide_it(
    officers: tuple[Any, Any],
) -> None:
    author, approver = officers
    change = retire(author)
    with pytest.raises(PermissionDenied):
        services.lexicon_change_withdraw(actor=approver, change=change)
    change.refresh_from_db()
    assert change.status == "proposed"
    assert AuditEvent.objects.filter(action="screening.lexicon_withdrawn").count() == 0
    withdrawn = services.lexicon_change_withdraw(actor=author, change=change, note="wrong line")
    assert (withdrawn.status, withdrawn.decided_by, withdrawn.decision_note) == (
        "withdrawn",
        None,
        "wrong line",
    )
    assert withdrawn.withdrawn_at is not None
    assert not LexiconChange.objects.pending().exists()
    event = AuditEvent.objects.get(action="screening.lexicon_withdrawn")
    assert (event.actor_user_id, event.changes, event.reason) == (
        author.pk,
        {"status": ["proposed", "withdrawn"], "action": "retire"},
        "wrong line",
    )
    for decide in (services.lexicon_change_approve, services.lexicon_change_reject):
        with pytest.raises(Conflict) as refused:
            decide(actor=approver, change=change, note="late")
        assert refused.value.code == "withdrawn"
    with pytest.raises(Conflict) as refused:
        services.lexicon_change_withdraw(actor=author, change=change)
    assert refused.value.code == "withdrawn"
    assert RULE in rules(INSULT)
    # Withdrawn, it no longer blocks a new retirement of the same entry.
    assert retire(author).status == "proposed"


def test_a_decided_change_cannot_be_withdrawn(officers: tuple[Any, Any]) -> None:
    author, approver = officers
    change = retire(author)
    services.lexicon_change_reject(actor=approver, change=change, note="keep it")
    with pytest.raises(Conflict) as refused:
        services.lexicon_change_withdraw(actor=author, change=change)
    assert refused.value.code == "already_decided"
    change.refresh_from_db()
    assert change.status == "rejected"


def test_rejecting_needs_a_reason_kept_with_the_change_and_in_the_audit_event(
    officers: tuple[Any, Any],
) -> None:
    author, approver = officers
    change = retire(author)
    events = AuditEvent.objects.count()
    for note in ("", "   "):
        with pytest.raises(ApplicationError) as refused:
            services.lexicon_change_reject(actor=approver, change=change, note=note)
        assert refused.value.fields == {"note": ["A reason is required."]}
    change.refresh_from_db()
    assert change.status == "proposed"
    assert AuditEvent.objects.count() == events
    services.lexicon_change_reject(actor=approver, change=change, note=" still needed in P3 ")
    change.refresh_from_db()
    assert (change.status, change.decision_note) == ("rejected", "still needed in P3")
    event = AuditEvent.objects.get(action="screening.lexicon_rejected")
    assert (event.actor_user_id, event.reason) == (approver.pk, "still needed in P3")


def test_a_retirement_preview_shows_what_it_would_let_through(officers: tuple[Any, Any]) -> None:
    author, _approver = officers
    change = retire(author)
    impact = services.lexicon_change_impact_preview(actor=author, change=change)
    assert impact is not None
    assert impact.flagged_lawful_count == 0
    assert impact.caught_count == 0
    # What it would let through: insults the phrase (and its pinyin, spacing, traditional
    # forms) caught; what it would stop flagging: a lawful message that mentions the word.
    passed = [m.text for m in impact.newly_passed]
    assert impact.passed_count == len(passed) >= 10
    assert {"你这种老赖，活该一辈子穷。", "你就是個老賴！", "你个老lai，赶紧还钱"} <= set(passed)
    assert {m.text for m in impact.newly_cleared_lawful} == {
        "您说您以前被别的平台的人骂过“老赖”？太不应该了。我们这边绝不会这样称呼任何客户，"
        "如果遇到请直接投诉。",
        "培训提醒：严禁称呼客户为“老赖”。",  # training_v22: a training note that forbids it
    }


def test_a_preview_is_stored_per_lexicon_state_and_read_back_the_second_time(
    officers: tuple[Any, Any], make_user: Callable[..., Any]
) -> None:
    author, approver = officers
    change = services.lexicon_change_propose(
        actor=author, kind="phrase", language="en", phrase="payment", category="P3", reason="x"
    )
    qa = make_user(Role.QA_INSPECTOR)
    # A read-only role never starts the work.
    assert services.lexicon_change_impact_preview(actor=qa, change=change) is None
    assert not LexiconImpactPreview.objects.exists()
    impact = services.lexicon_change_impact_preview(actor=approver, change=change)
    assert impact is not None and impact.flagged_lawful_count >= 10
    stored = LexiconImpactPreview.objects.get()
    assert (stored.change, stored.lexicon_state, stored.computed_by) == (
        change,
        lexicon_state(),
        approver,
    )
    assert stored.impact["newly_flagged_lawful"]["count"] == impact.flagged_lawful_count
    # The second view reads the stored preview (not screened again): a marker put into it shows.
    stored.impact["lawful"] = 123456
    stored.save()
    for viewer in (approver, qa):
        again = services.lexicon_change_impact_preview(actor=viewer, change=change)
        assert again is not None and again.lawful == 123456
        assert again.flagged_lawful_count == impact.flagged_lawful_count
        assert [m.text for m in again.newly_flagged_lawful] == [
            m.text for m in impact.newly_flagged_lawful[:50]
        ]
    # An approval changes the lexicon: the stored preview no longer applies.
    other = retire(approver)
    services.lexicon_change_approve(actor=author, change=other)
    assert services.lexicon_change_impact_preview(actor=qa, change=change) is None
    fresh = services.lexicon_change_impact_preview(actor=author, change=change)
    assert fresh is not None and fresh.lawful != 123456
    assert LexiconImpactPreview.objects.filter(change=change).count() == 2


def test_a_decided_change_shows_the_preview_seen_before_the_decision_and_never_a_new_one(
    officers: tuple[Any, Any], make_user: Callable[..., Any], client_for: Callable[..., Any]
) -> None:
    author, approver = officers
    change = retire(author)
    seen = services.lexicon_change_impact_preview(actor=approver, change=change)
    assert seen is not None and seen.passed_count >= 10
    services.lexicon_change_approve(actor=approver, change=change, note="agreed")
    change.refresh_from_db()
    auditor = make_user(Role.AUDITOR)
    for viewer in (auditor, author, approver):
        again = services.lexicon_change_impact_preview(actor=viewer, change=change)
        assert again is not None
        assert (again.passed_count, again.caught_count) == (seen.passed_count, seen.caught_count)
    # Nothing was computed on the lexicon that now includes the retirement.
    assert LexiconImpactPreview.objects.filter(change=change).count() == 1
    page = client_for(auditor).get(f"/screening/lexicon/{change.pk}/impact/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "before the decision, on lexicon" in html
    assert "No impact preview yet" not in html
    # A change decided without a preview says so, and a compliance officer gets none computed.
    other = services.lexicon_change_propose(
        actor=author, kind="phrase", language="en", phrase="scoundrel", category="P3", reason="x"
    )
    services.lexicon_change_reject(actor=approver, change=other, note="not needed")
    other.refresh_from_db()
    assert services.lexicon_change_impact_preview(actor=approver, change=other) is None
    assert not LexiconImpactPreview.objects.filter(change=other).exists()
    html = client_for(approver).get(f"/screening/lexicon/{other.pk}/impact/").content.decode()
    assert "No impact preview was computed before this change was decided" in html
