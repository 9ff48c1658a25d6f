"""An optional insult/abuse classifier layer trained on COLD (Deng et al., EMNLP 2022, Apache-2.0).

Character 1–3-grams, hashed (no vocabulary to ship), sublinear TF-IDF, logistic regression. The
model is trained here from ``../shared/data/cold/train.csv`` + ``dev.csv`` (never ``test.csv``)
and saved as a plain ``.npz`` of numbers (weights, idf, intercept) — no pickle, nothing
downloaded. It only ever asks for *review*: COLD is social-media text, not collection talk.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.utils import murmurhash3_32

from heed.screening.engine.ngrams import (
    ARRAY_MIN_CHARACTERS,
    char_hashed_columns,
    char_ngram_counts,
    summed_counts,
)

N_FEATURES = 2**18
NGRAMS = (1, 3)


@lru_cache(maxsize=1)
def _vectorizer() -> HashingVectorizer:
    return HashingVectorizer(
        analyzer="char",
        ngram_range=NGRAMS,
        n_features=N_FEATURES,
        alternate_sign=False,
        norm=None,
    )


# n-gram → hashed column, remembered (bounded: cleared when it grows past _GRAM_INDEX_MAX).
_GRAM_INDEX: dict[str, int] = {}
_GRAM_INDEX_MAX = 500_000


def _gram_index(gram: str) -> int:
    if len(_GRAM_INDEX) >= _GRAM_INDEX_MAX:
        _GRAM_INDEX.clear()
    column = abs(int(murmurhash3_32(gram, seed=0))) % N_FEATURES
    _GRAM_INDEX[gram] = column
    return column


def _counted_columns(texts: Sequence[str]) -> tuple[Any, Any]:
    """``(rows, columns)`` text by text (when the texts cannot be joined)."""
    rows: list[int] = []
    columns: list[int] = []
    index = _GRAM_INDEX
    for row, text in enumerate(texts):
        for gram, times in char_ngram_counts(text).items():
            column = index.get(gram)
            if column is None:
                column = _gram_index(gram)
            rows.extend([row] * times)
            columns.extend([column] * times)
    return np.asarray(rows, dtype=np.intp), np.asarray(columns, dtype=np.intp)


def read_cold(path: Path) -> tuple[list[str], list[int]]:
    """Texts and binary labels (1 offensive) of one COLD split."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [row["TEXT"] for row in rows], [int(row["label"]) for row in rows]


@dataclass(frozen=True)
class ColdClassifier:
    weights: Any  # np.ndarray[float32], one weight per hashed feature (already × idf)
    idf: Any  # np.ndarray[float32]
    intercept: float

    def scores(self, texts: Sequence[str]) -> list[float]:
        """P(offensive) per text. The character n-grams are found and hashed with array
        operations over all texts at once (the same n-grams and murmurhash3 as scikit-learn's
        ``HashingVectorizer``, so the same features) instead of calling ``transform``; all texts
        are then scored in one pass of array operations."""
        if not texts:
            return []
        count = len(texts)
        # Array operations have a fixed cost that only pays off on some text; a few short texts
        # are counted text by text. Both give the same entries, so the same scores.
        found = None
        if sum(map(len, texts)) >= ARRAY_MIN_CHARACTERS:
            found = char_hashed_columns(list(texts), N_FEATURES)
        if found is None:
            found = _counted_columns(texts)
        # Two n-grams of one text may hash to the same column: add their counts first.
        rows, columns, counts = summed_counts(*found, count, N_FEATURES)
        values = 1.0 + np.log(counts)  # sublinear tf
        weighted = values * self.idf[columns]
        norms = np.sqrt(np.bincount(rows, weights=weighted * weighted, minlength=count))
        norms[norms == 0.0] = 1.0
        dots = np.bincount(rows, weights=values * self.weights[columns], minlength=count)
        logits = dots / norms + self.intercept
        scores: list[float] = (1.0 / (1.0 + np.exp(-logits))).tolist()  # Python floats
        return scores

    def score(self, text: str) -> float:
        return self.scores([text])[0]

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            path,
            weights=self.weights.astype(np.float32),
            idf=self.idf.astype(np.float32),
            intercept=np.array([self.intercept], dtype=np.float64),
            n_features=np.array([N_FEATURES]),
        )

    @classmethod
    def load(cls, path: Path) -> ColdClassifier:
        with np.load(path, allow_pickle=False) as data:
            if int(data["n_features"][0]) != N_FEATURES:
                raise ValueError("model was trained with another feature size")
            return cls(data["weights"], data["idf"], float(data["intercept"][0]))


def train(
    texts: Sequence[str], labels: Sequence[int], *, regularisation: float = 1.0
) -> ColdClassifier:
    """Fit on the given texts (COLD train + dev)."""
    from sklearn.feature_extraction.text import TfidfTransformer
    from sklearn.linear_model import LogisticRegression

    counts = _vectorizer().transform(list(texts))
    tfidf = TfidfTransformer(sublinear_tf=True)
    features = tfidf.fit_transform(counts)
    model = LogisticRegression(C=regularisation, max_iter=2000)
    model.fit(features, list(labels))
    idf = tfidf.idf_.astype(np.float64)
    weights = model.coef_[0] * idf
    return ColdClassifier(weights, idf, float(model.intercept_[0]))


def train_from_cold(cold_dir: Path) -> ColdClassifier:
    train_texts, train_labels = read_cold(cold_dir / "train.csv")
    dev_texts, dev_labels = read_cold(cold_dir / "dev.csv")
    return train(train_texts + dev_texts, train_labels + dev_labels)
