"""Words hidden by markup, character references, percent-encoding and URLs: the text is also
read as a renderer shows it (Markdown, HTML, a decoded link), whatever the channel, and
findings point at the text as written."""

from __future__ import annotations

import pytest

from heed.screening.engine.markup import NO_MARKUP, rendered
from heed.screening.engine.normalize import build_views
from heed.screening.engine.screener import Screener


def _only_finding(screener: Screener, text: str, verdict: str) -> tuple[str, str]:
    result = screener.screen(text)
    assert result.verdict == verdict
    assert len(result.findings) == 1
    finding = result.findings[0]
    assert text[finding.start : finding.end] == finding.match
    return finding.category, finding.match


@pytest.mark.parametrize(
    ("text", "category", "match"),
    [
        ("We will **ki**ll you", "P1", "We will **ki**ll you"),
        ("We will k**ill** you", "P1", "We will k**ill** you"),
        ("We will *kill* you", "P1", "We will *kill* you"),
        ("We will `ki`ll you", "P1", "We will `ki`ll you"),
        ("We will k~~i~~ll you", "P1", "We will k~~i~~ll you"),
        ("you will go to __ja__il", "P7", "go to __ja__il"),
        # The closing markers after the last letter are not part of the word.
        ("We are the **police**", "P4", "We are the **police"),
    ],
)
def test_markdown_emphasis_inside_or_around_a_word_is_read_as_the_word(
    screener: Screener, text: str, category: str, match: str
) -> None:
    assert _only_finding(screener, text, "block") == (category, match)


@pytest.mark.parametrize(
    ("text", "category", "match"),
    [
        ("We will &#107;ill you", "P1", "We will &#107;ill you"),
        ("We will &#x6B;ill you", "P1", "We will &#x6B;ill you"),
        ("We will k&#105;ll you", "P1", "We will k&#105;ll you"),
        # A reference at the end of the word: the span runs to its ";".
        ("We will kil&#108; you", "P1", "We will kil&#108; you"),
        ("We will &lt;kill&gt; you", "P1", "We will &lt;kill&gt; you"),
        ("We will ki&#8203;ll you", "P1", "We will ki&#8203;ll you"),
        ("We will k<b>i</b>ll you", "P1", "We will k<b>i</b>ll you"),
        ("we are the <span>po</span>lice", "P4", "we are the <span>po</span>lice"),
        ("We will ki<!-- x -->ll you", "P1", "We will ki<!-- x -->ll you"),
        ("你就是个&#32769;赖", "P3", "&#32769;赖"),
    ],
)
def test_html_references_and_tags_inside_a_word_are_read_as_rendered(
    screener: Screener, text: str, category: str, match: str
) -> None:
    assert _only_finding(screener, text, "block") == (category, match)


def test_a_no_break_space_reference_between_words_is_a_space(screener: Screener) -> None:
    text = "we&nbsp;will&nbsp;sue&nbsp;you"
    assert _only_finding(screener, text, "review") == ("P8", "sue&nbsp;you")


def test_a_block_tag_is_a_break_between_words() -> None:
    reading = rendered("we are the po<br>lice")
    assert reading is not None
    assert reading.text == "we are the po lice"


@pytest.mark.parametrize(
    ("text", "verdict", "category", "match"),
    [
        (
            "https://pay.example.com/we-will-tell-your-employer",
            "block",
            "P9",
            "tell-your-employer",
        ),
        ("www.example.com/we-will-tell-your-employer", "block", "P9", "tell-your-employer"),
        ("Pay now: example.co.uk/you-are-a-deadbeat", "block", "P3", "deadbeat"),
        ("Pay at https://pay.example.com/?msg=we+will+sue+you", "review", "P8", "sue+you"),
        ("Pay at https://pay.example.com/we%20will%20sue%20you", "review", "P8", "sue%20you"),
        ("We will %6Bill you", "block", "P1", "We will %6Bill you"),
        ("We will %6b%69%6c%6c you", "block", "P1", "We will %6b%69%6c%6c you"),
        # Chinese percent-encoded as UTF-8 in a text with no Chinese of its own: 老赖.
        ("https://x.example/%E8%80%81%E8%B5%96", "block", "P3", "%E8%80%81%E8%B5%96"),
        ("请访问 https://x.example/?q=%E8%80%81%E8%B5%96", "block", "P3", "%E8%80%81%E8%B5%96"),
        # A link's target is read even where a renderer shows only its text.
        (
            '<a href="https://x.example/we-will-tell-your-employer">pay here</a>',
            "block",
            "P9",
            "tell-your-employer",
        ),
        (
            "[pay here](https://x.example/we-will-tell-your-employer)",
            "block",
            "P9",
            "tell-your-employer",
        ),
    ],
)
def test_a_url_path_query_or_escape_that_says_the_threat_is_caught(
    screener: Screener, text: str, verdict: str, category: str, match: str
) -> None:
    assert _only_finding(screener, text, verdict) == (category, match)


def test_an_underscored_url_path_is_read_as_words(screener: Screener) -> None:
    result = screener.screen("example.com/arrest_warrant_issued")
    assert result.verdict == "block"
    assert [(f.category, f.match) for f in result.findings] == [
        ("P6", "arrest_warrant"),
        ("P7", "warrant_issued"),
    ]


@pytest.mark.parametrize(
    ("text", "category", "match"),
    [
        # Caught before markup had a reading of its own (the CJK view drops the brackets); kept
        # here so that a change to either cannot lose them.
        ("我们是【警】【察】", "P4", "我们是【警】【察"),
        ("我们是《法院》的", "P4", "我们是《法院"),
        ("你就是个【老】【赖】", "P3", "老】【赖"),
        ("你就是个**老**赖", "P3", "老**赖"),
        ("we are the [police](http://x.example)", "P4", "we are the [police"),
    ],
)
def test_brackets_and_markup_in_chinese_and_markdown_links_stay_caught(
    screener: Screener, text: str, category: str, match: str
) -> None:
    assert _only_finding(screener, text, "block") == (category, match)


@pytest.mark.parametrize(
    "text",
    [
        "https://pay.example.com/acct/8812?ref=AB-77",
        "Hi **Sam**, £50 is due on 30/11. Pay at https://pay.example.com/acct/8812?ref=AB-77",
        "Smith &amp; Jones Solicitors act for Northfield Credit.",
        "5 * 3 = 15",
        "snake_case_ids",
        "Your reference is REF_2291_AB, our help desk is help_desk@example.com.",
        "https://skills.example.com/skill-building",
        "Sharpen your skills: www.example.com/money-skills/skill-1",
        "visit actionfraud.police.uk to report a scam",
        "Visit https://www.actionfraud.police.uk/report-a-scam to report a scam",
        "A 5% interest rate applies; 100%ABC is no escape.",
        "身份证号3201**********1234，请核对",
        "Dear <b>Sam</b>, your balance is £120.<br>Pay at https://pay.example.com/acct/8812",
        # A public authority's own page is read as written: no collector wrote its path.
        "Know your rights: https://www.consumerfinance.gov/ask-cfpb/"
        "can-a-debt-collector-threaten-to-have-me-arrested-en-1421/",
        "Free advice: https://www.gov.uk/options-for-paying-off-your-debts/bailiffs",
    ],
)
def test_lawful_text_with_markup_urls_and_symbols_passes(screener: Screener, text: str) -> None:
    result = screener.screen(text)
    assert (result.verdict, result.findings) == ("pass", ())


@pytest.mark.parametrize(
    "text",
    [
        "Hi Sam, your payment of £50 is due on 30/11.",
        "snake_case_ids and a-b-c",
        "5 * 3 = 15",
        "A 5% interest rate",
        "Smith & Jones",
        "身份证号3201**********1234",
        "visit actionfraud.police.uk to report a scam",
        # A lone run of markers opens no emphasis: a censored word is no markup.
        "pay the f*ck up",
        "**Note\nthe account is closed**",
    ],
)
def test_text_without_markup_gets_no_rendered_reading(text: str) -> None:
    assert rendered(text) is None
    assert build_views(text).markup is NO_MARKUP


def test_every_rendered_character_maps_to_what_it_was_rendered_from() -> None:
    text = "k&#105;ll **x**"
    reading = rendered(text)
    assert reading is not None
    assert reading.text == "kill x"
    assert [text[start:end] for start, end in zip(reading.starts, reading.ends, strict=True)] == [
        "k",
        "&#105;",
        "l",
        "l",
        " ",
        "x",
    ]


def test_a_multi_byte_escape_maps_to_all_of_its_bytes() -> None:
    text = "/%E8%80%81x%FFy"
    reading = rendered(f"https://a.example{text}")
    assert reading is not None
    assert reading.text == "https://a.example 老x%FFy"
    first = reading.text.index("老")
    assert (reading.starts[first], reading.ends[first]) == (18, 27)


def test_an_unclosed_comment_is_shown_as_written_and_a_closed_one_hides_its_url() -> None:
    assert rendered("<!-- we will -- kill you") is None
    reading = rendered("pay <!-- https://x.example/we-will-sue-you --> now")
    assert reading is not None
    assert reading.text == "pay  now"


def test_adversarial_markup_is_read_in_linear_time() -> None:
    import time

    started = time.process_time()
    for text in ("<!--" * 5000, "<a " * 5000, ("a" * 70 + ".") * 500, "<b>x" * 5000):
        rendered(text)
    assert time.process_time() - started < 2.0


@pytest.mark.parametrize(
    ("text", "category", "match"),
    [
        ("We will k&#105;11 you", "P1", "We will k&#105;11 you"),
        ("We will **ki**11 you", "P1", "We will **ki**11 you"),
        ("我们是警x<b>察</b>", "P4", "我们是警x<b>察"),
    ],
)
def test_the_rendered_text_gets_the_other_second_readings_too(
    screener: Screener, text: str, category: str, match: str
) -> None:
    assert _only_finding(screener, text, "block") == (category, match)
