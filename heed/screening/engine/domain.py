"""A small in-domain classifier: collection messages → category (or lawful), as a *review* layer.

Trained (about 20 s on 5,100 messages; then kept in ``VAR_DIR/cache``, see selectors) from the
labelled collection messages in ``heed/screening/data/`` — by default every set except the
held-out ones (``holdout_v3.csv`` to ``holdout_v24.csv``), which stay unseen so their numbers
measure generalisation honestly.
Features are the character 1–3-grams of the text as written (lower-cased; scikit-learn's
``char`` analyzer, the same n-grams the COLD classifier hashes). It never blocks: it catches
paraphrases the phrase lexicon misses and asks a person to look; evasions (spacing,
look-alikes, traditional characters, pinyin) are the lexicon layers' job, on the normalised
views.

The screener classifies a text sentence by sentence, but the messages are labelled whole. So the
model is fitted twice: on the messages, then again with sentence examples added
(``sentence_examples``): every sentence of a multi-sentence lawful message as lawful, and the
two sentences of a multi-sentence violating message that the first fit finds most like its
label. Five-fold cross-validation over training_v2–v10 (lexicon of 2026-11-29, so the wording
is new to it): whole messages only, threshold 0.65, flagged 1,488 of 1,697 violating messages
and held 235 of 1,699 lawful ones; with sentence examples, threshold 0.60, 1,501 and 213.

Until 2026-11 it read character 1–3-grams of the normalised views (``view_features``,
``analyzer="char_wb"``); on the raw text it scores as well or better on every labelled set
(labelled_v1 100 % / 0 FP, holdout_v1 and v2 100 % / 0 FP, holdout_v3 56 % / 3 of 30 FP against
52 % / 3 of 30) and needs no view building per sentence, which was most of its cost. A model
trained on the views (``train_domain(..., analyzer="char_wb")``) still works.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from heed.screening.engine.evaluation import LabelledMessage
from heed.screening.engine.ngrams import (
    ARRAY_MIN_CHARACTERS,
    IdTable,
    char_gram_ids,
    char_ngram_counts,
    char_wb_gram_ids,
    char_wb_ngram_counts,
    gram_id,
    row_products,
    summed_counts,
)
from heed.screening.engine.normalize import view_texts, view_texts_many

LAWFUL = "ok"


# The analyzer a model is trained with: "char" on the text itself (the default), or "char_wb" on
# the normalised views (``view_features``, the earlier model).
ANALYZERS: tuple[str, ...] = ("char", "char_wb")


def features(text: str) -> str:
    """What a ``char`` model reads of a text: the text itself."""
    return text


def view_features(text: str) -> str:
    """What a ``char_wb`` model reads of a text: its CJK and Latin views."""
    cjk, latin = view_texts(text)
    return f"{cjk} | {latin}"


@dataclass
class DomainClassifier:
    vectorizer: Any
    model: Any

    def __post_init__(self) -> None:
        # The fitted model as plain arrays, so predicting needs none of scikit-learn's per-call
        # input validation (which cost more than the arithmetic): the same n-grams, vocabulary,
        # idf, weights and softmax, so the same probabilities (checked in the tests).
        import numpy as np

        if self.vectorizer is None:  # built from saved arrays (from_arrays)
            return
        vocabulary: dict[str, int] = dict(self.vectorizer.vocabulary_)
        # The vocabulary as sorted n-gram ids (see ngrams.gram_id) and their columns.
        ids = np.array([gram_id(gram) for gram in vocabulary], dtype=np.int64)
        order = np.argsort(ids)
        self._vocabulary_ids = ids[order]
        self._vocabulary_columns = np.array(list(vocabulary.values()), dtype=np.intp)[order]
        self._vocabulary_table = IdTable(self._vocabulary_ids)
        self._idf = np.asarray(self.vectorizer.idf_, dtype=np.float64)
        self._weights = np.ascontiguousarray(np.asarray(self.model.coef_, dtype=np.float64).T)
        self._intercept = np.asarray(self.model.intercept_, dtype=np.float64)
        classes = [str(c) for c in self.model.classes_]
        self._classes = classes
        self._lawful = classes.index(LAWFUL)
        vectorizer = self.vectorizer
        self._on_views = vectorizer.analyzer == "char_wb"
        self._fast = (
            len(classes) > 2
            and vectorizer.analyzer in ANALYZERS
            and tuple(vectorizer.ngram_range) == (1, 3)
            and vectorizer.lowercase
            and not vectorizer.strip_accents
            and vectorizer.preprocessor is None
            and vectorizer.sublinear_tf
            and vectorizer.norm == "l2"
            and vectorizer.use_idf
        )

    @property
    def savable(self) -> bool:
        """Whether the arrays alone predict (the fast path): only such a model is saved."""
        return self._fast

    def arrays(self) -> dict[str, Any]:
        """What :meth:`from_arrays` needs, as plain arrays (no pickle)."""
        import numpy as np

        return {
            "ids": self._vocabulary_ids,
            "columns": self._vocabulary_columns,
            "idf": self._idf,
            "weights": self._weights,
            "intercept": self._intercept,
            "classes": np.array(self._classes),
            "on_views": np.array(self._on_views),
        }

    @classmethod
    def from_arrays(cls, arrays: Any) -> DomainClassifier:
        """A classifier from :meth:`arrays` (an ``np.load`` result will do): the same
        probabilities as the model they were taken from, without scikit-learn."""
        import numpy as np

        classifier = cls(None, None)
        ids = np.asarray(arrays["ids"], dtype=np.int64)
        classifier._vocabulary_ids = ids
        classifier._vocabulary_columns = np.asarray(arrays["columns"], dtype=np.intp)
        classifier._vocabulary_table = IdTable(ids)
        classifier._idf = np.asarray(arrays["idf"], dtype=np.float64)
        classifier._weights = np.ascontiguousarray(np.asarray(arrays["weights"], dtype=np.float64))
        classifier._intercept = np.asarray(arrays["intercept"], dtype=np.float64)
        classifier._classes = [str(c) for c in arrays["classes"]]
        classifier._lawful = classifier._classes.index(LAWFUL)
        classifier._on_views = bool(arrays["on_views"])
        classifier._fast = True
        return classifier

    def _probabilities(self, texts: Sequence[str]) -> Any:
        import numpy as np

        read = view_features if self._on_views else features
        if not self._fast:
            return self.model.predict_proba(self.vectorizer.transform([read(t) for t in texts]))
        count = len(texts)
        found = None
        if self._on_views:
            # view_features(text), but with one space after "|" (the Latin view starts with
            # one): the same words, so the same n-grams, and only single spaces (faster).
            documents = [f"{cjk} |{latin}" for cjk, latin in view_texts_many(texts)]
            if sum(map(len, documents)) >= ARRAY_MIN_CHARACTERS:  # else text by text (the same)
                found = char_wb_gram_ids(documents)
        else:
            documents = list(texts)
            if sum(map(len, documents)) >= ARRAY_MIN_CHARACTERS:
                found = char_gram_ids(documents)
        if found is None:
            found = _counted_ids(documents, on_views=self._on_views)
        rows, ids = found
        # Vocabulary n-grams only (as the vectorizer); each text's counts summed per n-gram.
        known, position = self._vocabulary_table.positions(ids)
        rows, positions, tf = summed_counts(
            rows[known], position[known], count, len(self._vocabulary_ids)
        )
        columns = self._vocabulary_columns[positions]
        values = (1.0 + np.log(tf)) * self._idf[columns]
        norms = np.sqrt(np.bincount(rows, weights=values * values, minlength=count))
        values /= np.where(norms == 0.0, 1.0, norms)[rows]
        decision = row_products(rows, columns, values, self._weights, count)
        decision += self._intercept
        decision -= decision.max(axis=1, keepdims=True)
        np.exp(decision, out=decision)
        decision /= decision.sum(axis=1, keepdims=True)
        return decision

    def predict(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        """For each text: the most likely prohibited category and P(not lawful)."""
        import numpy as np

        if not texts:
            return []
        probabilities = self._probabilities(texts)
        classes = self._classes
        lawful = self._lawful
        others = probabilities.copy()
        others[:, lawful] = -np.inf
        best = np.argmax(others, axis=1).tolist()  # the first of equal maxima, as max() picks
        not_lawful = (1.0 - probabilities[:, lawful]).tolist()
        return [(classes[b], p) for b, p in zip(best, not_lawful, strict=True)]


def _counted_ids(documents: list[str], *, on_views: bool) -> tuple[Any, Any]:
    """``(rows, ids)`` document by document (few or short documents, or documents that cannot
    be joined)."""
    import numpy as np

    rows: list[int] = []
    ids: list[int] = []
    count = char_wb_ngram_counts if on_views else char_ngram_counts
    for row, document in enumerate(documents):
        for gram, times in count(document).items():
            rows.extend([row] * times)
            ids.extend([gram_id(gram)] * times)
    return np.asarray(rows, dtype=np.intp), np.asarray(ids, dtype=np.int64)


DEFAULT_REGULARISATION = 20.0
# Part of the fingerprint: raise it whenever train_domain or the features change, so a model
# saved by earlier code is not loaded.
MODEL_FORMAT = 2
# Sentences of a violating message added with its label (sentence_examples).
SENTENCES_PER_MESSAGE = 2


def training_fingerprint(
    messages: Iterable[LabelledMessage],
    *,
    regularisation: float = DEFAULT_REGULARISATION,
    analyzer: str = "char",
    sentences: bool = True,
) -> str:
    """What a trained model depends on: the messages' texts and labels, the settings, the
    scikit-learn version and ``MODEL_FORMAT`` (a saved model is reused only for the same
    fingerprint)."""
    import hashlib

    import sklearn

    digest = hashlib.sha256(
        f"{MODEL_FORMAT}|{sklearn.__version__}|{regularisation}|{analyzer}|{sentences}|".encode()
    )
    for m in messages:
        categories = ";".join(sorted(m.categories))
        digest.update(f"{m.expected}|{categories}|{m.text}\n".encode())
    return digest.hexdigest()[:24]


def _label(message: LabelledMessage) -> str:
    """A violating message's label is its first category; a lawful one's is ``LAWFUL``."""
    if message.is_violating and message.categories:
        return sorted(message.categories, key=lambda c: int(c[1:]))[0]
    return LAWFUL


def _classified_sentences(text: str) -> list[str]:
    """The sentences of ``text`` that say enough for the classifier to judge (as the screener
    picks them). A call transcript's customer lines are kept: as lawful examples they help
    (five-fold cross-validation: 12 fewer false holds without them left out)."""
    from heed.screening.engine.screener import _enough_to_classify, sentence_spans

    return [
        text[start:end]
        for start, end in sentence_spans(text)
        if _enough_to_classify(text, start, end)
    ]


def sentence_examples(
    items: Sequence[LabelledMessage],
    first: DomainClassifier,
    *,
    strongest: int = SENTENCES_PER_MESSAGE,
) -> tuple[list[str], list[str]]:
    """Sentence-level examples from messages of two or more classified sentences: every sentence
    of a lawful message as lawful, and the ``strongest`` sentences of a violating message (by
    ``first``'s probability of the message's label) with its label. The screener classifies
    sentences, while the messages are labelled whole: without these, a lawful sentence of a
    long text ("Is that right?") could score high for a category it shares words with."""
    import numpy as np

    seen = {m.text for m in items}
    texts: list[str] = []
    labels: list[str] = []
    classes = list(first._classes)
    for message in items:
        sentences = _classified_sentences(message.text)
        if len(sentences) < 2:
            continue
        label = _label(message)
        if label == LAWFUL:
            chosen = sentences
        else:
            scores = first._probabilities(sentences)[:, classes.index(label)]
            order = np.argsort(-scores, kind="stable")[:strongest]
            chosen = [sentences[number] for number in order.tolist()]
        for sentence in chosen:
            if sentence not in seen:
                seen.add(sentence)
                texts.append(sentence)
                labels.append(label)
    return texts, labels


def train_domain(
    messages: Iterable[LabelledMessage],
    *,
    regularisation: float = DEFAULT_REGULARISATION,
    analyzer: str = "char",
    sentences: bool = True,
) -> DomainClassifier:
    """Fit on labelled messages; a violating message's label is its first category.
    ``analyzer``: "char" (the text itself) or "char_wb" (its views, the earlier model).
    ``sentences``: fit a second time with :func:`sentence_examples` added (the default)."""
    if analyzer not in ANALYZERS:
        raise ValueError(f"unknown analyzer {analyzer!r}")
    items = list(messages)
    texts = [m.text for m in items]
    labels = [_label(m) for m in items]
    model = _fit(texts, labels, regularisation, analyzer)
    if not sentences:
        return model
    extra_texts, extra_labels = sentence_examples(items, model)
    return _fit(texts + extra_texts, labels + extra_labels, regularisation, analyzer)


def _fit(
    texts: list[str], labels: list[str], regularisation: float, analyzer: str
) -> DomainClassifier:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    vectorizer = TfidfVectorizer(analyzer=analyzer, ngram_range=(1, 3), sublinear_tf=True)
    read = view_features if analyzer == "char_wb" else features
    matrix = vectorizer.fit_transform([read(text) for text in texts])
    # newton-cg: the same optimum as lbfgs, but a fraction of a second on this small problem.
    model = LogisticRegression(C=regularisation, max_iter=3000, solver="newton-cg")
    with threadpool_limits(1):  # BLAS threads only oversubscribe a shared machine here
        model.fit(matrix, labels)
    return DomainClassifier(vectorizer, model)
