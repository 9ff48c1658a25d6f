"""Second readings built from other readings: two evasions in one word.

Each second reading of the Latin view reads one evasion, from the text as written: the split-word
reading joins ``ki ll`` (:mod:`~heed.screening.engine.split_words`), the l-reading reads
``po1ice`` as ``police`` (``normalize.l_reading``), the stretched-letter reading shortens
``kiiill``. An evader who puts two evasions in one word gets past each of them: ``po1 ice`` (``1``
for ``l`` in a split word: the split-word reading looks for ``pol`` in a text that has ``po1``),
``kiii ll`` and ``arrr ested`` (a stretched letter in a split word: neither half is a stretched
word, and the halves only join once the run is shortened). So the split-word reading is built
once more, each time from another reading's folded text:

* the l-reading's text (``po1`` → ``pol``): only when the l-reading has its trigger;
* the text with each stretched letter kept once, and kept twice (``kiii`` → ``ki``, ``arrr`` →
  ``arr``): only when the Latin view has a letter three times in a word that is no word on its
  own.

(A look-alike digit the Latin view reads as a letter, ``k1 ll`` or ``b0 ss``, needs no reading of
its own: the split-word reading looks its fragments up with those digits read as letters.)

Markup comes first already: the reading of the text as rendered (``<br>``, ``&nbsp;``, ``%20``
in a URL) is built by the usual normalisation, with these readings of its own.

A reading is kept only when it joins a split word and differs from the readings built already;
its characters map back to the original characters (a joined word spans both fragments and the
separator, a shortened run its whole run), so findings point at the text as written. The joins
follow :func:`~heed.screening.engine.split_words.joins` as before: two words that a reader reads
as two are not joined, whichever reading they come from.

Pure Python, no database.
"""

from __future__ import annotations

from collections.abc import Iterator

from heed.screening.engine.normalize import Folded, View, l_folded, latin_view_text
from heed.screening.engine.split_words import (
    _STRETCH,
    _STRETCHED_WORD,
    _marked_candidates,
    _space_candidates,
    _stretches,
    _words,
    split_readings,
)


def _shortened(folded: Folded, keep: int) -> tuple[Folded, dict[int, int]] | None:
    """``folded`` with every stretched run (three or more of one letter, in the words
    :func:`~heed.screening.engine.split_words._stretches` reads) cut to ``keep`` letters, and
    the original ends the kept letters stand for; None when it has none."""
    runs = {(start, end) for reading in _stretches(folded) for start, end, _keep in reading}
    if not runs:
        return None
    source, index = folded.text, folded.index
    dropped: set[int] = set()
    widened: dict[int, int] = {}
    for start, end in runs:
        dropped.update(range(start + keep, end))
        widened[index[start + keep - 1] + 1] = index[end - 1] + 1
    kept = [position for position in range(len(source)) if position not in dropped]
    shortened = Folded(
        "".join(source[position] for position in kept),
        [index[position] for position in kept],
        folded.reordered,
    )
    return shortened, widened


def _bases(text: str, folded: Folded, latin: str) -> Iterator[tuple[Folded, dict[int, int]]]:
    """The folded texts of other readings to build the split-word reading from (each with the
    original ends its characters stand for), each only when its trigger is present: the
    l-reading's, and the text with stretched letters kept once and twice."""
    found = l_folded(text, folded)
    if found is not None:
        yield found
    if _STRETCH.search(latin) is None:
        return
    rare = " " + " ".join(set(latin.split()).difference(_words())) + " "
    if _STRETCHED_WORD.search(rare) is not None:
        for keep in (1, 2):
            shortened = _shortened(folded, keep)
            if shortened is not None and _joins_a_shortened_word(latin, shortened[0]):
                yield shortened


def _joins_a_shortened_word(latin: str, shortened: Folded) -> bool:
    """Whether a word shortened in ``shortened`` is one half of a split word (the other
    joins are the split-word reading's own)."""
    words = latin_view_text(shortened.text).split()
    changed = set(words).difference(latin.split())
    rare = set(words).difference(_words())
    return any(
        first in changed or second in changed
        for first, _separator, second in _space_candidates(words, rare)
    ) or any(
        f"{first}{mark}{second}" in changed for first, mark, second in _marked_candidates(rare)
    )


def combined_readings(
    text: str, folded: Folded, latin: str, built: tuple[View, ...]
) -> tuple[View, ...]:
    """Split-word readings built from the other readings' texts (see the module's text) that
    differ from the Latin view's text ``latin`` and from the readings ``built`` already; empty
    for most texts (nothing is built without a trigger). ``built`` are the l-reading and the
    split-word readings of the text itself: with neither, the text has no look-alike where
    ``l`` can stand and no stretched letter, and nothing is looked at."""
    if not built or folded.reordered:
        return ()
    readings: list[View] = []
    seen: set[str] | None = None
    for base, widened in _bases(text, folded, latin):
        for view in split_readings(text, base, latin_view_text(base.text), widened):
            if seen is None:
                seen = {latin, *(built_view.text for built_view in built)}
            if view.text not in seen:
                seen.add(view.text)
                readings.append(view)
    return tuple(readings)
