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

Speed: the views' texts are built with whole-string operations (``str.replace``, compiled
regular expressions, OpenCC on the whole text; NFKC only when its quick check fails), and the
per-character offsets only for texts with a hit — with array operations for long texts. The
token-by-token algorithm (``_latin_view_full``) stays as the reference the tests compare with.

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
from typing import Any, cast

import opencc
from pypinyin import Style, lazy_pinyin

from heed.screening.engine.leet_numbers import is_number_digit, read_leet
from heed.screening.engine.markup import MarkupViews, markup_views

_T2S = opencc.OpenCC("t2s")

# Characters OpenCC leaves alone (valid in simplified text) that evaders use as variants.
CJK_VARIANTS: dict[str, str] = {"著": "着", "妳": "你", "祢": "你", "您": "你"}
# Cantonese characters with a one-character Mandarin equivalent (one for one, so offsets stay):
# 唔還錢 reads as 不还钱, 佢 as 他. (係 is not here: OpenCC has already made it 系, so 唔係 reads
# 不系, and the lexicon writes it so.)
CJK_VARIANTS.update(
    {
        "唔": "不",
        "佢": "他",
        "嘅": "的",
        "咗": "了",
        "哋": "们",
        "冇": "没",
        "畀": "给",
        "嚟": "来",
        "啲": "些",
        "睇": "看",
        "攞": "拿",
        "搵": "找",
        "揾": "找",
        "嗰": "那",
        "喺": "在",
    }
)

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


def _diacritic_table() -> dict[int, str]:
    """Lower-case Latin letters with diacritics → their base letter ("é" → "e", tone-marked
    pinyin "shī" → "shi"); the tone-marked ü of pinyin (ǖǘǚǜ) → "v", as pinyin is typed."""
    table: dict[int, str] = {}
    for code in (*range(0xC0, 0x250), *range(0x1E00, 0x1F00)):
        char = chr(code)
        if char != char.lower():
            continue
        parts = unicodedata.normalize("NFKD", char)
        base, marks = parts[:1], parts[1:]
        if (
            base.isascii()
            and base.isalpha()
            and marks
            and all(unicodedata.combining(mark) for mark in marks)
        ):
            table[code] = base
    for char in "ǖǘǚǜ":
        table[ord(char)] = "v"
    return table


# One character for one (offsets are unchanged); applied after lower-casing.
_DIACRITICS = _diacritic_table()
_HAS_DIACRITIC = re.compile("[" + "".join(map(chr, sorted(_DIACRITICS))) + "]")
_JOINERS = set("-._~+")
_LEET_SYMBOLS = set("@$!|")


def is_cjk(char: str) -> bool:
    code = ord(char)
    return 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF


def is_ascii_alnum(char: str) -> bool:
    return char.isascii() and char.isalnum()


# Per view character: original start, original end, soft flag — tuples, or arrays for long texts.
Offsets = tuple[Sequence[int], Sequence[int], Sequence[bool]]


def _as_tuple(values: Sequence[Any]) -> tuple[Any, ...]:
    return values if isinstance(values, tuple) else tuple(values.tolist())  # type: ignore[attr-defined]


class View:
    """A normalised string; ``starts[i]``/``ends[i]``: character ``i``'s original span.

    The text is built with whole-string operations; the per-character offsets only when first
    asked for (most texts have no hit, so nothing maps back to the original).
    """

    __slots__ = ("_build", "_offsets", "reordered", "text")

    def __init__(
        self,
        text: str,
        starts: tuple[int, ...] = (),
        ends: tuple[int, ...] = (),
        soft: tuple[bool, ...] = (),
        *,
        build: Callable[[], Offsets] | None = None,
        reordered: bool = False,
    ) -> None:
        self.text = text
        self._build = build
        # Whether part of the text was read in display order (a right-to-left override):
        # offsets then run backwards there.
        self.reordered = reordered
        self._offsets: Offsets | None = None if build is not None else (starts, ends, soft)

    def _get(self) -> Offsets:
        if self._offsets is None:
            assert self._build is not None
            self._offsets = self._build()
        return self._offsets

    @property
    def starts(self) -> tuple[int, ...]:
        return _as_tuple(self._get()[0])

    @property
    def ends(self) -> tuple[int, ...]:
        return _as_tuple(self._get()[1])

    @property
    def soft(self) -> tuple[bool, ...]:
        """Latin view only: True where the character came from a joined run of single letters
        ("s h i t"), inside which word boundaries are unknown."""
        return _as_tuple(self._get()[2])

    @property
    def soft_flags(self) -> Sequence[bool]:
        """``soft`` as stored (an array for long texts: index it, do not copy it)."""
        return self._get()[2]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The original ``[start, end)`` covered by view characters ``[start, end)``."""
        starts, ends, _soft = self._get()
        if self.reordered:
            return int(min(starts[start:end])), int(max(ends[start:end]))
        return int(starts[start]), int(ends[end - 1])


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
# Offsets of texts at least this long are computed with array operations (a fixed cost of some
# tens of microseconds, then a few nanoseconds per character), shorter ones in a Python loop.
_ARRAY_MIN_LENGTH = 250
_IDEOGRAPH = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def has_ideograph(text: str) -> bool:
    """Whether ``text`` contains a CJK ideograph (the ranges :func:`is_cjk` accepts)."""
    return _IDEOGRAPH.search(text) is not None


def ideograph_count(text: str) -> int:
    """How many CJK ideographs ``text`` has (counted by the regular-expression engine, not a
    Python loop over the characters)."""
    return len(_IDEOGRAPH.findall(text))


_IDEOGRAPH_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_ASCII_LETTER_RUN = re.compile(r"[A-Za-z]+")


@dataclass(frozen=True)
class Folded:
    """The text after t2s, NFKC and lower-casing; ``index[i]``: character i's original index."""

    text: str
    index: Sequence[int]  # a range when every character maps to itself
    reordered: bool = False  # a right-to-left override was read in display order


# NFKC images of the full-width forms collection text is full of (length-preserving, so applying
# them first and NFKC afterwards gives NFKC's result): after these, most texts pass NFKC's quick
# check and the (slow) normalisation is skipped.
_COMMON_COMPAT: tuple[tuple[str, str], ...] = (
    ("\uff0c", ","),
    ("\uff01", "!"),
    ("\uff1f", "?"),
    ("\uff1a", ":"),
    ("\uff1b", ";"),
    ("\uff08", "("),
    ("\uff09", ")"),
    ("\u3000", " "),
)
_FOLD_PAIRS: tuple[tuple[str, str], ...] = tuple(
    (chr(key), value) for key, value in _FOLD_TABLE.items() if isinstance(value, str)
)


def _replace_all(text: str, pairs: tuple[tuple[str, str], ...]) -> str:
    # A few ``str.replace`` calls (each a fast C search) beat ``str.translate`` with a dict table,
    # which looks every character up in the dict.
    for old, new in pairs:
        if old in text:
            text = text.replace(old, new)
    return text


def _nfkc(text: str) -> str:
    if text.isascii():
        return text
    text = _replace_all(text, _COMMON_COMPAT)
    if unicodedata.is_normalized("NFKC", text):
        return text
    return unicodedata.normalize("NFKC", text)


# --- Evasion by invisible characters, marks and look-alike letters ------------------------------
# Characters that render as nothing (or as nothing between two letters), so "pol\u200bice" and
# "ki\u00adll" read as one word: zero-width space/joiners, word joiner, BOM, soft hyphen,
# combining grapheme joiner, Mongolian vowel separator, direction marks and embeddings, tag
# characters, variation selectors and the Hangul fillers (after NFKC: U+1160). Dropped in both
# views; an emoji ZWJ sequence only loses its joiners (emoji are separators in both views).
_INVISIBLE_RANGES = (
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\U000e0000-\U000e007f"
    "\U000e0100-\U000e01ef"
)
# Combining marks NFKC could not compose onto a letter ("pol\u0336ice", zalgo): dropped.
_MARK_RANGES = "\u0300-\u036f\u0483-\u0489\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_DROPPED = re.compile(f"[{_INVISIBLE_RANGES}{_MARK_RANGES}]")
_RIGHT_TO_LEFT_OVERRIDE = "\u202e"
_PUSHES = frozenset("\u202a\u202b\u202d\u202e")
_POP = "\u202c"
_PARAGRAPH_ENDS = frozenset("\n\r\u2029\x1c\x1d\x1e\x85")

# Latin letters in other dress, always read as the letter: small capitals and a few IPA forms
# (after lower-casing), negative circled and negative squared capitals (no NFKC decomposition).
# Written for this project from the Unicode names; one character for one.
LATIN_LOOK_ALIKES: dict[str, str] = {
    "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ꜰ": "f", "ɢ": "g", "ʜ": "h",
    "ɪ": "i", "ᴊ": "j", "ᴋ": "k", "ʟ": "l", "ᴍ": "m", "ɴ": "n", "ᴏ": "o", "ᴘ": "p",
    "ʀ": "r", "ꜱ": "s", "ᴛ": "t", "ᴜ": "u", "ᴠ": "v", "ᴡ": "w", "ʏ": "y", "ᴢ": "z",
    "ɡ": "g", "ɑ": "a", "ı": "i", "ɩ": "i", "ȷ": "j",
}  # fmt: skip
for _offset in range(26):
    LATIN_LOOK_ALIKES[chr(0x1F150 + _offset)] = chr(0x61 + _offset)  # negative circled
    LATIN_LOOK_ALIKES[chr(0x1F170 + _offset)] = chr(0x61 + _offset)  # negative squared
# Cyrillic and Greek letters that look like a Latin letter (lower case: the text is folded
# already). Read as Latin only inside a word that has Latin letters ("рolice", "dеadbeat"), or
# when a whole word is made of them in a text written in Latin letters ("кіӏӏ"); a word of the
# alphabet itself (Дмитрий, Ελένη) is left as it is.
SCRIPT_LOOK_ALIKES: dict[str, str] = {
    # Cyrillic
    "а": "a", "в": "b", "г": "r", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o",
    "п": "n", "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ь": "b", "ѕ": "s",
    "і": "i", "ј": "j", "һ": "h", "ӏ": "l", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ѡ": "w",
    "ү": "y",
    # Greek
    "α": "a", "β": "b", "γ": "y", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v",
    "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ς": "s", "ϲ": "c",
}  # fmt: skip
_REGIONAL_A = 0x1F1E6  # REGIONAL INDICATOR SYMBOL LETTER A … Z: read as letters unless a flag
_REGIONAL = re.compile("[\U0001f1e6-\U0001f1ff]+")
_EVASION_CHARACTER = re.compile(
    f"[{_INVISIBLE_RANGES}{_MARK_RANGES}\U0001f1e6-\U0001f1ff"
    + "".join(LATIN_LOOK_ALIKES)
    + "".join(SCRIPT_LOOK_ALIKES)
    + "]"
)
_CYRILLIC_OR_GREEK_LETTER = re.compile("[\u0370-\u03ff\u0400-\u052f]")


def _display_order(chars: list[str], places: list[int]) -> bool:
    """Reverse, in place, each run a RIGHT-TO-LEFT OVERRIDE governs (up to its matching POP
    DIRECTIONAL FORMATTING, the end of the paragraph or of the text): the reader sees it
    reversed, so "\u202e.yap uoy llik lliw eW" is read as it shows. True if any was."""
    reordered = False
    position = 0
    while True:
        try:
            start = chars.index(_RIGHT_TO_LEFT_OVERRIDE, position)
        except ValueError:
            return reordered
        depth = 1
        end = start + 1
        while end < len(chars) and chars[end] not in _PARAGRAPH_ENDS:
            if chars[end] in _PUSHES:
                depth += 1
            elif chars[end] == _POP:
                depth -= 1
                if depth == 0:
                    break
            end += 1
        chars[start + 1 : end] = chars[start + 1 : end][::-1]
        places[start + 1 : end] = places[start + 1 : end][::-1]
        reordered = reordered or end - start > 2
        position = end


def _regional_letters(chars: list[str], flags_kept: set[int]) -> None:
    """Regional indicators read as letters ("🇵🇴🇱🇮🇨🇪", "🇰\u200c🇮\u200c🇱\u200c🇱"), except a
    lone flag: exactly two of them with nothing else around (``flags_kept``: their positions)."""
    for position, char in enumerate(chars):
        code = ord(char)
        if 0x1F1E6 <= code <= 0x1F1FF and position not in flags_kept:
            chars[position] = chr(0x61 + code - _REGIONAL_A)


def _read_look_alikes(chars: list[str]) -> None:
    """Cyrillic/Greek look-alikes inside words with Latin letters (or whole look-alike words in
    a text without other Cyrillic/Greek letters) become their Latin twins, in place."""
    text = "".join(chars)
    whole_words = _HAS_LETTER.search(text) is not None and not any(
        char not in SCRIPT_LOOK_ALIKES for char in _CYRILLIC_OR_GREEK_LETTER.findall(text)
    )
    for word in re.finditer(r"\w+", text):
        letters = word.group()
        if not any(char in SCRIPT_LOOK_ALIKES for char in letters):
            continue
        if _HAS_LETTER.search(letters) is None and not (
            whole_words and all(char in SCRIPT_LOOK_ALIKES or char.isdigit() for char in letters)
        ):
            continue
        for position in range(word.start(), word.end()):
            chars[position] = SCRIPT_LOOK_ALIKES.get(chars[position], chars[position])


def _defanged(folded: Folded) -> Folded:
    """The folded text read as it shows: right-to-left overrides in display order, invisible
    characters and leftover combining marks dropped, look-alike letters read as Latin. Each
    kept character keeps its original index (the index is no longer monotonic after a
    reversal: ``reordered``)."""
    chars = list(folded.text)
    places = list(folded.index)
    reordered = _display_order(chars, places) if _RIGHT_TO_LEFT_OVERRIDE in folded.text else False
    flags: set[int] = set()
    for run in _REGIONAL.finditer("".join(chars)):
        if len(run.group()) == 2:
            flags.update(range(run.start(), run.end()))
    kept = [position for position, char in enumerate(chars) if _DROPPED.match(char) is None]
    flags = {kept_at for kept_at, position in enumerate(kept) if position in flags}
    chars = [chars[position] for position in kept]
    places = [places[position] for position in kept]
    _regional_letters(chars, flags)
    chars = [LATIN_LOOK_ALIKES.get(char, char) for char in chars]
    _read_look_alikes(chars)
    return Folded("".join(chars), places, reordered or folded.reordered)


def _folded(text: str) -> Folded:
    """:func:`_plain_folded`, then invisible characters, marks and look-alikes taken out
    (:func:`_defanged`) when the text has any."""
    folded = _plain_folded(text)
    if folded.text.isascii() or _EVASION_CHARACTER.search(folded.text) is None:
        return folded
    return _defanged(folded)


def _plain_folded(text: str) -> Folded:
    """Bulk conversion when it keeps lengths (almost always); character by character otherwise."""
    converted = text if text.isascii() else _T2S.convert(text)
    if len(converted) == len(text):
        normal = _nfkc(converted)
        if len(normal) == len(converted):
            lowered = normal.lower()
            if len(lowered) == len(normal):
                return Folded(
                    _without_diacritics(_replace_all(lowered, _FOLD_PAIRS)), range(len(text))
                )
    chars: list[str] = []
    index: list[int] = []
    for position, piece in enumerate(simplified(text)):
        for char in _nfkc_lower(piece):
            chars.append(char)
            index.append(position)
    return Folded(_without_diacritics("".join(chars).translate(_FOLD_TABLE)), index)


def _without_diacritics(text: str) -> str:
    if text.isascii() or _HAS_DIACRITIC.search(text) is None:
        return text
    return text.translate(_DIACRITICS)


def cjk_view(text: str, folded: Folded | None = None) -> View:
    if folded is None:
        folded = _folded(text)
    source, index = folded.text, folded.index

    def offsets() -> Offsets:
        if len(source) < _ARRAY_MIN_LENGTH:
            starts: list[int] = []
            for match in _CJK_KEEP.finditer(source):
                starts.extend(index[match.start() : match.end()])
            return tuple(starts), tuple(start + 1 for start in starts), ()
        # Long texts (call transcripts): the kept characters' positions with array operations.
        import numpy as np

        codes = np.frombuffer(source.encode("utf-32-le"), dtype=np.uint32)
        kept = np.flatnonzero(
            ((codes >= 0x61) & (codes <= 0x7A))
            | ((codes >= 0x30) & (codes <= 0x39))
            | ((codes >= 0x4E00) & (codes <= 0x9FFF))
            | ((codes >= 0x3400) & (codes <= 0x4DBF))
            | ((codes >= 0xF900) & (codes <= 0xFAFF))
        )
        if isinstance(index, range) and index.start == 0 and index.step == 1:
            places = kept
        else:
            places = np.asarray(index, dtype=np.intp)[kept]
        return cast(Offsets, (places, places + 1, ()))

    return View("".join(_CJK_KEEP.findall(source)), build=offsets, reordered=folded.reordered)


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


def _latin_view_full(text: str, folded: Folded | None = None) -> View:
    """The Latin view with its offsets, built token by token (the reference algorithm)."""
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
            word = read_leet(word, _LEET_TABLE)
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


# The Latin view's text with whole-string operations; the same steps as ``_latin_view_full``.
# Each pattern starts with a character (set) rather than a look-behind, so the regular-expression
# engine jumps to the candidates instead of trying every position: a joiner checks the word
# character before it after the fact ((?<=x.)); a match "after a space" takes the space along
# (the replacements keep it).
_IN_WORD_JOINER_OR_LEET_RUN = re.compile(r"[-._~+](?<=[a-z0-9'*].)(?=[a-z0-9'*])|[@$!|]+")
_TOKEN = re.compile(r"[a-z0-9'*@$!|]+")
_LEET_WORD = re.compile(r" (?=[^ ]*[a-z])[^ ]*[013457@$!|][^ ]*")
_EDGE_QUOTES = re.compile(r"'(?<= ')'*|'+(?= )")
_SINGLE_LETTER_RUN = re.compile(r" [a-z](?: [a-z]){2,}(?= )")
_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789'*")
# Cheap tests that let most texts skip a step.
_LEET_OR_JOINER = re.compile(r"[@$!|\-._~+]")
_HAS_LEET = re.compile(r"[013457@$!|]")
_SPACES = re.compile(r"  +")
_SINGLE_LETTER = re.compile(r" [a-z] [a-z] [a-z] ")


def _joiner_or_leet(match: re.Match[str]) -> str:
    run = match.group()
    if run[0] not in _LEET_SYMBOLS:
        return ""  # a joiner between word characters: "dead-beat", "s.h.i.t"
    source = match.string
    start, end = match.start(), match.end()
    before = source[start - 1] if start > 0 else " "
    after = source[end] if end < len(source) else " "
    before_word = before in _WORD_CHARS
    after_word = after in _WORD_CHARS
    # As ``_leet_in_word``: the run's neighbours decide for every symbol in it.
    usable = after_word and ("a" <= after <= "z" or before_word)
    if not usable:
        return " " * len(run)
    if before_word:
        return run
    return "".join(char if char in "@$" else " " for char in run)


def _leet_word(match: re.Match[str]) -> str:
    return read_leet(match.group(), _LEET_TABLE)


def _joined_letters(match: re.Match[str]) -> str:
    return " " + match.group().replace(" ", "")  # the space before the run stays


def latin_view_text(source: str) -> str:
    """The text of the Latin view of already folded text (see :func:`latin_view`)."""
    if _LEET_OR_JOINER.search(source):
        source = _IN_WORD_JOINER_OR_LEET_RUN.sub(_joiner_or_leet, source)
    tokens = _TOKEN.findall(source)
    if not tokens:
        return " "
    text = " " + " ".join(tokens) + " "
    if _HAS_LEET.search(text):
        text = _LEET_WORD.sub(_leet_word, text)
    if "'" in text:
        text = _EDGE_QUOTES.sub("", text)
        if "  " in text:
            text = _SPACES.sub(" ", text)
            if text == " ":
                return " "
    if _SINGLE_LETTER.search(text):
        text = _SINGLE_LETTER_RUN.sub(_joined_letters, text)
    return text


def _joiner_marked_or_leet(match: re.Match[str]) -> str:
    replaced = _joiner_or_leet(match)
    return replaced if replaced else "\x01"


_TOKEN_CODES = frozenset(map(ord, "abcdefghijklmnopqrstuvwxyz0123456789'*@$!|"))


@lru_cache(maxsize=1)
def _token_table() -> Any:
    import numpy as np

    table = np.zeros(128, dtype=bool)
    table[sorted(_TOKEN_CODES)] = True
    return table


# A quote mark at either edge of a word (which the Latin view drops).
_EDGE_QUOTE = re.compile(r"(?<![a-z0-9'*])'|'(?![a-z0-9'*])")


def _plain_latin_offsets(folded: Folded) -> Offsets | None:
    """Offsets when every word is kept as it is (no joiner inside a word, no look-alike symbol,
    no quote mark at a word's edge, no run of one-letter words): each view character is then
    the folded character at the same place in its word. None otherwise."""
    words = list(_TOKEN.finditer(folded.text))
    singles = 0
    for match in words:
        singles = singles + 1 if match.end() - match.start() == 1 and match.group().isalpha() else 0
        if singles == 3:
            return None  # "s h i t": joined, see _latin_view_full
    index = folded.index
    starts: list[int] = [0]
    ends: list[int] = [0]
    for match in words:
        places = index[match.start() : match.end()]
        starts.extend(places)
        ends.extend(place + 1 for place in places)
        starts.append(ends[-1])
        ends.append(ends[-1])
    return tuple(starts), tuple(ends), (False,) * len(starts)


def _latin_offsets(folded: Folded) -> Offsets:
    """The Latin view's offsets with array operations: every character of the view is a kept
    character of the folded text (joiners inside words and quote marks at word edges dropped,
    look-alikes mapped one to one), so it is enough to find which characters are kept and where
    one word ends; the same steps as :func:`latin_view_text`."""
    import numpy as np

    source = folded.text
    if len(source) < _ARRAY_MIN_LENGTH or "\x01" in source:
        if not _IN_WORD_JOINER_OR_LEET_RUN.search(source) and not _EDGE_QUOTE.search(source):
            plain = _plain_latin_offsets(folded)
            if plain is not None:
                return plain
        return _latin_view_full("", folded)._get()
    # 1. Joiners inside words become \x01 (dropped), look-alikes outside words a space.
    if _LEET_OR_JOINER.search(source):
        source = _IN_WORD_JOINER_OR_LEET_RUN.sub(_joiner_marked_or_leet, source)
    codes = np.frombuffer(source.encode("utf-32-le"), dtype=np.uint32)
    table = _token_table()
    ascii_codes = codes < 128
    token = np.zeros(len(codes), dtype=bool)
    token[ascii_codes] = table[codes[ascii_codes]]
    kept = np.flatnonzero(token)
    if not len(kept):
        return (0,), (0,), (False,)
    # A new word starts after any character that is neither a word character nor \x01.
    breaking = ~(token | (codes == 1))
    breaks_before = np.cumsum(breaking)[kept]
    new_word = np.empty(len(kept), dtype=bool)
    new_word[0] = True
    new_word[1:] = breaks_before[1:] != breaks_before[:-1]
    word = np.cumsum(new_word) - 1
    # 2. Quote marks at either edge of a word are dropped.
    kept_codes = codes[kept]
    quote = kept_codes == 0x27
    if quote.any():
        other = (~quote).astype(np.intp)
        before = np.cumsum(other)
        word_first = np.flatnonzero(new_word)
        at_start = (before - other)[word_first][word]  # non-quotes before each word
        inside_before = before - other - at_start
        totals = np.add.reduceat(other, word_first)[word]
        inside_after = totals - inside_before - other
        keep = ~(quote & ((inside_before == 0) | (inside_after == 0)))
        kept, kept_codes, word = kept[keep], kept_codes[keep], word[keep]
        if not len(kept):
            return (0,), (0,), (False,)
        new_word = np.empty(len(kept), dtype=bool)
        new_word[0] = True
        new_word[1:] = word[1:] != word[:-1]
        word = np.cumsum(new_word) - 1
    # 3. Runs of three or more one-letter words are joined ("s h i t"); their letters are soft.
    word_first = np.flatnonzero(new_word)
    lengths = np.diff(np.append(word_first, len(kept)))
    first_codes = kept_codes[word_first]
    single = (lengths == 1) & (first_codes >= 0x61) & (first_codes <= 0x7A)
    soft_word = np.zeros(len(single), dtype=bool)
    if single.sum() >= 3:
        edges = np.diff(np.concatenate(([0], single.astype(np.int8), [0])))
        run_starts = np.flatnonzero(edges == 1)
        run_ends = np.flatnonzero(edges == -1)
        joined_word = np.zeros(len(single), dtype=bool)  # True: glued to the previous word
        for run_start, run_end in zip(run_starts.tolist(), run_ends.tolist(), strict=True):
            if run_end - run_start >= 3:
                soft_word[run_start:run_end] = True
                joined_word[run_start + 1 : run_end] = True
        new_word = new_word.copy()
        new_word[word_first[joined_word]] = False
    soft_chars = soft_word[word]
    index = folded.index
    if isinstance(index, range) and index.start == 0 and index.step == 1:
        places = kept
    else:
        places = np.asarray(index, dtype=np.intp)[kept]
    # View: " " word " " word ... " "; a separator after every word (starts = ends = the end
    # of the character before it).
    words_before = np.cumsum(new_word)  # separators before each character (the leading one too)
    positions = np.arange(len(kept)) + words_before
    size = len(kept) + int(words_before[-1]) + 1
    starts = np.zeros(size, dtype=np.intp)
    ends = np.zeros(size, dtype=np.intp)
    soft = np.zeros(size, dtype=bool)
    starts[positions] = places
    ends[positions] = places + 1
    soft[positions] = soft_chars
    separator = np.ones(size, dtype=bool)
    separator[positions] = False
    # A separator's start and end: the end of the last character before it (0 at the start).
    filled = np.where(separator, 0, ends)
    np.maximum.accumulate(filled, out=filled)
    starts[separator] = filled[separator]
    ends[separator] = filled[separator]
    return cast(Offsets, (starts, ends, soft))


def latin_view(text: str, folded: Folded | None = None) -> View:
    if folded is None:
        folded = _folded(text)
    frozen = folded

    def offsets() -> Offsets:
        return _latin_offsets(frozen)

    view = View(latin_view_text(folded.text), build=offsets, reordered=folded.reordered)
    return with_full_forms(view)


# Chat abbreviations written out, so "u r gonna pay" is screened as "you are going to pay" (the
# lexicon's English phrases are keyed the same way). Whole words of the Latin view only.
SHORT_FORMS: dict[str, str] = {
    "u r": "you are",
    "u": "you",
    "ya": "you",
    "ur": "your",
    "yr": "your",
    "ull": "you'll",
    "youll": "you'll",
    "youre": "you're",
    "im": "i'm",
    "dont": "don't",
    "cant": "can't",
    "wont": "won't",
    "gonna": "going to",
    "wanna": "want to",
    "gotta": "got to",
    "cuz": "because",
    "coz": "because",
    "pls": "please",
    "plz": "please",
    "ppl": "people",
    "w": "with",
    "tmr": "tomorrow",
    "tmrw": "tomorrow",
    "2moro": "tomorrow",
    "2morrow": "tomorrow",
    "tonite": "tonight",
    "nite": "night",
    "wk": "week",
    "hrs": "hours",
    "min": "minutes",
    "txt": "text",
    "txts": "texts",
    "msg": "message",
    "msgs": "messages",
    "fam": "family",
    "bro": "brother",
    "sis": "sister",
    "gf": "girlfriend",
    "bf": "boyfriend",
}
_SHORT_FORM = re.compile(
    "(?<= )(?:"
    + "|".join(re.escape(key) for key in sorted(SHORT_FORMS, key=len, reverse=True))
    + ")(?= )"
)


def with_full_forms(view: View) -> View:
    """The Latin view with :data:`SHORT_FORMS` written out; every character of a written-out
    word maps to the whole abbreviation in the original text."""
    text = view.text
    if _SHORT_FORM.search(text) is None:
        return view
    pieces: list[str] = []
    first: list[int] = []  # per character of the new text: the old characters whose start
    last: list[int] = []  # and end it takes
    written: list[bool] = []
    position = 0
    for match in _SHORT_FORM.finditer(text):
        begin, end = match.span()
        kept = range(position, begin)
        pieces.append(text[position:begin])
        first.extend(kept)
        last.extend(kept)
        written.extend([False] * len(kept))
        full = SHORT_FORMS[match.group()]
        pieces.append(full)
        first.extend([begin] * len(full))
        last.extend([end - 1] * len(full))
        written.extend([True] * len(full))
        position = end
    kept = range(position, len(text))
    pieces.append(text[position:])
    first.extend(kept)
    last.extend(kept)
    written.extend([False] * len(kept))

    def offsets() -> Offsets:
        starts, ends, soft = view._get()
        return (
            tuple(int(starts[index]) for index in first),
            tuple(int(ends[index]) for index in last),
            tuple(
                False if is_written else bool(soft[index])
                for index, is_written in zip(first, written, strict=True)
            ),
        )

    return View("".join(pieces), build=offsets, reordered=view.reordered)


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


# The same lengths as an array indexed by code point (ideographs are all below U+10000), for
# long texts; built on first use and kept in step with the table.
_PINYIN_LENGTHS: list[Any] = []


def _pinyin_lengths() -> Any:
    if not _PINYIN_LENGTHS:
        import numpy as np

        lengths = np.ones(0x10000, dtype=np.intp)
        for code, reading in list(_PINYIN_TABLE.items()):
            lengths[code] = len(reading)
        _PINYIN_LENGTHS.append(lengths)
    return _PINYIN_LENGTHS[0]


# The readings as an array too: row ``code`` holds the reading's code points (zero-padded), or
# the character itself when it is not an ideograph; built on first use, kept in step with the
# table (rebuilt if a reading is longer than the rows).
_PINYIN_CHARS: list[Any] = []


def _pinyin_chars() -> Any:
    if not _PINYIN_CHARS:
        import numpy as np

        width = max((len(reading) for reading in _PINYIN_TABLE.values()), default=1)
        matrix = np.zeros((0x10000, width), dtype=np.uint32)
        matrix[:, 0] = np.arange(0x10000, dtype=np.uint32)
        for code, reading in list(_PINYIN_TABLE.items()):
            _set_reading(matrix, code, reading)
        _PINYIN_CHARS.append(matrix)
    return _PINYIN_CHARS[0]


def _set_reading(matrix: Any, code: int, reading: str) -> None:
    matrix[code, :] = 0
    matrix[code, : len(reading)] = [ord(char) for char in reading]


def _pinyin_text(text: str) -> str:
    unseen = set(text) - _SEEN
    if unseen:
        for char in unseen:
            if is_cjk(char):
                reading = syllable(char)
                _PINYIN_TABLE[ord(char)] = reading
                if _PINYIN_LENGTHS:
                    _PINYIN_LENGTHS[0][ord(char)] = len(reading)
                if _PINYIN_CHARS:
                    if len(reading) > _PINYIN_CHARS[0].shape[1]:
                        _PINYIN_CHARS.clear()
                    else:
                        _set_reading(_PINYIN_CHARS[0], ord(char), reading)
        if len(_SEEN) < 100_000:
            _SEEN.update(unseen)
    if len(text) < _ARRAY_MIN_LENGTH:
        return text.translate(_PINYIN_TABLE)
    return _pinyin_text_array(text)


def _pinyin_text_array(text: str) -> str:
    """``text.translate(_PINYIN_TABLE)`` with array operations (long texts): each character's
    row of :func:`_pinyin_chars`, cut to its reading's length (every ideograph of the text is
    in the table already; other characters stand for themselves)."""
    import numpy as np

    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    low = np.minimum(codes, 0xFFFF)
    rows = _pinyin_chars()[low]
    lengths = _pinyin_lengths()[low]
    beyond = codes > 0xFFFF  # no ideograph: itself
    if beyond.any():
        rows[beyond, 0] = codes[beyond]
        lengths[beyond] = 1
    kept = np.arange(rows.shape[1]) < lengths[:, None]
    return rows[kept].tobytes().decode("utf-32-le", "surrogatepass")


# Words whose characters read differently inside them than alone (the view reads each
# character by its most common reading): 上调 "raise (a limit)" is shang-tiao, not the
# shang-diao of 上吊 "hang oneself". Same length as the character-by-character reading.
IN_WORD_READINGS: dict[str, str] = {"上调": "shangtiao", "下调": "xiatiao", "调额": "tiaoe"}
_IN_WORD_READING = re.compile("|".join(IN_WORD_READINGS))


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
        if _IN_WORD_READING.search(source) is not None:
            self.text = self._with_word_readings()

    def _with_word_readings(self) -> str:
        """The pinyin text with :data:`IN_WORD_READINGS` spliced in (same lengths)."""
        text = self.text
        ends = self._unit_ends()
        for match in _IN_WORD_READING.finditer(self.source):
            begin = ends[match.start() - 1] if match.start() else 0
            reading = IN_WORD_READINGS[match.group()]
            text = text[:begin] + reading + text[begin + len(reading) :]
        return text

    def _unit_ends(self) -> list[int]:
        if self._ends is None:
            if len(self.source) < _ARRAY_MIN_LENGTH:
                table = _PINYIN_TABLE
                self._ends = list(
                    accumulate(len(table.get(ord(char), char)) for char in self.source)
                )
            else:
                import numpy as np

                codes = np.frombuffer(self.source.encode("utf-32-le"), dtype=np.uint32)
                lengths = _pinyin_lengths()[np.minimum(codes, 0xFFFF)]
                self._ends = np.cumsum(lengths).tolist()
        return self._ends

    def unit_ends(self) -> list[int]:
        """Per CJK-view character: where its reading ends in :attr:`text` (do not change it)."""
        return self._unit_ends()

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
    """The views of one text; the pinyin view is built on first use, and so are the second
    readings (:attr:`latin_alternates`, :attr:`cjk_alternates`), only for texts that have
    their trigger."""

    __slots__ = (
        "_cjk_alternates",
        "_folded",
        "_has_cjk",
        "_latin_alternates",
        "_markup",
        "_pinyin",
        "cjk",
        "latin",
        "original",
    )

    def __init__(self, original: str, cjk: View, latin: View, folded: Folded | None = None) -> None:
        self.original = original
        self.cjk = cjk
        self.latin = latin
        self._folded = folded
        self._pinyin: PinyinView | None = None
        self._has_cjk: bool | None = None
        self._latin_alternates: tuple[View, ...] | None = None
        self._cjk_alternates: tuple[View, ...] | None = None
        self._markup: MarkupViews | None = None

    @property
    def latin_alternates(self) -> tuple[View, ...]:
        """Other readings of the Latin view: ``1``, ``I``, ``|`` read as ``l`` (see
        :func:`l_reading`); split words joined and stretched letters shortened (see
        :func:`~heed.screening.engine.split_words.split_readings`), also in those readings'
        texts (:mod:`~heed.screening.engine.combined`). Empty for most texts."""
        if self._latin_alternates is None:
            from heed.screening.engine.combined import combined_readings
            from heed.screening.engine.split_words import split_readings

            folded = self._folded if self._folded is not None else _folded(self.original)
            alternate = l_reading(self.original, folded)
            readings: tuple[View, ...] = () if alternate is None else (alternate,)
            readings += split_readings(self.original, folded, self.latin.text)
            self._latin_alternates = readings + combined_readings(
                self.original, folded, self.latin.text, readings
            )
        return self._latin_alternates

    @property
    def cjk_alternates(self) -> tuple[View, ...]:
        """Other readings of the CJK view: a lone Latin letter or digit between two ideographs
        dropped (see :func:`without_lone_latin`); stroke fillers between ideographs dropped
        (see :func:`~heed.screening.engine.strokes.without_stroke_fillers`). Empty for most
        texts."""
        if self._cjk_alternates is None:
            from heed.screening.engine.strokes import without_stroke_fillers

            alternate = without_lone_latin(self.cjk, self.original) if self.has_cjk else None
            self._cjk_alternates = () if alternate is None else (alternate,)
            strokes = without_stroke_fillers(self.cjk) if self.has_cjk else None
            if strokes is not None:
                self._cjk_alternates += (strokes,)
        return self._cjk_alternates

    @property
    def folded(self) -> Folded:
        """The text folded (t2s, NFKC, lower case, look-alikes read) as the views read it."""
        if self._folded is None:
            self._folded = _folded(self.original)
        return self._folded

    def add_latin_reading(self, reading: View) -> None:
        """One more reading of the Latin view, made elsewhere (``masking.masked_readings``)."""
        self._latin_alternates = (*self.latin_alternates, reading)

    def add_cjk_reading(self, reading: View) -> None:
        """One more reading of the CJK view, made elsewhere (``readings.pinyin_reading``)."""
        self._cjk_alternates = (*self.cjk_alternates, reading)

    @property
    def markup(self) -> MarkupViews:
        """The views of the text as markup renders it (see :mod:`heed.screening.engine.markup`);
        empty for most texts."""
        if self._markup is None:
            self._markup = markup_views(self.original, self.cjk, self.latin)
        return self._markup

    def all_cjk(self) -> tuple[View, ...]:
        return (self.cjk, *self.cjk_alternates, *self.markup.cjk)

    def all_latin(self) -> tuple[View, ...]:
        return (self.latin, *self.latin_alternates, *self.markup.latin)

    @property
    def pinyin(self) -> PinyinView:
        if self._pinyin is None:
            self._pinyin = pinyin_view(self.cjk)
        return self._pinyin

    @property
    def has_cjk(self) -> bool:
        if self._has_cjk is None:
            self._has_cjk = has_ideograph(self.cjk.text)
        return self._has_cjk


def view_texts(text: str) -> tuple[str, str]:
    """The CJK and Latin views' texts alone (``build_views(text)``'s, without the offsets)."""
    source = _folded(text).text
    return "".join(_CJK_KEEP.findall(source)), latin_view_text(source)


def view_texts_many(texts: Sequence[str]) -> list[tuple[str, str]]:
    """``view_texts`` of each text. When no text contains a new line, the texts are joined by
    new lines and converted, lower-cased and folded together (none of these reaches across a
    new line); a text that needs NFKC beyond the common full-width forms, or whose length
    changes, is then done alone."""
    if len(texts) < 2 or any("\n" in text for text in texts):
        return [view_texts(text) for text in texts]
    joined = "\n".join(texts)
    converted = joined if joined.isascii() else _T2S.convert(joined)
    lines = converted.split("\n")
    if len(converted) != len(joined) or len(lines) != len(texts):
        return [view_texts(text) for text in texts]
    replaced = _replace_all(converted, _COMMON_COMPAT)
    check_each = not (replaced.isascii() or unicodedata.is_normalized("NFKC", replaced))
    parts = _without_diacritics(_replace_all(replaced.lower(), _FOLD_PAIRS)).split("\n")
    checked = replaced.split("\n") if check_each else lines
    findall = _CJK_KEEP.findall
    results: list[tuple[str, str]] = []
    for text, line, part, compatible in zip(texts, lines, parts, checked, strict=True):
        if (
            len(line) != len(text)
            or len(part) != len(text)
            or (check_each and not unicodedata.is_normalized("NFKC", compatible))
            or (not part.isascii() and _EVASION_CHARACTER.search(part) is not None)
        ):
            results.append(view_texts(text))
        else:
            results.append(("".join(findall(part)), latin_view_text(part)))
    return results


def build_views(text: str) -> Views:
    folded = _folded(text)
    return Views(text, cjk_view(text, folded), latin_view(text, folded), folded)


# --- Second readings ----------------------------------------------------------------------------
# The Latin view reads ``1``, ``|`` and ``I`` inside words as ``i`` (``sh1t``, ``b|tch``), but an
# evader writes ``l`` with them too: ``ki11``, ``kiII``, ``po|ice``; and ``|<`` for ``k``. Reading
# both in one view is impossible, so texts with such a word get a second Latin view in which
# they are ``l``; the screener scans it with the same automata and patterns.

# On the folded (lower-cased) text: a ``1`` or ``|`` touching a letter, or ``|<``.
_L_DIGIT_OR_BAR = re.compile(r"[a-z][1|]|[1|][a-z]|\|<")
# On the original text: a capital I after a lower-case letter ("kiII", "poIice"). A capital I
# that starts a word ("Ill.", "If") or sits in a word of capitals ("II", "VIII", "BILL") is an I.
_CAPITAL_I_AFTER_LOWER = re.compile(r"[a-z]I")
# A word of the folded text in which ``l`` may be written with look-alikes ("|<" is one unit).
_L_WORD = re.compile(r"(?:\|<|[a-z0-9|])+")


def _l_word_reading(
    text: str, folded: Folded, start: int, end: int, chars: list[str], dropped: set[int]
) -> bool:
    """Read one word's look-alikes as ``l`` (``|<`` as ``k``) in ``chars``; whether any was."""
    source, index = folded.text, folded.index
    word = source[start:end]
    if not _HAS_LETTER.search(word.replace("|<", "")):
        return False  # "1", "2021", "||": no letter, no word to read
    originals = [text[index[position]] for position in range(start, end)]
    has_lower = any("a" <= char <= "z" for char in originals)
    changed = False
    position = start
    while position < end:
        char = source[position]
        if char == "|" and position + 1 < end and source[position + 1] == "<":
            chars[position] = "k"
            dropped.add(position + 1)
            changed = True
            position += 2
            continue
        if (char == "|" or char == "1" and not is_number_digit(word, position - start)) or (
            char == "i"
            and has_lower
            and position > start
            and originals[position - start] in ("I", "\uff29")
        ):
            chars[position] = "l"
            changed = True
        position += 1
    return changed


def l_folded(text: str, folded: Folded) -> tuple[Folded, dict[int, int]] | None:
    """The folded text with ``1``, ``|`` and a capital ``I`` inside words read as ``l`` (and
    ``|<`` as ``k``), and the original ends a ``k`` read from ``|<`` stands for (the end of the
    ``|`` → the end of the ``<``); None when the text has no word with such a character where
    ``l`` can stand (see :func:`l_reading`)."""
    source = folded.text
    if _L_DIGIT_OR_BAR.search(source) is None and _CAPITAL_I_AFTER_LOWER.search(text) is None:
        return None
    chars = list(source)
    dropped: set[int] = set()
    changed = False
    for match in _L_WORD.finditer(source):
        changed |= _l_word_reading(text, folded, match.start(), match.end(), chars, dropped)
    if not changed:
        return None
    index = folded.index
    kept = [position for position in range(len(chars)) if position not in dropped]
    reading = Folded(
        "".join(chars[position] for position in kept),
        [index[position] for position in kept],
        folded.reordered,
    )
    # "|<" read as "k": its character ends where the "<" does.
    return reading, {index[position - 1] + 1: index[position] + 1 for position in dropped}


def l_reading(text: str, folded: Folded) -> View | None:
    """The Latin view with ``1``, ``|`` and a capital ``I`` inside words read as ``l`` (and
    ``|<`` as ``k``), offsets to the original as the Latin view's; None (nothing built) when
    the text has no word with such a character where ``l`` can stand: a ``1`` or ``|`` touching
    a letter, ``|<``, or a capital I after a lower-case letter."""
    found = l_folded(text, folded)
    if found is None:
        return None
    reading, wide = found
    if not wide:
        return latin_view(text, reading)

    def offsets() -> Offsets:
        starts, ends, soft = _latin_offsets(reading)
        return (
            tuple(
                wide.get(int(s), int(s)) if s == e else int(s)
                for s, e in zip(starts, ends, strict=True)
            ),
            tuple(wide.get(int(e), int(e)) for e in ends),
            _as_tuple(soft),
        )

    base = View(latin_view_text(reading.text), build=offsets, reordered=reading.reordered)
    return with_full_forms(base)


# A lone Latin letter or digit between two ideographs of the CJK view (「警x察」, 「公8安」).
_LONE_LATIN = re.compile(
    r"(?<=[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff])[a-z0-9]"
    r"(?=[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff])"
)


_WORD_BREAK = re.compile(r"[，。！？；：、,.!?;:\n（）()]")
# A lone digit before a unit or measure word, or after 第, is a number (「第3期」, 「分6期」,
# 「3天内」, 「上午9点」), not a character slipped into a word: it is kept (and most Chinese texts
# then need no second reading).
_NUMBER_UNITS = frozenset(
    "期天日号月年次个元万千百亿笔条位名点时分秒岁折倍成楼层栋室座周届级张份件项小季"
)


def without_lone_latin(view: View, original: str) -> View | None:
    """The CJK view with every lone Latin letter or digit between two ideographs dropped
    (「我们是警x察」 reads 我们是警察); a run of two or more (「QQ群」, 「分12期」) stays. The
    offsets are the CJK view's, less the dropped characters'. None when there is none."""
    text = view.text
    candidates = [
        position
        for position in (match.start() for match in _LONE_LATIN.finditer(text))
        if not (
            text[position].isdigit()
            and (text[position + 1] in _NUMBER_UNITS or text[position - 1] == "第")
        )
    ]
    if not candidates:
        return None
    # Punctuation between the character and an ideograph (「第3期，A座」) ends a word: kept.
    starts, ends = view.starts, view.ends
    dropped = [
        position
        for position in candidates
        if _WORD_BREAK.search(original, ends[position - 1], starts[position]) is None
        and _WORD_BREAK.search(original, ends[position], starts[position + 1]) is None
    ]
    if not dropped:
        return None
    return view_without(view, set(dropped))


def view_without(view: View, dropped: set[int]) -> View:
    """``view`` less the characters at the ``dropped`` positions; each kept character keeps its
    offsets in the original text."""
    text = view.text
    kept = [position for position in range(len(text)) if position not in dropped]

    def offsets() -> Offsets:
        starts, ends = view.starts, view.ends
        return (
            tuple(starts[position] for position in kept),
            tuple(ends[position] for position in kept),
            (),
        )

    return View(
        "".join(text[position] for position in kept), build=offsets, reordered=view.reordered
    )


# Bucket edges for counting with arrays: A-Z, a-z and the three ideograph ranges are the odd
# buckets 1, 3, 5, 7 and 9.
_LANGUAGE_EDGES = (0x41, 0x5B, 0x61, 0x7B, 0x3400, 0x4DC0, 0x4E00, 0xA000, 0xF900, 0xFB00)


def detect_language(text: str) -> str:
    """ "zh" when ideographs make up at least a fifth of the letters, else "en"."""
    if text.isascii():
        return "en"
    if len(text) >= _ARRAY_MIN_LENGTH:
        import numpy as np

        codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        edges = np.array(_LANGUAGE_EDGES, dtype=np.uint32)
        buckets = np.bincount(np.searchsorted(edges, codes, side="right"), minlength=11)
        ideographs = int(buckets[5] + buckets[7] + buckets[9])
        if ideographs == 0:
            return "en"
        return "zh" if ideographs * 5 >= int(buckets[1] + buckets[3]) else "en"
    ideographs = sum(map(len, _IDEOGRAPH_RUN.findall(text)))
    if ideographs == 0:
        return "en"
    letters = sum(map(len, _ASCII_LETTER_RUN.findall(text)))
    return "zh" if ideographs * 5 >= letters else "en"
