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

from heed.screening.engine.ngrams import char_ngram_counts

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
        """P(offensive) per text. Counts and hashes the character n-grams itself (the same
        n-grams and murmurhash3 as scikit-learn's ``HashingVectorizer``, so the same features)
        instead of calling ``transform``, whose per-call input validation cost more than the
        scoring; all texts are then scored in one pass of array operations."""
        if not texts:
            return []
        index = _GRAM_INDEX
        column_parts: list[Any] = []
        count_parts: list[Any] = []
        lengths: list[int] = []
        for text in texts:
            grams = char_ngram_counts(text)
            for gram in set(grams).difference(index):
                _gram_index(gram)
            size = len(grams)
            column_parts.append(np.fromiter(map(index.__getitem__, grams), np.intp, size))
            count_parts.append(np.fromiter(grams.values(), np.float64, size))
            lengths.append(size)
        count = len(texts)
        rows = np.repeat(np.arange(count, dtype=np.intp), lengths)
        columns = np.concatenate(column_parts)
        counts = np.concatenate(count_parts)
        # Two n-grams of one text may hash to the same column: add their counts first.
        keys, inverse = np.unique(rows * N_FEATURES + columns, return_inverse=True)
        counts = np.bincount(inverse.ravel(), weights=counts)
        rows, columns = keys // N_FEATURES, keys % N_FEATURES
        values = 1.0 + np.log(counts)  # sublinear tf
        weighted = values * self.idf[columns]
        norms = np.sqrt(np.bincount(rows, weights=weighted * weighted, minlength=count))
        norms[norms == 0.0] = 1.0
        dots = np.bincount(rows, weights=values * self.weights[columns], minlength=count)
        logits = dots / norms + self.intercept
        return [float(p) for p in 1.0 / (1.0 + np.exp(-logits))]

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
