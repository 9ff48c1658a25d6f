"""Pinyin readings: Chinese text in which a word of the lexicon is written as its pinyin, its
initials or a same-sound word, read back as the word.

Collectors write a sensitive word so that the lexicon's exact forms miss it: 「警cha」, 「jing察」,
「你家ren」, 「警cha2」, 「lao gong」 (pinyin, with or without tones or spaces), 「jc上门」
(initials), 「警查上门」 (another word with the same toneless pinyin). The pinyin layer
(``Screener._pinyin_hits``) matches whole plain phrases by pinyin; the patterns, which carry much
of the lexicon's context (「(找|去找)(你的?)(…|家人)」), never see the word. This module builds a
**second reading** of the CJK view in which each disguise is replaced by the word it stands for
(「找你家ren」 reads 找你家人); the screener scans it with the same automata and patterns as the
view itself, counts only hits on a word read back, and every character of such a word maps to
the original characters it was read from, so findings point at 「家ren」.

Which words: the lexicon's own — every run of two or more ideographs in a Chinese phrase or
pattern (:class:`Vocabulary`). Which disguises, and when:

* **pinyin** — Latin letters next to an ideograph in the CJK view (the trigger; only runs that
  are pinyin syllables one after another count, so 「app」 costs nothing): a word whose pinyin
  (most common reading per character, or the word's own: 还钱 huan-qian) the text spells, with
  at least one syllable in Latin letters, the ideographs the word's own, the letters not glued
  to other letters or digits in the original. A tone digit after a syllable (「cha2」) is dropped
  first; tone marks are folded by the views already. Hits ask for no less than the phrase's
  confidence, capped at 0.9.
* **initials** — a run of Latin letters standing alone next to an ideograph, equal to the
  initials of a word of :data:`INITIALS` (read as that word and the lexicon's words of the same
  sound: 「zl」 as 坐牢 and 做牢). Two- and three-letter abbreviations are everywhere in lawful
  text (TS and TD codes, bz, cs, hx), and 「jc」 is more often 经常 or 基础 than 警察: only the
  listed ones, which never stand alone next to Chinese in the lawful labelled rows or in COLD's
  inoffensive texts, are read, a hit must reach beyond the initials into the text around them
  (「jc上门」 reads 警察上门; 「jc」 alone is nothing), and it only asks for review.
* **homophones** — ideographs with the same toneless pinyin as a word of a phrase (not a pattern's
  context word) that is in jieba's dictionary and not an everyday word, syllable for syllable,
  keeping a character of the word next to one it changes; the surface itself is not a word of
  jieba's dictionary, and jieba's segmentation of its clause keeps it apart (:func:`is_disguise`:
  「警查」 and 「做牢」 are read; 「经查」 (a word), 「经查实」 (经|查实), 「做牢固」 (做|牢固),
  「老来得子」 (老|来得|子) are not). A two-syllable homophone is often an ordinary pair of words
  (呆不 for 逮捕, 众神 for 终身), so its hit must reach beyond it and only asks for review.

Cost: a text without Latin letters next to an ideograph pays one set of its character pairs
intersected with the homophones' pairs (in C); jieba runs only on a candidate. A reading covers
the words read back and :data:`WINDOW` characters around them.

Pure Python, no database.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from operator import add
from typing import TYPE_CHECKING, Any

import ahocorasick
from pypinyin import Style, lazy_pinyin

from heed.screening.engine.normalize import (
    Offsets,
    PinyinView,
    View,
    Views,
    is_cjk,
    phrase_pinyin,
    syllable,
    view_without,
)

if TYPE_CHECKING:
    from heed.screening.engine.lexicon import Lexicon

try:  # Python 3.11+: the parser module is private but stable
    from re import _constants as _sre_constants  # type: ignore[attr-defined]
    from re import _parser as _sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    import sre_constants as _sre_constants  # type: ignore[no-redef]
    import sre_parse as _sre_parse  # type: ignore[no-redef]

_IDEOGRAPHS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# The trigger of the pinyin and initials readings, on the CJK view (which has no spaces).
_LATIN_BY_IDEOGRAPH = re.compile(f"[{_IDEOGRAPHS}][a-z]|[a-z][{_IDEOGRAPHS}]")
# Latin letters with tone digits next to an ideograph (「cha2」, 「lao3lai4」), and in such a run a
# tone digit (after a syllable's last letter). Written as
# ``(?<=[ideograph])(?:[a-z]+[1-5](?![0-9]))+[a-z]*|(?<![a-z0-9])(?:[a-z]+[1-5])+(?=[ideograph])``
# with the first letter taken before the look-behinds (which then look one character further
# back): a pattern that starts with a character set lets the regular-expression engine skip to
# the letters instead of trying the look-behinds at every position of a long text.
_TONED_RUN = re.compile(
    f"[a-z](?:(?<=[{_IDEOGRAPHS}].)[a-z]*[1-5](?![0-9])(?:[a-z]+[1-5](?![0-9]))*[a-z]*"
    f"|(?<![a-z0-9].)[a-z]*[1-5](?:[a-z]+[1-5])*(?=[{_IDEOGRAPHS}]))"
)
_TONE_DIGIT = re.compile(r"(?<=[aeiouvngr])[1-5]")
# ``(?<=[ideograph])[a-z]+|(?<![a-z])[a-z]+(?=[ideograph])``, written as ``_TONED_RUN`` is.
_LATIN_BY_IDEOGRAPH_RUN = re.compile(
    f"[a-z](?:(?<=[{_IDEOGRAPHS}].)[a-z]*|(?<![a-z].)[a-z]*(?=[{_IDEOGRAPHS}]))"
)
# Punctuation a homophone may not be read across.
_STOP = re.compile(r"[，。！？；、,.!?;:：\n]")

# Confidence caps of hits that need a reading (below 0.75 a hit only asks for review).
PINYIN_CONFIDENCE = 0.9
INITIALS_CONFIDENCE = 0.7
SHORT_HOMOPHONE_CONFIDENCE = 0.7

# Words read from their initials (see the module's docstring). Measured on the 3,198 lawful rows
# of the readable labelled sets and COLD's 19,439 inoffensive texts: none of these stands alone
# next to Chinese there (ts 15, cs 9, bz 6, td 4, hx 3, ll 2 do); as initials of the words in
# them, jc is 警察 52 times in 548 (经常, 接触, 基础), fy 法院 154 in 610 (方言, 反映, 费用), zl
# 坐牢 0 in 643 (这里, 之类, 资料), pcs 派出所 16 in 16, sfz 身份证 62 in 72, txl 通讯录 16 in 74
# (同性恋 55), gaj 公安局 8 in 26 (古埃及) — hence a hit must reach beyond them.
INITIALS: dict[str, str] = {
    "jc": "警察",
    "zl": "坐牢",
    "fy": "法院",
    "gaj": "公安局",
    "pcs": "派出所",
    "sfz": "身份证",
    "txl": "通讯录",
}


@dataclass(frozen=True)
class Replaced:
    """An original span a reading wrote a word over, and what a hit on it may claim."""

    start: int
    end: int
    confidence: float
    needs_context: bool  # initials, two-syllable homophones: a hit must reach beyond the span


class Reading(View):
    """A CJK view with disguised words read back (see the module's docstring)."""

    __slots__ = ("replaced",)

    def __init__(self, text: str, build: Any, replaced: tuple[Replaced, ...], reordered: bool):
        super().__init__(text, build=build, reordered=reordered)
        self.replaced = replaced

    def hit_confidence(self, start: int, end: int, confidence: float) -> float | None:
        """The confidence of a hit at original ``[start, end)`` found in this reading, or None
        when the reading does not explain it (it touches no word read back, or is only the
        initials it was read from)."""
        found: float | None = None
        for replaced in self.replaced:
            if replaced.end <= start or end <= replaced.start:
                continue
            if replaced.needs_context and start >= replaced.start and end <= replaced.end:
                continue
            cap = min(confidence, replaced.confidence)
            found = cap if found is None else min(found, cap)
        return found


@dataclass(frozen=True)
class _Word:
    word: str
    starts: tuple[int, ...]  # where each character's syllable starts in the key
    length: int  # the key's length


@dataclass
class Vocabulary:
    """The lexicon's Chinese words (runs of two or more ideographs of its phrases and patterns)
    by pinyin key."""

    words: frozenset[str]
    syllables: Any  # ahocorasick.Automaton: pinyin key -> tuple of _Word
    # Pairs of characters of a homophone -> (word number, the pair's offset in the word); the
    # words a homophone may stand for, by number.
    homophones: dict[str, tuple[tuple[int, int], ...]]
    homophone_words: tuple[str, ...]
    longest: int  # characters in the longest word

    @classmethod
    def from_words(cls, words: Iterable[str], phrase_words: Iterable[str]) -> Vocabulary:
        """``words``: every word; ``phrase_words``: the words of the lexicon's phrases (not
        only of its patterns), which a homophone may stand for."""
        kept = frozenset(word for word in words if len(word) >= 2)
        # A homophone stands for a word of a phrase (a pattern's context words, 顺便, 员工,
        # 几十, are not disguised), in the dictionary and not an everyday one: the pinyin of
        # 我们, 已经, 公司 is in almost every text, and nobody disguises them.
        disguisable = {
            word
            for word in phrase_words
            if len(word) >= 2 and 1 <= _count(word) < EVERYDAY_WORD_COUNT
        }
        longest = max((len(word) for word in kept), default=0)
        syllables = _automaton(kept)
        # A homophone keeps a character of the word next to one it changes (警查, 做牢, 法远):
        # every such pair of characters, with a common character of the same syllable for the
        # changed one, is a key (one pass over the text finds the candidates).
        listed = tuple(sorted(disguisable))
        pairs: dict[str, set[tuple[int, int]]] = {}
        by_sound = _common_characters()
        for number, word in enumerate(listed):
            for offset in range(len(word) - 1):
                left, right = word[offset], word[offset + 1]
                for other in by_sound.get(syllable(left), ()):
                    if other != left:
                        pairs.setdefault(other + right, set()).add((number, offset))
                for other in by_sound.get(syllable(right), ()):
                    if other != right:
                        pairs.setdefault(left + other, set()).add((number, offset))
        homophones = {pair: tuple(sorted(places)) for pair, places in pairs.items()}
        return cls(kept, syllables, homophones, listed, longest)


@lru_cache(maxsize=1)
def _syllable_runs() -> re.Pattern[str]:
    """Latin letters that are pinyin syllables one after another (any syllable the common
    characters have; longest first)."""
    sounds = sorted(_common_characters(), key=len, reverse=True)
    return re.compile("(?:" + "|".join(sounds) + ")+")


# Characters at least this common as words of their own in jieba's dictionary are those a
# homophone is written with (the first candidates an input method offers).
COMMON_CHARACTER_COUNT = 100


@lru_cache(maxsize=1)
def _common_characters() -> dict[str, tuple[str, ...]]:
    """Syllable -> the common characters read so."""
    found: dict[str, list[str]] = {}
    for text, count in _jieba().dt.FREQ.items():
        if len(text) == 1 and count >= COMMON_CHARACTER_COUNT and is_cjk(text):
            found.setdefault(syllable(text), []).append(text)
    return {sound: tuple(sorted(chars)) for sound, chars in found.items()}


def _automaton(words: Iterable[str]) -> Any:
    """Pinyin key -> the words read so (each a :class:`_Word`)."""
    keyed: dict[str, dict[str, _Word]] = {}
    for word in sorted(words):
        for readings in _word_readings(word):
            key = "".join(readings)
            starts: list[int] = []
            position = 0
            for reading in readings:
                starts.append(position)
                position += len(reading)
            keyed.setdefault(key, {})[word] = _Word(word, tuple(starts), len(key))
    automaton = ahocorasick.Automaton()
    for key, found in keyed.items():
        automaton.add_word(key, tuple(found.values()))
    if len(automaton):
        automaton.make_automaton()
    return automaton


def _word_readings(word: str) -> list[tuple[str, ...]]:
    """The word's syllables character by character (as the pinyin view reads the text), and its
    own reading when that differs (还钱: hai|qian and huan|qian)."""
    plain = tuple(syllable(char) for char in word)
    own = tuple(lazy_pinyin(word, style=Style.NORMAL, errors="ignore"))
    if len(own) == len(word) and own != plain:
        return [plain, own]
    return [plain]


def pattern_words(pattern: str) -> set[str]:
    """Runs of two or more ideographs a regular expression matches literally."""
    try:
        parsed = _sre_parse.parse(pattern)
    except Exception:  # noqa: BLE001 — an unparseable pattern gives no words
        return set()
    words: set[str] = set()
    _collect_words(list(parsed.data), words)
    return words


def _collect_words(items: list[Any], words: set[str]) -> None:
    run: list[str] = []

    def flush() -> None:
        for piece in re.findall(f"[{_IDEOGRAPHS}]{{2,}}", "".join(run)):
            words.add(piece)
        run.clear()

    for operation, argument in items:
        if operation is _sre_constants.LITERAL:
            run.append(chr(argument))
            continue
        flush()
        if operation is _sre_constants.SUBPATTERN:
            _collect_words(list(argument[-1]), words)
        elif operation is _sre_constants.BRANCH:
            for branch in argument[1]:
                _collect_words(list(branch), words)
        elif operation in (_sre_constants.MAX_REPEAT, _sre_constants.MIN_REPEAT):
            _collect_words(list(argument[2]), words)
    flush()


# Built vocabularies by the lexicon's content (a lexicon loaded again from the same files, as
# each test and each process does, shares one); the last few are kept.
_BY_CONTENT: dict[str, Vocabulary] = {}
_BY_CONTENT_KEPT = 8


def vocabulary(lexicon: Lexicon) -> Vocabulary:
    """The lexicon's vocabulary, built once per lexicon content and kept with the lexicon."""
    built = lexicon.derived.get("vocabulary")
    if built is not None:
        return built
    content = lexicon.content_hash
    built = _BY_CONTENT.get(content)
    if built is None:
        built = _built_vocabulary(lexicon)
        while len(_BY_CONTENT) >= _BY_CONTENT_KEPT:
            del _BY_CONTENT[next(iter(_BY_CONTENT))]
        _BY_CONTENT[content] = built
    lexicon.derived["vocabulary"] = built
    return built


def _built_vocabulary(lexicon: Lexicon) -> Vocabulary:
    from heed.screening.engine.lexicon import normalised_key

    words: set[str] = set(INITIALS.values())
    phrase_words: set[str] = set()
    for entry in lexicon.entries:
        if entry.language != "zh" or entry.is_symbol:
            continue
        if entry.is_pattern:
            words |= pattern_words(entry.phrase)
            continue
        key = normalised_key(entry.phrase, "zh")[0]
        for run in re.findall(f"[{_IDEOGRAPHS}]{{2,}}", key):
            phrase_words.add(run)
            phrase_words.update(token for token in _jieba().cut(run, HMM=False) if len(token) > 1)
    return Vocabulary.from_words(words | phrase_words, phrase_words)


# --- jieba: is a surface a word? --------------------------------------------------------------


@lru_cache(maxsize=1)
def _jieba() -> Any:
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


# Words at least this common in jieba's dictionary are everyday words (联系 9767, 孩子 17465;
# 警察 has 1677, 法院 2312, 公安 2800).
EVERYDAY_WORD_COUNT = 5000


def _count(text: str) -> int:
    count: int = _jieba().dt.FREQ.get(text, 0) or 0
    return count


def _is_word(text: str, least: int = 1) -> bool:
    return _count(text) >= least


@lru_cache(maxsize=4096)
def _token_edges(clause: str) -> frozenset[int]:
    """Positions in ``clause`` where jieba's segmentation (dictionary only) puts a boundary."""
    edges = {0}
    position = 0
    for token in _jieba().cut(clause, HMM=False):
        position += len(token)
        edges.add(position)
    return frozenset(edges)


# --- building a reading ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Candidate:
    first: int  # CJK-view units [first, last)
    last: int
    word: str
    pieces: tuple[tuple[int, int], ...]  # per character of the word: its units [a, b)
    confidence: float
    needs_context: bool


def _latin_glued(original: str, start: int, end: int) -> bool:
    """Whether the original text has a Latin letter or digit right before ``start`` or right
    after ``end`` (the disguise would be part of a longer word or code: 「usb」, 「TS2025」)."""
    before = original[start - 1 : start]
    after = original[end : end + 1]
    return (before.isascii() and before.isalnum()) or (after.isascii() and after.isalnum())


def _without_tone_digits(view: View) -> View:
    text = view.text
    dropped = {
        run.start() + digit.start()
        for run in _TONED_RUN.finditer(text)
        for digit in _TONE_DIGIT.finditer(run.group())
    }
    return view_without(view, dropped)


def _pinyin_candidates(
    base: View, pinyin: PinyinView, words: Vocabulary, original: str, runs: list[Any]
) -> list[_Candidate]:
    """Words spelled by the text's syllables, at least one of them in Latin letters (of one of
    the ``runs``)."""
    text = base.text
    found: list[_Candidate] = []
    spelled = _syllable_runs().fullmatch
    pinyin_runs = [run for run in runs if spelled(run.group()) is not None]
    if not pinyin_runs or not len(words.syllables):
        return found
    ends = pinyin.unit_ends()
    # A match must start and end with a character's reading (looked up in a set).
    starts = {0, *ends}
    for end_index, entries in _near_latin(
        words.syllables, pinyin.text, text, ends, words.longest, pinyin_runs
    ):
        if end_index + 1 not in starts:
            continue
        for entry in entries:
            word, length = entry.word, entry.length
            begin = end_index - length + 1
            if begin not in starts:
                continue
            first, last = bisect_right(ends, begin), bisect_right(ends, end_index) + 1
            surface = text[first:last]
            if all(is_cjk(char) for char in surface):
                continue  # the word itself, or a homophone (see _homophone_candidates)
            pieces = _pieces(pinyin, text, begin, entry)
            if pieces is None:
                continue
            start, end = base.original_span(first, last)
            if not _latin_glued(original, start, end):
                found.append(_Candidate(first, last, word, pieces, PINYIN_CONFIDENCE, False))
    return found


def _homophone_candidates(cjk: View, words: Vocabulary, original: str) -> list[_Candidate]:
    """Ideographs with the pinyin of a word, syllable for syllable, that are not the word and
    may be a disguise of it (:func:`is_disguise`)."""
    text = cjk.text
    found: list[_Candidate] = []
    if not len(words.homophones):
        return found
    # The text's pairs of characters (built and intersected in C; an automaton of so many
    # first characters would be slower).
    pairs = words.homophones.keys() & set(map(add, text, text[1:]))
    if not pairs:
        return found
    seen: set[tuple[int, int]] = set()
    for found_pair, position in sorted(
        (pair, match.start()) for pair in pairs for match in re.finditer(pair, text)
    ):
        for number, offset in words.homophones[found_pair]:
            word = words.homophone_words[number]
            first = position - offset
            last = first + len(word)
            if first < 0 or last > len(text) or (first, number) in seen:
                continue
            seen.add((first, number))
            surface = text[first:last]
            if surface in words.words or not all(map(is_cjk, surface)):
                continue
            if any(syllable(a) != syllable(b) for a, b in zip(surface, word, strict=True)):
                continue
            start, end = cjk.original_span(first, last)
            if not is_disguise(original, start, end, surface, word):
                continue
            # Two syllables are often an ordinary word's (呆不 for 逮捕, 众神 for 终身): such a
            # reading counts only inside a longer phrase or pattern, and asks for review.
            short = len(word) < 3
            confidence = SHORT_HOMOPHONE_CONFIDENCE if short else PINYIN_CONFIDENCE
            pieces = tuple((unit, unit + 1) for unit in range(first, last))
            found.append(_Candidate(first, last, word, pieces, confidence, short))
    return found


def _near_latin(
    automaton: Any, pinyin: str, text: str, ends: list[int], longest: int, runs: list[Any]
) -> list[tuple[int, tuple[_Word, ...]]]:
    """The automaton's matches in the parts of the pinyin text that can hold a word with one
    of the Latin ``runs`` of ``text`` in it (each run and ``longest`` characters around it)."""
    windows: list[tuple[int, int]] = []
    for run in runs:
        low = max(0, run.start() - longest)
        high = min(len(text), run.end() + longest)
        if windows and low <= windows[-1][1]:
            windows[-1] = (windows[-1][0], high)
        else:
            windows.append((low, high))
    matches: list[tuple[int, tuple[_Word, ...]]] = []
    for low, high in windows:
        matches.extend(automaton.iter(pinyin, ends[low - 1] if low else 0, ends[high - 1]))
    return matches


def _pieces(
    pinyin: PinyinView, text: str, begin: int, entry: _Word
) -> tuple[tuple[int, int], ...] | None:
    """Per character of the word, the CJK-view units its syllable was read from; None when an
    ideograph of the text does not spell exactly one syllable of the word, or is not the
    word's own character there."""
    bounds = [*entry.starts, entry.length]
    pieces: list[tuple[int, int]] = []
    for number, char in enumerate(entry.word):
        low = begin + bounds[number]
        high = begin + bounds[number + 1] - 1
        first, last = pinyin.unit_of(low), pinyin.unit_of(high)
        if any(is_cjk(text[unit]) for unit in range(first, last + 1)):
            if first != last or not (pinyin.unit_start(low) and pinyin.unit_end(high)):
                return None
            if text[first] != char:
                return None
        pieces.append((first, last + 1))
    return tuple(pieces)


def is_disguise(original: str, start: int, end: int, surface: str, word: str) -> bool:
    """Whether ``surface`` (ideographs only, at original ``[start, end)``), which has the
    pinyin of ``word``, may be a disguise of it: no punctuation inside, not a word of jieba's
    dictionary while ``word`` is, and kept apart by jieba's segmentation of its clause (see the
    module's docstring)."""
    if _STOP.search(original, start, end):
        return False
    if _is_word(surface) or not _is_word(word):
        return False
    low = start
    while low > 0 and start - low < 20 and not _STOP.match(original, low - 1):
        low -= 1
    high = end
    while high < len(original) and high - end < 20 and not _STOP.match(original, high):
        high += 1
    clause = original[low:high]
    edges = _token_edges(clause)
    return start - low in edges and end - low in edges


def _initials_candidates(
    base: View, original: str, words: Vocabulary, runs: list[Any]
) -> list[_Candidate]:
    """Latin ``runs`` (next to an ideograph) that are the initials of a word of
    :data:`INITIALS`, standing alone in the original."""
    found: list[_Candidate] = []
    for match in runs:
        word = INITIALS.get(match.group())
        if word is None or len(word) != match.end() - match.start():
            continue
        first, last = match.start(), match.end()
        start, end = base.original_span(first, last)
        if end - start != last - first or _latin_glued(original, start, end):
            continue  # spaced letters ("j c") or part of a code
        pieces = tuple((unit, unit + 1) for unit in range(first, last))
        # Initials stand for a sound: the lexicon's words with the same sound are read too
        # (「去zl」 as 去坐牢 and as 去做牢, which a pattern knows).
        for sound in _same_sound(word, words):
            found.append(_Candidate(first, last, sound, pieces, INITIALS_CONFIDENCE, True))
    return found


def _same_sound(word: str, words: Vocabulary) -> list[str]:
    entries = words.syllables.get(phrase_pinyin(word), ())
    return sorted({word, *(entry.word for entry in entries if len(entry.word) == len(word))})


def pinyin_readings(views: Views, words: Vocabulary) -> tuple[Reading, ...]:
    """The CJK view with every disguised word read back (see the module's docstring): one
    reading, or one per alternative when a disguise reads as several words (「zuolao」: 坐牢,
    做牢); empty when the text has none."""
    if not views.has_cjk or not len(words.syllables):
        return ()
    cjk = views.cjk
    original = views.original
    candidates: list[_Candidate] = []
    base = cjk
    if _LATIN_BY_IDEOGRAPH.search(cjk.text) is not None:
        if _TONED_RUN.search(cjk.text) is not None:
            base = _without_tone_digits(cjk)
        # The Latin runs next to an ideograph that are pinyin, or initials of a listed word.
        spelled = _syllable_runs().fullmatch
        runs = [
            run
            for run in _LATIN_BY_IDEOGRAPH_RUN.finditer(base.text)
            if run.group() in INITIALS or spelled(run.group()) is not None
        ]
        if runs:
            pinyin = views.pinyin if base is cjk else PinyinView(base.text)
            candidates += _pinyin_candidates(base, pinyin, words, original, runs)
            candidates += _initials_candidates(base, original, words, runs)
    homophones = _homophone_candidates(cjk, words, original)
    if homophones and base is not cjk:
        # Homophones were found on the view itself: move them onto the base's units.
        homophones = _moved(homophones, cjk, base)
    candidates += homophones
    if not candidates:
        return ()
    readings: list[Reading] = []
    for cluster in _clusters(_chosen(candidates)):
        count = min(max(len(alternatives) for alternatives in cluster), _MAX_ALTERNATIVES)
        for number in range(count):
            chosen = [alternatives[min(number, len(alternatives) - 1)] for alternatives in cluster]
            readings.append(_reading(base, chosen))
    return tuple(readings)


def _clusters(spans: list[list[_Candidate]]) -> list[list[list[_Candidate]]]:
    """Spans (in text order) grouped so that each group's windows overlap."""
    clusters: list[list[list[_Candidate]]] = []
    for alternatives in spans:
        if clusters and alternatives[0].first - clusters[-1][-1][0].last <= 2 * WINDOW:
            clusters[-1].append(alternatives)
        else:
            clusters.append([alternatives])
    return clusters


_MAX_ALTERNATIVES = 3
# A reading covers the words read back and this many characters of the view on either side
# (more than any pattern's gap reaches): a long call transcript is not scanned twice whole.
WINDOW = 60


def _moved(candidates: list[_Candidate], cjk: View, base: View) -> list[_Candidate]:
    """Candidates found on ``cjk`` on the units of ``base`` (``cjk`` less some digits)."""
    position = {start: unit for unit, start in enumerate(base.starts)}
    starts = cjk.starts
    moved: list[_Candidate] = []
    for candidate in candidates:
        units = [position.get(starts[unit]) for unit in range(candidate.first, candidate.last)]
        if any(unit is None for unit in units):
            continue
        shift = units[0] - candidate.first  # type: ignore[operator]
        moved.append(
            _Candidate(
                candidate.first + shift,
                candidate.last + shift,
                candidate.word,
                tuple((a + shift, b + shift) for a, b in candidate.pieces),
                candidate.confidence,
                candidate.needs_context,
            )
        )
    return moved


def _chosen(candidates: Sequence[_Candidate]) -> list[list[_Candidate]]:
    """Spans that do not overlap (longer first, then pinyin before initials), each with its
    alternative words, in text order."""
    ordered = sorted(
        candidates, key=lambda c: (-(c.last - c.first), c.needs_context, c.first, c.word)
    )
    kept: list[list[_Candidate]] = []
    for candidate in ordered:
        span = (candidate.first, candidate.last)
        same = next(
            (
                alternatives
                for alternatives in kept
                if (alternatives[0].first, alternatives[0].last) == span
            ),
            None,
        )
        if same is not None:
            if all(other.word != candidate.word for other in same):
                same.append(candidate)
            continue
        if any(
            candidate.first < alternatives[0].last and alternatives[0].first < candidate.last
            for alternatives in kept
        ):
            continue
        kept.append([candidate])
    kept.sort(key=lambda alternatives: alternatives[0].first)
    return kept


def _reading(base: View, chosen: list[_Candidate]) -> Reading:
    """The window of ``base`` around the chosen candidates, with their words written in."""
    text = base.text
    low = max(0, chosen[0].first - WINDOW)
    high = min(len(text), chosen[-1].last + WINDOW)
    pieces: list[str] = []
    # The reading as runs: (base units [a, b) kept as they are) or (one word's pieces).
    runs: list[tuple[int, int] | tuple[tuple[int, int], ...]] = []
    position = low
    for candidate in chosen:
        pieces.append(text[position : candidate.first])
        runs.append((position, candidate.first))
        pieces.append(candidate.word)
        runs.append(candidate.pieces)
        position = candidate.last
    pieces.append(text[position:high])
    runs.append((position, high))
    replaced = tuple(
        Replaced(
            *base.original_span(candidate.first, candidate.last),
            candidate.confidence,
            candidate.needs_context,
        )
        for candidate in chosen
    )

    def offsets() -> Offsets:
        starts_of, ends_of = base.starts, base.ends
        starts: list[int] = []
        ends: list[int] = []
        for run in runs:
            if isinstance(run[0], int):
                first, last = run  # type: ignore[misc]
                starts.extend(starts_of[first:last])
                ends.extend(ends_of[first:last])
            else:
                for first, last in run:  # type: ignore[misc]
                    start, end = base.original_span(first, last)
                    starts.append(start)
                    ends.append(end)
        return tuple(starts), tuple(ends), ()

    return Reading("".join(pieces), offsets, replaced, base.reordered)
