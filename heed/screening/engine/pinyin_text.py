"""Chinese written wholly in pinyin: the pinyin layer for texts without an ideograph.

The pinyin layer (``Screener._pinyin_hits``) matches the lexicon's Chinese phrases by their pinyin
keys, but only in a text that has Chinese in it: "made" in an English text is no 妈的. A message
written wholly in pinyin ("ni ta ma de", "nǐ tā mā de", "wo yao nong si ni", with or without
tone digits: "ni3 ta1 ma1 de") has no ideograph, so it was never read.

Such a text is read as Chinese when every word of it (a run of letters, each with an optional
tone digit 1-5 after a syllable) splits into pinyin syllables, and it has at least
:data:`MIN_SYLLABLES` of them (a greeting of two words proves nothing; "a man" is English). A
phrase's pinyin key then counts only from a syllable boundary to a syllable boundary (the
syllables of each word as the longest-first split makes them), never across a number or
sentence punctuation; a phrase of two syllables only in the insult and slur categories (as for
pure homophones: "xie xie ni", thank you, is no 卸你); the hit asks for what the pinyin layer
asks of Latin pinyin (confidence 0.9 at most). A text of exactly two syllables is read only
when it is wholly one insult or slur ("sha bi" alone), not written as a name ("Sha Bi") and with
no common English word in it ("made", "ma de"). The lexicon's patterns read such a text through
its reading in ideographs (``pinyin_text_reading``).

An English text qualifies only if every word of it is a pinyin syllable sequence ("he can hang
on a long ban"): rare, and then a hit needs a Chinese phrase's whole pinyin on syllable
boundaries too.

Cost: a text with a word that is no syllable sequence stops at that word (most English texts at
the first or second word); each word's split is cached.

Pure Python, no database.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from heed.screening.engine.lexicon import Entry
    from heed.screening.engine.normalize import Folded

MIN_SYLLABLES = 3
# Every syllable of a pinyin text stands for many characters, as a pure homophone does: a
# phrase of two syllables counts only in the categories the pinyin layer reads two-syllable
# homophones for (insults and slurs: 「sha bi」, 「lao lai」), not as 卸你 in "xie xie ni".
SHORT_CATEGORIES = frozenset({"P3", "P17"})
# A text of exactly two syllables counts only when it is wholly one phrase of
# SHORT_CATEGORIES ("sha bi" alone), not written as a name ("Sha Bi") and with no common
# English word in it ("ma de", "made", "long zi"): a greeting ("ni hao", "xie xie") is in no
# such category.
SHORT_TEXT_SYLLABLES = 2
CONFIDENCE = 0.9
# Words and what separates them, in the folded text (lower case, tone marks folded, ü → v).
_TOKEN = re.compile(r"[a-z0-9]+|[.,!?;:\n。，！？；：]")
_BREAK = "|"
# Words as written in the original (a name is capitalised) and as folded (tone digits apart).
_WORD = re.compile(r"[^\W\d_]+")
_LETTERS = re.compile(r"[a-z]+")


@lru_cache(maxsize=1)
def syllables() -> frozenset[str]:
    """Every toneless pinyin syllable (pypinyin's readings, tone marks removed, ü as v)."""
    from pypinyin.pinyin_dict import pinyin_dict

    found: set[str] = set()
    for readings in pinyin_dict.values():
        for reading in readings.split(","):
            reading = reading.replace("ü", "v")
            plain = "".join(
                char
                for char in unicodedata.normalize("NFKD", reading)
                if not unicodedata.combining(char)
            )
            if plain.isascii() and plain.isalpha():
                found.add(plain)
    return frozenset(found)


@lru_cache(maxsize=8192)
def split_word(word: str) -> tuple[tuple[int, int], ...] | None:
    """``(start, end)`` of each syllable of ``word`` (a tone digit after a syllable belongs to
    it), longest syllables first; None when it does not split into syllables."""
    known = syllables()

    @cache
    def rest(start: int) -> tuple[tuple[int, int], ...] | None:
        if start == len(word):
            return ()
        for end in range(min(len(word), start + 6), start, -1):
            if word[start:end] not in known:
                continue
            stop = end + 1 if end < len(word) and word[end] in "12345" else end
            tail = rest(stop)
            if tail is not None:
                return ((start, stop), *tail)
        return None

    return rest(0)


@dataclass(frozen=True)
class PinyinHit:
    entry: Entry
    start: int  # in the original text
    end: int
    confidence: float


@dataclass(frozen=True)
class Syllables:
    """A text read as pinyin: its syllables' letters (:data:`_BREAK` between sentences), per
    letter its folded position, and each syllable's letters ``[start, end)``."""

    text: str
    places: tuple[int, ...]
    spans: tuple[tuple[int, int], ...]


def read_syllables(folded: Folded) -> Syllables | None:
    """The folded text read as pinyin syllables; None when a word of it does not split into
    syllables (most English texts stop at their first or second word)."""
    source = folded.text
    letters: list[str] = []
    places: list[int] = []
    spans: list[tuple[int, int]] = []
    for token in _TOKEN.finditer(source):
        word = token.group()
        if not word.isalnum() or word.isdigit():
            letters.append(_BREAK)
            places.append(token.start())
            continue
        parts = split_word(word)
        if parts is None:
            return None
        for start, end in parts:
            first = len(letters)
            for position in range(start, end):
                if word[position].isalpha():
                    letters.append(word[position])
                    places.append(token.start() + position)
            spans.append((first, len(letters)))
    return Syllables("".join(letters), tuple(places), tuple(spans))


def pinyin_text_hits(original: str, folded: Folded, automaton: Any) -> list[PinyinHit]:
    """The pinyin layer's hits in ``original`` read as Chinese written in pinyin (see the
    module's text); empty when it is not such a text."""
    read = read_syllables(folded)
    if read is None:
        return []
    if len(read.spans) == SHORT_TEXT_SYLLABLES:
        return _whole_text_hits(original, folded, read, automaton)
    if len(read.spans) < MIN_SYLLABLES:
        return []
    text, places, index = read.text, read.places, folded.index
    bounds = {place for span in read.spans for place in span}
    hits: list[PinyinHit] = []
    for end_index, compiled_all in automaton.iter(text):
        for compiled in compiled_all:
            begin = end_index - len(compiled.key) + 1
            if begin not in bounds or end_index + 1 not in bounds:
                continue
            if len(compiled.surface) < 3 and compiled.entry.category not in SHORT_CATEGORIES:
                continue  # "xie xie ni" (thank you) is no 卸你: see SHORT_CATEGORIES
            start = index[places[begin]]
            end = index[places[end_index]] + 1
            confidence = min(CONFIDENCE, compiled.entry.confidence)
            hits.append(PinyinHit(compiled.entry, start, end, confidence))
    return hits


def _whole_text_hits(
    original: str, folded: Folded, read: Syllables, automaton: Any
) -> list[PinyinHit]:
    """A text of two syllables that is wholly one insult or slur (「sha bi」, 「lao lai」; see
    :data:`SHORT_TEXT_SYLLABLES`)."""
    key = read.text.strip(_BREAK)
    found = [
        compiled
        for compiled in automaton.get(key, ())
        if compiled.entry.category in SHORT_CATEGORIES and len(compiled.surface) == 2
    ]
    if not found:
        return []  # most two-word texts ("ni hao", "a man") stop here
    words = _WORD.findall(original)
    if all(word[:1].isupper() and word[1:] == word[1:].lower() for word in words):
        return []  # written as a name: "Sha Bi", "Lao Lai"
    from heed.screening.engine.split_words import WORD_COUNT, english_counts

    counts = english_counts()
    if any(counts.get(word, 0) >= WORD_COUNT for word in _LETTERS.findall(folded.text)):
        return []  # an English word: "made", "can fei", "long zi"
    first = read.spans[0][0]
    last = read.spans[-1][1] - 1
    start, end = folded.index[read.places[first]], folded.index[read.places[last]] + 1
    return [
        PinyinHit(compiled.entry, start, end, min(CONFIDENCE, compiled.entry.confidence))
        for compiled in found
    ]
