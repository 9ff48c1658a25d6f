"""Four known misses and false positives: a threat to come to the debtor's home to find them
(去你家找你, "pay or I'll come round to your house"), the lexicon's patterns on Chinese written
wholly in pinyin (wo men shi jing cha), a two-syllable pinyin insult alone (sha bi), and a polite
Chinese text with a pinyin word in it read as a threat (谢谢ni as 卸你). Lawful look-alikes stay
``pass``."""

from __future__ import annotations

import pytest

from heed.screening.engine.screener import BLOCK, PASS, Screener


def _categories(screener: Screener, text: str) -> set[str]:
    return {finding.category for finding in screener.screen(text).findings}


# --- 1. coming to the debtor's home to find them --------------------------------------------

HOME_THREATS = [
    "你再不还钱我就去你家找你",
    "我就去你家找你",
    "再不还我就上你家",
    "明天去你家堵你",
    "我们会去你家里找你",
    "再不还钱我们就上门找你",
    "不还钱就去您家",
    "我们已经找到你家了",
    "pay or I'll come round to your house",
    "Pay up or we'll come to your house.",
    "If you don't pay we will come to your home and find you.",
    "If you don't pay, we'll be at your door.",
    "We'll come to your house and find you.",
    "Pay today, otherwise we will come round to your place.",
]


@pytest.mark.parametrize("text", HOME_THREATS)
def test_coming_to_the_debtors_home_to_find_them_blocks_as_a_threat(
    screener: Screener, text: str
) -> None:
    result = screener.screen(text)
    assert result.verdict == BLOCK
    assert "P1" in {finding.category for finding in result.findings}


@pytest.mark.parametrize(
    "text", ["你再不还钱我就去你家找你", "pay or I'll come round to your house"]
)
def test_coming_to_the_debtors_home_blocks_with_every_layer(
    every_layer: Screener, text: str
) -> None:
    assert every_layer.screen(text).verdict == BLOCK


HOME_LAWFUL = [
    "应您的要求，我们明天上门拜访，当面沟通还款方案。",
    "您约的时间我们会准时到您家拜访。",
    "我们不会上门",
    "我们不会去您家里找您，请放心。",
    "我司拟于7月12日上午10时安排两名工作人员上门拜访，拜访全程录音录像。",
    "如您不方便，可以到我司门店办理，也可以约我们上门。",
    "欢迎您到我司柜台办理",
    "we will never come to your home",
    "We will never come to your house and find you.",
    "If you'd like, we can come to your home to discuss a plan.",
    "you can visit our office",
    "If you don't pay by Friday we will write to you again.",
]


@pytest.mark.parametrize("text", HOME_LAWFUL)
def test_a_visit_asked_for_announced_or_ruled_out_passes(screener: Screener, text: str) -> None:
    assert screener.screen(text).verdict == PASS


@pytest.mark.parametrize("text", HOME_LAWFUL)
def test_a_visit_asked_for_announced_or_ruled_out_passes_with_every_layer(
    every_layer: Screener, text: str
) -> None:
    assert every_layer.screen(text).verdict == PASS


# --- 2. the patterns on Chinese written wholly in pinyin -------------------------------------


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("wo men shi jing cha", "P4"),
        ("women shi jingcha", "P4"),
        ("wo men shi fa yuan de", "P4"),
        ("ni de qian bu huan wo men hui zhao ni de fu mu", "P2"),
    ],
)
def test_a_pattern_reads_chinese_written_wholly_in_pinyin(
    screener: Screener, text: str, category: str
) -> None:
    result = screener.screen(text)
    assert result.verdict == BLOCK
    finding = next(finding for finding in result.findings if finding.category == category)
    assert finding.rule.startswith(f"pinyin:zh:{category}:")
    assert finding.confidence == pytest.approx(0.9)
    assert text[finding.start : finding.end] == finding.match


@pytest.mark.parametrize(
    "text",
    [
        "wo men bu shi jing cha",
        "xie xie ni de bang zhu",
        "ni hao wo shi xiao wang",
        "qing nin jin kuai huan kuan",
        "ming tian wo men hui lian xi ni",
        "xie le ni",
        "he can hang on a long ban",
    ],
)
def test_lawful_pinyin_and_english_of_syllables_pass(screener: Screener, text: str) -> None:
    assert screener.screen(text).verdict == PASS


# --- 3. a two-syllable insult alone ----------------------------------------------------------


@pytest.mark.parametrize("text", ["sha bi", "shabi", "SHA BI", "sha3 bi1", "lao lai"])
def test_a_text_that_is_wholly_a_two_syllable_insult_blocks(screener: Screener, text: str) -> None:
    result = screener.screen(text)
    assert result.verdict == BLOCK
    assert _categories(screener, text) == {"P3"}


@pytest.mark.parametrize(
    "text", ["Sha Bi", "Lao Lai", "xie xie", "ni hao", "bu yong", "ma de", "made", "la ji"]
)
def test_two_syllables_that_are_a_name_a_greeting_or_english_pass(
    screener: Screener, text: str
) -> None:
    assert screener.screen(text).verdict == PASS


# --- 4. Chinese with a pinyin word mixed in --------------------------------------------------


POLITE_MIXED = ["谢谢ni", "谢谢nin", "麻烦ni了", "辛苦ni", "谢了ni"]


@pytest.mark.parametrize("text", POLITE_MIXED)
def test_a_polite_text_with_a_pinyin_word_passes(screener: Screener, text: str) -> None:
    assert screener.screen(text).verdict == PASS


@pytest.mark.parametrize("text", POLITE_MIXED)
def test_a_polite_text_with_a_pinyin_word_passes_with_every_layer(
    every_layer: Screener, text: str
) -> None:
    assert every_layer.screen(text).verdict == PASS


def test_a_cantonese_insult_with_a_pinyin_syllable_still_blocks(screener: Screener) -> None:
    result = screener.screen("你個仆jie")
    assert result.verdict == BLOCK
    assert _categories(screener, "你個仆jie") == {"P3"}


@pytest.mark.parametrize("text", ["我要卸ni", "卸了ni", "弄si你", "我要卸了你"])
def test_a_threat_with_a_pinyin_word_still_blocks(screener: Screener, text: str) -> None:
    result = screener.screen(text)
    assert result.verdict == BLOCK
    assert "P1" in _categories(screener, text)


def test_uninstalling_an_app_is_no_threat(screener: Screener) -> None:
    assert screener.screen("帮你卸了你的旧软件").verdict == PASS
