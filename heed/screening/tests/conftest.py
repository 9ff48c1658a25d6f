from __future__ import annotations

import datetime
import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from heed.core.roles import Role
from heed.screening.engine.classifier import ColdClassifier
from heed.screening.engine.domain import DomainClassifier, train_domain
from heed.screening.engine.evaluation import training_messages
from heed.screening.engine.lexicon import load_lexicon
from heed.screening.engine.screener import Screener
from heed.screening.selectors import CLASSIFIER_PATH, CLASSIFIER_THRESHOLD, DOMAIN_THRESHOLD


@pytest.fixture(scope="session")
def screener() -> Screener:
    """The file lexicon with every rule layer, no classifier (deterministic, fast)."""
    return Screener(load_lexicon())


@pytest.fixture(scope="session")
def domain_model() -> DomainClassifier:
    """The in-domain classifier trained on every training set (as shipped), once per run."""
    return train_domain(training_messages())


@pytest.fixture(scope="session")
def every_layer(domain_model: DomainClassifier) -> Screener:
    """Every layer as shipped: the rules, the COLD classifier and the in-domain classifier."""
    return Screener(
        load_lexicon(),
        classifier=ColdClassifier.load(CLASSIFIER_PATH),
        classifier_threshold=CLASSIFIER_THRESHOLD,
        domain=domain_model,
        domain_threshold=DOMAIN_THRESHOLD,
    )


@pytest.fixture
def outbox(settings: Any, tmp_path: Path) -> Path:
    """Sent messages go to a file adapter in a temporary folder; its path (made on first send)."""
    settings.HEED_MESSAGE_ADAPTER = "file"
    settings.VAR_DIR = tmp_path
    return tmp_path / "outbox" / "messages.jsonl"


@pytest.fixture
def packs_active(make_user: Callable[..., Any]) -> None:
    """Every shipped rule pack loaded and approved, so the compliance gateway decides."""
    from heed.compliance import services as compliance
    from heed.compliance.rules.packs import file_contents

    officer = make_user(Role.COMPLIANCE_OFFICER)
    for code in sorted(file_contents()):
        draft = compliance.pack_version_load_file(actor="system:packs", code=code)
        assert draft is not None
        compliance.pack_version_approve(actor=officer, version=draft)


# People and a letters folder for the letter tests (test_letters, test_letters_audit).

# A weekday morning in Shanghai: inside every rule pack's permitted contact hours.
MORNING = datetime.datetime(2026, 11, 27, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def people(make_user: Callable[..., Any]) -> dict[str, Any]:
    return {
        "author": make_user(Role.COMPLIANCE_OFFICER),
        "approver": make_user(Role.COMPLIANCE_OFFICER),
        "collector": make_user(Role.COLLECTOR),
        "other_collector": make_user(Role.COLLECTOR),
    }


@pytest.fixture
def var_dir(settings: Any, tmp_path: Path) -> Path:
    settings.VAR_DIR = tmp_path
    settings.HEED_MESSAGE_ADAPTER = "file"
    return tmp_path


@pytest.fixture
def letter_runs_in_the_morning(monkeypatch: pytest.MonkeyPatch) -> datetime.datetime:
    """Print runs started without ``at`` (the Letters page, the API) are decided at ``MORNING``
    instead of "now", so the compliance gateway sees permitted hours whenever the tests run.
    Returns that moment."""
    from heed.screening import services

    monkeypatch.setattr(
        services, "letter_batch_start", functools.partial(services.letter_batch_start, at=MORNING)
    )
    return MORNING
