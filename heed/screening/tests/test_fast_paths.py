"""The speed-ups compute exactly what the straightforward code computed: n-gram counts equal
scikit-learn's analyzers, the classifiers' fast scoring equals scikit-learn's, and a lexicon
pattern is skipped only when it cannot match."""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
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


# --- the whole-string and array fast paths equal the reference algorithms ---------------------

TRICKY = "abcsxyz 0134579'*@$!|-._~+\n,?.。！？，：；（）\u3000你好老赖還錢您著ＡＢé\u0301İßΣﬁ①’`"


def long_texts() -> list[str]:
    """Labelled messages joined into call-transcript-sized texts (the array paths' domain)."""
    texts = labelled_texts()
    return ["\n".join(texts[start : start + 40]) for start in range(0, len(texts), 40)]


def test_latin_view_text_equals_the_reference_tokenizer() -> None:
    from heed.screening.engine.normalize import _folded, _latin_view_full, latin_view_text

    for text in labelled_texts() + long_texts():
        folded = _folded(text)
        assert latin_view_text(folded.text) == _latin_view_full(text, folded).text, text


@given(st.text(alphabet=st.sampled_from(list(TRICKY)), max_size=40))
def test_latin_view_text_equals_the_reference_on_evasions(text: str) -> None:
    from heed.screening.engine.normalize import _folded, _latin_view_full, latin_view_text

    folded = _folded(text)
    assert latin_view_text(folded.text) == _latin_view_full(text, folded).text


@given(st.text(alphabet=st.sampled_from(list(TRICKY)), min_size=250, max_size=600))
def test_array_offsets_equal_the_loops(text: str) -> None:
    from heed.screening.engine import normalize

    folded = normalize._folded(text)
    views = build_views(text)
    reference = normalize._latin_view_full(text, folded)
    assert views.latin.starts == reference.starts
    assert views.latin.ends == reference.ends
    assert views.latin.soft == reference.soft
    starts: list[int] = []
    for match in normalize._CJK_KEEP.finditer(folded.text):
        starts.extend(folded.index[match.start() : match.end()])
    assert views.cjk.starts == tuple(starts)
    assert views.cjk.ends == tuple(start + 1 for start in starts)
    table = normalize._PINYIN_TABLE
    pinyin = views.pinyin
    expected = []
    total = 0
    for char in pinyin.source:
        total += len(table.get(ord(char), char))
        expected.append(total)
    assert pinyin._unit_ends() == expected


def test_array_offsets_equal_the_loops_on_transcripts() -> None:
    from heed.screening.engine import normalize

    for text in long_texts():
        folded = normalize._folded(text)
        latin = build_views(text).latin
        reference = normalize._latin_view_full(text, folded)
        assert (latin.starts, latin.ends, latin.soft) == (
            reference.starts,
            reference.ends,
            reference.soft,
        )


@given(st.text(alphabet=st.sampled_from(list(TRICKY) + [" ", "."]), min_size=250, max_size=500))
def test_sentence_cuts_with_arrays_equal_the_regular_expressions(text: str) -> None:
    from heed.screening.engine.screener import _CLAUSE_END, _SENTENCE_END, _Cuts

    for pattern in (_SENTENCE_END, _CLAUSE_END):
        assert _Cuts(text, pattern).starts == [m.start() for m in pattern.finditer(text)]
        assert _Cuts(text, pattern).ends == [m.end() for m in pattern.finditer(text)]


def test_view_texts_of_many_equal_one_by_one() -> None:
    from heed.screening.engine.normalize import view_texts, view_texts_many
    from heed.screening.engine.screener import sentence_spans

    pieces = [text[a:b] for text in labelled_texts() for a, b in sentence_spans(text)]
    pieces += ["老賴…", "ｓｂ", "İstanbul", "ﬁne", "", " "]
    assert view_texts_many(pieces) == [view_texts(piece) for piece in pieces]
    plain = [piece for piece in pieces if "…" not in piece and "ﬁ" not in piece]
    assert view_texts_many(plain) == [view_texts(piece) for piece in plain]


def _per_document(rows: np.ndarray, keys: np.ndarray) -> dict[int, Counter[int]]:
    found: dict[int, Counter[int]] = {}
    for row, key in zip(rows.tolist(), keys.tolist(), strict=True):
        found.setdefault(row, Counter())[key] += 1
    return found


def _check_array_ngrams(documents: list[str]) -> None:
    from sklearn.utils import murmurhash3_32

    from heed.screening.engine.classifier import N_FEATURES
    from heed.screening.engine.ngrams import char_hashed_columns, char_wb_gram_ids, gram_id

    hashed = char_hashed_columns(documents, N_FEATURES)
    identified = char_wb_gram_ids(documents)
    assert hashed is not None and identified is not None
    columns = _per_document(*hashed)
    ids = _per_document(*identified)
    for row, document in enumerate(documents):
        expected: Counter[int] = Counter()
        for gram, times in char_ngram_counts(document).items():
            expected[abs(int(murmurhash3_32(gram, seed=0))) % N_FEATURES] += times
        assert columns.get(row, Counter()) == expected, document
        expected_ids = Counter(
            {gram_id(gram): times for gram, times in char_wb_ngram_counts(document).items()}
        )
        assert ids.get(row, Counter()) == expected_ids, document


def test_array_ngrams_equal_the_counters() -> None:
    from heed.screening.engine.normalize import view_texts

    texts = labelled_texts()
    _check_array_ngrams(texts + [features(text) for text in texts])
    # The domain classifier's documents: single spaces only (the faster path), and the same
    # n-grams as features() gives.
    documents = [f"{cjk} |{latin}" for cjk, latin in map(view_texts, texts)]
    _check_array_ngrams(documents)
    for text, document in zip(texts, documents, strict=True):
        assert char_wb_ngram_counts(document) == char_wb_ngram_counts(features(text))


@given(st.lists(st.text(alphabet=st.sampled_from(list(TRICKY) + ["\t", "😀"]), max_size=12)))
def test_array_ngrams_equal_the_counters_on_any_text(documents: list[str]) -> None:
    _check_array_ngrams(documents)


def test_required_literals() -> None:
    from heed.screening.engine.anchors import required_literals

    groups = required_literals(re.compile(r"(你|你的)(女儿|儿子).{0,12}(安全|小心)x+"))
    assert groups == [{"你"}, {"女儿", "儿子"}, {"安全", "小心"}, {"x"}]
    assert required_literals(re.compile(r"(中级|高级)?人民法院")) == [{"人民法院"}]
    assert required_literals(re.compile(r"\b\d+\s+(fee|surcharge)s?\b")) == [{"fee", "surcharge"}]
    assert required_literals(re.compile(r"(a|)b?")) == []
    assert required_literals(re.compile(r"(?i)abc")) == []


def test_every_pattern_match_contains_its_required_literals() -> None:
    """The prefilter never skips a pattern that would match."""
    lexicon = load_lexicon()
    matched = 0
    for text in labelled_texts():
        views = build_views(text)
        for pattern, entry in lexicon.patterns:
            view = views.cjk.text if entry.language == "zh" else views.latin.text
            for match in pattern.finditer(view):
                matched += 1
                for group in required_literals_of(pattern):
                    assert any(string in match.group() for string in group), (pattern, view)
    assert matched > 100


def required_literals_of(pattern: re.Pattern[str]) -> list[frozenset[str]]:
    from heed.screening.engine.anchors import required_literals

    return required_literals(pattern)


def test_screen_many_gives_what_screen_gives_alone() -> None:
    from heed.screening.engine.bench import realistic_mix
    from heed.screening.engine.evaluation import LABELLED_SET
    from heed.screening.engine.screener import AccountFacts, Screener
    from heed.screening.selectors import (
        CLASSIFIER_THRESHOLD,
        DOMAIN_THRESHOLD,
        cold_classifier,
        domain_classifier,
    )

    screener = Screener(
        load_lexicon(),
        classifier=cold_classifier(),
        classifier_threshold=CLASSIFIER_THRESHOLD,
        domain=domain_classifier(),
        domain_threshold=DOMAIN_THRESHOLD,
    )
    texts = labelled_texts() + realistic_mix(load_labelled(LABELLED_SET), short=100, transcripts=3)
    assert screener.screen_many(texts) == [screener.screen(text) for text in texts]
    facts = AccountFacts(litigation_approved=True, lawyer_instructed=True)
    assert screener.screen_many(texts[:200], facts=facts, language="zh") == [
        screener.screen(text, facts=facts, language="zh") for text in texts[:200]
    ]


def test_boundary_free_patterns_find_what_the_patterns_find() -> None:
    from heed.screening.engine.anchors import boundary_matches, without_leading_boundary

    lexicon = load_lexicon()
    views = [build_views(text).latin.text for text in labelled_texts() + long_texts()]
    views += [" call  recall icall i will hurt you _i will x", "i'll hurt you", "é call"]
    checked = 0
    for (pattern, _entry), rest in zip(lexicon.patterns, lexicon.boundary_free, strict=True):
        if rest is None:
            continue
        checked += 1
        for view in views:
            expected = [(m.span(), m.groups()) for m in pattern.finditer(view)]
            assert [(m.span(), m.groups()) for m in boundary_matches(rest, view)] == expected
    assert checked > 20
    assert without_leading_boundary(re.compile(r"\bx?")) is None
    assert without_leading_boundary(re.compile(r"a\b")) is None


def test_marker_index_changes_no_context_decision(monkeypatch: pytest.MonkeyPatch) -> None:
    from heed.screening.engine import screener as screener_module
    from heed.screening.engine.bench import realistic_mix
    from heed.screening.engine.evaluation import LABELLED_SET
    from heed.screening.engine.screener import Screener

    screener = Screener(load_lexicon())
    texts = long_texts() + realistic_mix(load_labelled(LABELLED_SET), short=0, transcripts=4)
    indexed = screener.screen_many(texts)
    assert any(result.suppressed for result in indexed)
    monkeypatch.setattr(screener_module, "_MARKER_INDEX_MIN", 10**9)
    assert screener.screen_many(texts) == indexed
