"""One English word split in two by one separator ("ki ll", "pol'ice", "ki\\u00a0ll") or with a
stretched letter ("killl", "arrrested") is read as the word (a second Latin reading), where a
reader would join it; findings point at the characters as written. Two real words ("a rest",
"the rapist", "Mr Kill") stay apart, and amounts and codes keep their runs."""

from __future__ import annotations

import pytest

from heed.screening.engine.normalize import _folded, build_views
from heed.screening.engine.screener import Screener
from heed.screening.engine.split_words import english_counts, joins, split_readings


def _only_finding(screener: Screener, text: str) -> tuple[str, str, str]:
    """(verdict, category, the original characters) of the text's one finding."""
    result = screener.screen(text)
    assert len(result.findings) == 1, result.findings
    finding = result.findings[0]
    assert text[finding.start : finding.end] == finding.match
    return result.verdict, finding.category, finding.match


@pytest.mark.parametrize(
    ("text", "category", "match"),
    [
        ("we will ki ll you", "P1", "we will ki ll you"),
        ("the po lice are coming", "P7", "po lice are coming"),
        ("I'll tell your bo ss", "P9", "tell your bo ss"),
        ("you will be arr ested", "P7", "arr ested"),
        ("you are a bi tch", "P3", "bi tch"),
        ("you sc um", "P3", "sc um"),
        ("WE WILL KI LL YOU", "P1", "WE WILL KI LL YOU"),
    ],
)
def test_a_word_split_by_one_space_is_read_whole(
    screener: Screener, text: str, category: str, match: str
) -> None:
    assert _only_finding(screener, text) == ("block", category, match)


@pytest.mark.parametrize(
    ("text", "category", "match"),
    [
        ("the pol'ice are coming", "P7", "pol'ice are coming"),
        ("I'll tell your bo*ss", "P9", "tell your bo*ss"),
        # Joiners the Latin view drops already (kept here so they stay caught).
        ("we will ki-ll you", "P1", "we will ki-ll you"),
        ("you sc.um", "P3", "sc.um"),
        ("you will go to ja_il", "P7", "go to ja_il"),
    ],
)
def test_a_word_split_by_an_apostrophe_asterisk_or_joiner_is_read_whole(
    screener: Screener, text: str, category: str, match: str
) -> None:
    assert _only_finding(screener, text) == ("block", category, match)


SPACES = ["\u00a0", "\t", *map(chr, range(0x2000, 0x200B)), "\u202f", "\u3000"]


@pytest.mark.parametrize("space", SPACES, ids=lambda space: f"U+{ord(space):04X}")
def test_a_word_split_by_a_tab_or_unicode_space_is_read_whole(
    screener: Screener, space: str
) -> None:
    threat = f"we will ki{space}ll you"
    assert _only_finding(screener, threat) == ("block", "P1", threat)
    jail = f"you will go to ja{space}il"
    assert _only_finding(screener, jail) == ("block", "P7", f"go to ja{space}il")


@pytest.mark.parametrize(
    ("text", "category", "match"),
    [
        ("we will killl you", "P1", "we will killl you"),
        ("we will kiiiill you", "P1", "we will kiiiill you"),
        ("shiiit", "P3", "shiiit"),
        ("you will be arrrested", "P7", "arrrested"),
        ("the poliiice are coming", "P7", "poliiice are coming"),
        ("you are a loserrrr", "P3", "loserrrr"),
    ],
)
def test_a_stretched_letter_reads_as_one_or_two_of_it(
    screener: Screener, text: str, category: str, match: str
) -> None:
    assert _only_finding(screener, text) == ("block", category, match)


def test_the_reading_points_at_the_whole_split_word_and_the_whole_run() -> None:
    text = "tell your bo ss, killl"
    (reading,) = build_views(text).latin_alternates
    assert reading.text == " tell your boss kill "
    boss = reading.text.index("boss")
    assert reading.original_span(boss, boss + 4) == (10, 15)
    kill = reading.text.index("kill")
    assert reading.original_span(kill, kill + 4) == (17, 22)


@pytest.mark.parametrize(
    "text",
    [
        "Please take a rest day before you call us back.",
        "Your therapist can call us on your behalf.",
        "The rapist was convicted, the paper said.",
        "Mr Kill's account is up to date.",
        "Please see the pol icy attached.",
        "We will as sess your file.",
        "All good, thank you.",
        "There is no w aiting list.",
        "Sooo sorry to hear that.",
        "Hiii, thanks for the payment.",
        "We received $1000 today.",
        "Your reference is REF-AAA-111.",
        "Order 5555 is confirmed, rated AAA.",
        "He'll call you, we'll send the letter and they're aware.",
        "Please\tpay\u00a0by\u2003Friday,\u3000thank you.",
        "Your\u00a0balance\u00a0is\u00a0settled.",
        "Details for Ms. Shannon are attached.",
        "Our staff are at uni on Monday.",
        "I'll send it to ur email tomorrow.",
        "Call the po\nlice station's front desk for lost property.",
    ],
)
def test_lawful_look_alikes_pass(screener: Screener, text: str) -> None:
    result = screener.screen(text)
    assert result.verdict == "pass", result.findings


@pytest.mark.parametrize(
    "text",
    [
        "the rapist was convicted",
        "a rest day",
        "Mr Kill",
        "all good",
        "no w",
        "the IRS",
        "for Ms Shannon",
        "going to ur boss",
        "pay $1000",
        "REF-AAA-111",
        "zzz",
        "Henry VIII and Part XXXV",
        "he'll call",
        "we're here",
        "the po\nlice",
        "the po  lice",
        "the po. lice",
    ],
)
def test_no_reading_for_two_words_codes_or_more_than_one_separator(text: str) -> None:
    views = build_views(text)
    assert split_readings(text, _folded(text), views.latin.text) == ()


@pytest.mark.parametrize(
    ("first", "second", "joined"),
    [
        ("ki", "ll", True),
        ("bo", "ss", True),
        ("po", "lice", True),
        ("arr", "ested", True),
        ("the", "rapist", False),  # "rapist" is a word
        ("ar", "rest", True),
        ("a", "rest", False),  # one letter
        ("no", "w", False),
        ("mr", "kill", False),  # "mrkill" is no word
        ("all", "good", False),
        ("to", "ur", False),  # a chat short form is a word
        ("in", "to", False),  # two words
    ],
)
def test_fragments_are_joined_only_where_a_reader_would(
    first: str, second: str, joined: bool
) -> None:
    assert joins(first, second) is joined


def test_the_word_list_is_loaded_once_and_is_small() -> None:
    counts = english_counts()
    assert english_counts() is counts
    assert 40_000 < len(counts) < 60_000
    assert counts["kill"] > counts["rapist"] > 0
    assert "ll" not in counts and "tch" not in counts
