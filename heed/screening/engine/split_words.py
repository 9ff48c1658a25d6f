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
  is a word), "Mr Kill", "all good" and "no w" (a one-letter fragment) stay apart. Chat short
  forms, titles and account abbreviations are words on their own ("to ur", "for Ms", "Ref");
  a capital that starts the second fragment after a first not in capitals (or a first in
  capitals before a second that is not) shows two words ("the IRS"); an English contraction
  ("he'll", "we're", "don't") is never joined, and nothing is joined across a line or sentence
  end (the one separator is never a full stop or a line break);
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
:data:`MIN_COUNT` times (about 47,000) and the sets made from them, in about 0.3 s, keeping
about 8.5 MB (20 MB at the peak, while the file is parsed).

Pure Python, no database.
"""

from __future__ import annotations

import gzip
import json
import re
from functools import lru_cache
from importlib.resources import files
from itertools import compress, product

from heed.screening.engine.leet_numbers import read_leet
from heed.screening.engine.normalize import (
    LEET,
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
# ("to ur boss" is no "tour boss"), titles ("for Ms Shannon" is no "forms") and the
# abbreviations of account messages ("Ref used" is no "refused").
STANDALONE = frozenset(form for form in SHORT_FORMS if " " not in form) | frozenset(
    {"mr", "mrs", "ms", "mx", "dr", "st", "jr", "sr", "prof", "rev", "sgt", "capt"}
    | {"ref", "acct", "amt", "bal", "tel", "dept", "approx", "info", "app", "pmt", "etc"}
)
# After an apostrophe, the clitics of English contractions ("he'll", "we're", "they've").
CLITICS = frozenset({"ll", "re", "ve", "nt"})

# Fragments are letters only, not glued to a word character or (through a joiner) to a word.
_BEFORE = r"(?<![a-z0-9'*@$!|])(?<![a-z0-9'*][-._~+])"
_AFTER = r"(?![a-z0-9'*@$!|])(?![-._~+][a-z0-9'*])"
# A word of the Latin view with an apostrophe or asterisk between two fragments ("pol'ice").
_MARKED_WORD = re.compile(r"([a-z]{2,})(['*])([a-z]{2,})")
# In words of the Latin view, each after a space: one with a letter three times, no digit, and
# not made of that letter alone ("killl", not "zzz", "aaa111").
_MARK_OR_RUN = re.compile(r"['*]|([a-z])\1\1")
_STRETCHED_WORD = re.compile(r" (?=[^ ]*([a-z])\1\1)(?![^ ]*[0-9])(?!([a-z])\2* )")
# A letter three or more times; the word around it as the Latin view makes it (joiners inside).
_STRETCH = re.compile(r"([a-z])\1\1")
_RUN = re.compile(r"([a-z])\1\1+")
_WORD = re.compile(r"[a-z0-9'*]+(?:[-._~+][a-z0-9'*]+)*")
_WORD_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789'*-._~+")
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


@lru_cache(maxsize=1)
def _fragments() -> frozenset[str]:
    """Every fragment that is the rarer half of a word a reader joins ("ll" of "kill", "lice"
    of "police"): a text without one has nothing to join around a space."""
    counts = english_counts()
    found: set[str] = set()
    for word in _joinable():
        for cut in range(2, len(word) - 1):
            first, second = word[:cut], word[cut:]
            if first.isalpha() and second.isalpha() and joins(first, second):
                rarer = _count(counts, first) <= _count(counts, second)
                found.add(first if rarer else second)
    return frozenset(found)


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


def _space_candidates(words: list[str], rare: set[str]) -> set[tuple[str, str, str]]:
    """``(first, separators, second)`` for each two neighbouring words of the Latin view that a
    reader joins (:func:`joins`); the rarer of them is a ``rare`` word (no word on its own)
    that is the rarer half of such a word (most texts have none). The separator, one space or
    tab, is checked where they are located."""
    fragments = _fragments().intersection(rare)
    if not fragments:
        return set()
    joinable = _joinable()
    found: set[tuple[str, str, str]] = set()
    last = len(words) - 1
    for number in compress(range(len(words)), map(fragments.__contains__, words)):
        word = words[number]
        for first, second in (
            (words[number - 1] if number else "", word),
            (word, words[number + 1] if number < last else ""),
        ):
            if (
                first + second in joinable
                and first.isalpha()
                and second.isalpha()
                and joins(first, second)
            ):
                found.add((first, " \t", second))
    return found


def _marked_candidates(rare: set[str]) -> set[tuple[str, str, str]]:
    """The same for an apostrophe or asterisk between two fragments of one ``rare`` word;
    never the apostrophe of a contraction ("he'll", "we're")."""
    counts = english_counts()
    found: set[tuple[str, str, str]] = set()
    for word in rare:
        if "'" not in word and "*" not in word:
            continue
        match = _MARKED_WORD.fullmatch(word)
        if match is None:
            continue
        first, mark, second = match.groups()
        if mark == "'" and (second in CLITICS or word in counts):
            continue
        if joins(first, second):
            found.add((first, mark, second))
    return found


# A look-alike digit the Latin view reads as a letter, touching a letter ("k1 ll", "b0 ss"); the
# words of the folded text that have one.
_DIGIT_BY_LETTER = re.compile(r"[a-z][013457]|[013457][a-z]")
_WORD_WITH_DIGIT = re.compile(r"[a-z0-9]*(?:[a-z][013457]|[013457][a-z])[a-z0-9]*")
_DIGITS_AS_LETTERS = str.maketrans({digit: LEET[digit] for digit in "013457"})


def _lettered(source: str) -> str:
    """The folded text with look-alike digits inside words read as letters, as the Latin view
    reads them (one for one: positions are unchanged)."""
    if _DIGIT_BY_LETTER.search(source) is None:
        return source
    return _WORD_WITH_DIGIT.sub(lambda word: read_leet(word.group(), _DIGITS_AS_LETTERS), source)


def _located(original: str, folded: Folded, candidates: set[tuple[str, str, str]]) -> list[_Pair]:
    """Where the candidates stand in the folded text (its look-alike digits read as letters, as
    the Latin view the candidates come from reads them: "k1 ll"), with one separator (a
    space-like one: one character of the original) and not told apart by their letters' case."""
    source = _lettered(folded.text)
    found: list[_Pair] = []
    for first, separators, second in candidates:
        pattern = re.compile(f"{_BEFORE}({first})[{re.escape(separators)}]({second}){_AFTER}")
        for match in pattern.finditer(source):
            separator = match.end(1)
            if source[separator] in " \t" and not _separator_at(original, folded, separator):
                continue
            if _cased_apart(original, folded, range(*match.span(1)), range(*match.span(2))):
                continue
            found.append((match.start(), separator, match.end()))
    return found


def _joins(pairs: list[_Pair]) -> list[int]:
    """Folded positions of the separators to drop (pairs taken left to right, none shared)."""
    pairs = sorted(pairs)
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
    words: dict[int, re.Match[str]] = {}  # the words with a run, by start
    for run in _STRETCH.finditer(source):
        start = run.start()
        while start > 0 and source[start - 1] in _WORD_CHARACTERS:
            start -= 1
        word = _WORD.search(source, start, len(source))
        while word is not None and word.end() <= run.start():
            word = _WORD.search(source, word.end(), len(source))
        if word is not None and word.start() <= run.start():
            words[word.start()] = word
    first: list[tuple[int, int, int]] = []
    second: list[tuple[int, int, int]] = []
    for _start, word in sorted(words.items()):
        text = word.group()
        if any(char.isdigit() for char in text) or _ROMAN.fullmatch(text):
            continue  # an amount or a code ("REF-AAA-111"); "VIII", "XXXV": a number
        runs = list(_RUN.finditer(text))
        if len(runs) == 1 and _NOT_LETTER.sub("", text) == runs[0].group():
            continue  # "zzz", "aaa": nothing but the run
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


def split_readings(
    text: str, folded: Folded, latin: str, widened: dict[int, int] | None = None
) -> tuple[View, ...]:
    """Latin readings of ``text`` with split words joined and stretched letters shortened (see
    the module's text); empty when it has neither. ``latin`` is the text of its Latin view: only
    its words that are no word on their own are looked at first (most texts have none that
    makes a word with a neighbour, has an apostrophe or asterisk inside, or a letter three
    times), with whole-string and set operations. ``folded`` may be another reading's folded
    text (``combined``); ``widened``: the original ends its characters stand for, if any."""
    if folded.reordered:
        return ()
    words = latin.split()
    rare = set(words).difference(_words())
    if not rare:
        return ()
    candidates = _space_candidates(words, rare)
    stretched: list[list[tuple[int, int, int]]] = []
    listed = " " + " ".join(rare) + " "
    if _MARK_OR_RUN.search(listed) is not None:
        candidates |= _marked_candidates(rare)
        if _STRETCHED_WORD.search(listed) is not None:
            stretched = _stretches(folded)
    joined = _joins(_located(text, folded, candidates)) if candidates else []
    if not joined and not stretched:
        return ()
    index = folded.index
    readings: list[View] = []
    for runs in stretched or [[]]:
        dropped = set(joined)
        ends = dict(widened or {})
        for start, end, keep in runs:
            dropped.update(range(start + keep, end))
            ends[index[start + keep - 1] + 1] = index[end - 1] + 1
        readings.append(_reading(text, folded, dropped, ends))
    return tuple(readings)
