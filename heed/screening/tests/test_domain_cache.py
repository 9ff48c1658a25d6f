"""The in-domain classifier is trained once and then loaded from VAR_DIR/cache: the loaded model
gives exactly the trained model's probabilities, and a changed training set or a damaged file
means training again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from heed.screening import selectors
from heed.screening.engine.domain import DomainClassifier, train_domain, training_fingerprint
from heed.screening.engine.evaluation import HELD_OUT_SETS, load_labelled, training_messages


def _texts() -> list[str]:
    texts = [m.text for m in training_messages()]
    texts += [m.text for path in HELD_OUT_SETS for m in load_labelled(path)]
    return texts + ["", "Hi", "好", "\n".join(texts[:200])]


def test_a_model_rebuilt_from_its_arrays_predicts_the_same(tmp_path: Path) -> None:
    trained = train_domain(training_messages())
    assert trained.savable
    np.savez(tmp_path / "model.npz", **trained.arrays())
    with np.load(tmp_path / "model.npz", allow_pickle=False) as arrays:
        loaded = DomainClassifier.from_arrays(arrays)
    texts = _texts()
    assert loaded.vectorizer is None and loaded.model is None
    np.testing.assert_array_equal(loaded._probabilities(texts), trained._probabilities(texts))
    assert loaded.predict(texts) == trained.predict(texts)


def test_the_fingerprint_follows_the_training_data() -> None:
    messages = training_messages()
    assert training_fingerprint(messages) == training_fingerprint(list(messages))
    assert training_fingerprint(messages[1:]) != training_fingerprint(messages)
    assert training_fingerprint(messages, regularisation=5.0) != training_fingerprint(messages)


@pytest.fixture
def cache_path(tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where the model goes in an empty VAR_DIR, with no model in this process yet."""
    settings.HEED_SCREENING_CLASSIFIER = True
    settings.VAR_DIR = tmp_path
    monkeypatch.setattr(selectors, "_domain", [])
    path = selectors.domain_cache_path(training_messages())
    assert path.parent == tmp_path / "cache" and not path.exists()
    return path


def test_the_first_process_saves_the_model_and_later_ones_load_it(
    cache_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = cache_path

    first = selectors.domain_classifier()
    assert first is not None and first.vectorizer is not None  # trained here
    assert path.exists()
    saved_at = path.stat().st_mtime_ns

    monkeypatch.setattr(selectors, "_domain", [])  # as a new process would start
    second = selectors.domain_classifier()
    assert second is not None and second.vectorizer is None  # loaded, not trained
    assert path.stat().st_mtime_ns == saved_at
    texts = _texts()
    assert second.predict(texts) == first.predict(texts)
    assert list(tmp_path.glob("cache/*.tmp.npz")) == []


def test_a_damaged_file_is_replaced_by_training_again(cache_path: Path) -> None:
    path = cache_path
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a model")
    classifier = selectors.domain_classifier()
    assert classifier is not None and classifier.vectorizer is not None
    with np.load(path, allow_pickle=False) as arrays:
        assert "weights" in arrays
