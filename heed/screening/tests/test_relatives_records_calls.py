"""Lexicon 2026.12.01-8: a bereaved or close relative told that, being family, they are expected
to pay (P10); "people who dodge us end up having accidents" (P1); ringing the debtor dozens of
times a day (P11); forwarding a sick note or psychiatric assessment to the debtor's manager
(P16). Their lawful look-alikes stay ``pass``."""

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
        ("Sorry for your loss. As his widow you're expected to settle the card this month.", "P10"),
        ("As next of kin we'd expect the family to clear the overdraft.", "P10"),
        ("As her son, you will have to pay what she owed us.", "P10"),
        ("Strange how people who keep ignoring us end up having accidents. Pay the $500.", "P1"),
        ("We've set the dialler to ring you 30 times a day until it's paid.", "P11"),
        ("gonna call u 50x a day til u cough up", "P11"),
        ("Pay by Monday or we forward your sick note and diagnosis to your line manager.", "P16"),
        ("We'll be sending the psychiatric report you gave us to your employer.", "P16"),
    ],
)
def test_caught(screener: Screener, text: str, category: str) -> None:
    result = screener.screen(text, language="en")
    assert result.verdict == BLOCK
    assert category in {finding.category for finding in result.findings}


@pytest.mark.parametrize(
    "text",
    [
        "As his widow you are not expected to pay anything; the estate settles what it can.",
        "As next of kin you don't have to pay his debts.",
        "As his wife you may want to know that you are not liable for this account.",
        "If you end up having an accident and can't work, tell us and we'll pause collection.",
        "We will never call you more than 3 times a week.",
        "We'll only ring you once a day at most.",
        "We will never share your sick note with your employer.",
        "Please send your fit note to us so we can pause interest.",
    ],
)
def test_lawful_look_alikes_pass(screener: Screener, text: str) -> None:
    result = screener.screen(text, language="en")
    assert result.verdict == PASS, [(f.category, f.match) for f in result.findings]
