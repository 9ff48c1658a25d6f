"""Character n-gram counts as scikit-learn's ``char`` and ``char_wb`` analyzers produce them
(lower-cased, white-space runs collapsed), counted with whole-string operations instead of a
Python loop per n-gram. The tests compare them with scikit-learn's analyzers."""

from __future__ import annotations

import re
from collections import Counter

_WHITE_SPACES = re.compile(r"\s\s+")  # as sklearn's _VectorizerMixin._white_spaces


def _add_ngrams(counts: Counter[str], text: str, low: int, high: int) -> None:
    length = len(text)
    for size in range(low, high + 1):
        if size > length:
            break
        counts.update(
            map(text.__getitem__, map(slice, range(length - size + 1), range(size, length + 1)))
        )


def char_ngram_counts(text: str, low: int = 1, high: int = 3) -> Counter[str]:
    """``analyzer="char"``: every 1…3-gram of the lower-cased text (white-space runs → one
    space)."""
    return _counted(_WHITE_SPACES.sub(" ", text.lower()), low, high)


def _counted(text: str, low: int, high: int) -> Counter[str]:
    counts: Counter[str] = Counter()
    _add_ngrams(counts, text, low, high)
    return counts


def char_wb_ngram_counts(text: str, low: int = 1, high: int = 3) -> Counter[str]:
    """``analyzer="char_wb"``: the 1…3-grams inside each space-padded word.

    The padded words are counted as one string (" ab  cd "); the n-grams that cross from one word
    into the next are exactly those containing two spaces, which no n-gram inside a padded word
    contains, so they are removed afterwards.
    """
    if low != 1 or high != 3:
        raise ValueError("only 1-3-grams")
    words = _WHITE_SPACES.sub(" ", text.lower()).split()
    if not words:
        return Counter()
    counts = _counted(" " + "  ".join(words) + " ", low, high)
    if len(words) > 1:
        crossing = {"  "}
        crossing.update(word[-1] + "  " for word in words[:-1])
        crossing.update("  " + word[0] for word in words[1:])
        for key in crossing:
            del counts[key]
    return counts
