"""Chinese written wholly in pinyin, read back as Chinese for the lexicon's patterns.

The pinyin layer (``pinyin_text``) matches the lexicon's Chinese phrases in a text written
wholly in pinyin by their pinyin keys; a pattern has no pinyin key, so 「wo men shi jing cha」
(我们是警察, which only a pattern of P4 knows) passed while 「wo shi jing cha」 (a phrase) was
caught. This module builds a **reading** of such a text in ideographs, which the screener scans
like the CJK view (phrases, patterns, context markers and exceptions alike):

* the lexicon's words (:class:`~heed.screening.engine.readings.Vocabulary`: every run of two or
  more ideographs of a Chinese phrase or pattern) spelled by whole syllables of the text, longest
  first, then leftmost, none overlapping (「wo men」 我们, 「jing cha」 警察); a word read in
  several ways (坐牢, 做牢) gives one reading per way, at most :data:`MAX_ALTERNATIVES`;
* every other syllable as its likeliest character: the most frequent single character of that
  toneless reading in jieba's dictionary (shi 是, wo 我, bu 不, ni 你).

A hit found in the reading counts only when it covers at least ``pinyin_text.MIN_SYLLABLES``
syllables (as for the phrases: 「xie xie ni」, thank you, is no 卸你) and asks for what the
pinyin layer asks of pinyin (confidence 0.9 at most).

Trigger: a text without an ideograph whose every word splits into pinyin syllables, at least
``MIN_SYLLABLES`` of them (``pinyin_text.read_syllables``); an English text stops at its first
word that does not split, so ordinary texts cost nothing more.

Pure Python, no database.
"""

from __future__ import annotations

from bisect import bisect_left
from functools import lru_cache
from typing import TYPE_CHECKING

from heed.screening.engine.normalize import Offsets, is_cjk, syllable
from heed.screening.engine.pinyin_text import CONFIDENCE, MIN_SYLLABLES, read_syllables
from heed.screening.engine.readings import Reading, Vocabulary, _jieba

if TYPE_CHECKING:
    from heed.screening.engine.normalize import Views

MAX_ALTERNATIVES = 3


class PinyinTextReading(Reading):
    """A text written wholly in pinyin read in ideographs (see the module's docstring)."""

    __slots__ = ("syllable_starts",)

    def __init__(self, text: str, spans: tuple[tuple[int, int], ...]) -> None:
        def offsets() -> Offsets:
            return tuple(start for start, _end in spans), tuple(end for _s, end in spans), ()

        super().__init__(text, offsets, (), False)
        self.syllable_starts = tuple(start for start, _end in spans)

    def hit_confidence(self, start: int, end: int, confidence: float) -> float | None:
        """A hit counts when it covers at least ``MIN_SYLLABLES`` syllables."""
        starts = self.syllable_starts
        if bisect_left(starts, end) - bisect_left(starts, start) < MIN_SYLLABLES:
            return None
        return min(confidence, CONFIDENCE)


@lru_cache(maxsize=1)
def _likeliest_characters() -> dict[str, str]:
    """Toneless syllable -> the most frequent single character read so (jieba's counts)."""
    best: dict[str, tuple[int, str]] = {}
    for text, count in _jieba().dt.FREQ.items():
        if len(text) != 1 or not count or not is_cjk(text):
            continue
        sound = syllable(text)
        if sound not in best or (count, text) > best[sound]:
            best[sound] = (count, text)
    return {sound: text for sound, (_count, text) in best.items()}


def pinyin_text_readings(views: Views, words: Vocabulary) -> tuple[PinyinTextReading, ...]:
    """The readings of a text written wholly in pinyin (see the module's docstring); empty for
    any other text."""
    if views.has_cjk or not len(words.syllables):
        return ()
    read = read_syllables(views.folded)
    if read is None or len(read.spans) < MIN_SYLLABLES:
        return ()
    text, spans = read.text, read.spans
    number_at = {start: number for number, (start, _end) in enumerate(spans)}
    ends = {end for _start, end in spans}
    found: dict[tuple[int, int], list[str]] = {}
    for end_index, entries in words.syllables.iter(text):
        if end_index + 1 not in ends:
            continue
        for entry in entries:
            begin = end_index - entry.length + 1
            first = number_at.get(begin)
            if first is None:
                continue
            last = first + len(entry.word)
            if last > len(spans) or spans[last - 1][1] != end_index + 1:
                continue
            if any(
                number_at.get(begin + offset) != first + place
                for place, offset in enumerate(entry.starts)
            ):
                continue  # each character of the word must be one syllable of the text
            found.setdefault((first, last), []).append(entry.word)
    chosen: list[tuple[int, int]] = []
    for first, last in sorted(found, key=lambda span: (span[0] - span[1], span[0])):
        if all(last <= low or high <= first for low, high in chosen):
            chosen.append((first, last))
    likeliest = _likeliest_characters()
    characters = [likeliest.get(text[start:end], "□") for start, end in spans]
    count = min(max((len(found[span]) for span in chosen), default=1), MAX_ALTERNATIVES)
    index = views.folded.index
    places = read.places
    original = tuple((index[places[start]], index[places[end - 1]] + 1) for start, end in spans)
    readings: list[PinyinTextReading] = []
    for number in range(count):
        written = list(characters)
        for first, last in chosen:
            alternatives = sorted(found[(first, last)])
            written[first:last] = alternatives[min(number, len(alternatives) - 1)]
        readings.append(PinyinTextReading("".join(written), original))
    return tuple(readings)
