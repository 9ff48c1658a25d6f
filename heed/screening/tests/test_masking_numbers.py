"""Three evasion gaps in normalisation: masked and doubled letters (``k*ll``, ``kkill``), digits
that are numbers read as letters (``10-year-old`` read as ``ioyearold``), and Chinese written
wholly in pinyin (``ni ta ma de``)."""

from __future__ import annotations

import pytest

from heed.screening.engine.leet_numbers import read_leet
from heed.screening.engine.normalize import LEET, build_views
from heed.screening.engine.screener import Screener


def _findings(screener: Screener, text: str) -> tuple[str, list[tuple[str, str]]]:
    result = screener.screen(text)
    return result.verdict, [(finding.category, finding.match) for finding in result.findings]


# --- 1. Masked letters ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "category", "match"),
    [
        ("I will k*ll you", "P1", "I will k*ll you"),
        ("I will k**l you", "P1", "I will k**l you"),
        ("I will kkill you", "P1", "I will kkill you"),
        ("go d*e", "P17", "go d*e"),
        ("go diie", "P17", "go diie"),
        ("you are a l*ser", "P3", "l*ser"),
        ("you are a l**er", "P3", "l**er"),
        ("you are an id*ot", "P3", "id*ot"),
        ("you are an id#ot", "P3", "id#ot"),
    ],
)
def test_a_masked_or_doubled_letter_reads_as_the_word(
    screener: Screener, text: str, category: str, match: str
) -> None:
    assert _findings(screener, text) == ("block", [(category, match)])


@pytest.mark.parametrize(
    ("text", "category", "match"),
    [
        ("I will k!ll you", "P1", "I will k!ll you"),
        ("f**k you", "P3", "f**k"),
        ("you piece of sh*t", "P3", "piece of sh*t"),
        ("you b!tch", "P3", "b!tch"),
        ("go d-i-e", "P17", "go d-i-e"),
        ("go diiie", "P17", "go diiie"),
        ("我要弄*死你", "P1", "弄*死你"),
    ],
)
def test_masks_caught_before_stay_caught(
    screener: Screener, text: str, category: str, match: str
) -> None:
    assert _findings(screener, text) == ("block", [(category, match)])


@pytest.mark.parametrize(
    "text",
    [
        "That is a real skill.",
        "The kiln is hot.",
        "We have a k9 unit.",
        "a*b = c",
        "5*3 = 15",
        "Pay 50* today.",
        "*conditions apply",
        "The price is 50* (see below).",
        "Terms * apply",
        "See note* below.",
        "Your balance is £1,000*",
        "Dear customer, *please note* the new address.",
        "Press * then 1 to speak to an agent.",
        "We will call you at *9 today.",
        "Please see our skills* page.",
        "Is that Mrs Pickett? We will write to you.",
    ],
)
def test_an_asterisk_that_masks_no_lexicon_word_passes(screener: Screener, text: str) -> None:
    assert _findings(screener, text) == ("pass", [])


# --- 2. Numbers stay numbers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "latin"),
    [
        ("My 10-year-old son is ill.", " my 10yearold son is ill "),
        ("She is a 3-year-old.", " she is a 3yearold "),
        ("Call us at 3pm on the 2nd.", " call us at 3pm on the 2nd "),
        ("The 1st payment is due at 10:30am.", " the 1st payment is due at 10 30am "),
        ("Ref 1034ABC", " ref 1034abc "),
        ("the 5th instalment of £10k", " the 5th instalment of 10k "),
        ("We are open 24/7 for 7days", " we are open 24 7 for 7days "),
    ],
)
def test_a_number_against_letters_stays_a_number_in_the_latin_view(text: str, latin: str) -> None:
    assert build_views(text).latin.text == latin


def test_a_number_is_not_read_as_l_in_the_second_reading() -> None:
    views = build_views("Your 1st payment and your 1-year plan")
    assert all("lst" not in view.text for view in views.all_latin())
    assert all(" 1st " in view.text for view in views.all_latin())


@pytest.mark.parametrize(
    ("word", "reading"),
    [
        ("k1ll", "kill"),
        ("d1e", "die"),
        ("sh1t", "shit"),
        ("b1tch", "bitch"),
        ("5hit", "shit"),
        ("l0ser", "loser"),
        ("id10t", "idiot"),
        ("1d10t", "idiot"),
        ("h3ll0", "hello"),
        ("f33", "fee"),
        ("1s", "is"),
        ("1d", "id"),
        ("ki11", "kiii"),
        ("10yearold", "10yearold"),
        ("3pm", "3pm"),
        ("2nd", "2nd"),
        ("1st", "1st"),
        ("12th", "12th"),
        ("100x", "100x"),
    ],
)
def test_leet_digits_read_as_letters_and_numbers_as_numbers(word: str, reading: str) -> None:
    assert read_leet(word, str.maketrans(LEET)) == reading


@pytest.mark.parametrize(
    ("text", "category", "match"),
    [
        ("I will k1ll you", "P1", "I will k1ll you"),
        ("you sh1t", "P3", "sh1t"),
        ("you b1tch", "P3", "b1tch"),
        ("you 5hit", "P3", "5hit"),
        ("you l0ser", "P3", "l0ser"),
        ("you id10t", "P3", "id10t"),
        ("I will ki11 you", "P1", "I will ki11 you"),
    ],
)
def test_leetspeak_is_still_caught(
    screener: Screener, text: str, category: str, match: str
) -> None:
    assert _findings(screener, text) == ("block", [(category, match)])


@pytest.mark.parametrize(
    "text",
    [
        "My 10-year-old son is ill, can I pay on the 2nd?",
        "We are open 24/7. Call 07700 900123 after 3pm.",
        "Your balance is £1,000. The 1st payment of £150 is due on 10/12/2026 at 10:30am.",
        "Ref 1034ABC: the 5th instalment of £10k is due in 7days.",
    ],
)
def test_ordinary_texts_with_numbers_pass(screener: Screener, text: str) -> None:
    assert _findings(screener, text) == ("pass", [])


# --- 3. Chinese written wholly in pinyin ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "category", "match"),
    [
        ("ni ta ma de", "P3", "ta ma de"),
        ("nǐ tā mā de", "P3", "tā mā de"),
        ("ni3 ta1 ma1 de", "P3", "ta1 ma1 de"),
        ("nitamade", "P3", "tamade"),
        ("ni shi ge lao lai", "P3", "lao lai"),
        ("ni shi sha bi", "P3", "sha bi"),
        ("wo yao nong si ni", "P1", "nong si ni"),
    ],
)
def test_chinese_written_wholly_in_pinyin_is_read_by_the_pinyin_layer(
    screener: Screener, text: str, category: str, match: str
) -> None:
    assert _findings(screener, text) == ("block", [(category, match)])


def test_chinese_in_ideographs_is_caught_as_before(screener: Screener) -> None:
    assert _findings(screener, "你他妈的") == ("block", [("P3", "他妈的")])


@pytest.mark.parametrize(
    "text",
    [
        "Hang on, a man can help.",
        "ni hao",
        "xie xie ni",
        "wo men ming tian zai lian xi ni",
        "He made a deal, ta.",
        "Ma, the made bed is there.",
        "ta ma, de",
    ],
)
def test_lawful_pinyin_and_english_look_alikes_pass(screener: Screener, text: str) -> None:
    assert _findings(screener, text) == ("pass", [])
