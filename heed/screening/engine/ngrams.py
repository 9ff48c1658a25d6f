"""Character n-gram counts as scikit-learn's ``char`` and ``char_wb`` analyzers produce them
(lower-cased, white-space runs collapsed), counted with whole-string operations instead of a
Python loop per n-gram. The tests compare them with scikit-learn's analyzers."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

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


# --- many texts at once, with array operations --------------------------------------------------
#
# The classifiers score every sentence of a batch of texts together. Instead of a Counter of
# n-gram strings per sentence, the texts are joined (NUL between them) and every n-gram is
# identified by its code points (packed into one integer) or hashed straight from the UTF-8
# bytes; which n-grams are counted is exactly what the analyzers above count.

_SEPARATOR = "\x00"
# Below this many characters in all, counting text by text is cheaper than the array operations'
# fixed cost (both give the same n-grams).
ARRAY_MIN_CHARACTERS = 2000


def _joined(documents: list[str]) -> str | None:
    """The documents joined by NUL (and one at the end), or None when a document contains NUL
    itself (the caller then counts text by text)."""
    joined = _SEPARATOR.join(documents) + _SEPARATOR if documents else ""
    if joined.count(_SEPARATOR) != len(documents):
        return None
    return joined


def _codes(joined: str) -> Any:
    import numpy as np

    return np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


# Whole-string versions of the per-document steps (lower-casing, white-space runs and word
# padding never reach across NUL, which is neither a letter nor white space).
_ANY_WHITE_SPACE = re.compile(r"\s+")
_IRREGULAR_SPACE = re.compile(r"\s\s|[^\S ]")  # any white space but single spaces


def _gram_starts(codes: Any, size: int) -> Any:
    """Positions where an n-gram of ``size`` characters lies inside one document."""
    import numpy as np

    inside = codes != 0
    ok = inside[: len(codes) - size + 1].copy()
    for shift in range(1, size):
        ok &= inside[shift : len(codes) - size + 1 + shift]
    return np.flatnonzero(ok)


def gram_id(gram: str) -> int:
    """The integer :func:`char_wb_gram_ids` identifies an n-gram of 1–3 characters by."""
    value = 0
    for char in gram:
        value = (value << 21) | ord(char)
    return value


def char_wb_gram_ids(documents: list[str]) -> tuple[Any, Any] | None:
    """``(rows, ids)``: one entry per n-gram ``char_wb_ngram_counts`` counts (so an n-gram
    occurring twice in a document appears twice), ``ids`` as :func:`gram_id`; None when the
    documents cannot be joined."""
    import numpy as np

    joined = _joined(documents)
    if joined is None:
        return None
    # Per document: " " + "  ".join(words) + " " ("" without words), words as str.split():
    # white space between words becomes two spaces, at a document's edges nothing, and then
    # every document gets a space on either side (an empty one stays empty).
    lowered = "\x00" + joined.lower()
    if _IRREGULAR_SPACE.search(lowered):
        padded = _ANY_WHITE_SPACE.sub("  ", lowered)
    else:  # single spaces only (the domain classifier's features): the same, faster
        padded = lowered.replace(" ", "  ")
    padded = padded.replace("\x00  ", "\x00").replace("  \x00", "\x00")
    padded = padded.replace("\x00", " \x00 ")
    while "\x00  \x00" in padded:
        padded = padded.replace("\x00  \x00", "\x00\x00")
    padded = padded[2:-1]  # the NUL put in front, and the space after the last NUL
    codes = _codes(padded)
    length = len(codes)
    wide = codes.astype(np.int64)
    row_of = np.cumsum(codes == 0)
    inside = codes != 0
    space = codes == 0x20
    # Whole-array slices (no index arrays): position i's 1-, 2- and 3-gram.
    keep1 = inside
    keep2 = inside[:-1] & inside[1:] & ~(space[:-1] & space[1:])  # "  " joins two words
    value2 = (wide[:-1] << 21) | wide[1:]
    # "x  " and "  x" cross from one word into the next.
    keep3 = keep2[:-1] & inside[2:] & ~(space[1:-1] & (space[:-2] | space[2:]))
    value3 = (value2[:-1] << 21) | wide[2:]
    rows = [row_of[keep1], row_of[: length - 1][keep2], row_of[: length - 2][keep3]]
    ids = [wide[keep1], value2[keep2], value3[keep3]]
    return np.concatenate(rows), np.concatenate(ids)


def char_gram_ids(documents: list[str]) -> tuple[Any, Any] | None:
    """``(rows, ids)``: one entry per n-gram ``char_ngram_counts`` counts (scikit-learn's
    ``char`` analyzer: 1–3-grams of the lower-cased document, white-space runs made one space),
    ``ids`` as :func:`gram_id`; None when the documents cannot be joined."""
    import numpy as np

    joined = _joined(documents)
    if joined is None:
        return None
    codes = _codes(_WHITE_SPACES.sub(" ", joined.lower()))
    length = len(codes)
    wide = codes.astype(np.int64)
    row_of = np.cumsum(codes == 0)
    inside = codes != 0
    # Whole-array slices (no index arrays): position i's 1-, 2- and 3-gram, kept where it lies
    # inside one document (the positions _gram_starts gives, in the same order).
    keep2 = inside[:-1] & inside[1:]
    keep3 = keep2[:-1] & inside[2:]
    value2 = (wide[:-1] << 21) | wide[1:]
    value3 = (value2[:-1] << 21) | wide[2:]
    rows = [row_of[inside], row_of[: length - 1][keep2], row_of[: length - 2][keep3]]
    ids = [wide[inside], value2[keep2], value3[keep3]]
    return np.concatenate(rows), np.concatenate(ids)


_C1 = 0xCC9E2D51
_C2 = 0x1B873593


def _murmur3_columns(words: Any, lengths: Any, n_features: int) -> Any:
    """scikit-learn's ``abs(murmurhash3_32(gram, seed=0)) % n_features`` for every gram, given
    its UTF-8 bytes as little-endian 32-bit words (zero past the end; the words that would be
    zero for every gram may be left out — mixing in a zero word changes nothing) and its
    length."""
    import numpy as np

    c1, c2 = np.uint32(_C1), np.uint32(_C2)
    full_blocks = lengths >> 2
    h = np.zeros(len(lengths), dtype=np.uint32)
    for block in range(len(words)):
        k = words[block] * c1
        k = (k << np.uint32(15)) | (k >> np.uint32(17))
        k *= c2
        mixed = h ^ k  # a partial block (the tail) is only mixed in; a zero word changes nothing
        rounded = (mixed << np.uint32(13)) | (mixed >> np.uint32(19))
        rounded *= np.uint32(5)
        rounded += np.uint32(0xE6546B64)
        h = np.where(full_blocks > block, rounded, mixed)
    h ^= lengths.astype(np.uint32)
    h ^= h >> np.uint32(16)
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    signed = h.view(np.int32).astype(np.int64)
    return np.abs(signed) % n_features


_BYTE_MASKS = (0, 0xFF, 0xFFFF, 0xFFFFFF, 0xFFFFFFFF)


def char_hashed_columns(documents: list[str], n_features: int) -> tuple[Any, Any] | None:
    """``(rows, columns)``: one entry per n-gram ``char_ngram_counts`` counts, its column the
    hashed one of scikit-learn's ``HashingVectorizer`` (murmurhash3 of the UTF-8 bytes); None when
    the documents cannot be joined or encoded."""
    import numpy as np

    joined = _joined(documents)
    if joined is None:
        return None
    cleaned = _WHITE_SPACES.sub(" ", joined.lower())
    try:
        raw = cleaned.encode("utf-8")
    except UnicodeEncodeError:
        return None  # a lone surrogate: scikit-learn cannot hash it either
    codes = _codes(cleaned)
    buffer = np.zeros(len(raw) + 16, dtype=np.uint8)
    buffer[: len(raw)] = np.frombuffer(raw, dtype=np.uint8)
    # Every byte offset read as the little-endian 32-bit word starting there.
    at = np.ndarray((len(raw) + 13,), dtype="<u4", buffer=buffer, strides=(1,))
    widths = np.ones(len(codes), dtype=np.int32)
    widths += codes >= 0x80
    widths += codes >= 0x800
    widths += codes >= 0x10000
    offsets = np.zeros(len(codes) + 1, dtype=np.int64)
    np.cumsum(widths, out=offsets[1:])
    masks = np.array(_BYTE_MASKS, dtype=np.uint32)
    row_of = np.cumsum(codes == 0)
    rows: list[Any] = []
    columns: list[Any] = []
    for size in (1, 2, 3):
        starts = _gram_starts(codes, size)
        first = offsets[starts]
        lengths = offsets[starts + size] - first
        words = []
        for block in range(size):  # a character is at most 4 bytes: one word per character
            word = at[first + 4 * block]
            word &= masks[np.clip(lengths - 4 * block, 0, 4)]
            words.append(word)
        columns.append(_murmur3_columns(words, lengths, n_features))
        rows.append(row_of[starts])
    return np.concatenate(rows), np.concatenate(columns)


# From this many n-grams on, ``row_products`` uses a sparse product (whose constructor checks
# cost a fixed ~0.1 ms) instead of one weighted count per column; both add in entry order.
_SPARSE_MIN_ENTRIES = 20_000


def summed_counts(rows: Any, columns: Any, n_rows: int, n_columns: int) -> tuple[Any, Any, Any]:
    """``(rows, columns, counts)`` with one entry per distinct (row, column), sorted by row, then
    column; ``counts`` (float) how often each occurred.

    One sort of the combined keys (row in the high bits, column in the low ones), then the runs
    of equal keys (cheaper than building a sparse matrix and summing its duplicates, which sorts
    twice). Equal keys are equal numbers, so the sort need not be stable."""
    import numpy as np

    bits = max(n_columns - 1, 1).bit_length()
    # 32-bit keys when they fit (a batch of sentences: they sort in half the time).
    wide = max(n_rows - 1, 1).bit_length() + bits > 31
    keys = rows.astype(np.int64 if wide else np.int32) << bits
    keys |= columns
    keys.sort()
    if not len(keys):
        empty = np.zeros(0, dtype=np.intp)
        return empty, empty.copy(), np.zeros(0, dtype=np.float64)
    edges = np.empty(len(keys), dtype=bool)
    edges[0] = True
    np.not_equal(keys[1:], keys[:-1], out=edges[1:])
    firsts = np.flatnonzero(edges)
    counts = np.diff(firsts, append=len(keys)).astype(np.float64)
    distinct = keys[firsts]
    summed_rows = (distinct >> bits).astype(np.intp)
    summed_columns = (distinct & keys.dtype.type((1 << bits) - 1)).astype(np.intp)
    return summed_rows, summed_columns, counts


def row_products(rows: Any, columns: Any, values: Any, weights: Any, n_rows: int) -> Any:
    """``M @ weights`` for the sparse ``M`` with entries (rows, columns, values) sorted by row:
    each row's products added in entry order (a sparse product for many entries, one weighted
    count per column of ``weights`` for few — the same sums in the same order)."""
    import numpy as np

    if len(rows) >= _SPARSE_MIN_ENTRIES:
        from scipy.sparse import csr_matrix

        indptr = np.zeros(n_rows + 1, dtype=np.intp)
        np.cumsum(np.bincount(rows, minlength=n_rows), out=indptr[1:])
        matrix = csr_matrix((values, columns, indptr), shape=(n_rows, weights.shape[0]))
        return np.asarray(matrix @ weights)
    result = np.empty((n_rows, weights.shape[1]), dtype=np.float64)
    for column in range(weights.shape[1]):
        result[:, column] = np.bincount(
            rows, weights=values * weights[columns, column], minlength=n_rows
        )
    return result


_GOLDEN = 0x9E3779B97F4A7C15  # an odd 64-bit multiplier (Fibonacci hashing)


class IdTable:
    """Exact look-up of n-gram ids (see :func:`gram_id`) in a vocabulary of them, with array
    operations: one probe of a multiplicative hash table per id instead of a binary search.

    ``positions(ids)`` gives the same answer as a binary search in the sorted vocabulary: for
    each id its index there and whether it is there at all. A slot that several vocabulary ids
    share (rare, the table is 8 times larger than the vocabulary) sends the ids landing on it to
    the binary search.
    """

    def __init__(self, sorted_ids: Any) -> None:
        import numpy as np

        self.sorted_ids = np.ascontiguousarray(sorted_ids, dtype=np.int64)
        count = len(self.sorted_ids)
        bits = max(8, (count * 8).bit_length())
        self._shift = np.uint64(64 - bits)
        # 32-bit entries: half the memory for the random look-ups to miss the cache on.
        table = np.full(1 << bits, -1, dtype=np.int32)
        if count:
            slots = self._slots(self.sorted_ids)
            table[slots] = np.arange(count, dtype=np.int64)
            table[np.bincount(slots, minlength=1 << bits) > 1] = -2
        self._table = table

    def _slots(self, ids: Any) -> Any:
        import numpy as np

        mixed = ids.view(np.uint64) * np.uint64(_GOLDEN)  # wraps modulo 2**64
        return (mixed >> self._shift).astype(np.intp)

    def positions(self, ids: Any) -> tuple[Any, Any]:
        """``(known, positions)``: whether each id is in the vocabulary and, where it is, its
        index in the sorted vocabulary (0 where it is not)."""
        import numpy as np

        ids = np.ascontiguousarray(ids, dtype=np.int64)
        if not len(self.sorted_ids):
            return np.zeros(len(ids), dtype=bool), np.zeros(len(ids), dtype=np.intp)
        found = self._table[self._slots(ids)]
        shared = np.flatnonzero(found == -2)
        positions = np.maximum(found, 0)
        known = (found >= 0) & (self.sorted_ids[positions] == ids)
        if len(shared):
            searched = np.searchsorted(self.sorted_ids, ids[shared])
            searched[searched == len(self.sorted_ids)] = 0
            hit = self.sorted_ids[searched] == ids[shared]
            positions[shared] = np.where(hit, searched, 0)
            known[shared] = hit
        positions[~known] = 0
        return known, positions.astype(np.intp)
