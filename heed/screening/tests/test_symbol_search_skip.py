"""The symbol search (emoji threats, searched in the text as written) is skipped for an ASCII
text when every symbol has a character outside ASCII: the findings stay what they were."""

from __future__ import annotations

import pytest

from heed.screening.engine.evaluation import DATA_DIR, load_labelled
from heed.screening.engine.lexicon import Lexicon, load_lexicon
from heed.screening.engine.screener import PASS, Screener


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return load_lexicon()


def test_every_symbol_of_the_lexicon_lies_beyond_ascii(lexicon: Lexicon) -> None:
    assert lexicon.symbols_beyond_ascii == {"zh": True, "en": True}
    for keys in lexicon.symbols.values():
        assert keys and not any(key.isascii() for key in keys)


@pytest.mark.parametrize(
    ("text", "rule"),
    [("Pay now or 🔪🔪", "symbol:en:P1:🔪"), ("Pay now or 🏠🔥", "symbol:en:P1:🏠🔥")],
)
def test_symbol_threats_in_a_latin_text_are_found(lexicon: Lexicon, text: str, rule: str) -> None:
    result = Screener(lexicon).screen(text)
    assert result.verdict != PASS
    assert rule in [finding.rule for finding in result.findings]


@pytest.mark.parametrize(
    "text", ["Pay now or :knife: :fire:", "Pay now or <3", "Thanks 👍 see you Friday"]
)
def test_lawful_texts_with_look_alikes_of_symbols_pass(lexicon: Lexicon, text: str) -> None:
    result = Screener(lexicon).screen(text)
    assert result.verdict == PASS
    assert result.findings == ()


def test_findings_equal_those_of_the_full_search(
    lexicon: Lexicon, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = ["Pay now or 🔪🔪", "Pay now or :knife:", "⚰️ for you", "你再不还就💀"]
    texts += [message.text for message in load_labelled(DATA_DIR / "training_v2.csv")][:300]
    assert any(text.isascii() for text in texts)
    screener = Screener(lexicon)
    skipped = screener.screen_many(texts)
    monkeypatch.setattr(lexicon, "symbols_beyond_ascii", {"zh": False, "en": False})
    assert screener.screen_many(texts) == skipped
