"""A word of the lexicon written as pinyin, initials or a same-sound word inside Chinese text is
read back as the word (``engine/readings.py``), so the patterns see it; findings point at the
characters as written; lawful look-alikes (abbreviations, codes, ordinary words that sound like
a lexicon word) stay ``pass``."""

from __future__ import annotations

import pytest

from heed.screening.engine.lexicon import load_lexicon
from heed.screening.engine.normalize import build_views
from heed.screening.engine.readings import INITIALS, is_disguise, pinyin_readings, vocabulary
from heed.screening.engine.screener import BLOCK, PASS, REVIEW, AccountFacts, Screener


def _finding(screener: Screener, text: str, category: str) -> tuple[str, str, int, int]:
    result = screener.screen(text)
    found = [f for f in result.findings if f.category == category]
    assert found, (text, result.findings)
    finding = found[0]
    return result.verdict, finding.match, finding.start, finding.end


# (text, category, verdict, the finding's text as written)
CAUGHT = [
    # one character of a pattern's word as a syllable: (找|去找)(你的?)(…|家人)
    ("找你家ren", "P2", BLOCK, "找你家ren"),
    ("再不还钱就去找你家ren", "P2", BLOCK, "去找你家ren"),
    ("我们明天去找你家REN", "P2", BLOCK, "去找你家REN"),
    # a tone digit after the syllable
    ("警cha2上门", "P7", BLOCK, "警cha2上门"),
    ("明天警察3上门", "P7", BLOCK, "警察3上门"),
    # the whole word as syllables, with or without spaces, in a pattern's context
    ("jing cha明天就找你", "P7", BLOCK, "jing cha明天就找你"),
    ("我们已经报了jing，jing察明天就找你", "P7", BLOCK, "jing察明天就找你"),
    ("你lao gong在我们这欠了钱", "P9", BLOCK, "你lao gong在我们这"),
    (
        "嫂子，你 l a o g o n g 在我们这的债务已经拖了3个月了",
        "P9",
        BLOCK,
        "你 l a o g o n g 在我们这",
    ),
    # initials, where the Chinese around them makes the reading clear (review)
    ("你等着jc上门", "P7", REVIEW, "jc上门"),
    ("再不还就让你去zl", "P7", REVIEW, "去zl"),
    ("你等着gaj的人上门", "P7", REVIEW, "gaj的人上门"),
    # a same-sound word inside a phrase of the lexicon (a two-syllable one only asks review)
    ("警查马上上门", "P7", REVIEW, "警查马上上门"),
]


@pytest.mark.parametrize(("text", "category", "verdict", "match"), CAUGHT)
def test_a_word_written_as_pinyin_initials_or_homophone_is_read_back(
    screener: Screener, text: str, category: str, verdict: str, match: str
) -> None:
    found_verdict, found_match, start, end = _finding(screener, text, category)
    assert found_verdict == verdict
    assert found_match == match
    assert text[start:end] == match


def test_the_finding_names_the_pattern_it_was_read_into(screener: Screener) -> None:
    result = screener.screen("找你家ren")
    (finding,) = result.findings
    assert finding.rule.startswith("pinyin:zh:P2:(找|去找|上门找)")
    assert finding.confidence == pytest.approx(0.9)


LAWFUL = [
    "您在JC Penney的订单已经发货",
    "我们的jc团队会联系您",
    "请在APP内还款，或使用app自动扣款",
    "VIP客户专享优惠，详情请咨询客服",
    "请提供您的ID号，以便核实身份",
    "欢迎加入QQ群了解还款政策",
    "门店有免费WiFi，可在线办理",
    "订单号DD20261130已结清，感谢您的配合",
    "投诉编号TS20250611已受理",
    "退订回TD",
    "警示：请勿向陌生账户转账",
    "经查，您的账户已于本月结清",
    "经查实，该笔款项已到账",
    "老来得子是件喜事",
    "他去法国出差了，下周回来再联系",
    "把门做牢固一点",
    "打印成A3的纸张",
    "稍后会有专员联系您",
    "请把资料zl发给我们",
    "你的资料我们会去jc核实",
    "我们会联系您本人，不会联系您的家人",
]


@pytest.mark.parametrize("text", LAWFUL)
def test_lawful_look_alikes_pass(screener: Screener, text: str) -> None:
    result = screener.screen(text)
    assert result.verdict == PASS, result.findings


def test_a_filing_in_a_true_court_notice_passes_with_its_facts(screener: Screener) -> None:
    text = "您好，法院已立案受理本案，案号（2026）京0105民初1234号，开庭时间以传票为准。"
    facts = AccountFacts(litigation_approved=True, litigation_filed=True)
    assert screener.screen(text, facts=facts).verdict == PASS


def test_two_syllable_homophones_of_ordinary_words_are_no_insult(screener: Screener) -> None:
    """The pinyin layer's two-syllable homophones (P3/P17) must be disguises too: 老来 inside
    老来得子 and the word 纸张 were read as 老赖 and 智障."""
    assert screener.screen("老来得子是件喜事").verdict == PASS
    assert screener.screen("打印成A3的纸张").verdict == PASS
    verdict, match, _start, _end = _finding(screener, "你就是个老来", "P3")
    assert (verdict, match) == (REVIEW, "老来")


def test_a_bare_initials_or_two_syllable_homophone_is_no_finding(screener: Screener) -> None:
    """A reading of initials or of a two-syllable homophone counts only when a phrase or pattern
    reaches beyond it: 「zl」 or 「做牢」 alone could be anything."""
    assert screener.screen("等着zl吧").verdict == PASS
    assert screener.screen("等着做牢吧").verdict == PASS


@pytest.mark.parametrize(
    ("surface", "word", "text", "expected"),
    [
        ("警查", "警察", "你等着警查上门", True),
        ("做牢", "坐牢", "让你去做牢", True),
        ("经查", "警察", "经查，您的账户已结清", False),  # a word of the dictionary
        ("经查", "警察", "经查实该笔款项已到账", False),  # 经|查实
        ("做牢", "坐牢", "把门做牢固一点", False),  # 做|牢固
        ("老来", "老赖", "老来得子是件喜事", False),  # 老|来得|子
        ("纸张", "智障", "打印成A3的纸张", False),
    ],
)
def test_is_disguise(surface: str, word: str, text: str, expected: bool) -> None:
    start = text.index(surface)
    assert is_disguise(text, start, start + len(surface), surface, word) is expected


def test_a_reading_maps_every_character_back_to_the_original() -> None:
    words = vocabulary(load_lexicon())
    views = build_views("你等着 JC 上门")
    (reading,) = pinyin_readings(views, words)
    assert reading.text == "你等着警察上门"
    assert [reading.original_span(i, i + 1) for i in range(3, 5)] == [(4, 5), (5, 6)]
    assert reading.original_span(0, len(reading.text)) == (0, 9)


def test_texts_without_a_trigger_build_no_reading() -> None:
    words = vocabulary(load_lexicon())
    for text in ("您好，本期账单已出，请按时还款。", "Please call us back.", "请在app内还款"):
        assert pinyin_readings(build_views(text), words) == ()


def test_only_measured_initials_are_read() -> None:
    """Two- and three-letter abbreviations are everywhere in lawful text (TS, TD, bz, cs, hx):
    only the listed ones, never seen standing alone next to Chinese in the lawful rows or in
    COLD's inoffensive texts, are read."""
    assert set(INITIALS) == {"jc", "zl", "fy", "gaj", "pcs", "sfz", "txl"}
    assert not {"ts", "td", "bz", "cs", "hx", "ll", "ls", "qs"} & set(INITIALS)
