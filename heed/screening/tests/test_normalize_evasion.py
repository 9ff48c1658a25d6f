"""Evasion by invisible characters, combining marks, look-alike letters and right-to-left
overrides (red-team audit): the views read the text as it shows, and findings still point at
the text as written."""

from __future__ import annotations

import pytest

from heed.screening.engine.normalize import build_views
from heed.screening.engine.screener import Screener

INVISIBLE = [
    "\u200b",
    "\u200c",
    "\u200d",
    "\u2060",
    "\ufeff",
    "\u00ad",
    "\u034f",
    "\u180e",
    "\u200e",
    "\u200f",
    "\u202a",
    "\u202d",
    "\u2066",
    "\u2069",
    "\U000e0041",
    "\ufe0f",
    "\U000e0100",
    "\u3164",
    "\u115f",
    "\u1160",
    "\uffa0",
]


@pytest.mark.parametrize("mark", INVISIBLE, ids=lambda mark: f"U+{ord(mark):04X}")
def test_an_invisible_character_inside_a_word_leaves_the_word_whole(mark: str) -> None:
    text = f"We are the pol{mark}ice."
    views = build_views(text)
    assert views.latin.text == " we are the police "
    begin = views.latin.text.index("police")
    start, end = views.latin.original_span(begin, begin + len("police"))
    assert text[start:end] == f"pol{mark}ice"


@pytest.mark.parametrize("mark", ["\u200b", "\u00ad", "\u2060", "\U000e0041"])
def test_an_invisible_character_inside_an_english_threat_is_caught(
    screener: Screener, mark: str
) -> None:
    text = f"We will ki{mark}ll you"
    result = screener.screen(text)
    assert result.verdict == "block"
    finding = result.findings[0]
    assert (finding.category, finding.start, finding.end) == ("P1", 0, len(text))
    assert text[finding.start : finding.end] == finding.match


def test_an_invisible_character_inside_chinese_is_dropped_as_before(screener: Screener) -> None:
    text = "你就是个老\u200b赖"
    result = screener.screen(text)
    assert result.verdict == "block"
    assert [(f.category, f.match) for f in result.findings] == [("P3", "老\u200b赖")]


@pytest.mark.parametrize("mark", ["\u0336", "\u0301\u0316\u0353", "\u0323"])
def test_combining_marks_left_after_nfkc_are_dropped(mark: str) -> None:
    text = f"pol{mark}ice, dead{mark}beat"
    assert build_views(text).latin.text == " police deadbeat "


def test_zalgo_threat_is_caught_and_points_at_the_marked_word(screener: Screener) -> None:
    text = "You are a d\u0336e\u0336a\u0336d\u0336b\u0336e\u0336a\u0336t\u0336."
    result = screener.screen(text)
    assert result.verdict == "block"
    # From the first letter to the last (a mark after the last letter is not part of it).
    assert [(f.category, f.match) for f in result.findings] == [("P3", text[10:-2])]


@pytest.mark.parametrize(
    "text",
    [
        "Happy holidays to you and your family 👨\u200d👩\u200d👧 from all of us!",
        "祝您和家人👨\u200d👩\u200d👧节日快乐！",
        "Thank you, our team 👩\u200d💼👨\u200d💼 is here to help with a payment plan.",
        "✔️ Payment received ❤️ Thank you!",
        "Your pay\u00adment arrange\u00adment is con\u00adfirmed.",
        "Dear \u200fمحمد\u200f, your payment has been received.",
    ],
)
def test_emoji_sequences_and_lawful_format_characters_stay_lawful(
    screener: Screener, text: str
) -> None:
    assert screener.screen(text).verdict == "pass"


def test_zwj_emoji_sequence_adds_no_word() -> None:
    assert build_views("and your family 👨\u200d👩\u200d👧 from").latin.text == (
        " and your family from "
    )


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("We are the \u0440olice.", "police"),  # Cyrillic р
        ("You are a d\u0435adbeat.", "deadbeat"),  # Cyrillic е
        ("You are a d\u03b5adbeat.", "deadbeat"),  # Greek ε
        ("We are the \u03c1olice.", "police"),  # Greek ρ
        ("We are the ᴘᴏʟɪᴄᴇ.", "police"),  # small capitals
        ("We are the 🇵🇴🇱🇮🇨🇪.", "police"),  # regional indicators as letters
        ("We are the 🇵\u200c🇴\u200c🇱\u200c🇮\u200c🇨\u200c🇪.", "police"),
        ("We are the 🅿🅾🅻🅸🅲🅴.", "police"),  # negative squared
        ("We are the 🅟🅞🅛🅘🅒🅔.", "police"),  # negative circled
        ("We will \u043a\u0456\u04cf\u04cf.", "kill"),  # a whole look-alike word
    ],
)
def test_look_alike_letters_read_as_their_latin_twins(text: str, word: str) -> None:
    views = build_views(text)
    assert views.latin.text.endswith(f" {word} ")
    begin = len(views.latin.text) - len(word) - 1
    start, end = views.latin.original_span(begin, begin + len(word))
    # The span is the written word: from after the last space up to the full stop.
    assert (start, end) == (text.rindex(" ") + 1, len(text) - 1)


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("We are the \u0440olice.", "P4"),
        ("You are a d\u0435adbeat.", "P3"),
        ("We are the ᴘᴏʟɪᴄᴇ.", "P4"),
        ("We are the 🅿🅾🅻🅸🅲🅴.", "P4"),
        ("We are the 🇵🇴🇱🇮🇨🇪.", "P4"),
    ],
)
def test_look_alike_evasions_are_caught(screener: Screener, text: str, category: str) -> None:
    result = screener.screen(text)
    assert result.verdict == "block"
    assert {f.category for f in result.findings} == {category}
    for finding in result.findings:
        assert text[finding.start : finding.end] == finding.match


@pytest.mark.parametrize(
    "text",
    [
        "Dear Дмитрий Петров, your payment of $120 was received. Thank you.",
        "Dear Ms Ελένη Παπαδοπούλου, thank you for your payment.",
        "Dear Ms \u041elga Petrova, your payment of $120 was received. Thank you.",
        "尊敬的Ιван先生，您本月待还金额为500元。",
        "🇨🇳 国庆快乐！",
        "Greetings from the 🇬🇧 team, your plan is confirmed.",
    ],
)
def test_names_in_cyrillic_or_greek_and_flags_cause_no_finding(
    screener: Screener, text: str
) -> None:
    assert screener.screen(text).verdict == "pass"


def test_a_word_of_the_alphabet_itself_is_left_alone() -> None:
    assert build_views("Дмитрий Ελένη сос").latin.text == " "
    assert build_views("Dear Дмитрий, сос").latin.text == " dear "


@pytest.mark.parametrize(
    "text",
    [
        "Your code: SB 4471.",
        "您的验证码为 SB 2291，请勿泄露。",
        "您的验证码为SB-2291。",
        "请到SB支行办理业务。",
        "您的信用额度已上调至5000元。",
        "好消息：您的额度已上调。",
    ],
)
def test_codes_branch_names_and_raised_limits_are_not_insults(
    screener: Screener, text: str
) -> None:
    result = screener.screen(text)
    assert (result.verdict, result.findings) == ("pass", ())


@pytest.mark.parametrize(
    ("text", "category", "match"),
    [
        ("你就是个sb", "P3", "sb"),
        ("SB东西", "P3", "SB"),
        ("你是SB 250", "P3", "SB"),
        ("上吊", "P17", "上吊"),
        ("去上吊吧", "P17", "上吊"),
    ],
)
def test_the_insult_and_the_threat_themselves_stay_caught(
    screener: Screener, text: str, category: str, match: str
) -> None:
    result = screener.screen(text)
    assert result.verdict == "block"
    assert (category, match) in [(f.category, f.match) for f in result.findings]


def test_raised_limit_reads_shang_tiao_in_the_pinyin_view() -> None:
    assert build_views("额度已上调").pinyin.text == "eduyishangtiao"
    assert build_views("去上吊吧").pinyin.text == "qushangdiaoba"


# --- "l" written as 1, I or | (red-team audit, second round) -----------------------------------


@pytest.mark.parametrize(
    ("text", "category", "match"),
    [
        ("We will ki11 you.", "P1", "We will ki11 you"),
        ("We will kiII you.", "P1", "We will kiII you"),
        ("We will ki1l you.", "P1", "We will ki1l you"),
        ("We are the po|ice.", "P4", "We are the po|ice"),
        ("We are the poIice.", "P4", "We are the poIice"),
        ("We will |<ill you.", "P1", "We will |<ill you"),
    ],
)
def test_l_written_as_one_capital_i_or_bar_is_caught(
    screener: Screener, text: str, category: str, match: str
) -> None:
    result = screener.screen(text)
    assert result.verdict == "block"
    assert [(f.category, f.match) for f in result.findings] == [(category, match)]
    for finding in result.findings:
        assert text[finding.start : finding.end] == finding.match


def test_bar_less_than_read_as_k_maps_to_both_characters() -> None:
    from heed.screening.engine.normalize import build_views

    text = "fuc|< off"
    (alternate,) = build_views(text).latin_alternates
    assert alternate.text == " fuck off "
    assert alternate.original_span(1, 5) == (0, 5)
    assert alternate.original_span(6, 9) == (6, 9)


@pytest.mark.parametrize(
    "text",
    [
        "You have the skill to pay.",
        "Our office in Killeen will call you.",
        "Reference K1LL-2291 is closed.",
        "Your reference is A55-7890.",
        "Bill is your account manager.",
        "Ill. We hope you feel better soon.",
        "Part II of your statement is attached.",
        "Henry VIII paid his debts.",
        "We are sorry: 1 ill child in the family is hard.",
        "I will call you at 11 on Monday.",
        "Your plan A1 is active; see section 1b.",
    ],
)
def test_ordinary_words_numbers_and_roman_numerals_get_no_l_reading_finding(
    screener: Screener, text: str
) -> None:
    assert screener.screen(text).verdict == "pass"


@pytest.mark.parametrize(
    "text",
    ["Henry VIII paid.", "Ill. Come back.", "Part II.", "1 ill child.", "Thank you."],
)
def test_no_l_reading_is_built_without_a_look_alike_where_l_can_stand(text: str) -> None:
    from heed.screening.engine.normalize import build_views

    assert build_views(text).latin_alternates == ()


# --- A lone Latin letter or digit inside a Chinese word (red-team audit, second round) ---------


@pytest.mark.parametrize(
    ("text", "category", "match"),
    [
        ("我们是警x察", "P4", "我们是警x察"),
        ("我是公8安局的，请马上还款", "P4", "我是公8安局"),
        ("你这个老8赖", "P3", "老8赖"),
    ],
)
def test_a_lone_letter_or_digit_inside_a_chinese_word_is_caught(
    screener: Screener, text: str, category: str, match: str
) -> None:
    result = screener.screen(text)
    assert result.verdict == "block"
    assert [(f.category, f.match) for f in result.findings] == [(category, match)]
    for finding in result.findings:
        assert text[finding.start : finding.end] == finding.match


@pytest.mark.parametrize(
    "text",
    [
        "请在3日内还款。",
        "您持有的A股账户已冻结。",
        "请加QQ群联系客服。",
        "2024年账单已出。",
        "您的第3期账单已出。",
        "本笔借款分12期还款。",
        "本月已还款1次。",
        "请到1号楼A座办理。",
    ],
)
def test_chinese_with_numbers_and_codes_gets_no_lone_latin_finding(
    screener: Screener, text: str
) -> None:
    assert screener.screen(text).verdict == "pass"


def test_lone_latin_reading_drops_only_single_characters_and_maps_back() -> None:
    from heed.screening.engine.normalize import build_views

    text = "警 x 察，QQ群，分12期"
    (alternate,) = build_views(text).cjk_alternates
    assert alternate.text == "警察qq群分12期"
    assert alternate.original_span(0, 2) == (0, 5)
    assert build_views("分12期，QQ群，A座").cjk_alternates == ()


@pytest.mark.parametrize(
    "text",
    ["分3期还款", "第3期账单", "请在3天内还款", "明天上午9点联系您", "逾期7个月", "罚息为0元"],
)
def test_a_number_before_a_unit_needs_no_second_reading(text: str) -> None:
    # A lone digit before a unit or measure word (or after 第) is a number, not a character
    # slipped into a word: no second CJK reading is built, so the text is scanned once.
    assert build_views(text).cjk_alternates == ()
