"""Property damage named as what happens to people who don't pay ("run-ins. Broken windows.
Slashed tyres. Sometimes worse.") blocks; the bare words ("We saw broken windows at the
property last week.") only ask for review. "We will tell your employer nothing" is a privacy
promise, not a threat to tell them."""

from __future__ import annotations

import pytest

from heed.screening.engine.lexicon import load_lexicon
from heed.screening.engine.screener import BLOCK, PASS, REVIEW, Screener


@pytest.fixture(scope="module")
def screener() -> Screener:
    return Screener(load_lexicon())


@pytest.mark.parametrize(
    "text",
    [
        "People who stiff the wrong lender tend to have run-ins. Broken windows. Slashed tyres. "
        "Sometimes worse.",
        "Broken windows happen to people who ignore us.",
        "Pay up or we will be back, keyed cars next.",
        "Settle it today, otherwise smashed windows are the least of your worries.",
        "You might come home to slashed tyres one of these nights.",
    ],
)
def test_damage_framed_as_a_threat_blocks(screener: Screener, text: str) -> None:
    result = screener.screen(text)
    assert result.verdict == BLOCK
    assert "P1" in {finding.category for finding in result.findings}


@pytest.mark.parametrize(
    "text",
    [
        "We saw broken windows at the property last week.",
        "Please report any damage or broken windows to your landlord.",
    ],
)
def test_damage_named_without_a_frame_asks_for_review_only(screener: Screener, text: str) -> None:
    assert screener.screen(text).verdict == REVIEW


@pytest.mark.parametrize(
    "text",
    [
        "We will tell your employer nothing: your account is private.",
        "We will tell your boss nothing about this.",
        "我们会为您保密。We will tell your family nothing.",
    ],
)
def test_telling_a_third_party_nothing_is_lawful(screener: Screener, text: str) -> None:
    assert screener.screen(text).verdict == PASS


def test_telling_the_employer_about_the_debt_still_blocks(screener: Screener) -> None:
    result = screener.screen("Pay today or we will tell your employer about the debt.")
    assert result.verdict == BLOCK
    assert "P9" in {finding.category for finding in result.findings}
