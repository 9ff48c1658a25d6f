"""The speed-ups compute exactly what the straightforward code computed: n-gram counts equal
scikit-learn's analyzers, the classifiers' fast scoring equals scikit-learn's, and a lexicon
pattern is skipped only when it cannot match."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer

from heed.screening.engine.anchors import pattern_anchors
from heed.screening.engine.classifier import _vectorizer
from heed.screening.engine.domain import DomainClassifier, features, train_domain, view_features
from heed.screening.engine.evaluation import DATA_DIR, load_labelled, training_messages
from heed.screening.engine.lexicon import load_lexicon
from heed.screening.engine.ngrams import char_ngram_counts, char_wb_ngram_counts
from heed.screening.engine.normalize import build_views
from heed.screening.engine.screener import sentence_spans

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
        for document in (text, view_features(text)):
            assert char_wb_ngram_counts(document) == Counter(char_wb(document)), document
            assert char_ngram_counts(document) == Counter(char(document)), document


def test_domain_fast_probabilities_equal_sklearn(domain_model: DomainClassifier) -> None:
    domain = domain_model
    assert domain.vectorizer.analyzer == "char"
    texts = labelled_texts()
    texts += [text[a:b] for text in texts for a, b in sentence_spans(text)]  # many: the arrays
    expected = domain.model.predict_proba(domain.vectorizer.transform([features(t) for t in texts]))
    assert np.allclose(domain._probabilities(texts), expected, rtol=0, atol=1e-12)
    for few in (texts[:3], texts[:1], ["\x00a", "b"], [*texts, "\x00a"]):  # one by one
        expected = domain.model.predict_proba(domain.vectorizer.transform(few))
        assert np.allclose(domain._probabilities(few), expected, rtol=0, atol=1e-12)


def test_domain_model_on_the_views_still_equals_sklearn() -> None:
    domain = train_domain(training_messages(), analyzer="char_wb")
    texts = labelled_texts()
    documents = [view_features(t) for t in texts]
    expected = domain.model.predict_proba(domain.vectorizer.transform(documents))
    assert np.allclose(domain._probabilities(texts), expected, rtol=0, atol=1e-12)
    with pytest.raises(ValueError):
        train_domain(training_messages(), analyzer="word")


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
    reference = normalize.with_full_forms(normalize._latin_view_full(text, folded))
    assert views.latin.text == reference.text
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
        reference = normalize.with_full_forms(normalize._latin_view_full(text, folded))
        assert latin.text == reference.text
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
    from heed.screening.engine.ngrams import (
        char_gram_ids,
        char_hashed_columns,
        char_wb_gram_ids,
        gram_id,
    )

    hashed = char_hashed_columns(documents, N_FEATURES)
    identified = char_wb_gram_ids(documents)
    plain = char_gram_ids(documents)
    assert hashed is not None and identified is not None and plain is not None
    columns = _per_document(*hashed)
    ids = _per_document(*identified)
    plain_ids = _per_document(*plain)
    for row, document in enumerate(documents):
        expected: Counter[int] = Counter()
        for gram, times in char_ngram_counts(document).items():
            expected[abs(int(murmurhash3_32(gram, seed=0))) % N_FEATURES] += times
        assert columns.get(row, Counter()) == expected, document
        expected_plain = Counter(
            {gram_id(gram): times for gram, times in char_ngram_counts(document).items()}
        )
        assert plain_ids.get(row, Counter()) == expected_plain, document
        expected_ids = Counter(
            {gram_id(gram): times for gram, times in char_wb_ngram_counts(document).items()}
        )
        assert ids.get(row, Counter()) == expected_ids, document


def test_array_ngrams_equal_the_counters() -> None:
    from heed.screening.engine.normalize import view_texts

    texts = labelled_texts()
    _check_array_ngrams(texts + [view_features(text) for text in texts])
    # The domain classifier's documents: single spaces only (the faster path), and the same
    # n-grams as view_features() gives.
    documents = [f"{cjk} |{latin}" for cjk, latin in map(view_texts, texts)]
    _check_array_ngrams(documents)
    for text, document in zip(texts, documents, strict=True):
        assert char_wb_ngram_counts(document) == char_wb_ngram_counts(view_features(text))


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


# --- regular expressions that start with a character set instead of a look-behind -------------

# The Latin view's patterns as they were written first (each starting with a look-behind); the
# faster forms in normalize must find exactly the same matches and make the same replacements.
_LOOK_BEHIND_FORMS = {
    "_IN_WORD_JOINER_OR_LEET_RUN": r"(?<=[a-z0-9'*])[-._~+](?=[a-z0-9'*])|[@$!|]+",
    "_LEET_WORD": r"(?<= )(?=[^ ]*[a-z])[^ ]*[013457@$!|][^ ]*",
    "_EDGE_QUOTES": r"(?<= )'+|'+(?= )",
    "_SINGLE_LETTER_RUN": r"(?<= )[a-z](?: [a-z]){2,}(?= )",
}
_VIEW_ALPHABET = list("abst 0134'*@$!|-._~+x,") + ["  ", " a", "a "]


def _look_behind_replacements(text: str) -> list[str]:
    from heed.screening.engine import normalize

    old = {name: re.compile(pattern) for name, pattern in _LOOK_BEHIND_FORMS.items()}
    return [
        old["_IN_WORD_JOINER_OR_LEET_RUN"].sub(normalize._joiner_or_leet, text),
        old["_LEET_WORD"].sub(normalize._leet_word, text),
        old["_EDGE_QUOTES"].sub("", text),
        old["_SINGLE_LETTER_RUN"].sub(lambda match: match.group().replace(" ", ""), text),
    ]


def _character_set_replacements(text: str) -> list[str]:
    from heed.screening.engine import normalize

    return [
        normalize._IN_WORD_JOINER_OR_LEET_RUN.sub(normalize._joiner_or_leet, text),
        normalize._LEET_WORD.sub(normalize._leet_word, text),
        normalize._EDGE_QUOTES.sub("", text),
        normalize._SINGLE_LETTER_RUN.sub(normalize._joined_letters, text),
    ]


@given(st.lists(st.sampled_from(_VIEW_ALPHABET), max_size=30).map("".join))
def test_character_set_patterns_equal_the_look_behind_forms(text: str) -> None:
    for candidate in (text, f" {text} ", " " + " ".join(text.split()) + " "):
        assert _character_set_replacements(candidate) == _look_behind_replacements(candidate)


def test_character_set_patterns_equal_the_look_behind_forms_on_the_sets() -> None:
    from heed.screening.engine.normalize import _folded, latin_view_text

    for text in labelled_texts() + long_texts():
        for candidate in (_folded(text).text, latin_view_text(_folded(text).text)):
            assert _character_set_replacements(candidate) == _look_behind_replacements(candidate)


# --- classifier arithmetic ------------------------------------------------------------------


@given(
    st.lists(st.tuples(st.integers(0, 40), st.integers(0, 300)), max_size=300),
)
def test_summed_counts_equal_a_counter(pairs: list[tuple[int, int]]) -> None:
    from heed.screening.engine.ngrams import summed_counts

    rows = np.array([row for row, _column in pairs], dtype=np.intp)
    columns = np.array([column for _row, column in pairs], dtype=np.intp)
    summed_rows, summed_columns, counts = summed_counts(rows, columns, 41, 301)
    expected = sorted(Counter(pairs).items())
    assert list(zip(summed_rows.tolist(), summed_columns.tolist(), strict=True)) == [
        key for key, _times in expected
    ]
    assert counts.tolist() == [float(times) for _key, times in expected]
    assert counts.dtype == np.float64


def test_id_table_finds_what_a_binary_search_finds(domain_model: DomainClassifier) -> None:
    from heed.screening.engine.ngrams import IdTable, gram_id

    domain = domain_model
    vocabulary = domain._vocabulary_ids
    table = IdTable(vocabulary)
    grams = {gram for text in labelled_texts() for gram in char_ngram_counts(text)}
    generator = np.random.default_rng(5)
    ids = np.concatenate(
        [
            np.array(sorted(gram_id(gram) for gram in grams), dtype=np.int64),
            vocabulary,
            vocabulary + 1,
            generator.integers(0, 2**62, 5000, dtype=np.int64),
            np.array([0, 2**63 - 1], dtype=np.int64),
        ]
    )
    known, positions = table.positions(ids)
    searched = np.searchsorted(vocabulary, ids)
    searched[searched == len(vocabulary)] = 0
    expected_known = vocabulary[searched] == ids
    assert known.tolist() == expected_known.tolist()
    assert positions[known].tolist() == searched[expected_known].tolist()
    assert not positions[~known].any()
    # Slots several vocabulary ids share (forced with a tiny table) take the binary search.
    crowded = IdTable(vocabulary[:50])
    crowded._table[:] = -2
    known, positions = crowded.positions(ids)
    searched = np.minimum(np.searchsorted(vocabulary[:50], ids), 49)
    assert known.tolist() == (vocabulary[:50][searched] == ids).tolist()
    assert positions[known].tolist() == searched[known].tolist()
    empty_known, empty_positions = IdTable(vocabulary[:0]).positions(ids)
    assert not empty_known.any() and not empty_positions.any()


# --- language and pinyin of long texts with arrays --------------------------------------------

_LANGUAGE_ALPHABET = list("aZz@[`{ é你好说还钱㐀䶿一鿿豈﫿\u4dc0\ua000\ufb00\u33ff😀İ")


def _language_by_runs(text: str) -> str:
    from heed.screening.engine.normalize import _ASCII_LETTER_RUN, _IDEOGRAPH_RUN

    if text.isascii():
        return "en"
    ideographs = sum(map(len, _IDEOGRAPH_RUN.findall(text)))
    if ideographs == 0:
        return "en"
    letters = sum(map(len, _ASCII_LETTER_RUN.findall(text)))
    return "zh" if ideographs * 5 >= letters else "en"


@given(st.text(alphabet=st.sampled_from(_LANGUAGE_ALPHABET), min_size=250, max_size=400))
def test_language_of_long_texts_equals_the_runs(text: str) -> None:
    from heed.screening.engine.normalize import detect_language

    assert detect_language(text) == _language_by_runs(text)


def test_language_of_the_sets_equals_the_runs() -> None:
    from heed.screening.engine.normalize import detect_language

    for text in labelled_texts() + long_texts():
        assert detect_language(text) == _language_by_runs(text)


@given(st.text(alphabet=st.sampled_from(_LANGUAGE_ALPHABET + ["0", "x"]), min_size=250))
def test_pinyin_of_long_texts_equals_the_table(text: str) -> None:
    from heed.screening.engine import normalize

    converted = normalize._pinyin_text(text)  # fills the table for the text's ideographs
    assert converted == text.translate(normalize._PINYIN_TABLE)
    assert normalize._pinyin_text_array(text) == converted


def test_pinyin_array_follows_the_table(monkeypatch: pytest.MonkeyPatch) -> None:
    from heed.screening.engine import normalize

    text = "还钱" * 200 + "😀"
    assert normalize._pinyin_text(text) == "haiqian" * 200 + "😀"  # the commonest readings
    # A reading longer than the array's rows makes it rebuild.
    monkeypatch.setattr(normalize, "syllable", lambda char: "x" * 12)
    monkeypatch.setattr(normalize, "_PINYIN_TABLE", dict(normalize._PINYIN_TABLE))
    monkeypatch.setattr(normalize, "_SEEN", set(normalize._SEEN))
    monkeypatch.setattr(normalize, "_PINYIN_LENGTHS", [])
    monkeypatch.setattr(normalize, "_PINYIN_CHARS", [])
    normalize._pinyin_chars()
    new = "\u9fa0" * 300  # not seen before in these tests
    assert normalize._pinyin_text(new) == "x" * 12 * 300
    for text in labelled_texts() + long_texts():
        cjk = build_views(text).cjk.text
        assert normalize._pinyin_text(cjk) == cjk.translate(normalize._PINYIN_TABLE)


def test_texts_without_ideographs_scan_with_the_small_automaton_and_find_the_same() -> None:
    """The CJK view of a text without ideographs is letters and digits; the small automaton of
    such keys must give exactly what the full one gives (checked by swapping it back in)."""
    from heed.screening.engine.screener import Screener

    fast = Screener(load_lexicon())
    full_lexicon = load_lexicon()
    full_lexicon.scan_automata["zh_plain"] = full_lexicon.scan_automata["zh"]
    full = Screener(full_lexicon)
    plain = fast.lexicon.scan_automata["zh_plain"]
    assert 0 < len(plain) < len(fast.lexicon.scan_automata["zh"])
    texts = [t for t in labelled_texts() if not re.search(r"[\u3400-\u9fff\uf900-\ufaff]", t)]
    texts += ["you sb", "nmsl!!", "ur a s b", "tmd pay now", "sha bi", "wo cao", "SB", "s.b."]
    assert len(texts) > 300
    assert fast.screen_many(texts) == full.screen_many(texts)


def test_the_cold_classifier_reads_only_sentences_with_chinese() -> None:
    from heed.screening.engine.classifier import ColdClassifier
    from heed.screening.engine.screener import Screener
    from heed.screening.selectors import CLASSIFIER_PATH

    read: list[str] = []

    class Reading(ColdClassifier):
        def scores(self, texts: Any) -> list[float]:
            read.extend(texts)
            return super().scores(texts)

    shipped = ColdClassifier.load(CLASSIFIER_PATH)
    screener = Screener(
        load_lexicon(), classifier=Reading(shipped.weights, shipped.idf, shipped.intercept)
    )
    screener.screen_many(["Please call us back. 请于周五前还款。", "Thank you for paying."])
    assert read == ["请于周五前还款。"]
