"""A second Latin reading for words split in two and for stretched letters.

An evader gets a threat or an insult past the Latin view by writing one English word as two
("we will ki ll you", "your bo ss"), with a tab, a no-break or another Unicode space between the
halves ("ki\\u00a0ll", "ja\\til"), or an apostrophe or asterisk inside it ("pol'ice", "bo*ss");
or by stretching a letter ("killl", "kiiiill", "arrrested"). (A hyphen, dot, underscore, tilde or
plus between two word characters is a joiner the Latin view drops already: "ki-ll", "sc.um".)
Reading such text both ways in one view is impossible, so a text with a candidate gets one more
Latin reading (:func:`split_readings`, through ``Views.latin_alternates``) in which

* two fragments are joined where a reader would join them: both of at least two letters, with
  exactly one separator between them (one space-like character; an apostrophe or asterisk inside
  a word), the joined word an English word in common use, and at least one fragment not a word on
  its own — rare in English, and far rarer than the joined word. So "ki ll", "bo ss", "po lice",
  "arr ested" are joined, while "a rest" (not "arrest"), "the rapist" (not "therapist": "rapist"
  is a word), "Mr Kill", "all good" and "no w" (a one-letter fragment) stay apart; an English
  contraction ("he'll", "we're", "don't") is never joined, and nothing is joined across a line
  or sentence end (the one separator is never a full stop or a line break);
* a run of three or more of one letter inside a word reads as one or two of it, whichever makes
  the most common English word ("killl" → "kill", "shiiit" → "shit", "arrrested" →
  "arrested"); when neither makes a word, the text gets two readings (one of it, two of it).
  Runs in a word with a digit (an amount, a code such as "REF-AAA-111"), in a word that is
  nothing but the run ("zzz") and in a Roman numeral ("VIII") are left alone.

Findings on the reading point at the original characters: a joined word spans both fragments
and the separator, a shortened run its whole original run.

The word list is pyspellchecker's English frequency list (MIT licence; counts of words in the
OpenSubtitles 2018 corpus, cleaned against dictionaries). Subtitles are spoken, informal English,
as collection messages are, and the cleaning leaves the fragments an evader makes out of a word
("ll", "tch", "ested", "il") out of it — unlike lists counted from web tokens, in which "ll" (from
"I ll") is more common than "rapist". It is read once, on first use: the words counted at least
:data:`MIN_COUNT` times (about 47,000; about 0.3 s and 6 MB).

Pure Python, no database.
"""

from __future__ import annotations

import gzip
import json
import re
from functools import lru_cache
from importlib.resources import files
from itertools import product
from operator import add

from heed.screening.engine.normalize import (
    SHORT_FORMS,
    Folded,
    Offsets,
    View,
    _as_tuple,
    _latin_offsets,
    latin_view_text,
    with_full_forms,
)

# Words counted fewer times than this are left out of the list (and count as 0).
MIN_COUNT = 100
# A fragment counted this often is an English word on its own ...
WORD_COUNT = 5000
# ... and one counted less is joined only to a word at least this many times more common.
JOIN_RATIO = 10
# The joined word must be in common use.
JOINED_COUNT = 1000
# Stretched runs looked at per word (each reads as one or two letters: 2**n combinations).
MAX_RUNS = 4

# One character between two fragments: a space, a tab, a no-break or another Unicode space.
SEPARATORS = frozenset(
    "\t \u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
)
SEPARATORS |= frozenset("\u202f\u205f\u3000")
# Fragments that are words on their own in messages, however rare in the list: chat short forms
# ("to ur boss" is no "tour boss") and titles ("for Ms Shannon" is no "forms").
STANDALONE = frozenset(form for form in SHORT_FORMS if " " not in form) | frozenset(
    {"mr", "mrs", "ms", "mx", "dr", "st", "jr", "sr", "prof", "rev", "sgt", "capt"}
)
# After an apostrophe, the clitics of English contractions ("he'll", "we're", "they've").
CLITICS = frozenset({"ll", "re", "ve", "nt"})

# A fragment: letters only, not glued to a word character or (through a joiner) to a word.
_FRAGMENT = re.compile(
    r"(?<![a-z0-9'*@$!|])(?<![a-z0-9'*][-._~+])[a-z]{2,}(?![a-z0-9'*@$!|])(?![-._~+][a-z0-9'*])"
)
# A word with an apostrophe or asterisk between two fragments ("pol'ice", "bo*ss").
_MARKED = re.compile(r"[a-z]['*][a-z]")
_MARKED_WORD = re.compile(
    r"(?<![a-z0-9'*@$!|])(?<![a-z0-9'*][-._~+])([a-z]{2,})['*]([a-z]{2,})"
    r"(?![a-z0-9'*@$!|])(?![-._~+][a-z0-9'*])"
)
# A letter three or more times; a word as the Latin view makes it (joiners inside).
_STRETCH = re.compile(r"([a-z])\1\1")
_RUN = re.compile(r"([a-z])\1\1+")
_WORD = re.compile(r"[a-z0-9'*]+(?:[-._~+][a-z0-9'*]+)*")
_NOT_LETTER = re.compile(r"[^a-z']")
_ROMAN = re.compile(r"[ivxlcdm]+")


@lru_cache(maxsize=1)
def english_counts() -> dict[str, int]:
    """English word → how often it occurs (pyspellchecker's list, words counted at least
    :data:`MIN_COUNT` times, letters and inner apostrophes only)."""
    resource = files("spellchecker") / "resources" / "en.json.gz"
    counts: dict[str, int] = json.loads(gzip.decompress(resource.read_bytes()))
    word = re.compile(r"[a-z]+(?:'[a-z]+)*")
    return {
        text: count
        for text, count in counts.items()
        if count >= MIN_COUNT and word.fullmatch(text) is not None
    }


@lru_cache(maxsize=1)
def _words() -> frozenset[str]:
    """The fragments that are words on their own (two of them are never joined)."""
    common = (text for text, count in english_counts().items() if count >= WORD_COUNT)
    return frozenset(common) | STANDALONE


@lru_cache(maxsize=1)
def _joinable() -> frozenset[str]:
    """The words two fragments may make (in common use)."""
    return frozenset(text for text, count in english_counts().items() if count >= JOINED_COUNT)


def joins(first: str, second: str) -> bool:
    """Whether a reader reads ``first`` and ``second`` as one word (see the module's text)."""
    if len(first) < 2 or len(second) < 2:
        return False
    counts = english_counts()
    joined = counts.get(first + second, 0)
    if joined < JOINED_COUNT:
        return False
    rarer = min(_count(counts, first), _count(counts, second))
    return rarer < WORD_COUNT and rarer * JOIN_RATIO <= joined


def _count(counts: dict[str, int], fragment: str) -> int:
    return max(counts.get(fragment, 0), WORD_COUNT if fragment in STANDALONE else 0)


def _cased_apart(original: str, folded: Folded, first: range, second: range) -> bool:
    """Whether the letters' case shows two words: a capital starts the second fragment while
    the first is not in capitals (a name, a title, an acronym: "the IRS", "Mr Kill"), or the
    first is in capitals and the second is not ("IRS debt"). Both in capitals is shouting."""
    index = folded.index
    first_text = "".join(original[index[position]] for position in first)
    second_text = "".join(original[index[position]] for position in second)
    if first_text.isupper():
        return not second_text.isupper()
    return second_text[:1].isupper()


# --- Finding the edits ---------------------------------------------------------------------------
# Two fragments to join: (first start, separator position, second end) in the folded text.
_Pair = tuple[int, int, int]


def _separator_at(original: str, folded: Folded, position: int) -> bool:
    """Whether folded character ``position`` is one space-like character of the original."""
    index = folded.index
    if not 0 < position < len(folded.text) - 1 or folded.text[position] not in " \t":
        return False
    place = index[position]
    return (
        original[place] in SEPARATORS
        and index[position - 1] < place
        and place < index[position + 1]
    )


def _space_joins(original: str, folded: Folded) -> list[_Pair]:
    """``(first start, separator, second end)`` of each pair of fragments a reader joins,
    around one space-like separator."""
    source = folded.text
    fragments = list(_FRAGMENT.finditer(source))
    found: list[tuple[int, int, int]] = []
    for first, second in zip(fragments, fragments[1:], strict=False):
        if (
            second.start() == first.end() + 1
            and _separator_at(original, folded, first.end())
            and joins(first.group(), second.group())
            and not _cased_apart(original, folded, range(*first.span()), range(*second.span()))
        ):
            found.append((first.start(), first.end(), second.end()))
    return found


def _marked_joins(original: str, folded: Folded) -> list[_Pair]:
    """The same for an apostrophe or asterisk between two fragments of one word; never the
    apostrophe of a contraction ("he'll", "we're")."""
    source = folded.text
    if _MARKED.search(source) is None:
        return []
    counts = english_counts()
    found: list[_Pair] = []
    for match in _MARKED_WORD.finditer(source):
        first, second = match.group(1), match.group(2)
        if source[match.end(1)] == "'" and (second in CLITICS or match.group() in counts):
            continue
        if joins(first, second) and not _cased_apart(
            original, folded, range(*match.span(1)), range(*match.span(2))
        ):
            found.append((match.start(), match.end(1), match.end()))
    return found


def _joins(spaced: list[_Pair], marked: list[_Pair]) -> list[int]:
    """Folded positions of the separators to drop (pairs taken left to right, none shared)."""
    pairs = sorted(spaced + marked)
    dropped: list[int] = []
    reached = -1
    for start, separator, end in pairs:
        if start >= reached:
            dropped.append(separator)
            reached = end
    return dropped


def _stretch_choices(word: str, runs: list[re.Match[str]]) -> list[tuple[int, ...]]:
    """How many letters each run keeps: the most common English word's choice (one reading),
    or all one and all two (two readings) when no choice makes a word."""
    counts = english_counts()
    best: tuple[int, tuple[int, ...]] | None = None
    if len(runs) <= MAX_RUNS:
        for choice in product((1, 2), repeat=len(runs)):
            pieces: list[str] = []
            position = 0
            for run, keep in zip(runs, choice, strict=True):
                pieces.append(word[position : run.start()] + run.group()[:keep])
                position = run.end()
            pieces.append(word[position:])
            count = counts.get(_NOT_LETTER.sub("", "".join(pieces)), 0)
            if count and (best is None or count > best[0]):
                best = (count, choice)
    if best is not None:
        return [best[1]]
    return [(1,) * len(runs), (2,) * len(runs)]


def _stretches(folded: Folded) -> list[list[tuple[int, int, int]]]:
    """Per reading, ``(run start, run end, letters kept)`` of every stretched run shortened;
    empty when the text has none."""
    source = folded.text
    first: list[tuple[int, int, int]] = []
    second: list[tuple[int, int, int]] = []
    for word in _WORD.finditer(source):
        text = word.group()
        if _STRETCH.search(text) is None or any(char.isdigit() for char in text):
            continue
        runs = list(_RUN.finditer(text))
        if len(runs) == 1 and _NOT_LETTER.sub("", text) == runs[0].group():
            continue  # "zzz", "aaa": nothing but the run
        if _ROMAN.fullmatch(text):
            continue  # "VIII", "XXXV": a number
        choices = _stretch_choices(text, runs)
        for reading, choice in zip((first, second), (choices[0], choices[-1]), strict=False):
            for run, keep in zip(runs, choice, strict=True):
                reading.append((word.start() + run.start(), word.start() + run.end(), keep))
    if not first:
        return []
    if first == second:
        return [first]
    return [first, second]


# --- Building a reading ------------------------------------------------------------------------


def _reading(text: str, folded: Folded, dropped: set[int], widened: dict[int, int]) -> View:
    """The Latin view of ``folded`` without the ``dropped`` positions; an original end in
    ``widened`` stands for the end it maps to."""
    index = folded.index
    kept = [position for position in range(len(folded.text)) if position not in dropped]
    reading = Folded(
        "".join(folded.text[position] for position in kept),
        [index[position] for position in kept],
        folded.reordered,
    )

    def offsets() -> Offsets:
        starts, ends, soft = _latin_offsets(reading)
        return (
            tuple(
                widened.get(int(s), int(s)) if s == e else int(s)
                for s, e in zip(starts, ends, strict=True)
            ),
            tuple(widened.get(int(e), int(e)) for e in ends),
            _as_tuple(soft),
        )

    return with_full_forms(View(latin_view_text(reading.text), build=offsets))


def split_readings(text: str, folded: Folded, latin: str) -> tuple[View, ...]:
    """Latin readings of ``text`` with split words joined and stretched letters shortened (see
    the module's text); empty when it has neither. ``latin`` is the text of its Latin view, on
    which the cheap tests run first (most texts pass none of them): two neighbouring words that
    make an English word together (one of them no word on its own), an apostrophe or asterisk,
    a letter three times."""
    if folded.reordered:
        return ()
    words = latin.split()
    may_join = not _words().issuperset(words) and not _joinable().isdisjoint(
        map(add, words, words[1:])
    )
    may_mark = "'" in latin or "*" in latin
    may_stretch = _STRETCH.search(latin) is not None
    if not (may_join or may_mark or may_stretch):
        return ()
    joined = _joins(
        _space_joins(text, folded) if may_join else [],
        _marked_joins(text, folded) if may_mark else [],
    )
    stretched = _stretches(folded) if may_stretch else []
    if not joined and not stretched:
        return ()
    index = folded.index
    readings: list[View] = []
    for runs in stretched or [[]]:
        dropped = set(joined)
        widened: dict[int, int] = {}
        for start, end, keep in runs:
            dropped.update(range(start + keep, end))
            widened[index[start + keep - 1] + 1] = index[end - 1] + 1
        readings.append(_reading(text, folded, dropped, widened))
    return tuple(readings)
