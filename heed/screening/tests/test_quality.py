"""Issue 5's measurement: recall per category and false-positive rate on labelled collection
messages, and COLD accuracy / macro-F1. Thresholds are what the engine achieves today (see
``python manage.py screening_eval``); a drop fails the build."""

from __future__ import annotations

from pathlib import Path

import pytest

from heed.screening.engine.classifier import ColdClassifier, read_cold, train
from heed.screening.engine.domain import DomainClassifier
from heed.screening.engine.evaluation import (
    COLD_DIR,
    DATA_DIR,
    HELD_OUT_SET,
    HELD_OUT_SETS,
    LABELLED_SET,
    cold_metrics,
    evaluate_labelled,
    load_labelled,
    training_messages,
)
from heed.screening.engine.lexicon import load_lexicon
from heed.screening.engine.screener import Screener
from heed.screening.selectors import CLASSIFIER_PATH, CLASSIFIER_THRESHOLD, DOMAIN_THRESHOLD


def test_labelled_set_is_big_enough_and_bilingual() -> None:
    messages = load_labelled(LABELLED_SET)
    violating = [m for m in messages if m.is_violating]
    lawful = [m for m in messages if not m.is_violating]
    assert len(violating) >= 150
    assert len(lawful) >= 100
    assert {m.language for m in violating} == {"zh", "en"}
    assert {m.language for m in lawful} == {"zh", "en"}
    covered = {c for m in violating for c in m.categories}
    assert covered == {f"P{n}" for n in range(1, 19)}


def test_recall_per_category_and_false_positive_rate_on_labelled_set(screener: Screener) -> None:
    report = evaluate_labelled(screener, load_labelled(LABELLED_SET))
    for code, score in report.per_category.items():
        assert score.recall >= 0.95, (code, score)
    assert report.recall >= 0.98
    assert report.false_positive_rate <= 0.01
    assert report.verdict_exact >= 285


@pytest.mark.parametrize(
    ("name", "recall", "false_positives"),
    [
        ("training_v2.csv", 0.91, 1),
        ("training_v3.csv", 0.92, 4),
        ("training_v4.csv", 0.92, 7),
        ("training_v5.csv", 0.83, 3),
        ("training_v6.csv", 0.89, 0),
        ("training_v7.csv", 0.92, 4),
        ("training_v8.csv", 0.98, 1),
        ("training_v9.csv", 0.94, 2),
        ("training_v10.csv", 0.98, 0),
        ("training_v11.csv", 0.49, 1),
        ("training_v12.csv", 0.80, 22),
        ("training_v13.csv", 0.63, 6),
        ("training_v14.csv", 0.78, 7),
        ("training_v15.csv", 0.93, 0),
        ("training_v16.csv", 0.59, 1),
        ("training_v17.csv", 0.73, 3),
        ("training_v18.csv", 0.83, 3),
        ("training_v19.csv", 0.53, 0),
        ("training_v20.csv", 0.70, 1),
        ("training_v21.csv", 0.51, 0),
    ],
)
def test_sets_written_separately_then_used_to_widen_the_lexicon(
    screener: Screener, name: str, recall: float, false_positives: int
) -> None:
    # First passes before they were used are in data/README.md (v2: 43.6 % recall, 11/240
    # false positives; v3: 45.3 %, 15/240; v4: 60.0 %, 22/420; v5: 55.0 %, 17/300; v6: 44.2 %,
    # 3/80; v7: 69.6 %, 14/120; v8: 67.3 %, 20/90; v9: 59.2 %, 3/70; v10: 81.7 %, 3/140;
    # v11: 19.2 %, 7/110 — most of its rows carry two or three categories; v12: 60.0 %,
    # 37/150 — lawful-heavy; most of its remaining false positives are internal training
    # notes and QA lists that quote forbidden phrases; v13: 36.2 %, 12/110; v14: 64.2 %,
    # 16/120; v15: 45.4 %, 11/110; v16: 15.4 %, 12/110 — most of its rows carry two or three
    # categories).
    report = evaluate_labelled(screener, load_labelled(DATA_DIR / name))
    assert report.recall >= recall
    assert report.false_positives <= false_positives


@pytest.mark.parametrize("name", ["holdout_v1.csv", "holdout_v2.csv"])
def test_sets_written_after_the_lexicon_then_used_to_tune_it(screener: Screener, name: str) -> None:
    # First-pass numbers before tuning are in data/README.md: v1 21% / 0%, v2 35% / 10%.
    report = evaluate_labelled(screener, load_labelled(DATA_DIR / name))
    assert report.recall >= 0.98
    assert report.false_positive_rate == 0.0


def test_never_seen_set_with_rules_only(screener: Screener) -> None:
    report = evaluate_labelled(screener, load_labelled(HELD_OUT_SET))
    assert report.violating == 50
    assert report.lawful == 30
    assert report.recall >= 0.42
    assert report.violating_flagged >= 26
    assert report.false_positive_rate <= 0.067


def test_never_seen_set_with_all_layers(domain_model: DomainClassifier) -> None:
    classifier = ColdClassifier.load(CLASSIFIER_PATH)
    domain = domain_model
    held_out = {m.text for path in HELD_OUT_SETS for m in load_labelled(path)}
    assert not any(m.text in held_out for m in training_messages())
    screener = Screener(
        load_lexicon(),
        classifier=classifier,
        classifier_threshold=CLASSIFIER_THRESHOLD,
        domain=domain,
        domain_threshold=DOMAIN_THRESHOLD,
    )
    report = evaluate_labelled(screener, load_labelled(HELD_OUT_SET))
    assert report.recall >= 0.70
    assert report.violating_flagged >= 46
    assert report.false_positive_rate <= 0.067


@pytest.mark.parametrize(
    ("path", "lawful", "recall", "flagged", "false_positives"),
    [
        # 99 flagged until a two-syllable homophone had to be a disguise (not a word, kept apart
        # by jieba's segmentation): one row was flagged only through such a reading.
        (DATA_DIR / "holdout_v4.csv", 60, 0.93, 97, 3),
        (DATA_DIR / "holdout_v5.csv", 60, 0.90, 98, 5),
        (DATA_DIR / "holdout_v6.csv", 80, 0.83, 94, 2),
        (DATA_DIR / "holdout_v7.csv", 80, 0.93, 98, 3),
        (DATA_DIR / "holdout_v8.csv", 80, 0.87, 96, 4),
        (DATA_DIR / "holdout_v9.csv", 80, 0.85, 99, 1),
        (DATA_DIR / "holdout_v10.csv", 80, 0.89, 98, 7),
        (DATA_DIR / "holdout_v11.csv", 80, 0.82, 99, 4),
        (DATA_DIR / "holdout_v12.csv", 80, 0.82, 99, 7),
        (DATA_DIR / "holdout_v13.csv", 80, 0.81, 98, 4),
        (DATA_DIR / "holdout_v14.csv", 80, 0.80, 97, 3),
        (DATA_DIR / "holdout_v15.csv", 80, 0.82, 100, 7),
        (DATA_DIR / "holdout_v16.csv", 80, 0.80, 98, 5),
        (DATA_DIR / "holdout_v17.csv", 79, 0.86, 98, 6),
        (DATA_DIR / "holdout_v18.csv", 80, 0.89, 99, 2),
        (DATA_DIR / "holdout_v19.csv", 80, 0.83, 96, 6),
        (DATA_DIR / "holdout_v20.csv", 80, 0.88, 97, 5),
        (DATA_DIR / "holdout_v21.csv", 80, 0.79, 94, 9),
        (DATA_DIR / "holdout_v22.csv", 80, 0.79, 99, 9),
        (DATA_DIR / "holdout_v23.csv", 80, 0.72, 98, 12),
        # Short messages only (one or two sentences), 100 lawful.
        (DATA_DIR / "holdout_v24.csv", 100, 0.81, 97, 6),
        # A month of one collection floor, as its quality inspectors see it.
        (DATA_DIR / "holdout_v25.csv", 100, 0.81, 99, 10),
        # Life's hard moments (job loss, illness, bereavement, disputes) and the legal process.
        (DATA_DIR / "holdout_v26.csv", 100, 0.69, 99, 8),
    ],
    ids=[f"holdout_v{number}" for number in range(4, 27)],
)
def test_independent_held_out_sets_with_all_layers(
    path: Path,
    lawful: int,
    recall: float,
    flagged: int,
    false_positives: int,
    domain_model: DomainClassifier,
) -> None:
    # Written by people who never saw the lexicon, the other sets or the engine; first passes
    # in data/README.md.
    screener = Screener(
        load_lexicon(),
        classifier=ColdClassifier.load(CLASSIFIER_PATH),
        classifier_threshold=CLASSIFIER_THRESHOLD,
        domain=domain_model,
        domain_threshold=DOMAIN_THRESHOLD,
    )
    report = evaluate_labelled(screener, load_labelled(path))
    # Plain numbers only: a failure must not print the sealed set's texts.
    counts = (report.violating, report.lawful)
    caught, found, wrong = report.recall, report.violating_flagged, report.false_positives
    del report
    assert counts == (100, lawful)
    assert caught >= recall
    assert found >= flagged
    assert wrong <= false_positives


cold_available = pytest.mark.skipif(
    not (COLD_DIR / "test.csv").exists(), reason="COLD data set not checked out next to the repo"
)


@cold_available
def test_shipped_classifier_on_cold_test() -> None:
    texts, labels = read_cold(COLD_DIR / "test.csv")
    classifier = ColdClassifier.load(CLASSIFIER_PATH)
    predictions = [int(score >= 0.5) for score in classifier.scores(texts)]
    accuracy, macro_f1 = cold_metrics(labels, predictions)
    assert accuracy >= 0.79
    assert macro_f1 >= 0.78


@cold_available
def test_classifier_trains_from_cold_train_and_dev_and_round_trips(tmp_path: Path) -> None:
    train_texts, train_labels = read_cold(COLD_DIR / "train.csv")
    dev_texts, dev_labels = read_cold(COLD_DIR / "dev.csv")
    model = train(train_texts + dev_texts, train_labels + dev_labels)
    model.save(tmp_path / "model.npz")
    loaded = ColdClassifier.load(tmp_path / "model.npz")
    texts, labels = read_cold(COLD_DIR / "test.csv")
    predictions = [int(score >= 0.5) for score in loaded.scores(texts)]
    accuracy, macro_f1 = cold_metrics(labels, predictions)
    assert accuracy >= 0.79
    assert macro_f1 >= 0.78


@cold_available
def test_lexicon_alone_on_cold_test(screener: Screener) -> None:
    texts, labels = read_cold(COLD_DIR / "test.csv")
    flags = [
        int(any(f.category in {"P3", "P17"} for f in screener.screen(t).findings)) for t in texts
    ]
    accuracy, macro_f1 = cold_metrics(labels, flags)
    assert accuracy >= 0.60
    assert macro_f1 >= 0.45


def test_a_labelled_file_with_an_unknown_account_fact_names_the_row(tmp_path: Path) -> None:
    path = tmp_path / "set.csv"
    path.write_text(
        "id,lang,categories,facts,expected,text\n"
        "x1,en,P8,judgment_obtained=0,block,We will take your car.\n"
        "x2,en,P8,judgment=0,block,We will take your car today.\n",
        encoding="utf-8",
    )
    with pytest.raises(
        ValueError, match=r"set\.csv, row x2, facts: unknown account fact 'judgment'"
    ):
        load_labelled(path)
