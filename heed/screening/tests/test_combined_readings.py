"""Two evasions in one word: a split word with a look-alike digit in it ("k1 ll", "po1 ice",
"b0 ss"), a stretched letter in a split word ("kiii ll", "arrr ested"), and a word broken by
markup a renderer shows as a space ("po<br>lice", "ki&#32;ll", "ki%20ll" in a URL) are read
whole, with findings on the characters as written; two real words stay two words."""

from __future__ import annotations

import pytest

from heed.screening.engine.combined import combined_readings
from heed.screening.engine.normalize import _folded, build_views
from heed.screening.engine.screener import Screener


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
        # A look-alike digit the Latin view reads as a letter, in a split word.
        ("we will k1 ll you", "P1", "we will k1 ll you"),
        ("I'll tell your b0 ss", "P9", "tell your b0 ss"),
        ("WE WILL K1 LL YOU", "P1", "WE WILL K1 LL YOU"),
        # "1" and "|" for "l" in a split word (the l-reading, then the split word joined).
        ("the po1 ice are coming", "P7", "po1 ice are coming"),
        ("the po| ice are coming", "P7", "po| ice are coming"),
        ("we will |<i ll you", "P1", "we will |<i ll you"),
    ],
)
def test_a_split_word_with_a_look_alike_inside_is_read_whole(
    screener: Screener, text: str, category: str, match: str
) -> None:
    assert _only_finding(screener, text) == ("block", category, match)


@pytest.mark.parametrize(
    ("text", "category", "match"),
    [
        ("we will kiii ll you", "P1", "we will kiii ll you"),
        ("you will be arrr ested", "P7", "arrr ested"),
        ("you will be arrrr ested", "P7", "arrrr ested"),
    ],
)
def test_a_split_word_with_a_stretched_letter_is_read_whole(
    screener: Screener, text: str, category: str, match: str
) -> None:
    assert _only_finding(screener, text) == ("block", category, match)


@pytest.mark.parametrize(
    ("text", "category", "match"),
    [
        ("the po<br>lice are coming", "P7", "po<br>lice are coming"),
        ("we will ki<br/>ll you", "P1", "we will ki<br/>ll you"),
        ("the po&nbsp;lice are coming", "P7", "po&nbsp;lice are coming"),
        ("we will ki&#32;ll you", "P1", "we will ki&#32;ll you"),
        ("you will go to ja&#160;il", "P7", "go to ja&#160;il"),
        ("see https://pay.example.com/we-will-ki%20ll-you", "P1", "we-will-ki%20ll-you"),
        ("https://pay.example.com/r?msg=we+will+ki%20ll+you", "P1", "we+will+ki%20ll+you"),
        # Markup first, then the look-alike or the stretched letter in the split word.
        ("we will k1<br>ll you", "P1", "we will k1<br>ll you"),
        ("the po1&nbsp;ice are coming", "P7", "po1&nbsp;ice are coming"),
        ("we will kiii<br>ll you", "P1", "we will kiii<br>ll you"),
        ("see https://pay.example.com/we-will-k1%20ll-you", "P1", "we-will-k1%20ll-you"),
    ],
)
def test_a_word_broken_by_markup_a_renderer_shows_as_a_space_is_read_whole(
    screener: Screener, text: str, category: str, match: str
) -> None:
    assert _only_finding(screener, text) == ("block", category, match)


def test_the_combined_reading_points_at_the_original_characters() -> None:
    text = "the po1 ice, kiii ll"
    readings = build_views(text).latin_alternates
    police = next(reading for reading in readings if " police " in reading.text)
    begin = police.text.index("police")
    assert police.original_span(begin, begin + len("police")) == (4, 11)
    kill = next(reading for reading in readings if " kill " in reading.text)
    begin = kill.text.index("kill")
    assert kill.original_span(begin, begin + len("kill")) == (13, 20)


@pytest.mark.parametrize(
    "text",
    [
        # Two real words, which the split-word reading joins but no phrase then matches.
        "There's a war rant on the radio every morning",
        "the deli very kindly held it",
        "Put your co at the door",
        "a rest area",
        "We stopped at a rest area on the way.",
        # Look-alike digits and stretched letters in lawful text.
        "Hellooo team, the A1 road is closed at 3pm",
        "Flat 1a, 10 Downing st",
        "Ref AB1 23 for your account",
        "Your 2nd ll payment is due",
        "Tell Mr K1 ll the file is closed",
        "The vi11a is lovely this time of year",
        "Sooo good to hear from you",
        "Nooo worries, grrr eat job on the payment",
        "Room B1 ice machine is broken",
    ],
)
def test_lawful_look_alikes_pass(screener: Screener, text: str) -> None:
    result = screener.screen(text)
    assert result.verdict == "pass", result.findings


@pytest.mark.parametrize(
    "text",
    [
        "Thank you for your payment today.",
        "Hellooo team, see you at 10am.",
        "Your balance is 1,200.00 and the next instalment is due on 3 March.",
    ],
)
def test_no_combined_reading_without_a_trigger(text: str) -> None:
    views = build_views(text)
    assert combined_readings(text, _folded(text), views.latin.text, ()) == ()
