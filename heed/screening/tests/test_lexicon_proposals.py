"""Proposing lexicon changes: gates only where a category can be lawful, patterns that can match
the view they run on, no duplicates or contradictions, phrases in their own language."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone, translation

from heed.audit.models import AuditEvent
from heed.core.errors import ApplicationError
from heed.core.roles import Role
from heed.screening import services
from heed.screening.engine.lexicon import (
    CATEGORY_CODES,
    CATEGORY_GATES,
    DEFAULT_GATES,
    GATES,
    Entry,
    LexiconError,
    load_entries,
    load_lexicon,
    parse_exceptions,
    parse_phrase_file,
    validate_entry,
)
from heed.screening.engine.screener import AccountFacts, Screener
from heed.screening.models import LexiconChange
from heed.screening.pattern_views import view_problem
from heed.screening.selectors import screener_get

LEXICON = Path(services.__file__).parent / "lexicon"
ALWAYS = [code for code in CATEGORY_CODES if code not in CATEGORY_GATES]
EVERY_FACT = AccountFacts(
    litigation_approved=True,
    litigation_filed=True,
    judgment_obtained=True,
    lawyer_instructed=True,
    fees_in_contract=True,
    reports_to_credit_bureau=True,
)


def propose(actor: Any, **overrides: Any) -> LexiconChange:
    arguments: dict[str, Any] = {
        "kind": "phrase",
        "language": "en",
        "phrase": "bring a baseball bat",
        "category": "P1",
        "reason": "threat seen in QA",
    }
    arguments.update(overrides)
    return services.lexicon_change_propose(actor=actor, **arguments)


def refusal(actor: Any, **overrides: Any) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        propose(actor, **overrides)
    return caught.value


def file_line(path: str, line: str) -> int:
    """The line number of ``line`` in a lexicon file (for the messages that name it)."""
    lines = (LEXICON / path).read_text(encoding="utf-8").splitlines()
    return lines.index(line) + 1


def stored(author: Any, approver: Any | None = None, **values: Any) -> LexiconChange:
    """A change as an older version of Heed stored it, before the checks below existed."""
    decided = {"status": "approved", "decided_by": approver, "decided_at": timezone.now()}
    return LexiconChange.objects.create(
        kind=values.pop("kind", "phrase"),
        reason="stored before the checks",
        proposed_by=author,
        **values,
        **(decided if approver else {}),
    )


# --- 1. Gates only where a true statement can be lawful -----------------------------------------

P1_GATE = (
    "P1 (Threats of violence or harm) is always prohibited: no fact about the account makes it "
    "lawful, so it cannot have a gate. Leave the gate empty or choose “Never (always "
    "prohibited)”."
)


@pytest.mark.django_db
def test_a_gate_on_a_threat_is_refused_on_the_gate_field_and_nothing_is_stored(
    make_user: Callable[..., Any],
) -> None:
    author = make_user(Role.COMPLIANCE_OFFICER)
    assert refusal(author, gate="lawyer").fields == {"gate": [P1_GATE]}
    with translation.override("zh-hans"):
        (message,) = refusal(author, gate="lawyer").fields["gate"]
    assert message.startswith("P1（")
    assert "不能设置门控条件" in message
    assert LexiconChange.objects.count() == 0
    assert AuditEvent.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("category", ALWAYS)
@pytest.mark.parametrize("gate", [g for g in GATES if g != "never"])
def test_no_always_category_takes_a_gate(
    make_user: Callable[..., Any], category: str, gate: str
) -> None:
    error = refusal(make_user(Role.COMPLIANCE_OFFICER), category=category, gate=gate)
    assert list(error.fields) == ["gate"]
    assert error.fields["gate"][0].startswith(f"{category} (")


def test_the_always_categories_are_the_ones_rules_md_lists() -> None:
    # RULES.md §Content: P5, P8, P13, P15 are gated; P4, P6 and P10 may be true when a court
    # document or an order is real. Everything else is prohibited whatever the facts.
    assert ALWAYS == ["P1", "P2", "P3", "P7", "P9", "P11", "P12", "P14", "P16", "P17", "P18"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("category", "gate", "allowed"),
    [
        (
            "P8",
            "fee",
            "“A lawyer is instructed”, “Litigation approved”, “Suit filed”, "
            "“Judgment obtained (enforcement)”",
        ),
        ("P13", "lawyer", "“Fee provided in the contract”"),
        (
            "P15",
            "lawsuit",
            "“Creditor reports to credit bureaus”, “Judgment obtained (enforcement)”",
        ),
        ("P10", "filed", "“Judgment obtained (enforcement)”"),
    ],
)
def test_a_gate_that_cannot_make_the_category_true_is_refused(
    make_user: Callable[..., Any], category: str, gate: str, allowed: str
) -> None:
    error = refusal(make_user(Role.COMPLIANCE_OFFICER), category=category, gate=gate)
    assert list(error.fields) == ["gate"]
    assert error.fields["gate"][0].endswith(f"can only be made true by {allowed}.")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("category", "gate"),
    [
        ("P1", "never"),
        ("P1", ""),
        ("P4", "filed"),
        ("P5", "lawyer"),
        ("P6", "enforcement"),
        ("P8", "lawsuit"),
        ("P10", "enforcement"),
        ("P13", "fee"),
        ("P15", "credit"),
    ],
)
def test_fitting_gates_are_accepted(
    make_user: Callable[..., Any], category: str, gate: str
) -> None:
    change = propose(make_user(Role.COMPLIANCE_OFFICER), category=category, gate=gate)
    assert (change.category, change.gate) == (category, gate)


@pytest.mark.django_db
def test_the_baseball_bat_threat_blocks_whatever_the_account_says(
    make_user: Callable[..., Any],
) -> None:
    text = "Our man will bring a baseball bat to your house"
    author, approver = make_user(Role.COMPLIANCE_OFFICER), make_user(Role.COMPLIANCE_OFFICER)
    services.lexicon_change_approve(actor=approver, change=propose(author, gate=""))
    result = screener_get().screen(text, facts=EVERY_FACT)
    assert result.verdict == "block"
    assert [(f.category, f.rule) for f in result.findings] == [
        ("P1", "lex:en:P1:bring a baseball bat")
    ]


def test_the_engine_refuses_a_file_line_with_a_gate_its_category_cannot_have() -> None:
    with pytest.raises(LexiconError, match=r"en/P1.txt:2: gate 'lawyer' on P1"):
        parse_phrase_file(
            "kill you\nbring a baseball bat\tgate=lawyer\n",
            category="P1",
            language="en",
            name="en/P1.txt",
        )
    with pytest.raises(LexiconError, match=r"gate 'credit' does not fit P8 \(use lawyer, "):
        validate_entry(Entry("P8", "en", "we will sue", "credit"))
    validate_entry(Entry("P8", "en", "we will sue", "enforcement"))


def test_every_default_gate_fits_its_category() -> None:
    assert {c: g in CATEGORY_GATES[c] for c, g in DEFAULT_GATES.items()} == {
        "P5": True,
        "P8": True,
        "P13": True,
    }


def test_an_approved_addition_with_a_wrong_gate_is_applied_with_gate_never() -> None:
    threat = Entry("P1", "en", "bring a baseball bat", "lawyer", source="ui:7")
    unfit = Entry("P8", "en", "we will seize your car", "fee", source="ui:8")
    fitting = Entry("P8", "en", "we will garnish your wages", "enforcement", source="ui:9")
    lexicon = load_lexicon(extra_entries=[threat, unfit, fitting])
    assert lexicon.regated == (threat, unfit)
    added = [e for e in lexicon.entries if e.source.startswith("ui:")]
    assert [(e.source, e.gate) for e in added] == [
        ("ui:7", "never"),
        ("ui:8", "never"),
        ("ui:9", "enforcement"),
    ]
    screener = Screener(lexicon)
    assert screener.screen("we will bring a baseball bat", facts=EVERY_FACT).verdict == "block"
    assert screener.screen("we will seize your car", facts=EVERY_FACT).verdict == "block"
    assert screener.screen("we will garnish your wages", facts=EVERY_FACT).verdict == "pass"


@pytest.mark.django_db
def test_a_stored_approved_threat_with_a_gate_blocks_and_the_lexicon_page_says_so(
    make_user: Callable[..., Any], client_for: Callable[..., Client]
) -> None:
    author, approver = make_user(Role.COMPLIANCE_OFFICER), make_user(Role.COMPLIANCE_OFFICER)
    change = stored(
        author,
        approver,
        language="en",
        phrase="bring a baseball bat",
        category="P1",
        gate="lawyer",
    )
    result = screener_get().screen(
        "Our man will bring a baseball bat to your house",
        facts=AccountFacts(lawyer_instructed=True),
    )
    assert result.verdict == "block"
    assert [f.rule for f in result.findings] == ["lex:en:P1:bring a baseball bat"]
    page = client_for(approver).get("/screening/lexicon/").content.decode()
    assert 'id="regated-entries"' in page
    assert f"ui:{change.pk} · en: bring a baseball bat — P1" in page


@pytest.mark.django_db
def test_a_stored_pending_change_with_a_wrong_gate_cannot_be_approved(
    make_user: Callable[..., Any], client_for: Callable[..., Client]
) -> None:
    author, approver = make_user(Role.COMPLIANCE_OFFICER), make_user(Role.COMPLIANCE_OFFICER)
    change = stored(
        author, language="en", phrase="bring a baseball bat", category="P1", gate="lawyer"
    )
    with pytest.raises(ApplicationError) as caught:
        services.lexicon_change_approve(actor=approver, change=change)
    assert caught.value.fields == {"gate": [P1_GATE]}
    change.refresh_from_db()
    assert (change.status, change.decided_by) == ("proposed", None)
    assert AuditEvent.objects.count() == 0
    response = client_for(approver).post(f"/screening/lexicon/{change.pk}/approve/", follow=True)
    assert f"The change is not valid. {P1_GATE}" in response.content.decode()
    services.lexicon_change_reject(actor=approver, change=change, note="gate on a threat")
    change.refresh_from_db()
    assert change.status == "rejected"


@pytest.mark.django_db
def test_the_lexicon_form_shows_the_gate_error_on_the_gate_field(
    make_user: Callable[..., Any], client_for: Callable[..., Client]
) -> None:
    client = client_for(make_user(Role.COMPLIANCE_OFFICER))
    response = client.post(
        "/screening/lexicon/",
        {
            "kind": "phrase",
            "language": "en",
            "phrase": "bring a baseball bat",
            "category": "P1",
            "gate": "lawyer",
            "confidence": "0.95",
            "exception_categories": "",
            "reason": "seen in QA",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {"gate": [P1_GATE]}
    assert LexiconChange.objects.count() == 0


# --- 2. Patterns that can match the view they run on --------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "pattern", "message"),
    [
        (
            "en",
            r"We\s+Will\s+Smash\s+You",
            "Patterns run on the text in lower case, so upper-case letters (W S Y) never match. "
            r"Write it as: we\s+will\s+smash\s+you",
        ),
        (
            "en",
            r"\b[A-Z]{2}\d{6}\b",
            "Patterns run on the text in lower case, so upper-case letters (A-Z) never match. "
            r"Write it as: \b[a-z]{2}\d{6}\b",
        ),
        (
            "en",
            r"(?i)kill\s+ur\s+family",
            "English patterns run on the text with chat abbreviations written out, so the word "
            "“ur” never matches: the text has “your” there. "
            r"Write it as: (?i)kill\s+your\s+family",
        ),
        (
            "en",
            r"\bim gonna\b",
            "English patterns run on the text with chat abbreviations written out, so the word "
            "“im” never matches: the text has “i'm” there. "
            r"Write it as: \bi\x27m going to\b",
        ),
        (
            "en",
            r"\bKill UR\b",
            "Patterns run on the text in lower case, so upper-case letters (K U R) never match. "
            r"Write it as: \bkill your\b",
        ),
        (
            "zh",
            "砸爛你(家|的)",
            "Chinese patterns run on the text in simplified characters, with 你 for 您 and "
            "Cantonese read as Mandarin, so 爛 never matches: the text has 烂 there. "
            "Write it as: 砸烂你(家|的)",
        ),
        (
            "zh",
            "您.{0,4}唔还",
            "Chinese patterns run on the text in simplified characters, with 你 for 您 and "
            "Cantonese read as Mandarin, so 您唔 never matches: the text has 你不 there. "
            "Write it as: 你.{0,4}不还",
        ),
        (
            "zh",
            r"欠钱\s+不还",
            "Chinese patterns run on the text without spaces or punctuation (only Chinese "
            r"characters, letters and digits), so a pattern that needs \s never matches. "
            "Leave it out.",
        ),
        (
            "zh",
            "欠钱，不还",
            "Chinese patterns run on the text without spaces or punctuation (only Chinese "
            "characters, letters and digits), so a pattern that needs ， never matches. "
            "Leave it out.",
        ),
        (
            "en",
            r"\bpay now!",
            "English patterns run on the text as lower-case words (letters, digits and ') "
            "separated by single spaces, with punctuation removed, so a pattern that needs ! "
            "never matches.",
        ),
        (
            "en",
            "(还钱|pay up)",
            "The pattern has Chinese characters (还钱), which English patterns never see: "
            "choose Chinese as the language.",
        ),
        # One alternative of a group that can never match, while the others can: what it was
        # written for is silently missed (the Latin view joins hyphenated words).
        (
            "en",
            r"\b(boss|mother-in-law|partner) might like to know\b",
            "The alternative “mother-in-law” never matches, because the text never has - "
            "there: the text has “motherinlaw”. "
            r"Write it as: \b(boss|motherinlaw|partner) might like to know\b",
        ),
        (
            "en",
            r"\b(his|her) (past due|past-due) balance\b",
            "The alternative “past-due” never matches, because the text never has - there: "
            "the text has “pastdue”. "
            r"Write it as: \b(his|her) (past due|pastdue) balance\b",
        ),
        (  # as the view writes it, it is another alternative already: left out
            "en",
            r"\b(lawyers|l@wyerz|lawyerz) have it\b",
            "The alternative “l@wyerz” never matches, because the text never has @ there: the "
            r"text has “lawyerz”. Write it as: \b(lawyers|lawyerz) have it\b",
        ),
        (
            "zh",
            "我是(gongan|gong an|公安)局",
            "The alternative “gong an” never matches, because the text never has a space "
            "there: the text has “gongan”. Write it as: 我是(gongan|公安)局",
        ),
        (  # not plain text: no corrected form
            "en",
            r"\beven a (\d+-year-old|child) could\b",
            "One alternative of a group needs -, which the text never has there, so it never "
            "matches. Write it without - or leave it out.",
        ),
    ],
)
def test_a_pattern_that_can_never_match_its_view_is_refused_with_the_corrected_form(
    make_user: Callable[..., Any], language: str, pattern: str, message: str
) -> None:
    error = refusal(
        make_user(Role.COMPLIANCE_OFFICER),
        kind="pattern",
        language=language,
        phrase=pattern,
        category="P1",
    )
    assert error.fields == {"phrase": [message]}
    assert LexiconChange.objects.count() == 0


def short_form_message(word: str, full: str, corrected: str) -> str:
    return (
        "English patterns run on the text with chat abbreviations written out, so the word "
        f"“{word}” never matches: the text has “{full}” there. Write it as: {corrected}"
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("pattern", "word", "full", "corrected"),
    [
        # at the pattern's own start, without \b or ^ (was accepted and never matched)
        ("gonna (kill|hurt)", "gonna", "going to", "going to (kill|hurt)"),
        (r"gonna\s+(kill|hurt)", "gonna", "going to", r"going to\s+(kill|hurt)"),
        (r"^gonna (kill|hurt)", "gonna", "going to", r"^going to (kill|hurt)"),
        (r"\bgonna (kill|hurt)", "gonna", "going to", r"\bgoing to (kill|hurt)"),
        # in the middle, and at the end with or without \b or $
        ("we are gonna hurt", "gonna", "going to", "we are going to hurt"),
        ("pay now pls", "pls", "please", "pay now please"),
        (r"pay now pls\b", "pls", "please", r"pay now please\b"),
        ("pay now pls$", "pls", "please", "pay now please$"),
        ("(kill|hurt) ur fam tmrw", "ur", "your", "(kill|hurt) your family tomorrow"),
    ],
)
def test_an_abbreviation_the_view_writes_out_is_refused_wherever_it_stands(
    make_user: Callable[..., Any], pattern: str, word: str, full: str, corrected: str
) -> None:
    error = refusal(
        make_user(Role.COMPLIANCE_OFFICER),
        kind="pattern",
        language="en",
        phrase=pattern,
        category="P1",
    )
    assert error.fields == {"phrase": [short_form_message(word, full, corrected)]}
    assert LexiconChange.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "pattern"),
    [
        ("en", r"\bpay\S{0,3} now\b"),  # \S, \W, \D, \B, \b are classes and assertions
        ("en", r"\bdebt\W{1,2}\D{0,5}\bnow\b"),
        ("en", r"\Bfully paid\b"),
        ("en", r"(?i)\bWe will smash you\b"),  # ignoring case, upper case matches
        ("en", r"\b(your|ur) debt collector\b"),  # "your" can match
        ("en", r"\bkill\s+your\s+family\b"),
        ("en", r"\bi\x27m coming\b"),
        ("zh", r"砸烂你(家|的)"),
        ("zh", "(电话|電話)打爆"),  # the traditional spelling beside the simplified one
        ("zh", r"欠钱\s*不还"),  # \s may take nothing
        ("zh", "2b青年"),
        # at the pattern's own edge an abbreviation may be part of a longer word: "kill u"
        # matches "kill us", "\bbro" matches "brother"
        ("en", r"\bkill u"),
        ("en", r"\bbro"),
        ("en", "gonnabe"),
        ("en", r"\b(your|ur) boss\b"),  # a short form beside its written-out word is harmless
        ("en", r"\b(in|motherinlaw) law\b"),
    ],
)
def test_patterns_that_can_match_their_view_are_accepted(
    make_user: Callable[..., Any], language: str, pattern: str
) -> None:
    change = propose(
        make_user(Role.COMPLIANCE_OFFICER),
        kind="pattern",
        language=language,
        phrase=pattern,
        category="P1",
    )
    assert change.phrase == pattern


def test_every_shipped_lexicon_pattern_can_match_its_view() -> None:
    patterns = [
        (path.parent.name, path.name, line.partition("\t")[0][3:])
        for path in sorted(LEXICON.glob("*/P*.txt"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith("re:")
    ]
    assert len(patterns) > 900
    refused = [(name, p, view_problem(p, lang)) for lang, name, p in patterns]
    assert [item for item in refused if item[2]] == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "pattern", "text"),
    [
        ("en", r"we\s+will\s+smash\s+you", "We Will Smash You"),
        ("en", r"(?i)torch\s+your\s+family", "we will torch ur family car"),
        ("zh", "砸烂你(家|的)", "我们会砸爛您家"),
    ],
)
def test_the_corrected_pattern_catches_the_message_the_original_missed(
    make_user: Callable[..., Any], language: str, pattern: str, text: str
) -> None:
    author, approver = make_user(Role.COMPLIANCE_OFFICER), make_user(Role.COMPLIANCE_OFFICER)
    assert screener_get().screen(text).verdict != "block"
    change = propose(author, kind="pattern", language=language, phrase=pattern, category="P1")
    services.lexicon_change_approve(actor=approver, change=change)
    result = screener_get().screen(text)
    assert result.verdict == "block"
    assert [f.rule for f in result.findings if f.decision == "block"] == [
        f"pattern:{language}:P1:{pattern}"
    ]


@pytest.mark.django_db
def test_a_stored_pattern_that_never_matches_cannot_be_approved(
    make_user: Callable[..., Any],
) -> None:
    author, approver = make_user(Role.COMPLIANCE_OFFICER), make_user(Role.COMPLIANCE_OFFICER)
    change = stored(
        author, kind="pattern", language="en", phrase=r"We\s+Will\s+Smash\s+You", category="P1"
    )
    with pytest.raises(ApplicationError) as caught:
        services.lexicon_change_approve(actor=approver, change=change)
    assert list(caught.value.fields) == ["phrase"]
    change.refresh_from_db()
    assert change.status == "proposed"


# --- 3. Duplicates and contradictions ------------------------------------------------------------


@pytest.mark.django_db
def test_the_same_proposal_twice_is_refused_naming_the_pending_change(
    make_user: Callable[..., Any],
) -> None:
    author = make_user(Role.COMPLIANCE_OFFICER)
    first = propose(author)
    proposed_at = timezone.localtime(first.proposed_at).strftime("%Y-%m-%d %H:%M")
    # The same phrase as the screener reads it: case and spacing do not matter.
    error = refusal(make_user(Role.COMPLIANCE_OFFICER), phrase="Bring a  BASEBALL bat")
    assert (error.code, error.status) == ("duplicate", 409)
    assert error.fields == {
        "phrase": [
            "A change to the same phrase is already waiting for approval: bring a baseball bat "
            f"(P1 (Threats of violence or harm), proposed by {author} on {proposed_at}). It "
            "must be decided first."
        ]
    }
    assert list(LexiconChange.objects.values_list("pk", flat=True)) == [first.pk]
    assert AuditEvent.objects.count() == 1


@pytest.mark.django_db
def test_a_pending_change_in_another_category_blocks_a_second_one(
    make_user: Callable[..., Any],
) -> None:
    propose(make_user(Role.COMPLIANCE_OFFICER))
    error = refusal(make_user(Role.COMPLIANCE_OFFICER), category="P18")
    assert error.code == "duplicate"
    assert "already waiting for approval" in error.fields["phrase"][0]
    assert LexiconChange.objects.count() == 1


@pytest.mark.django_db
def test_the_database_allows_one_pending_change_per_key(make_user: Callable[..., Any]) -> None:
    author = make_user(Role.COMPLIANCE_OFFICER)
    values = {"kind": "phrase", "language": "en", "phrase": "x", "category": "P1"}
    LexiconChange.objects.create(
        match_key="bring a baseball bat", reason="a", proposed_by=author, **values
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        LexiconChange.objects.create(
            match_key="bring a baseball bat", reason="b", proposed_by=author, **values
        )
    # Decided changes and changes stored before the key existed are not counted.
    LexiconChange.objects.create(match_key="", reason="c", proposed_by=author, **values)
    LexiconChange.objects.create(match_key="", reason="d", proposed_by=author, **values)
    assert LexiconChange.objects.count() == 3


@pytest.mark.django_db
def test_a_proposal_stores_the_key_the_screener_matches(make_user: Callable[..., Any]) -> None:
    author = make_user(Role.COMPLIANCE_OFFICER)
    assert propose(author, phrase="Bring a  Baseball-Bat").match_key == "bring a baseballbat"
    assert propose(author, phrase="*Baseballer", category="P3").match_key == "*baseballer"
    assert propose(author, kind="pattern", phrase=r"\bbat\b", category="P3").match_key == r"\bbat\b"


@pytest.mark.django_db
def test_a_phrase_the_lexicon_has_under_another_category_is_refused_naming_it(
    make_user: Callable[..., Any],
) -> None:
    author = make_user(Role.COMPLIANCE_OFFICER)
    error = refusal(author, language="zh", phrase="老赖", category="P1")
    line = file_line("zh/P3.txt", "老赖")
    assert error.fields == {
        "phrase": [
            "This is already in the lexicon under P3 (Insults, obscenity, degrading labels) "
            f"(lexicon file zh/P3.txt, line {line}). A phrase has one category: to move it, that "
            "entry must be changed."
        ]
    }
    assert LexiconChange.objects.count() == 0
    result = screener_get().screen("你这个老赖")
    assert [f.category for f in result.findings] == ["P3"]


@pytest.mark.django_db
@pytest.mark.parametrize("phrase", ["老lai", "lao赖", "老來", "劳赖"])
def test_a_chinese_phrase_that_reads_as_one_in_another_category_is_refused_naming_it(
    make_user: Callable[..., Any], phrase: str
) -> None:
    # The screener matches 老lai to 老赖 (P3) by pinyin: a P9 老lai would fire beside it.
    author = make_user(Role.COMPLIANCE_OFFICER)
    line = file_line("zh/P3.txt", "老赖")
    error = refusal(author, language="zh", phrase=phrase, category="P9")
    assert error.code == "duplicate"
    assert error.fields == {
        "phrase": [
            f"{phrase} reads the same as 老赖, already in the lexicon under P3 (Insults, "
            f"obscenity, degrading labels) (lexicon file zh/P3.txt, line {line}): the screener "
            "matches either spelling as the other, so both would fire. A phrase has one "
            "category: to move it, that entry must be changed."
        ]
    }
    with translation.override("zh-hans"):
        chinese = refusal(author, language="zh", phrase=phrase, category="P9")
    assert "老赖" in chinese.fields["phrase"][0]
    assert "reads the same" not in chinese.fields["phrase"][0]
    assert LexiconChange.objects.count() == 0
    assert [f.category for f in screener_get().screen(f"你这个{phrase}").findings] == ["P3"]


@pytest.mark.django_db
def test_a_chinese_phrase_reading_differently_from_the_lexicon_is_not_refused_for_its_reading(
    make_user: Callable[..., Any],
) -> None:
    change = propose(
        make_user(Role.COMPLIANCE_OFFICER), language="zh", phrase="蓝鲸lai", category="P9"
    )
    assert change.phrase == "蓝鲸lai"


@pytest.mark.django_db
def test_a_phrase_the_lexicon_has_in_the_same_category_is_refused(
    make_user: Callable[..., Any],
) -> None:
    author = make_user(Role.COMPLIANCE_OFFICER)
    line = file_line("zh/P3.txt", "老赖")
    assert refusal(author, language="zh", phrase="老 赖", category="P3").fields == {
        "phrase": [
            "This is already in the lexicon under P3 (Insults, obscenity, degrading labels) "
            f"(lexicon file zh/P3.txt, line {line})."
        ]
    }
    line = file_line("zh/P8.txt", "告你\tgate=lawsuit")
    assert refusal(
        author, language="zh", phrase="告你", category="P8", gate="enforcement"
    ).fields == {
        "phrase": [
            "This is already in the lexicon under P8 (Threatened action that is unlawful or not "
            "intended) with the gate “Litigation approved” (lexicon file zh/P8.txt, line "
            f"{line}); a second entry with another gate would contradict it."
        ]
    }
    pattern = (LEXICON / "en/P1.txt").read_text(encoding="utf-8").splitlines()[31][3:]
    error = refusal(author, kind="pattern", phrase=pattern, category="P1")
    assert error.fields["phrase"][0].endswith("(lexicon file en/P1.txt, line 32).")
    error = refusal(author, kind="exception", phrase="Skill", category="", language="en")
    assert error.fields == {
        "phrase": [
            "This exception is already in the lexicon (lexicon file exceptions.txt, "
            f"line {file_line('exceptions.txt', 'skill')})."
        ]
    }
    assert LexiconChange.objects.count() == 0


@pytest.mark.django_db
def test_an_approved_change_is_not_proposed_again(make_user: Callable[..., Any]) -> None:
    author, approver = make_user(Role.COMPLIANCE_OFFICER), make_user(Role.COMPLIANCE_OFFICER)
    change = services.lexicon_change_approve(actor=approver, change=propose(author))
    error = refusal(author)
    assert error.fields == {
        "phrase": [
            "This is already in the lexicon under P1 (Threats of violence or harm) (approved "
            f"change #{change.pk})."
        ]
    }


@pytest.mark.django_db
def test_of_two_duplicates_stored_before_the_check_only_one_can_be_approved(
    make_user: Callable[..., Any],
) -> None:
    author, approver = make_user(Role.COMPLIANCE_OFFICER), make_user(Role.COMPLIANCE_OFFICER)
    values = {"language": "en", "phrase": "bring a baseball bat", "category": "P1"}
    first, second = stored(author, **values), stored(author, **values)
    services.lexicon_change_approve(actor=approver, change=first)
    with pytest.raises(ApplicationError) as caught:
        services.lexicon_change_approve(actor=approver, change=second)
    assert caught.value.code == "duplicate"
    second.refresh_from_db()
    assert second.status == "proposed"
    assert list(LexiconChange.objects.approved()) == [first]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_double_click_creates_one_pending_change(make_user: Callable[..., Any]) -> None:
    import threading

    from django.db import connection

    author = make_user(Role.COMPLIANCE_OFFICER)
    screener_get()  # built once, before the race
    barrier = threading.Barrier(4)
    created: list[int] = []
    refused: list[str] = []
    failures: list[BaseException] = []

    def click() -> None:
        try:
            barrier.wait()
            created.append(propose(author).pk)
        except ApplicationError as exc:
            refused.append(exc.code)
        except BaseException as exc:  # noqa: BLE001
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(created) == 1
    assert refused == ["duplicate"] * 3
    assert list(LexiconChange.objects.values_list("pk", flat=True)) == created


# --- 4. The language a phrase is written in; regular-expression errors in the user's language --


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("phrase", "kind"), [("砸烂你家", "phrase"), ("老lai", "phrase"), ("执行自动还款", "exception")]
)
def test_a_chinese_phrase_proposed_as_english_says_so(
    make_user: Callable[..., Any], phrase: str, kind: str
) -> None:
    author = make_user(Role.COMPLIANCE_OFFICER)
    error = refusal(author, phrase=phrase, kind=kind, category="" if kind == "exception" else "P1")
    assert error.fields == {
        "language": ["The phrase is in Chinese: choose Chinese as the language."]
    }
    with translation.override("zh-hans"):
        error = refusal(author, phrase=phrase, kind=kind, category="P1")
    assert error.fields == {"language": ["该词语是中文：请将语言选为中文。"]}


LATIN_IN_CHINESE = (
    "The phrase has no Chinese characters. For an English word choose English as the language "
    "(English phrases are matched in Chinese texts too). Chinese phrases take Latin letters "
    "only as abbreviations of pinyin initials such as sb or nmsl; write other words in Chinese "
    "characters (their pinyin is matched automatically)."
)


@pytest.mark.django_db
@pytest.mark.parametrize("phrase", ["deadbeat", "laolai", "Dead beat"])
def test_a_latin_word_proposed_as_chinese_is_refused(
    make_user: Callable[..., Any], phrase: str
) -> None:
    error = refusal(make_user(Role.COMPLIANCE_OFFICER), language="zh", phrase=phrase, category="P3")
    assert error.fields == {"language": [LATIN_IN_CHINESE]}
    assert LexiconChange.objects.count() == 0


def test_every_shipped_lexicon_line_would_pass_as_a_proposal() -> None:
    """The checks a proposal goes through (language, gate, confidence, pattern and its view,
    exception categories) over every line of the shipped phrase files and exceptions.txt, so
    the files never hold what a compliance officer could not propose. (Duplicates are not
    asked: each line is in the lexicon already. context.tsv is not proposed in the UI.)"""
    entries = load_entries()
    exceptions = parse_exceptions((LEXICON / "exceptions.txt").read_text(encoding="utf-8"))
    assert (len(entries) > 2000, len(exceptions) > 100) == (True, True)
    proposals = [
        (
            entry.source,
            {
                "kind": "pattern" if entry.is_pattern else "phrase",
                "language": entry.language,
                "phrase": entry.phrase.strip(),
                "category": entry.category,
                "gate": entry.gate,
                "confidence": entry.confidence,
                "exception_categories": "",
            },
        )
        for entry in entries
    ] + [
        (
            exception.source,
            {
                "kind": "exception",
                "language": exception.language,
                "phrase": exception.phrase,
                "category": "",
                "gate": "",
                "confidence": 0.95,
                "exception_categories": ",".join(sorted(exception.categories)),
            },
        )
        for exception in exceptions
    ]
    refused = []
    for source, values in proposals:
        try:
            services._validate_change(**values)
        except ApplicationError as error:
            refused.append((source, values["phrase"], error.fields))
    assert refused == []


@pytest.mark.django_db
@pytest.mark.parametrize("phrase", ["mdzz", "nmb", "2bqn", "老lai子"])
def test_pinyin_initials_and_mixed_phrases_are_accepted_as_chinese(
    make_user: Callable[..., Any], phrase: str
) -> None:
    change = propose(
        make_user(Role.COMPLIANCE_OFFICER), language="zh", phrase=phrase, category="P3"
    )
    assert (change.language, change.phrase) == ("zh", phrase)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("pattern", "english", "chinese"),
    [
        (
            "(owe",
            "missing ), unterminated subpattern (at position 0)",
            "缺少 )，子模式未闭合（位置 0）",
        ),
        ("[abc", "unterminated character set (at position 0)", "字符集未闭合（位置 0）"),
        ("*x", "nothing to repeat (at position 0)", "没有可重复的内容（位置 0）"),
        (r"\q", r"bad escape \q (at position 0)", r"无效的转义 \q（位置 0）"),
        ("a)", "unbalanced parenthesis (at position 1)", "括号不配对（位置 1）"),
        ("a**", "multiple repeat (at position 2)", "重复符号连用（位置 2）"),
        (
            "a{2,1}",
            "min repeat greater than max repeat (at position 2)",
            "重复次数的最小值大于最大值（位置 2）",
        ),
        ("(?<x)", "unknown extension ?<x (at position 1)", "未知的扩展语法 ?<x（位置 1）"),
        ("[z-a]", "bad character range z-a (at position 1)", "无效的字符范围 z-a（位置 1）"),
    ],
)
def test_regular_expression_errors_are_shown_in_the_users_language(
    make_user: Callable[..., Any], pattern: str, english: str, chinese: str
) -> None:
    author = make_user(Role.COMPLIANCE_OFFICER)
    error = refusal(author, kind="pattern", phrase=pattern)
    assert error.fields == {"phrase": [f"Not a valid pattern: {english}."]}
    with translation.override("zh-hans"):
        error = refusal(author, kind="pattern", phrase=pattern)
    assert error.fields == {"phrase": [f"不是有效的正则表达式：{chinese}。"]}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("pattern", "english", "chinese"),
    [
        # Python's parser raises OverflowError, not re.error, for these (it was an HTTP 500).
        (
            "a{1,99999999999}",
            "the repetition number is too large",
            "重复次数过大",
        ),
        (
            "(a|a)*b{1,4294967296}",
            "the repetition number is too large",
            "重复次数过大",
        ),
        ("a{4294967295}", "the repetition number is too large", "重复次数过大"),
        (r"[\U99999999]", "a character code is too large", "字符编码过大"),
        # ValueError from the parser
        (
            "(?a)(?u)a",
            "ASCII and UNICODE flags are incompatible",
            "ASCII 与 UNICODE 标志不能同时使用",
        ),
        # RecursionError
        ("(" * 2000 + "a" + ")" * 2000, "too deeply nested", "嵌套层次过深"),
    ],
)
def test_patterns_the_parser_refuses_with_other_exceptions_are_a_field_error(
    make_user: Callable[..., Any], pattern: str, english: str, chinese: str
) -> None:
    author = make_user(Role.COMPLIANCE_OFFICER)
    error = refusal(author, kind="pattern", phrase=pattern)
    assert error.fields == {"phrase": [f"Not a valid pattern: {english}."]}
    with translation.override("zh-hans"):
        error = refusal(author, kind="pattern", phrase=pattern)
    assert error.fields == {"phrase": [f"不是有效的正则表达式：{chinese}。"]}
    assert LexiconChange.objects.count() == 0


@pytest.mark.django_db
def test_lexicon_form_shows_a_too_large_repeat_on_the_phrase_instead_of_failing(
    make_user: Callable[..., Any], client_for: Callable[..., Client]
) -> None:
    client = client_for(make_user(Role.COMPLIANCE_OFFICER))
    response = client.post(
        "/screening/lexicon/",
        {
            "kind": "pattern",
            "language": "en",
            "phrase": "a{1,99999999999}",
            "category": "P1",
            "gate": "",
            "confidence": "0.9",
            "reason": "audit",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "phrase": ["Not a valid pattern: the repetition number is too large."]
    }
    assert LexiconChange.objects.count() == 0


@pytest.mark.django_db
def test_a_phrase_of_symbols_can_be_proposed_and_screens_once_approved(
    make_user: Callable[..., Any],
) -> None:
    author = make_user(Role.COMPLIANCE_OFFICER)
    approver = make_user(Role.COMPLIANCE_OFFICER)
    assert not [
        f for f in screener_get().screen("Pay up or 🧟", language="en").findings if f.match == "🧟"
    ]
    change = propose(author, phrase="🧟", category="P1", reason="zombie emoji used as a threat")
    services.lexicon_change_approve(actor=approver, change=change)
    [finding] = screener_get().screen("Pay up or 🧟", language="en").findings
    assert (finding.category, finding.match) == ("P1", "🧟")
    assert finding.rule.startswith("symbol:en:P1:🧟")
    error = refusal(author, phrase="🧟" * 9, category="P1")
    assert error.fields == {"phrase": ["A phrase of symbols only has at most 8 characters."]}
