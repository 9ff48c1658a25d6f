"""The classifier side's speed-ups compute exactly what the former code computed: the n-gram
entries and their summed counts, the clause cuts, which sentences say enough, the clause windows
and the verdicts of every layer on diluted violations and their lawful look-alikes."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from heed.screening.engine.evaluation import DATA_DIR, load_labelled
from heed.screening.engine.ngrams import _gram_starts, _joined, char_gram_ids, summed_counts
from heed.screening.engine.normalize import has_ideograph, ideograph_count
from heed.screening.engine.screener import (
    PASS,
    REVIEW,
    Screener,
    _enough_to_classify,
    sentence_spans,
)
from heed.screening.engine.units import (
    _CLAUSE_CUT,
    CLAUSE_SENTENCE_MIN_CHARACTERS,
    CLAUSE_SENTENCE_MIN_CLAUSES,
    CLAUSE_SENTENCE_MIN_IDEOGRAPHS,
    _says_enough,
    clause_windows,
    clauses,
)

TRICKY = "ab sx 019,，-–—  \t\n.。!？'_你好老赖還錢ＡＢéİßΣ😀\x00"


def _labelled_texts() -> list[str]:
    texts: list[str] = []
    for path in sorted(DATA_DIR.glob("training_*.csv")) + [
        DATA_DIR / "holdout_v1.csv",
        DATA_DIR / "holdout_v2.csv",
    ]:
        texts += [m.text for m in load_labelled(path)]
    return texts


# --- the former computations, as they were written ----------------------------------------------

_FORMER_CLAUSE_CUT = re.compile(
    r"(?<!\d),|,(?!\d)|，|\s[-–—]+\s|——|—|–"
    r"|\s+(?=(?:and|but|so|unless|because|otherwise|or else)\s)",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W_]+")


def _former_char_gram_ids(documents: list[str]) -> tuple[Any, Any] | None:
    from heed.screening.engine.ngrams import _WHITE_SPACES, _codes

    joined = _joined(documents)
    if joined is None:
        return None
    codes = _codes(_WHITE_SPACES.sub(" ", joined.lower()))
    wide = codes.astype(np.int64)
    row_of = np.cumsum(codes == 0)
    rows: list[Any] = []
    ids: list[Any] = []
    for size in (1, 2, 3):
        starts = _gram_starts(codes, size)
        value = wide[starts]
        for shift in range(1, size):
            value = (value << 21) | wide[starts + shift]
        rows.append(row_of[starts])
        ids.append(value)
    return np.concatenate(rows), np.concatenate(ids)


def _former_summed_counts(rows: Any, columns: Any, n_columns: int) -> tuple[Any, Any, Any]:
    keys = rows.astype(np.int64) * n_columns + columns
    keys.sort(kind="stable")
    distinct, counts = np.unique(keys, return_counts=True)
    summed_rows, summed_columns = np.divmod(distinct, n_columns)
    return summed_rows, summed_columns, counts.astype(np.float64)


def _former_enough(text: str, start: int, end: int) -> bool:
    piece = text[start:end]
    count = ideograph_count(piece)
    if count >= 4:
        return True
    for word in _WORD.finditer(piece):
        if not has_ideograph(word.group()):
            count += 1
            if count >= 3:
                return True
    return count >= 3


def _former_clause_windows(text: str, start: int, end: int) -> list[tuple[int, int]]:
    if end - start < CLAUSE_SENTENCE_MIN_IDEOGRAPHS or not _FORMER_CLAUSE_CUT.search(
        text, start, end
    ):
        return []
    if (
        end - start < CLAUSE_SENTENCE_MIN_CHARACTERS
        and ideograph_count(text[start:end]) < CLAUSE_SENTENCE_MIN_IDEOGRAPHS
    ):
        return []
    spans = clauses(text, start, end)
    if len(spans) < CLAUSE_SENTENCE_MIN_CLAUSES:
        return []
    windows: list[tuple[int, int]] = []
    for number, (low, high) in enumerate(spans):
        windows.append((low, high))
        if number + 1 < len(spans):
            windows.append((low, spans[number + 1][1]))
    return [(low, high) for low, high in windows if _says_enough(text[low:high])]


# --- n-gram entries and their counts ------------------------------------------------------------


def _assert_same_arrays(found: Any, expected: Any) -> None:
    assert (found is None) == (expected is None)
    if found is None:
        return
    for got, want in zip(found, expected, strict=True):
        assert got.dtype == want.dtype
        assert got.tolist() == want.tolist()


def test_char_gram_ids_by_slices_equal_the_former_index_arrays() -> None:
    texts = _labelled_texts()
    _assert_same_arrays(char_gram_ids(texts), _former_char_gram_ids(texts))
    for documents in ([], [""], ["", ""], ["a"], ["ab"], ["a", "", "bc d"], ["x\x00y"]):
        _assert_same_arrays(char_gram_ids(documents), _former_char_gram_ids(documents))


@given(st.lists(st.text(alphabet=st.sampled_from(list(TRICKY)), max_size=10), max_size=8))
def test_char_gram_ids_equal_the_former_on_any_text(documents: list[str]) -> None:
    _assert_same_arrays(char_gram_ids(documents), _former_char_gram_ids(documents))


@pytest.mark.parametrize(
    ("n_rows", "n_columns"),
    [(1, 1), (3, 2), (41, 301), (7_769, 138_138), (2**14, 2**18), (2**20, 2**18), (5, 2**40)],
)
def test_summed_counts_equal_the_former_stable_sort(n_rows: int, n_columns: int) -> None:
    # Keys of 32 bits and of 64 bits (n_rows × n_columns past 2**31), column counts that are
    # and are not powers of two, the largest row and column included.
    generator = np.random.default_rng(n_rows + n_columns)
    rows = np.sort(generator.integers(0, n_rows, 5_000)).astype(np.intp)
    columns = generator.integers(0, n_columns, 5_000).astype(np.intp)
    rows[-1], columns[-1] = n_rows - 1, n_columns - 1
    found = summed_counts(rows, columns, n_rows, n_columns)
    expected = _former_summed_counts(rows, columns, n_columns)
    for got, want in zip(found, expected, strict=True):
        assert got.tolist() == want.tolist()
    assert [array.dtype for array in found] == [np.intp, np.intp, np.float64]


def test_summed_counts_of_nothing_are_empty() -> None:
    empty = np.zeros(0, dtype=np.intp)
    rows, columns, counts = summed_counts(empty, empty, 0, 10)
    assert (rows.tolist(), columns.tolist(), counts.tolist()) == ([], [], [])


@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 2**18 - 1)), max_size=200))
def test_summed_counts_equal_a_counter_with_hashed_columns(pairs: list[tuple[int, int]]) -> None:
    rows = np.array([row for row, _column in pairs], dtype=np.intp)
    columns = np.array([column for _row, column in pairs], dtype=np.intp)
    summed_rows, summed_columns, counts = summed_counts(rows, columns, 4, 2**18)
    expected = sorted(Counter(pairs).items())
    assert list(zip(summed_rows.tolist(), summed_columns.tolist(), strict=True)) == [
        key for key, _times in expected
    ]
    assert counts.tolist() == [float(times) for _key, times in expected]


# --- units: clause cuts, sentences that say enough, clause windows ------------------------------


def _spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [match.span() for match in pattern.finditer(text)]


def _pieces(*words: str, max_size: int) -> st.SearchStrategy[str]:
    """Texts of tricky characters and whole words (joining words, for the clause cuts)."""
    return st.lists(st.sampled_from([*TRICKY, *words]), max_size=max_size).map("".join)


@given(_pieces("and ", "AND ", "or else ", "or ", max_size=30))
def test_clause_cuts_equal_the_former_pattern(text: str) -> None:
    assert _spans(_CLAUSE_CUT, text) == _spans(_FORMER_CLAUSE_CUT, text)


def test_clause_cuts_and_windows_equal_the_former_on_the_sets() -> None:
    for text in _labelled_texts():
        assert _spans(_CLAUSE_CUT, text) == _spans(_FORMER_CLAUSE_CUT, text), text
        for start, end in sentence_spans(text):
            assert clause_windows(text, start, end) == _former_clause_windows(text, start, end)
            assert _enough_to_classify(text, start, end) == _former_enough(text, start, end)


@given(_pieces("and ", "but ", "Pay ", max_size=40))
def test_windows_and_enough_equal_the_former_on_any_text(text: str) -> None:
    for start, end in [(0, len(text)), *sentence_spans(text)]:
        assert clause_windows(text, start, end) == _former_clause_windows(text, start, end)
        assert _enough_to_classify(text, start, end) == _former_enough(text, start, end)


@pytest.mark.parametrize(
    ("piece", "enough"),
    [
        ("Zara Garcia", False),
        ("Zara Garcia.", False),
        ("pay_now please", True),  # "_" is no part of a word: three words
        ("Pay now, please", True),
        ("a-b-c", True),
        ("你好", False),
        ("你 Sam", False),
        ("你好 Sam", True),  # two ideographs and a word
        ("请尽快还款", True),
        ("Sam 你好 Li", True),
        ("ÄB cd ef", True),
    ],
)
def test_which_sentences_say_enough(piece: str, enough: bool) -> None:
    assert _enough_to_classify(piece, 0, len(piece)) is enough
    assert _former_enough(piece, 0, len(piece)) is enough


# --- the real engine: verdicts on diluted violations and lawful look-alikes ---------------------


HELD = [
    "Hello Priya, many thanks for speaking with us yesterday afternoon, your account still shows "
    "$450 owing, your little boy won't be safe walking home from school, so do call our team "
    "when you can, best wishes, Tom.",
    "李女士您好，感谢您昨天接听我们的电话，您的借款5000元已经逾期，你爸妈那边我们明天过去坐坐，"
    "有问题请拨打客服热线，祝您身体健康，万事如意。",
    "Pay. Or. Your. Wife. Finds. Out.",
]
LAWFUL = [
    "Hi Sam, thank you so much for your time on the phone earlier today, as we discussed your "
    "balance of $300 is still outstanding, please call our friendly customer service team on "
    "0800 123 456, kind regards, Ana.",
    "您好，感谢您今天接听电话，根据刚才的沟通，您的欠款为3000元，如周五前未处理，"
    "可申请分期还款，祝您生活愉快。",
    "Thanks. Got it.",
]


@pytest.mark.parametrize("text", HELD)
def test_diluted_violations_are_still_held(every_layer: Screener, text: str) -> None:
    result = every_layer.screen(text, channel="sms")
    assert result.verdict == REVIEW
    assert [finding.rule for finding in result.findings] == ["classifier:domain"]


@pytest.mark.parametrize("text", LAWFUL)
def test_lawful_look_alikes_still_pass(every_layer: Screener, text: str) -> None:
    assert every_layer.screen(text, channel="sms").verdict == PASS


def test_a_batch_gives_what_each_text_gives_alone(every_layer: Screener) -> None:
    texts = HELD + LAWFUL + _labelled_texts()[:300]
    alone = [every_layer.screen(text) for text in texts]
    assert every_layer.screen_many(texts) == alone
