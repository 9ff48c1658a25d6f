"""The pattern prefilter's key index (``prefilter.runnable_patterns``) picks exactly the patterns
the check of every group picked, and patterns searched from their anchors' places in a long text
(``anchors.anchored_matches``) give exactly ``finditer``'s matches; the screener's findings on
long transcripts stay what they were."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from heed.screening.engine.anchors import (
    ANCHORED_MIN_ANCHORS,
    ANCHORED_MIN_LENGTH,
    anchored_matches,
    boundary_matches,
    pattern_matches,
    required_literals,
)
from heed.screening.engine.evaluation import DATA_DIR, load_labelled
from heed.screening.engine.lexicon import Lexicon, load_lexicon
from heed.screening.engine.normalize import build_views
from heed.screening.engine.prefilter import pattern_index, runnable_patterns
from heed.screening.engine.screener import PASS, Screener

READABLE_SETS = ("training_v2.csv", "training_v21.csv", "holdout_v1.csv", "holdout_v2.csv")


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return load_lexicon()


def readable_texts() -> list[str]:
    texts: list[str] = []
    for name in READABLE_SETS:
        texts += [message.text for message in load_labelled(DATA_DIR / name)]
    return texts


def transcripts(texts: list[str]) -> list[str]:
    """The messages joined into call-transcript-sized texts."""
    return ["\n".join(texts[start : start + 60]) for start in range(0, len(texts), 60)]


def every_group_check(
    lexicon: Lexicon, language: str, found: set[int], view_texts: list[str]
) -> set[int]:
    """The reference: one-character strings' groups added to the ids found, then every pattern
    whose groups are all found (the screener's former loop)."""
    found = set(found)
    characters = lexicon.prefilter_characters.get(language, {})
    for character in characters.keys() & set("".join(view_texts)):
        found.update(characters[character])
    runnable = set(lexicon.unfiltered.get(language, ()))
    for number, groups in enumerate(lexicon.pattern_groups):
        if groups and lexicon.patterns[number][1].language == language and groups <= found:
            runnable.add(number)
    return runnable


def scanned_ids(lexicon: Lexicon, language: str, text: str) -> set[int]:
    found: set[int] = set()
    for _end, (_phrases, ids) in lexicon.scan_automata[language].iter(text):
        found.update(ids)
    return found


def test_runnable_patterns_equal_the_check_of_every_group(lexicon: Lexicon) -> None:
    texts = readable_texts()
    compared = runnable = 0
    for text in texts + transcripts(texts):
        views = build_views(text)
        for language, view_texts in (
            ("zh", [view.text for view in views.all_cjk()]),
            ("en", [view.text for view in views.all_latin()]),
        ):
            found: set[int] = set()
            for view_text in view_texts:
                found |= scanned_ids(lexicon, language, view_text)
            expected = every_group_check(lexicon, language, found, view_texts)
            assert set(runnable_patterns(lexicon, language, found, view_texts)) == expected
            compared += 1
            runnable += len(expected)
    assert compared > 1000 and runnable > 1000


def test_runnable_patterns_need_every_group_not_only_the_key(lexicon: Lexicon) -> None:
    number = next(
        number
        for number, (pattern, entry) in enumerate(lexicon.patterns)
        if entry.language == "en"
        and pattern.pattern.startswith(r"\b(let|tell|show|make sure)\s+(all\s+)?(of\s+)?your")
    )
    threat = " tell all your friends know "
    assert number in runnable_patterns(lexicon, "en", scanned_ids(lexicon, "en", threat), [threat])
    # The same words without "your": the key group may be present, the pattern cannot match.
    lawful = " tell all the friends know "
    found = scanned_ids(lexicon, "en", lawful)
    assert number not in runnable_patterns(lexicon, "en", found, [lawful])
    assert number not in every_group_check(lexicon, "en", found, [lawful])


def test_pattern_index_is_built_once_per_lexicon(lexicon: Lexicon) -> None:
    assert pattern_index(lexicon) is pattern_index(lexicon)


@pytest.mark.parametrize(
    ("pattern", "anchors", "text"),
    [
        # Overlapping anchors; a match inside another's span is not looked for again.
        (r"(ab|abc|bc)c+", {"ab", "abc", "bc"}, "xabccc abcbc bcc ab"),
        # A look-behind and \b see the text before the place tried.
        (r"\b(kill|hurt|harm)\b", {"kill", "hurt", "harm"}, "skill kill hurts hurt harm"),
        (r"(?<!not )(sue|jail|arrest)", {"sue", "jail", "arrest"}, "not sue; sue jail not jail"),
        # Ideographs, and a match that runs on over the next anchor.
        (r"(弄|搞|打)(死|残)(你|他)?", {"弄", "搞", "打"}, "我弄死你打残他搞搞死"),
        (r"(我|你|他).{0,3}(死)", {"我", "你", "他"}, "我你他死你死了他"),
    ],
)
def test_anchored_matches_equal_finditer(pattern: str, anchors: set[str], text: str) -> None:
    compiled = re.compile(pattern)
    long_text = (text + " " + "-" * 400 + " ") * 5  # the anchors not too dense to be used
    expected = [match.span() for match in compiled.finditer(long_text)]
    found = anchored_matches(compiled, frozenset(anchors), long_text)
    assert found is not None
    assert [match.span() for match in found] == expected
    assert [match.groups() for match in found] == [
        match.groups() for match in compiled.finditer(long_text)
    ]


def test_anchored_matches_give_way_when_the_anchors_are_everywhere() -> None:
    compiled = re.compile(r"(a|b|c)d")
    assert anchored_matches(compiled, frozenset("abc"), "abc " * 400) is None
    # pattern_matches then searches as finditer does.
    text = "abc " * 400 + "ad"
    matches = pattern_matches(compiled, None, frozenset("abc"), text)
    assert [match.span() for match in matches] == [(len(text) - 2, len(text))]


def test_lexicon_patterns_match_the_same_from_their_anchors(lexicon: Lexicon) -> None:
    compared = matched = 0
    for text in transcripts(readable_texts()):
        views = build_views(text)
        for number, (pattern, entry) in enumerate(lexicon.patterns):
            anchors = lexicon.pattern_anchors[number]
            if anchors is None or len(anchors) < ANCHORED_MIN_ANCHORS:
                continue
            view = views.cjk.text if entry.language == "zh" else views.latin.text
            if len(view) < ANCHORED_MIN_LENGTH:
                continue
            rest = lexicon.boundary_free[number]
            plain = pattern.finditer(view) if rest is None else boundary_matches(rest, view)
            expected = [match.span() for match in plain]
            found = anchored_matches(pattern, anchors, view)
            if found is None:
                continue
            assert [match.span() for match in found] == expected, pattern.pattern
            compared += 1
            matched += len(expected)
    assert compared > 1000 and matched > 10


LAWFUL_LINES = [
    "[00:01] Agent: Good morning, this is Sam calling from Acme Collections.",
    "[00:09] Customer: Hi, yes, I got your letter about the balance.",
    "[00:15] Agent: Thank you. Can you confirm your date of birth for me, please?",
    "[00:22] Customer: Sure, it is the fourth of May.",
    "[00:30] Agent: Thanks. Your balance is 420 pounds; would a payment plan help you?",
    "[00:41] Customer: Yes, I could manage 40 a month from next week.",
]


def long_call(line: str) -> tuple[str, int]:
    """A transcript longer than ``ANCHORED_MIN_LENGTH`` with ``line`` in its middle, and where
    the line starts."""
    before = "\n".join(LAWFUL_LINES * 4)
    text = f"{before}\n[02:10] Agent: {line}\n" + "\n".join(LAWFUL_LINES * 4)
    assert len(text) > 2 * ANCHORED_MIN_LENGTH
    return text, len(before) + len("\n[02:10] Agent: ")


def test_threat_to_tell_the_debtors_friends_in_a_long_call_is_found(lexicon: Lexicon) -> None:
    line = "Pay today or I will let all your friends know what you owe."
    text, start = long_call(line)
    result = Screener(lexicon).screen(text, channel="call")
    assert result.verdict != PASS
    spans = [
        (finding.start, finding.end)
        for finding in result.findings
        if finding.rule.startswith("pattern:en:")
    ]
    phrase = line.index("let all your friends know")
    assert (start + phrase, start + phrase + len("let all your friends know")) in spans


def test_lawful_long_call_with_the_same_words_passes(lexicon: Lexicon) -> None:
    line = "Please tell us if the friends you mentioned can help; we never contact them."
    text, _start = long_call(line)
    result = Screener(lexicon).screen(text, channel="call")
    assert result.verdict == PASS
    assert result.findings == ()


def test_long_call_findings_equal_the_plain_search(
    lexicon: Lexicon, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same transcript screened with the anchored search switched off gives the same
    result, finding for finding."""
    import heed.screening.engine.anchors as anchors

    text, _start = long_call("Pay today or I will let all your friends know what you owe.")
    screener = Screener(lexicon)
    anchored = screener.screen(text, channel="call")
    monkeypatch.setattr(anchors, "ANCHORED_MIN_LENGTH", 10**9)
    assert screener.screen(text, channel="call") == anchored


def test_alternatives_that_are_not_plain_strings_give_a_group() -> None:
    """Each alternative's first required group, together: a pattern of such alternatives no
    longer runs on every text."""
    pattern = re.compile(r"(泼.{0,2}油漆|砸.{0,2}玻璃|放把火)")
    assert required_literals(pattern) == [frozenset({"泼", "砸", "放把火"})]
    assert required_literals(re.compile(r"(一家一家(找|打)下去|挨家挨户(找|打))")) == [
        frozenset({"一家一家", "挨家挨户"})
    ]
    # An alternative that requires nothing leaves the group out.
    assert required_literals(re.compile(r"(a.b|c?)d")) == [frozenset({"d"})]
    assert required_literals(re.compile(r"(a.b|.c)")) == [frozenset({"a", "c"})]
    assert required_literals(re.compile(r"(a.b|.?)")) == []


def test_lexicon_has_no_pattern_that_runs_on_every_text(lexicon: Lexicon) -> None:
    assert lexicon.unfiltered == {"zh": (), "en": ()}


@pytest.mark.parametrize(
    ("text", "category", "span"),
    [
        ("再不还钱就去你家泼点油漆", "P1", (8, 12)),
        ("我们会挨家挨户问下去", "P2", (3, 8)),
        ("We will be back, keyed cars next", "P1", (17, 27)),
    ],
)
def test_patterns_of_mixed_alternatives_still_find_threats(
    lexicon: Lexicon, text: str, category: str, span: tuple[int, int]
) -> None:
    result = Screener(lexicon).screen(text)
    assert result.verdict != PASS
    assert any(
        finding.category == category
        and (finding.start, finding.end) == span
        and finding.rule.startswith("pattern:")
        for finding in result.findings
    )


@pytest.mark.parametrize(
    "text",
    [
        "油漆工明天来刷墙，玻璃也换好了",
        "Please send your payslips so we can set up a plan.",
        "我们会逐户核对地址，请您放心",
    ],
)
def test_lawful_look_alikes_of_mixed_alternatives_pass(lexicon: Lexicon, text: str) -> None:
    result = Screener(lexicon).screen(text)
    assert result.verdict == PASS
    assert result.findings == ()


_IDEOGRAPHS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# The readings' triggers as they were written before their first letter was taken out of the
# look-behinds (the reference).
_TONED_RUN_REFERENCE = re.compile(
    f"(?<=[{_IDEOGRAPHS}])(?:[a-z]+[1-5](?![0-9]))+[a-z]*"
    f"|(?<![a-z0-9])(?:[a-z]+[1-5])+(?=[{_IDEOGRAPHS}])"
)
_LATIN_RUN_REFERENCE = re.compile(f"(?<=[{_IDEOGRAPHS}])[a-z]+|(?<![a-z])[a-z]+(?=[{_IDEOGRAPHS}])")


@given(st.text(alphabet="abgnr0125警察老赖 A", max_size=16))
def test_reading_triggers_match_as_their_reference(text: str) -> None:
    from heed.screening.engine.readings import _LATIN_BY_IDEOGRAPH_RUN, _TONED_RUN

    for reference, pattern in (
        (_TONED_RUN_REFERENCE, _TONED_RUN),
        (_LATIN_RUN_REFERENCE, _LATIN_BY_IDEOGRAPH_RUN),
    ):
        expected = [(match.span(), match.group()) for match in reference.finditer(text)]
        assert [(match.span(), match.group()) for match in pattern.finditer(text)] == expected


def test_reading_triggers_match_as_their_reference_on_the_labelled_views() -> None:
    from heed.screening.engine.readings import _LATIN_BY_IDEOGRAPH_RUN, _TONED_RUN

    texts = readable_texts()
    found = 0
    for text in [*texts, *transcripts(texts), "找你家ren", "警cha2上门", "lao3lai4你"]:
        view = build_views(text).cjk.text
        for reference, pattern in (
            (_TONED_RUN_REFERENCE, _TONED_RUN),
            (_LATIN_RUN_REFERENCE, _LATIN_BY_IDEOGRAPH_RUN),
        ):
            expected = [match.span() for match in reference.finditer(view)]
            assert [match.span() for match in pattern.finditer(view)] == expected
            found += len(expected)
    assert found > 10


@pytest.mark.parametrize(
    ("text", "span"),
    [("再不还钱就让警cha2上门", (6, 13)), ("再不还钱就找你家ren", (5, 11))],
)
def test_pinyin_disguises_are_still_read(
    lexicon: Lexicon, text: str, span: tuple[int, int]
) -> None:
    result = Screener(lexicon).screen(text)
    assert result.verdict != PASS
    assert any((finding.start, finding.end) == span for finding in result.findings)


def test_classifier_units_ask_once_whether_a_sentence_says_enough() -> None:
    from heed.screening.engine.screener import _enough_to_classify, sentence_spans
    from heed.screening.engine.units import FRAGMENTS, SENTENCE, classifier_units

    asked: list[tuple[int, int]] = []

    def enough(text: str, start: int, end: int) -> bool:
        asked.append((start, end))
        return _enough_to_classify(text, start, end)

    text = "Pay. Or. Your. Boss. Sees. Your. ID. We will call you again tomorrow morning."
    sentences = sentence_spans(text)
    units = list(classifier_units(text, sentences, enough))
    assert [(unit.kind, unit.written) for unit in units] == [
        (SENTENCE, "We will call you again tomorrow morning."),
        (FRAGMENTS, "Pay. Or. Your. Boss. Sees. Your. ID."),
    ]
    # Each sentence once, then the run of short ones as a whole.
    assert asked == [*sentences, (0, len("Pay. Or. Your. Boss. Sees. Your. ID."))]
