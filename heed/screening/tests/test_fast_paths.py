"""The speed-ups compute exactly what the straightforward code computed: n-gram counts equal
scikit-learn's analyzers, the classifiers' fast scoring equals scikit-learn's, and a lexicon
pattern is skipped only when it cannot match."""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from heed.screening.engine.anchors import pattern_anchors
from heed.screening.engine.classifier import _vectorizer
from heed.screening.engine.domain import features, train_domain
from heed.screening.engine.evaluation import DATA_DIR, load_labelled, training_messages
from heed.screening.engine.lexicon import load_lexicon
from heed.screening.engine.ngrams import char_ngram_counts, char_wb_ngram_counts
from heed.screening.engine.normalize import build_views

SAMPLES = [
    "",
    " ",
    "a",
    "a b",
    "a\nb\tc  d",
    "  x  ",
    "ÄB cd\n\nE",
    "你就是個老賴！",
    "s h i t, you b!tch",
    "请于2026-12-01前通过官方APP还款。",
    "We will sue you. Reply STOP to opt out.",
]


def labelled_texts() -> list[str]:
    texts = list(SAMPLES)
    for path in sorted(DATA_DIR.glob("*.csv")):
        texts += [m.text for m in load_labelled(path)]
    return texts


def test_ngram_counts_equal_sklearn_analyzers() -> None:
    char_wb = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3)).build_analyzer()
    char = _vectorizer().build_analyzer()
    for text in labelled_texts():
        for document in (text, features(text)):
            assert char_wb_ngram_counts(document) == Counter(char_wb(document)), document
            assert char_ngram_counts(document) == Counter(char(document)), document


def test_domain_fast_probabilities_equal_sklearn() -> None:
    domain = train_domain(training_messages())
    texts = labelled_texts()
    expected = domain.model.predict_proba(domain.vectorizer.transform([features(t) for t in texts]))
    assert np.allclose(domain._probabilities(texts), expected, rtol=0, atol=1e-12)


def test_cold_fast_scores_equal_sklearn() -> None:
    from heed.screening.engine.classifier import ColdClassifier
    from heed.screening.selectors import CLASSIFIER_PATH

    if not CLASSIFIER_PATH.exists():
        pytest.skip("no shipped COLD model")
    model = ColdClassifier.load(CLASSIFIER_PATH)
    texts = labelled_texts()
    counts = _vectorizer().transform(texts).tocsr()
    counts.data = 1.0 + np.log(counts.data)
    expected = []
    for row in range(counts.shape[0]):
        start, end = counts.indptr[row], counts.indptr[row + 1]
        columns, values = counts.indices[start:end], counts.data[start:end]
        norm = float(np.sqrt(np.sum((values * model.idf[columns]) ** 2))) or 1.0
        logit = float(np.dot(values, model.weights[columns])) / norm + model.intercept
        expected.append(1.0 / (1.0 + np.exp(-logit)))
    assert np.allclose(model.scores(texts), expected, rtol=0, atol=1e-12)


def test_pattern_anchors() -> None:
    assert pattern_anchors(re.compile(r"\b(i|we)(\x27ll| will)\s+hurt\b")) == {"i", "we"}
    assert pattern_anchors(re.compile(r"(弄|搞|打)(死|残)")) == {"弄", "搞", "打"}
    assert pattern_anchors(re.compile(r"教训(一下)?你")) == {"教训"}
    assert pattern_anchors(re.compile(r"(a|)b")) is None
    assert pattern_anchors(re.compile(r"\b\d+ fee")) is None
    assert pattern_anchors(re.compile(r"x?y")) is None


def test_every_pattern_match_starts_with_an_anchor() -> None:
    lexicon = load_lexicon()
    matched = 0
    for text in labelled_texts():
        views = build_views(text)
        for (pattern, entry), anchors in zip(
            lexicon.patterns, lexicon.pattern_anchors, strict=True
        ):
            view = views.cjk.text if entry.language == "zh" else views.latin.text
            for match in pattern.finditer(view):
                matched += 1
                assert anchors is None or view.startswith(tuple(anchors), match.start())
    assert matched > 100
