"""The reader's-wish guard ("You wouldn't want your boss to find out", 你也不会想让你单位领导知道吧)
is data: kinds ``wish``, ``wish_reader`` and ``wish_reported`` in ``context.tsv``, read by
``scope.ReaderWish``. A malformed row stops the load with its file and line named; a word added
to (or taken from) the file changes what the screener decides."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from heed.core.roles import Role
from heed.screening.engine.lexicon import (
    LEXICON_DIR,
    Lexicon,
    LexiconError,
    load_lexicon,
    parse_context,
)
from heed.screening.engine.screener import Screener

HEADER = "# id\tkind\tcategories\tlanguage\tmarkers\n"
# Veiled threats only the guard holds (no pattern spells their negation).
VEILED = "You wouldn't want us to call your boss, would you?"
VEILED_ZH = "你也不会想让你单位领导知道这事吧。"
# Lawful: the collector reports the debtor's wish, with a verb the shipped file does not list.
REPORTED = "I realise you wouldn't want us to call your boss, so we will only call your mobile."
REPORTED_ZH = "我懂你不会想让你单位领导知道这事，我们只会联系你本人。"


def lexicon_with(tmp_path: Path, edit: Callable[[str], str]) -> Lexicon:
    """The shipped lexicon with ``context.tsv`` edited."""
    directory = tmp_path / "lexicon"
    shutil.copytree(LEXICON_DIR, directory)
    path = directory / "context.tsv"
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    return load_lexicon(directory)


def test_the_shipped_file_holds_every_word_of_the_guard() -> None:
    rules = {
        (rule.kind, rule.language): set(rule.markers)
        for rule in load_lexicon().context_rules
        if rule.kind.startswith("wish")
    }
    assert rules == {
        ("wish", "zh"): {"想"},
        ("wish", "en"): {"want", "wanna", "like"},
        ("wish_reader", "zh"): {"你", "你也", "你肯定", "你应该", "你总", "你一定"},
        ("wish_reader", "en"): {
            "you",
            "u",
            "you really",
            "you surely",
            "you certainly",
            "u really",
            "u surely",
            "u certainly",
        },
        ("wish_reported", "zh"): {"理解", "知道", "明白", "如果"},
        ("wish_reported", "en"): {"understand", "know", "said", "appreciate", "that", "if"},
    }


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            "wish_en\twish\tP9\ten\twant",
            "context.tsv:2 (wish_en): kind 'wish' applies to every category: write * (not 'P9')",
        ),
        (
            "wish_en\twish\t*\ten\twant*|like",
            "context.tsv:2 (wish_en): marker 'want*': a wish marker is read as written",
        ),
        (
            "wish_reader_fr\twish_reader\t*\tfr\tvous",
            "context.tsv:2 (wish_reader_fr): unknown language 'fr' (use zh or en)",
        ),
        (
            "wish_reported_en\twish_reported\t*\ten\t| ",
            "context.tsv:2 (wish_reported_en): kind 'wish_reported' needs at least one marker",
        ),
        ("wish_en\twishes\t*\ten\twant", "context.tsv:2: unknown kind 'wishes'"),
    ],
)
def test_a_malformed_wish_row_is_refused_with_its_line(row: str, message: str) -> None:
    with pytest.raises(LexiconError) as refused:
        parse_context(HEADER + row + "\n")
    assert str(refused.value).startswith(message)


def test_a_malformed_wish_row_in_the_file_stops_the_load(tmp_path: Path) -> None:
    with pytest.raises(LexiconError, match=r"^context\.tsv:\d+ \(wish_en\): marker 'like\*'"):
        lexicon_with(tmp_path, lambda text: text.replace("want|wanna|like", "want|wanna|like*"))


def test_a_reported_wish_word_added_to_the_file_clears_the_reported_wish(tmp_path: Path) -> None:
    shipped = Screener(load_lexicon())
    assert [shipped.screen(text).verdict for text in (REPORTED, REPORTED_ZH)] == ["block"] * 2
    edited = lexicon_with(
        tmp_path,
        lambda text: text.replace("understand|know", "understand|realise|know").replace(
            "理解|知道", "理解|懂|知道"
        ),
    )
    screener = Screener(edited)
    assert [screener.screen(text).verdict for text in (REPORTED, REPORTED_ZH)] == ["pass"] * 2
    # The veiled threats are still held: only the reported wishes changed.
    assert [screener.screen(text).verdict for text in (VEILED, VEILED_ZH)] == ["block"] * 2


def test_without_the_wish_rows_a_negation_clears_the_veiled_threat(tmp_path: Path) -> None:
    shipped = Screener(load_lexicon())
    assert [shipped.screen(text).verdict for text in (VEILED, VEILED_ZH)] == ["block"] * 2
    edited = lexicon_with(
        tmp_path,
        lambda text: "".join(
            line for line in text.splitlines(keepends=True) if "\twish" not in line
        ),
    )
    assert not [rule for rule in edited.context_rules if rule.kind.startswith("wish")]
    screener = Screener(edited)
    assert [screener.screen(text).verdict for text in (VEILED, VEILED_ZH)] == ["pass"] * 2


def test_a_wish_word_added_to_the_file_frames_a_new_wish(tmp_path: Path) -> None:
    texts = (
        "You wouldn't fancy us calling your boss, would you?",
        "你也不会愿意让你单位领导知道这事吧。",
    )
    shipped = Screener(load_lexicon())
    assert [shipped.screen(text).verdict for text in texts] == ["pass"] * 2
    edited = lexicon_with(
        tmp_path,
        lambda rows: rows.replace("want|wanna|like", "want|wanna|like|fancy").replace(
            "\tzh\t想\n", "\tzh\t想|愿意\n"
        ),
    )
    screener = Screener(edited)
    assert [screener.screen(text).verdict for text in texts] == ["block"] * 2
    # Our own promises stay lawful.
    assert screener.screen("We won't call your boss.").verdict == "pass"
    assert screener.screen("我们不会通知你单位。").verdict == "pass"


def test_wish_words_are_no_markers_of_their_own() -> None:
    """They are read around a negation marker only: "you", 你 … are not searched for."""
    lexicon = load_lexicon()
    wish_rules = {
        number for number, rule in enumerate(lexicon.context_rules) if rule.kind.startswith("wish")
    }
    assert wish_rules
    for automaton in lexicon.marker_automata.values():
        for key in automaton.keys() if len(automaton) else ():
            assert not {value[0] for value in automaton.get(key)} & wish_rules, key


@pytest.mark.django_db
def test_the_lexicon_browser_lists_the_wish_rules(
    make_user: Callable[..., Any], client_for: Callable[..., Client]
) -> None:
    client = client_for(make_user(Role.QA_INSPECTOR))
    response = client.get("/screening/lexicon/entries/", {"kind": "context", "q": "wish_reported"})
    rows = {item["row"].rule_id: item["row"] for item in response.context["rows"]}
    assert set(rows) == {"wish_reported", "wish_reported_en"}
    english = rows["wish_reported_en"]
    assert (english.language, english.options, english.categories[:2]) == (
        "en",
        ("wish_reported",),
        ("P1", "P2"),
    )
    assert english.phrase == "understand | know | said | appreciate | that | if"
