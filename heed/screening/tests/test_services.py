from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import translation

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
        ({"category": "P99"}, "category"),
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


@pytest.mark.parametrize("kind", ["phrase", "pattern"])
def test_phrase_or_pattern_without_a_category_is_refused_on_the_category_field(
    make_user: Callable[..., Any], kind: str
) -> None:
    author = make_user(Role.COMPLIANCE_OFFICER)
    with pytest.raises(ApplicationError) as caught:
        propose(author, kind=kind, phrase="蓝鲸卡", category="")
    assert caught.value.fields == {"category": ["Choose a category."]}
    with translation.override("zh-hans"), pytest.raises(ApplicationError) as caught:
        propose(author, kind=kind, phrase="蓝鲸卡", category="")
    assert caught.value.fields == {"category": ["请选择类别。"]}
    assert LexiconChange.objects.count() == 0


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("(unclosed", "Not a valid pattern: missing ), unterminated subpattern (at position 0)."),
        ("a{2,1}", "Not a valid pattern: min repeat greater than max repeat (at position 2)."),
        ("*x", "Not a valid pattern: nothing to repeat (at position 0)."),
    ],
)
def test_a_pattern_that_does_not_parse_gets_a_clear_message_on_the_phrase(
    make_user: Callable[..., Any], pattern: str, message: str
) -> None:
    with pytest.raises(ApplicationError) as caught:
        propose(make_user(Role.COMPLIANCE_OFFICER), kind="pattern", language="en", phrase=pattern)
    assert caught.value.fields == {"phrase": [message]}
    assert LexiconChange.objects.count() == 0


BACKTRACKING = (
    "This pattern could take very long to run: a repeat (*, +, {n,}) contains another "
    "open-ended repeat or alternatives, or two open-ended repeats can take the same "
    "characters. Bound the repeats (e.g. .{0,20}) or make the parts exclusive."
)
MATCHES_NOTHING = "The pattern must match at least one character; it can match nothing."
LONG_RUN = (
    "This pattern slows down on long texts: an open-ended repeat (*, +, {n,}) of single "
    "characters can be entered from many places of a long run of those characters, and each is "
    "walked to the end. Bound the repeat (e.g. [a-z]{1,20}), or put before it a character it "
    "cannot take, or a word boundary (\\b) if it takes only letters and digits."
)


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("(a|aa)+$", BACKTRACKING),  # took 15 s on 38 characters once approved
        ("(a+)+b", BACKTRACKING),
        (r"(\w+\s?)*$", BACKTRACKING),
        (r"(?:pay|repay)*now", BACKTRACKING),
        (r"(x.*){12}y", BACKTRACKING),
        (r"((a|b)c+)+d", BACKTRACKING),
        (r"\bowe\b.*.*\bnow\b", BACKTRACKING),
        (r"(\w+\s?){0,3}x", BACKTRACKING),
        # Each start walks the rest of a long run: 0.2-0.6 s on 10,000 characters.
        (r"[a-z]+\d+", LONG_RUN),
        (r"(a|b)+x", LONG_RUN),
        (r"\w+@", LONG_RUN),
        (r".*x", LONG_RUN),
        (r"\bpay\b.*\bnow\b", LONG_RUN),  # on "pay pay pay …"
        (r"\b\d[\d,.]*\s+fees?\b", LONG_RUN),  # on "1,1,1,…": \b before every digit
        (r"(owe|\w+)s\b", LONG_RUN),  # a run inside an alternative
        (r"[a-z]+$", LONG_RUN),
        ("a{0}", MATCHES_NOTHING),
        ("(?i)", MATCHES_NOTHING),
        ("x?", MATCHES_NOTHING),
        (r"\b", MATCHES_NOTHING),
        ("(?=debt)", MATCHES_NOTHING),
    ],
)
def test_a_pattern_that_can_hang_or_match_nothing_is_refused_and_not_stored(
    make_user: Callable[..., Any], pattern: str, message: str
) -> None:
    with pytest.raises(ApplicationError) as caught:
        propose(make_user(Role.COMPLIANCE_OFFICER), kind="pattern", language="en", phrase=pattern)
    assert caught.value.fields == {"phrase": [message]}
    assert LexiconChange.objects.count() == 0
    assert AuditEvent.objects.count() == 0


@pytest.mark.parametrize(
    ("language", "pattern"),
    [
        ("en", r"\b(pay|cover) (his|her) debt\b"),
        ("zh", "你.{0,6}欠"),
        ("en", r"\bmake\s+your\s+life\s+(very\s+)?(painful|hell)\b"),
        ("en", r"\b\d[\d,.]{0,24}\s+(\w+\s+){0,2}fees?\b"),
        ("en", r"\b\w+ owes us\b"),  # a word boundary before a run of word characters
        ("en", r"^\w+ owes\b"),
        ("en", r"\bshould\s+see\b"),  # the run cannot take the word before it
        ("zh", "欠.{0,200}钱"),
        ("en", r"\b(very |really |so ){0,3}sorry\b"),
        ("zh", "(家人|同事|朋友).{0,10}(知道|曝光)"),
        ("en", r"\b[a-z]{2}\d{6}\b"),  # the view is lower case: [A-Z] never matches
    ],
)
def test_ordinary_patterns_are_accepted(
    make_user: Callable[..., Any], language: str, pattern: str
) -> None:
    change = propose(
        make_user(Role.COMPLIANCE_OFFICER), kind="pattern", language=language, phrase=pattern
    )
    assert (change.kind, change.phrase, change.category) == ("pattern", pattern, "P14")


def test_every_shipped_lexicon_pattern_passes_the_proposal_check() -> None:
    from pathlib import Path

    from heed.screening.patterns import pattern_problem

    folder = Path(services.__file__).parent / "lexicon"
    patterns = [
        (path.name, line.partition("\t")[0][3:])
        for path in sorted(folder.glob("*/P*.txt"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith("re:")
    ]
    assert len(patterns) > 900
    refused = [(name, p, pattern_problem(p)) for name, p in patterns if pattern_problem(p)]
    assert refused == []
