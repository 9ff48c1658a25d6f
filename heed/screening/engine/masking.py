"""Masked and doubled letters: a second Latin reading with the lexicon's word read back.

An evader hides a letter of a word behind a symbol (``k*ll``, ``f**k``, ``sh*t``, ``l*ser``,
``id#ot``) or doubles one (``kkill``, ``diie``, ``shitt``). A reader reads the word; the Latin
view keeps ``k*ll`` as it is, and the lexicon would need every masked spelling written out.
So a text with such a word gets more Latin readings (through ``Views.add_latin_reading``) in
which it is the lexicon's word:

* **masked** — a word of letters with one or more runs of ``*`` or ``#`` inside it, a letter on
  both sides of each run (an asterisk at a word's edge is a footnote or emphasis: ``50*``,
  ``*conditions apply``, ``note*``; one between words, ``a * b``, is no mask; digits make no
  masked word: ``5*3``). A run of ``n`` symbols stands for ``n`` or ``n + 1`` letters; the word
  shows at least two letters and no fewer than it hides at the least (``a*b`` shows two and
  could hide one, but no lexicon word reads so). It reads as each word of the lexicon's English
  vocabulary that fits it (:data:`MAX_READINGS` readings at most: ``d*e`` may be ``die`` and
  ``due``), so ``skill``, ``kiln`` and ``k9`` are never touched (no symbol), and a masked word
  that fits no lexicon word is left as it is.
* **doubled** — a word of the Latin view that is no English word (pyspellchecker's list, as
  :mod:`~heed.screening.engine.split_words` uses) and reads as a word of the vocabulary with one
  doubled letter kept once (``kkill`` → ``kill``, ``diie`` → ``die``), unless it is written as a
  name ("Mrs Pickett" is no "picket"); three or more of a letter are the split-word reading's
  (``shiiit``, ``diiie``).

The vocabulary: every word (letters only, three or more) of the lexicon's English phrases and
the literal words of its English patterns. Findings on the reading point at the original word.

Cost: a text without a symbol between two letters and without a word from the (precomputed)
set of doubled vocabulary words pays one regular-expression search and one set intersection.

Pure Python, no database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from heed.screening.engine.normalize import Folded, View, Views, latin_view

if TYPE_CHECKING:
    from heed.screening.engine.lexicon import Lexicon

MAX_READINGS = 3

# A symbol run between two letters (the trigger) and a whole masked word of the folded text.
_MASK_INSIDE = re.compile(r"[a-z][*#]+[a-z]")
_MASKED_WORD = re.compile(
    r"(?<![a-z0-9'@$!|*#])[a-z]+(?:[*#]+[a-z]+)+(?![a-z0-9'@$|*#])(?!!+[a-z0-9])"
)
_MASK_RUN = re.compile(r"[*#]+")
_WORD = re.compile(r"[a-z]{3,}")
_ESCAPE = re.compile(r"\\(?:x[0-9a-fA-F]{2}|[a-zA-Z])")


@dataclass(frozen=True)
class MaskVocabulary:
    """The lexicon's English words, and each word with one letter doubled that is no English
    word (``kkill`` → ``kill``)."""

    words: frozenset[str]
    doubled: dict[str, str]
    forms: frozenset[str]  # the keys of ``doubled`` (a set: intersected with a text's words)


def mask_vocabulary(lexicon: Lexicon) -> MaskVocabulary:
    """The vocabulary of ``lexicon`` (built once per lexicon object and kept with it)."""
    built = lexicon.derived.get("mask_vocabulary")
    if built is None:
        built = lexicon.derived["mask_vocabulary"] = _built_vocabulary(lexicon)
    return built


def _built_vocabulary(lexicon: Lexicon) -> MaskVocabulary:
    from heed.screening.engine.split_words import english_counts

    words: set[str] = set()
    for entry in lexicon.entries:
        if entry.language != "en" or entry.is_symbol:
            continue
        text = entry.phrase.lower()
        if entry.is_pattern:
            text = _ESCAPE.sub(" ", text)
            words.update(_WORD.findall(text))
            continue
        for word in text.split():
            word = word.strip("*")
            if len(word) >= 3 and word.isalpha() and word.isascii():
                words.add(word)
    counts = english_counts()
    doubled: dict[str, str] = {}
    for word in words:
        for position in range(len(word)):
            form = word[: position + 1] + word[position:]
            if form not in counts and form not in words:
                doubled.setdefault(form, word)
    return MaskVocabulary(frozenset(words), doubled, frozenset(doubled))


def _fills(word: str, vocabulary: MaskVocabulary) -> list[list[str]]:
    """Per word of the vocabulary that fits the masked ``word``: the letters standing for each
    symbol run, in order (best first: the fewest letters added, then alphabetical)."""
    runs = list(_MASK_RUN.finditer(word))
    shown = sum(char.isalpha() for char in word)
    hidden = sum(len(run.group()) for run in runs)
    if shown < 2 or shown < hidden:
        return []
    pieces: list[str] = []
    position = 0
    for run in runs:
        pieces.append(re.escape(word[position : run.start()]))
        size = len(run.group())
        pieces.append(f"([a-z]{{{size},{size + 1}}})")
        position = run.end()
    pieces.append(re.escape(word[position:]))
    pattern = re.compile("".join(pieces))
    low, high = len(word), len(word) + len(runs)
    found: list[tuple[int, str, list[str]]] = []
    for candidate in vocabulary.words:
        if low <= len(candidate) <= high:
            match = pattern.fullmatch(candidate)
            if match is not None:
                found.append((len(candidate), candidate, list(match.groups())))
    found.sort()
    return [groups for _length, _candidate, groups in found[:MAX_READINGS]]


def _doubled_edits(
    folded: Folded, views: Views, vocabulary: MaskVocabulary
) -> list[tuple[int, int, str]]:
    """The doubled letters to drop (``kkill`` → ``kill``); a word written as a name (a capital,
    then lower case: "Mrs Pickett") is a name, not a doubled "picket"."""
    words = vocabulary.forms.intersection(views.latin.text.split())
    if not words:
        return []
    source, index, original = folded.text, folded.index, views.original
    edits: list[tuple[int, int, str]] = []
    for form in words:
        single = vocabulary.doubled[form]
        cut = next(
            (position for position, char in enumerate(single) if form[position] != char),
            len(single),
        )
        for match in re.finditer(
            rf"(?<![a-z0-9'*#@$!|]){re.escape(form)}(?![a-z0-9'*#@$|])", source
        ):
            written = original[index[match.start()] : index[match.end() - 1] + 1]
            if written[:1].isupper() and written[1:].islower():
                continue
            edits.append((match.start() + cut, match.start() + cut + 1, ""))
    return edits


def _edits(
    folded: Folded, views: Views, vocabulary: MaskVocabulary
) -> list[list[tuple[int, int, str]]]:
    """Per reading, ``(start, end, letters)``: folded characters ``[start, end)`` read as
    ``letters`` (an empty ``letters`` drops them)."""
    source = folded.text
    readings: list[list[tuple[int, int, str]]] = []
    common = _doubled_edits(folded, views, vocabulary)
    masked: list[tuple[re.Match[str], list[list[str]]]] = []
    if _MASK_INSIDE.search(source) is not None:
        for match in _MASKED_WORD.finditer(source):
            fills = _fills(match.group(), vocabulary)
            if fills:
                masked.append((match, fills))
    if not masked:
        return [common] if common else []
    count = max(len(fills) for _match, fills in masked)
    for number in range(count):
        edits = list(common)
        for match, fills in masked:
            letters = fills[min(number, len(fills) - 1)]
            for run, fill in zip(_MASK_RUN.finditer(match.group()), letters, strict=True):
                edits.append((match.start() + run.start(), match.start() + run.end(), fill))
        readings.append(edits)
    return readings


def _edited(folded: Folded, edits: list[tuple[int, int, str]]) -> Folded:
    """``folded`` with the edits made; a letter put in for a symbol keeps that symbol's original
    index (extra letters the last symbol's)."""
    source, index = folded.text, folded.index
    chars: list[str] = []
    places: list[int] = []
    position = 0
    for start, end, letters in sorted(edits):
        if start < position:
            continue  # overlapping edits: the first one stands
        chars.extend(source[position:start])
        places.extend(index[position:start])
        for offset, letter in enumerate(letters):
            chars.append(letter)
            places.append(index[min(start + offset, end - 1)])
        position = end
    chars.extend(source[position:])
    places.extend(index[position:])
    return Folded("".join(chars), places, folded.reordered)


def masked_readings(views: Views, vocabulary: MaskVocabulary) -> tuple[View, ...]:
    """Latin readings of the text with masked and doubled words read as the lexicon's words
    (see the module's text); empty when it has none (most texts)."""
    if views.latin.text == " ":
        return ()
    folded = views.folded
    if folded.reordered:
        return ()
    readings: list[View] = []
    for edits in _edits(folded, views, vocabulary):
        reading = latin_view(views.original, _edited(folded, edits))
        if reading.text != views.latin.text:
            readings.append(reading)
    return tuple(readings)
