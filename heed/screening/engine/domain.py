"""A small in-domain classifier: collection messages → category (or lawful), as a *review* layer.

Trained at start-up (well under a second) from the labelled collection messages in
``heed/screening/data/`` — by default every set except ``holdout_v3.csv``, which stays unseen so
its numbers measure generalisation honestly. Features are character 1–3-grams of the normalised
views, so evasions look like the plain phrase. It never blocks: it catches paraphrases the phrase
lexicon misses and asks a person to look.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Any

from heed.screening.engine.evaluation import LabelledMessage
from heed.screening.engine.ngrams import char_wb_ngram_counts
from heed.screening.engine.normalize import build_views

LAWFUL = "ok"


def features(text: str) -> str:
    views = build_views(text)
    return f"{views.cjk.text} | {views.latin.text}"


@dataclass
class DomainClassifier:
    vectorizer: Any
    model: Any

    def __post_init__(self) -> None:
        # The fitted model as plain arrays, so predicting needs none of scikit-learn's per-call
        # input validation (which cost more than the arithmetic): the same n-grams, vocabulary,
        # idf, weights and softmax, so the same probabilities (checked in the tests).
        import numpy as np

        self._vocabulary: dict[str, int] = dict(self.vectorizer.vocabulary_)
        self._idf = np.asarray(self.vectorizer.idf_, dtype=np.float64)
        self._weights = np.ascontiguousarray(np.asarray(self.model.coef_, dtype=np.float64).T)
        self._intercept = np.asarray(self.model.intercept_, dtype=np.float64)
        classes = [str(c) for c in self.model.classes_]
        self._classes = classes
        self._lawful = classes.index(LAWFUL)
        vectorizer = self.vectorizer
        self._fast = (
            len(classes) > 2
            and vectorizer.analyzer == "char_wb"
            and tuple(vectorizer.ngram_range) == (1, 3)
            and vectorizer.lowercase
            and not vectorizer.strip_accents
            and vectorizer.preprocessor is None
            and vectorizer.sublinear_tf
            and vectorizer.norm == "l2"
            and vectorizer.use_idf
        )

    def _probabilities(self, texts: Sequence[str]) -> Any:
        import numpy as np

        if not self._fast:
            return self.model.predict_proba(self.vectorizer.transform([features(t) for t in texts]))
        vocabulary_get = self._vocabulary.get
        column_parts: list[Any] = []
        count_parts: list[Any] = []
        lengths: list[int] = []
        for text in texts:
            grams = char_wb_ngram_counts(features(text))
            size = len(grams)
            column_parts.append(
                np.fromiter(map(vocabulary_get, grams, repeat(-1)), dtype=np.intp, count=size)
            )
            count_parts.append(np.fromiter(grams.values(), dtype=np.float64, count=size))
            lengths.append(size)
        columns = np.concatenate(column_parts)
        counts = np.concatenate(count_parts)
        rows = np.repeat(np.arange(len(texts), dtype=np.intp), lengths)
        known = columns >= 0
        columns, counts, rows = columns[known], counts[known], rows[known]
        decision = np.zeros((len(texts), self._weights.shape[1]), dtype=np.float64)
        if len(columns):
            values = (1.0 + np.log(counts)) * self._idf[columns]
            norms = np.sqrt(np.bincount(rows, weights=values * values, minlength=len(texts)))
            values /= norms[rows]
            present, first = np.unique(rows, return_index=True)
            decision[present] = np.add.reduceat(
                self._weights[columns] * values[:, None], first, axis=0
            )
        decision += self._intercept
        decision -= decision.max(axis=1, keepdims=True)
        np.exp(decision, out=decision)
        decision /= decision.sum(axis=1, keepdims=True)
        return decision

    def predict(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        """For each text: the most likely prohibited category and P(not lawful)."""
        if not texts:
            return []
        probabilities = self._probabilities(texts)
        classes = self._classes
        lawful = self._lawful
        results: list[tuple[str, float]] = []
        for row in probabilities:
            best = max(
                (index for index in range(len(classes)) if index != lawful),
                key=lambda index: row[index],
            )
            results.append((classes[best], float(1.0 - row[lawful])))
        return results


def train_domain(
    messages: Iterable[LabelledMessage], *, regularisation: float = 20.0
) -> DomainClassifier:
    """Fit on labelled messages; a violating message's label is its first category."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    items = list(messages)
    labels = [
        sorted(m.categories, key=lambda c: int(c[1:]))[0]
        if m.is_violating and m.categories
        else LAWFUL
        for m in items
    ]
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True)
    matrix = vectorizer.fit_transform([features(m.text) for m in items])
    # newton-cg: the same optimum as lbfgs, but a fraction of a second on this small problem.
    model = LogisticRegression(C=regularisation, max_iter=3000, solver="newton-cg")
    with threadpool_limits(1):  # BLAS threads only oversubscribe a shared machine here
        model.fit(matrix, labels)
    return DomainClassifier(vectorizer, model)
