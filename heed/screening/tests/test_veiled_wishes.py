"""A veiled threat put as the reader's own wish: "You wouldn't want your boss to find out",
「你也不会想让你单位领导知道吧」. The negation in it negates nothing the collector promises; it
is the threat's frame. A wish that is reported ("I understand you don't want…") or a promise
of ours ("We won't tell your employer") stays lawful."""

from __future__ import annotations

import pytest

from heed.screening.engine.lexicon import load_lexicon
from heed.screening.engine.screener import Screener


@pytest.fixture(scope="module")
def screener() -> Screener:
    return Screener(load_lexicon())


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("You wouldn't want your boss to find out about this debt, would you?", "P9"),
        ("You don't want your neighbours to see the bailiffs, do you?", "P9"),
        ("You would not like your colleagues hearing about this.", "P9"),
        ("You don't want your family to get calls about this, right?", "P2"),
        ("You would not like your in-laws finding out.", "P2"),
        ("你也不会想让你单位领导知道这事吧。", "P9"),
        ("你不会想让你爸妈知道你欠钱吧？", "P2"),
    ],
)
def test_a_wish_that_frames_a_threat_is_flagged(
    screener: Screener, text: str, category: str
) -> None:
    result = screener.screen(text)
    assert result.verdict == "block"
    assert category in {finding.category for finding in result.findings}


@pytest.mark.parametrize(
    "text",
    [
        "I understand you don't want your employer to know, so we will only call your mobile.",
        "You mentioned that you don't want your family to know, and we respect that.",
        "If you don't want your family to hear, tell us and we will note it.",
        "We won't tell your employer about the debt.",
        "We wouldn't want your boss to find out, so we never call your work.",
        "我们不会通知你单位。",
        "我理解你不会想让你爸妈知道，我们只会联系你本人。",
        "You wouldn't want to miss the discount, so pay by the 30th if you can.",
    ],
)
def test_a_reported_wish_or_our_promise_stays_lawful(screener: Screener, text: str) -> None:
    result = screener.screen(text)
    assert result.verdict == "pass", result.findings
