from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from heed.audit.models import AuditEvent
from heed.core.errors import ApplicationError, Conflict
from heed.core.roles import Role
from heed.screening import services
from heed.screening.models import LexiconChange
from heed.screening.selectors import screener_get

pytestmark = pytest.mark.django_db


def propose(actor: Any, **overrides: Any) -> LexiconChange:
    arguments: dict[str, Any] = {
        "kind": "phrase",
        "language": "zh",
        "phrase": "蓝鲸卡",
        "category": "P14",
        "reason": "pretext seen in complaints",
    }
    arguments.update(overrides)
    return services.lexicon_change_propose(actor=actor, **arguments)


def test_proposed_phrase_has_no_effect_until_a_second_person_approves(
    make_user: Callable[..., Any],
) -> None:
    author = make_user(Role.COMPLIANCE_OFFICER)
    approver = make_user(Role.COMPLIANCE_OFFICER)
    change = propose(author)
    text = "感谢使用蓝鲸卡还款"
    assert screener_get().screen(text).verdict == "pass"
    approved = services.lexicon_change_approve(actor=approver, change=change, note="ok")
    assert (approved.status, approved.decided_by, approved.decision_note) == (
        "approved",
        approver,
        "ok",
    )
    result = screener_get().screen(text)
    assert result.verdict == "block"
    assert [(f.category, f.match, f.rule) for f in result.findings] == [
        ("P14", "蓝鲸卡", "lex:zh:P14:蓝鲸卡")
    ]
    assert result.lexicon_version.endswith(f"+ui.1.{change.pk}")
    actions = list(AuditEvent.objects.order_by("id").values_list("action", "actor_user_id"))
    assert actions == [
        ("screening.lexicon_proposed", author.pk),
        ("screening.lexicon_approved", approver.pk),
    ]


def test_proposer_cannot_approve_own_change_and_nothing_changes(
    make_user: Callable[..., Any],
) -> None:
    author = make_user(Role.COMPLIANCE_OFFICER)
    change = propose(author)
    events = AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as caught:
        services.lexicon_change_approve(actor=author, change=change)
    assert caught.value.code == "four_eyes"
    change.refresh_from_db()
    assert (change.status, change.decided_by) == ("proposed", None)
    assert AuditEvent.objects.count() == events


def test_decided_change_cannot_be_decided_again(make_user: Callable[..., Any]) -> None:
    author = make_user(Role.COMPLIANCE_OFFICER)
    other = make_user(Role.COMPLIANCE_OFFICER)
    change = propose(author)
    services.lexicon_change_reject(actor=other, change=change, note="too broad")
    with pytest.raises(Conflict):
        services.lexicon_change_approve(actor=other, change=change)
    change.refresh_from_db()
    assert change.status == "rejected"


def test_approved_exception_suppresses_a_hit(make_user: Callable[..., Any]) -> None:
    author = make_user(Role.COMPLIANCE_OFFICER)
    other = make_user(Role.COMPLIANCE_OFFICER)
    text = "欢迎咨询我们的律所合作项目"
    assert screener_get().screen(text).verdict == "review"
    change = propose(
        author,
        kind="exception",
        phrase="我们的律所合作",
        category="P3",
        exception_categories="p5",
    )
    assert (change.category, change.exception_categories) == ("", "P5")
    services.lexicon_change_approve(actor=other, change=change)
    assert screener_get().screen(text).verdict == "pass"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"category": "P99"}, "phrase"),
        ({"kind": "pattern", "phrase": "(unclosed"}, "phrase"),
        ({"phrase": "！！"}, "phrase"),
        ({"kind": "exception", "exception_categories": "P4,PX"}, "exception_categories"),
    ],
)
def test_invalid_change_is_refused_and_not_stored(
    make_user: Callable[..., Any], overrides: dict[str, Any], field: str
) -> None:
    author = make_user(Role.COMPLIANCE_OFFICER)
    with pytest.raises(ApplicationError) as caught:
        propose(author, **overrides)
    assert field in caught.value.fields
    assert LexiconChange.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_reason_is_required(make_user: Callable[..., Any]) -> None:
    with pytest.raises(ApplicationError) as caught:
        propose(make_user(Role.COMPLIANCE_OFFICER), reason="  ")
    assert list(caught.value.fields) == ["reason"]
