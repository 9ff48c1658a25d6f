"""Calling at a relative's home or the debtor's workplace, however it is put ("dropping by your
parents' place", "swinging by your work"), blocks, also inside a long friendly sentence; our own
office, the debtor's bank and a promise not to come stay ``pass``."""

from __future__ import annotations

import pytest

from heed.screening.engine.lexicon import load_lexicon
from heed.screening.engine.screener import BLOCK, PASS, Screener


@pytest.fixture(scope="module")
def screener() -> Screener:
    return Screener(load_lexicon())


@pytest.mark.parametrize(
    ("text", "category"),
    [
        (
            "Hi Sam, thank you so much for your time on the phone earlier today, as we discussed "
            "your balance of $300 is still outstanding and we're dropping by your parents' place "
            "Saturday to chat about your debt, so please do get in touch.",
            "P2",
        ),
        ("We'll be popping round to your mum's house tomorrow.", "P2"),
        ("Swinging by your gran's flat later to have a word.", "P2"),
        ("We're dropping by your office this afternoon.", "P18"),
        ("I'll swing by your work on Monday.", "P18"),
    ],
)
def test_calling_at_a_relatives_home_or_the_workplace_blocks(
    screener: Screener, text: str, category: str
) -> None:
    result = screener.screen(text, language="en")
    assert result.verdict == BLOCK
    assert category in {finding.category for finding in result.findings}


@pytest.mark.parametrize(
    "text",
    [
        "You can drop by our office any weekday between nine and five.",
        "Drop by your bank to set up the direct debit.",
        "We will never turn up at your parents' house.",
        "Are you staying at your parents' place at the moment?",
        "We are not coming down to your workplace.",
    ],
)
def test_our_office_your_bank_and_promises_pass(screener: Screener, text: str) -> None:
    assert screener.screen(text, language="en").verdict == PASS
