"""Normalisation against evasion, with a map from every normalised character back to the original.

Three views of one text are built, each a string plus, per character, the original ``[start, end)``:

* the **CJK view** (for Chinese phrases): traditional → simplified (OpenCC ``t2s``), full-width →
  half-width (NFKC), lower case, and every character that is neither a CJK ideograph nor a Latin
  letter/digit dropped — so spaces, punctuation, emoji and symbols inserted between characters
  (「傻 逼」, 「老🐶赖」, 「弄.死.你」) disappear;
* the **Latin view** (for English phrases): NFKC, lower case, look-alike digits and symbols inside
  words mapped back to letters (``sh1t`` → ``shit``, ``b!tch`` → ``bitch``), joiners inside words
  removed (``dead-beat`` → ``deadbeat``), runs of single letters joined (``s h i t`` → ``shit``),
  everything else one space; word boundaries survive, so "kill" inside "skill" never matches;
* the **pinyin view** (for homophone and pinyin substitutions such as 「老lai」, 「煞笔」): each
  ideograph of the CJK view becomes its toneless pinyin syllable, Latin letters stay letters.

Pure Python, no database.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate

import opencc
from pypinyin import Style, lazy_pinyin

_T2S = opencc.OpenCC("t2s")

# Characters OpenCC leaves alone (valid in simplified text) that evaders use as variants.
CJK_VARIANTS: dict[str, str] = {"著": "着", "妳": "你", "祢": "你", "您": "你"}

LEET: dict[str, str] = {
    "0": "o",
    "1": "i",
    "3": "e",
    "4": "a",
    "5": "s",
    "7": "t",
    "@": "a",
    "$": "s",
    "!": "i",
    "|": "i",
}
_APOSTROPHES = {"’": "'", "‘": "'", "`": "'", "´": "'"}
_JOINERS = set("-._~+")
_LEET_SYMBOLS = set("@$!|")


def is_cjk(char: str) -> bool:
    code = ord(char)
    return 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF


def is_ascii_alnum(char: str) -> bool:
    return char.isascii() and char.isalnum()


Offsets = tuple[tuple[int, ...], tuple[int, ...], tuple[bool, ...]]


class View:
    """A normalised string; ``starts[i]``/``ends[i]``: character ``i``'s original span.

    The text is built with whole-string operations; the per-character offsets only when first
    asked for (most texts have no hit, so nothing maps back to the original).
    """

    __slots__ = ("_build", "_offsets", "text")

    def __init__(
        self,
        text: str,
        starts: tuple[int, ...] = (),
        ends: tuple[int, ...] = (),
        soft: tuple[bool, ...] = (),
        *,
        build: Callable[[], Offsets] | None = None,
    ) -> None:
        self.text = text
        self._build = build
        self._offsets: Offsets | None = None if build is not None else (starts, ends, soft)

    def _get(self) -> Offsets:
        if self._offsets is None:
            assert self._build is not None
            self._offsets = self._build()
        return self._offsets

    @property
    def starts(self) -> tuple[int, ...]:
        return self._get()[0]

    @property
    def ends(self) -> tuple[int, ...]:
        return self._get()[1]

    @property
    def soft(self) -> tuple[bool, ...]:
        """Latin view only: True where the character came from a joined run of single letters
        ("s h i t"), inside which word boundaries are unknown."""
        return self._get()[2]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The original ``[start, end)`` covered by view characters ``[start, end)``."""
        starts, ends, _soft = self._get()
        return starts[start], ends[end - 1]


@lru_cache(maxsize=8192)
def _nfkc_lower(char: str) -> str:
    return unicodedata.normalize("NFKC", char).lower()


@lru_cache(maxsize=16384)
def _t2s_char(char: str) -> str:
    converted: str = _T2S.convert(char)
    return converted


def simplified(text: str) -> list[str]:
    """One converted string per original character (OpenCC's phrase table when lengths agree)."""
    converted: str = _T2S.convert(text)
    if len(converted) == len(text):
        return list(converted)
    return [_t2s_char(char) for char in text]


_FOLD_TABLE = str.maketrans({**_APOSTROPHES, **CJK_VARIANTS})
_CJK_KEEP = re.compile(r"[a-z0-9\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_LATIN_CHUNK = re.compile(r"[a-z0-9'*@$!|\-._~+]+")
_PLAIN_WORD = re.compile(r"[a-z0-9]+")
_IDEOGRAPH = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_ASCII_LETTER = re.compile(r"[A-Za-z]")


@dataclass(frozen=True)
class Folded:
    """The text after t2s, NFKC and lower-casing; ``index[i]``: character i's original index."""

    text: str
    index: Sequence[int]  # a range when every character maps to itself


def _folded(text: str) -> Folded:
    """Bulk conversion when it keeps lengths (almost always); character by character otherwise."""
    converted = text if text.isascii() else _T2S.convert(text)
    if len(converted) == len(text):
        normal = unicodedata.normalize("NFKC", converted)
        if len(normal) == len(converted):
            lowered = normal.lower()
            if len(lowered) == len(normal):
                return Folded(lowered.translate(_FOLD_TABLE), range(len(text)))
    chars: list[str] = []
    index: list[int] = []
    for position, piece in enumerate(simplified(text)):
        for char in _nfkc_lower(piece):
            chars.append(char)
            index.append(position)
    return Folded("".join(chars).translate(_FOLD_TABLE), index)


def cjk_view(text: str, folded: Folded | None = None) -> View:
    if folded is None:
        folded = _folded(text)
    source, index = folded.text, folded.index

    def offsets() -> Offsets:
        starts: list[int] = []
        for match in _CJK_KEEP.finditer(source):
            starts.extend(index[match.start() : match.end()])
        return tuple(starts), tuple(start + 1 for start in starts), ()

    return View("".join(_CJK_KEEP.findall(source)), build=offsets)


def _is_word_char(char: str) -> bool:
    return is_ascii_alnum(char) or char in "'*"


def _leet_in_word(chunk: str, position: int) -> bool:
    """A look-alike symbol belongs to a word when the run of symbols around it touches a letter
    on the right and (for ``!``/``|``) a word character on the left too."""
    left = position - 1
    while left >= 0 and chunk[left] in _LEET_SYMBOLS:
        left -= 1
    right = position + 1
    while right < len(chunk) and chunk[right] in _LEET_SYMBOLS:
        right += 1
    before = chunk[left] if left >= 0 else " "
    after = chunk[right] if right < len(chunk) else " "
    if not _is_word_char(after) or not after.isalpha() and not _is_word_char(before):
        return False
    if chunk[position] in "!|":
        return _is_word_char(before)
    return True


def _chunk_tokens(chunk: str, offset: int, index: Sequence[int]) -> list[list[tuple[str, int]]]:
    """Words of one run of word-ish characters: look-alikes kept, joiners between word
    characters dropped, anything else splits."""
    if _PLAIN_WORD.fullmatch(chunk):
        return [[(char, index[offset + i]) for i, char in enumerate(chunk)]]
    tokens: list[list[tuple[str, int]]] = []
    current: list[tuple[str, int]] = []
    for position, char in enumerate(chunk):
        if _is_word_char(char) or char in _LEET_SYMBOLS and _leet_in_word(chunk, position):
            current.append((char, index[offset + position]))
            continue
        before = chunk[position - 1] if position > 0 else " "
        after = chunk[position + 1] if position + 1 < len(chunk) else " "
        if char in _JOINERS and _is_word_char(before) and _is_word_char(after):
            continue  # "dead-beat", "s.h.i.t"
        if current:
            tokens.append(current)
            current = []
    if current:
        tokens.append(current)
    return tokens


_LEET_TABLE = str.maketrans(LEET)
_HAS_LETTER = re.compile(r"[a-z]")


def latin_view(text: str, folded: Folded | None = None) -> View:
    if folded is None:
        folded = _folded(text)
    source, index = folded.text, folded.index
    # 1. Tokens (text, original index of each character): runs of letters/digits/'/* plus
    #    look-alikes and joiners inside words. Plain words are sliced whole.
    tokens: list[tuple[str, Sequence[int]]] = []
    for match in _LATIN_CHUNK.finditer(source):
        chunk, offset = match.group(), match.start()
        if _PLAIN_WORD.fullmatch(chunk):
            tokens.append((chunk, index[offset : offset + len(chunk)]))
            continue
        for pairs in _chunk_tokens(chunk, offset, index):
            tokens.append(("".join(char for char, _ in pairs), [i for _, i in pairs]))
    # 2. Look-alikes inside tokens that contain a letter; strip quote marks at the edges.
    cleaned: list[tuple[str, Sequence[int]]] = []
    for word, positions in tokens:
        if _HAS_LETTER.search(word):
            word = word.translate(_LEET_TABLE)
        if word[0] == "'" or word[-1] == "'":
            lead = len(word) - len(word.lstrip("'"))
            word = word[lead:].rstrip("'")
            positions = positions[lead : lead + len(word)]
        if word:
            cleaned.append((word, positions))
    # 3. Join runs of three or more single-letter tokens ("s h i t", "k i l l").
    merged: list[tuple[str, Sequence[int], bool]] = []
    position = 0
    while position < len(cleaned):
        end = position
        while end < len(cleaned) and len(cleaned[end][0]) == 1 and cleaned[end][0].isalpha():
            end += 1
        if end - position >= 3:
            run = cleaned[position:end]
            merged.append(("".join(w for w, _ in run), [i for _, p in run for i in p], True))
            position = end
        else:
            merged.append((*cleaned[position], False))
            position += 1

    def offsets() -> Offsets:
        starts: list[int] = [0]
        ends: list[int] = [0]
        soft: list[bool] = [False]
        for _word, places, is_soft in merged:
            starts.extend(places)
            ends.extend(place + 1 for place in places)
            soft.extend([is_soft] * len(places))
            starts.append(ends[-1])
            ends.append(ends[-1])
            soft.append(False)
        return tuple(starts), tuple(ends), tuple(soft)

    view_text = " " + " ".join(word for word, _p, _s in merged) + " " if merged else " "
    return View(view_text, build=offsets)


@lru_cache(maxsize=16384)
def syllable(char: str) -> str:
    """The toneless pinyin of one ideograph (its most common reading)."""
    reading = lazy_pinyin(char, style=Style.NORMAL, errors="ignore")
    return reading[0] if reading else char


def phrase_pinyin(phrase: str) -> str:
    """Pinyin key of a lexicon phrase, built character by character like :func:`pinyin_view`."""
    return "".join(syllable(char) if is_cjk(char) else char for char in phrase)


# Code point → toneless pinyin of every ideograph seen so far (for ``str.translate``); characters
# that are not ideographs are left out, so ``translate`` keeps them as they are.
_PINYIN_TABLE: dict[int, str] = {}
_SEEN: set[str] = set()


def _pinyin_text(text: str) -> str:
    unseen = set(text) - _SEEN
    if unseen:
        for char in unseen:
            if is_cjk(char):
                _PINYIN_TABLE[ord(char)] = syllable(char)
        if len(_SEEN) < 100_000:
            _SEEN.update(unseen)
    return text.translate(_PINYIN_TABLE)


class PinyinView:
    """Each ideograph of the CJK view as its pinyin syllable, other characters as they are.

    Which CJK-view character a pinyin position belongs to (and whether it starts or ends that
    character's syllable) is worked out only when asked: only texts with a pinyin hit need it.
    """

    __slots__ = ("_ends", "source", "text")

    def __init__(self, source: str) -> None:
        self.source = source
        self.text = _pinyin_text(source) if source else ""
        self._ends: list[int] | None = None

    def _unit_ends(self) -> list[int]:
        if self._ends is None:
            table = _PINYIN_TABLE
            self._ends = list(accumulate(len(table.get(ord(char), char)) for char in self.source))
        return self._ends

    def unit_of(self, position: int) -> int:
        """The CJK-view index of the character pinyin position ``position`` came from."""
        return bisect_right(self._unit_ends(), position)

    def unit_start(self, position: int) -> bool:
        unit = self.unit_of(position)
        return position == (self._unit_ends()[unit - 1] if unit else 0)

    def unit_end(self, position: int) -> bool:
        return position == self._unit_ends()[self.unit_of(position)] - 1


def pinyin_view(view: View) -> PinyinView:
    return PinyinView(view.text)


class Views:
    """The views of one text; the pinyin view is built on first use."""

    __slots__ = ("_has_cjk", "_pinyin", "cjk", "latin", "original")

    def __init__(self, original: str, cjk: View, latin: View) -> None:
        self.original = original
        self.cjk = cjk
        self.latin = latin
        self._pinyin: PinyinView | None = None
        self._has_cjk: bool | None = None

    @property
    def pinyin(self) -> PinyinView:
        if self._pinyin is None:
            self._pinyin = pinyin_view(self.cjk)
        return self._pinyin

    @property
    def has_cjk(self) -> bool:
        if self._has_cjk is None:
            self._has_cjk = _IDEOGRAPH.search(self.cjk.text) is not None
        return self._has_cjk


def build_views(text: str) -> Views:
    folded = _folded(text)
    return Views(text, cjk_view(text, folded), latin_view(text, folded))


def detect_language(text: str) -> str:
    """ "zh" when ideographs make up at least a fifth of the letters, else "en"."""
    ideographs = len(_IDEOGRAPH.findall(text))
    letters = len(_ASCII_LETTER.findall(text))
    if ideographs == 0:
        return "en"
    return "zh" if ideographs * 5 >= letters else "en"
