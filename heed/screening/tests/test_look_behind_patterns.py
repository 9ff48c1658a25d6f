"""Patterns that start with look-behinds are searched as their rest, the look-behinds checked
where the rest matches (``lookbehinds.look_behind_matches``): the matches are exactly
``finditer``'s, and the screener's findings stay what they were."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from heed.screening.engine.evaluation import DATA_DIR, load_labelled
from heed.screening.engine.lexicon import Lexicon, load_lexicon
from heed.screening.engine.lookbehinds import look_behind_matches, split_look_behinds
from heed.screening.engine.normalize import build_views
from heed.screening.engine.screener import PASS, Screener

READABLE_SETS = ("training_v2.csv", "training_v21.csv", "holdout_v1.csv", "holdout_v2.csv")


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return load_lexicon()


def spans_and_groups(matches: object) -> list[tuple[tuple[int, int], tuple[str | None, ...]]]:
    return [(match.span(), match.groups()) for match in matches]  # type: ignore[attr-defined]


TRICKY = [
    # A match refused by its look-behind, then one that overlaps where it stood.
    (r"(?<!not )(sue|sue you)", "not sue you, sue you, not sue, sue"),
    # A match starts inside a place refused (the search goes on from there, not its end).
    (r"(?<!x)(ab|b)", "xab xabab"),
    # Alternatives inside a group, "|" escaped and in a class after the look-behinds.
    (r"(?<!x)(a|b)\|[|]", "xa|| a|| b|| xb||"),
    # Several look-behinds and a \b after them; the rest starts with an alternation.
    (r"(?<!\bor )(?<!\bnor )\b(start|begin) (court|legal) action\b", "or start court action"),
    (r"(?<!\bor )(?<!\bnor )\b(start|begin) (court|legal) action\b", "nor begin legal action"),
    (r"(?<!\bor )(?<!\bnor )\b(start|begin) (court|legal) action\b", "we start legal action"),
    (r"(?<!\bor )(?<!\bnor )\b(start|begin) (court|legal) action\b", "restart court action"),
    (r"(?<!\bor )(?<!\bnor )\b(start|begin) (court|legal) action\b", "door start court action"),
    # Adjacent matches, a match at the very start and one at the very end.
    (r"(?<!x)ab", "abababxabab"),
    (r"(?<=a)b+", "abbbabcb"),
    # Look-behinds with classes holding "]" and ")" and escaped parentheses.
    (r"(?<![])])ok", "]ok)ok(ok ok"),
    (r"(?<![^]a])ok", "]okaokbok"),
    (r"(?<!\()ok(?!\))", "(ok) ok (ok ok)"),
    # Ideographs, and a look-behind in the middle that sees the text before the search start.
    (r"(?<![不免无])收取.{0,3}(费|金)", "不收取费用，收取手续费，免收取金，收取金"),
    (r"(?<![拉加])(上|进)(了)?黑名单", "拉上黑名单，上了黑名单，加进黑名单进黑名单"),
    (r"(?<!said )\b(you|u) (won't|will not) like (it|this)(?<!u won't like it)", "u won't like it"),
]


@pytest.mark.parametrize(("pattern", "text"), TRICKY)
def test_look_behind_matches_equal_finditer(pattern: str, text: str) -> None:
    compiled = re.compile(pattern)
    split = split_look_behinds(compiled)
    assert split is not None
    expected = spans_and_groups(compiled.finditer(text))
    assert spans_and_groups(look_behind_matches(split, text)) == expected


@given(st.text(alphabet="abx not", max_size=30))
def test_look_behind_matches_equal_finditer_on_any_text(text: str) -> None:
    for pattern in (r"(?<!not )(a|ab|b a)", r"(?<=x)(?<!xx)\bab?", r"(?<! )(?<!a)b+a?"):
        compiled = re.compile(pattern)
        split = split_look_behinds(compiled)
        assert split is not None
        expected = spans_and_groups(compiled.finditer(text))
        assert spans_and_groups(look_behind_matches(split, text)) == expected


def test_split_keeps_the_look_behinds_and_a_boundary_after_them() -> None:
    split = split_look_behinds(re.compile(r"(?<!\bor )(?<![(\]])\b(start|begin)\b"))
    assert split is not None
    assert split.assertions.pattern == r"(?<!\bor )(?<![(\]])\b"
    assert split.rest.pattern == r"(start|begin)\b"


@pytest.mark.parametrize(
    "pattern",
    [
        r"\b(start|begin)",  # no look-behind (anchors.without_leading_boundary's case)
        r"(start)(?<!x)",  # a look-behind, but not leading
        r"(?<!x)",  # nothing left after the look-behinds
        r"(?<!x)(a?)",  # the rest can match the empty string
        r"(?<!x)\b",
        r"(?=a)(?<!x)ab",  # a look-ahead first
        r"(?<!(?:x|y))(?<=(z))a",  # a capturing group inside a look-behind
        r"(?<!x)a|b",  # the look-behind is the first alternative's only
        r"(?<!x)\ba|(?<!x)b",
    ],
)
def test_patterns_that_cannot_be_split_are_searched_as_they_are(pattern: str) -> None:
    assert split_look_behinds(re.compile(pattern)) is None


def test_verbose_patterns_are_not_split() -> None:
    assert split_look_behinds(re.compile(r"(?<!x) a b", re.VERBOSE)) is None


THREATS = [
    ("We will start court proceedings against you tomorrow.", "start court proceedings"),
    ("You wouldn't want your boss to find out, would you?", "You wouldn't want your boss"),
    ("我们将收取违约金和手续费", "收取违约金"),
    ("你要是再不还就上征信黑名单", "上征信黑名单"),
]


def readable_texts() -> list[str]:
    texts: list[str] = []
    for name in READABLE_SETS:
        texts += [message.text for message in load_labelled(DATA_DIR / name)]
    return texts


def test_lexicon_patterns_with_look_behinds_match_as_finditer(lexicon: Lexicon) -> None:
    split_numbers = [
        number for number, split in enumerate(lexicon.look_behind_splits) if split is not None
    ]
    assert len(split_numbers) >= 8
    texts = readable_texts()
    texts += [text for text, _phrase in THREATS] + ["我们不收取任何违约金，拉进黑名单"]
    texts.append("\n".join(texts[:400]))  # a long text: matches after refused places
    compared = matched = 0
    for text in texts:
        views = build_views(text)
        for number in split_numbers:
            pattern, entry = lexicon.patterns[number]
            view = views.cjk.text if entry.language == "zh" else views.latin.text
            split = lexicon.look_behind_splits[number]
            assert split is not None
            expected = spans_and_groups(pattern.finditer(view))
            assert spans_and_groups(look_behind_matches(split, view)) == expected, pattern
            compared += 1
            matched += len(expected)
    assert compared > 8000 and matched >= 12


def split_rule_patterns(lexicon: Lexicon) -> list[str]:
    return [
        pattern.pattern
        for (pattern, _entry), split in zip(
            lexicon.patterns, lexicon.look_behind_splits, strict=True
        )
        if split is not None
    ]


def found_by_split_patterns(lexicon: Lexicon, text: str) -> list[tuple[int, int]]:
    result = Screener(lexicon).screen(text)
    patterns = split_rule_patterns(lexicon)
    return [
        (finding.start, finding.end)
        for finding in result.findings
        if finding.rule.startswith("pattern:")
        and any(f":{pattern}" in finding.rule for pattern in patterns)
    ]


@pytest.mark.parametrize(("text", "phrase"), THREATS)
def test_threats_matched_by_look_behind_patterns_are_found(
    lexicon: Lexicon, text: str, phrase: str
) -> None:
    assert Screener(lexicon).screen(text).verdict != PASS
    start = text.index(phrase)
    assert any(low <= start < high for low, high in found_by_split_patterns(lexicon, text))


@pytest.mark.parametrize(
    "text",
    [
        "I understand you wouldn't want your boss to find out, so we only write to you.",
        "我们不收取任何违约金",
    ],
)
def test_lawful_look_alikes_of_look_behind_patterns_pass(lexicon: Lexicon, text: str) -> None:
    result = Screener(lexicon).screen(text)
    assert result.verdict == PASS
    assert result.findings == ()


def test_a_choice_offered_is_no_threat_of_court_action(lexicon: Lexicon) -> None:
    # "legal proceedings" alone still asks for review (the phrase layer); the pattern's
    # threat to start them does not fire after "or".
    text = "You can pay in full, or start legal proceedings yourself if you dispute it."
    assert found_by_split_patterns(lexicon, text) == []


def test_findings_equal_those_of_the_plain_search(
    lexicon: Lexicon, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = [text for text, _phrase in THREATS] + readable_texts()[:300]
    screener = Screener(lexicon)
    split = screener.screen_many(texts)
    monkeypatch.setattr(lexicon, "look_behind_splits", [None] * len(lexicon.patterns))
    assert screener.screen_many(texts) == split
