"""Measuring the screener: recall per category and false-positive rate on the labelled set, and
accuracy / macro-F1 on COLD. Pure Python (plus scikit-learn's metrics), no database."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from heed.screening.engine.lexicon import CATEGORY_CODES
from heed.screening.engine.screener import PASS, AccountFacts, Screener

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
LABELLED_SET = DATA_DIR / "labelled_v1.csv"
# Never used for training or tuning: their numbers estimate how the engine does on new wording.
# holdout_v3 was written by the engine's authors; holdout_v4 to v26 each by a separate writer who
# never saw the lexicon, the other sets or the engine (data/README.md). v5 to v26 are sealed: only
# their totals are ever printed (no misses), so nothing in the engine is shaped by them.
HELD_OUT_SET = DATA_DIR / "holdout_v3.csv"
HOLDOUT_V4 = DATA_DIR / "holdout_v4.csv"
# holdout_v5.csv, holdout_v6.csv, … holdout_v26.csv (a new sealed set raises the upper bound).
SEALED_SETS: tuple[Path, ...] = tuple(
    DATA_DIR / f"holdout_v{number}.csv" for number in range(5, 27)
)
HELD_OUT_SETS: tuple[Path, ...] = (HELD_OUT_SET, HOLDOUT_V4, *SEALED_SETS)
COLD_DIR = Path(__file__).resolve().parents[4] / "shared" / "data" / "cold"


@dataclass(frozen=True)
class LabelledMessage:
    message_id: str
    language: str
    categories: frozenset[str]
    facts: AccountFacts | None
    expected: str
    text: str

    @property
    def is_violating(self) -> bool:
        return self.expected != PASS


def parse_facts(raw: str) -> AccountFacts | None:
    """``litigation_approved=1;time_barred=0`` → facts (unnamed ones false); empty → no account."""
    if not raw.strip():
        return None
    known = AccountFacts.__dataclass_fields__
    values: dict[str, bool] = {}
    for part in raw.split(";"):
        key, _eq, value = part.partition("=")
        key = key.strip()
        if key not in known:
            raise ValueError(f"unknown account fact {key!r} (known: {', '.join(known)})")
        values[key] = value.strip() in {"1", "true", "yes"}
    return AccountFacts(**values)


def load_labelled(path: Path = LABELLED_SET) -> list[LabelledMessage]:
    messages: list[LabelledMessage] = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            try:
                facts = parse_facts(row["facts"])
            except ValueError as error:
                raise ValueError(f"{path.name}, row {row['id']}, facts: {error}") from error
            messages.append(
                LabelledMessage(
                    row["id"],
                    row["lang"],
                    frozenset(c for c in row["categories"].split(";") if c),
                    facts,
                    row["expected"],
                    row["text"],
                )
            )
    return messages


@dataclass
class CategoryScore:
    total: int = 0
    caught: int = 0

    @property
    def recall(self) -> float:
        return self.caught / self.total if self.total else 1.0


@dataclass
class LabelledReport:
    per_category: dict[str, CategoryScore] = field(default_factory=dict)
    per_language: dict[str, CategoryScore] = field(default_factory=dict)
    violating: int = 0
    violating_caught: int = 0
    violating_flagged: int = 0  # verdict not "pass", whatever the categories
    verdict_exact: int = 0
    lawful: int = 0
    false_positives: int = 0
    missed: list[tuple[LabelledMessage, str]] = field(default_factory=list)
    flagged_lawful: list[tuple[LabelledMessage, str]] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.violating_caught / self.violating if self.violating else 1.0

    @property
    def false_positive_rate(self) -> float:
        return self.false_positives / self.lawful if self.lawful else 0.0


def evaluate_labelled(screener: Screener, messages: Iterable[LabelledMessage]) -> LabelledReport:
    """A violating message counts as caught for a category when the verdict is not ``pass`` and a
    finding of that category is present; a lawful message is a false positive when not ``pass``."""
    report = LabelledReport(per_category={code: CategoryScore() for code in CATEGORY_CODES})
    for message in messages:
        result = screener.screen(message.text, language=message.language, facts=message.facts)
        found = {finding.category for finding in result.findings}
        summary = f"{result.verdict} {sorted(found)}"
        if result.verdict == message.expected:
            report.verdict_exact += 1
        if not message.is_violating:
            report.lawful += 1
            if result.verdict != PASS:
                report.false_positives += 1
                report.flagged_lawful.append((message, summary))
            continue
        report.violating += 1
        language = report.per_language.setdefault(message.language, CategoryScore())
        language.total += 1
        all_caught = result.verdict != PASS
        if result.verdict != PASS:
            report.violating_flagged += 1
        for category in message.categories:
            score = report.per_category[category]
            score.total += 1
            if result.verdict != PASS and category in found:
                score.caught += 1
            else:
                all_caught = False
        if all_caught:
            report.violating_caught += 1
            language.caught += 1
        else:
            report.missed.append((message, summary))
    return report


def format_labelled(report: LabelledReport) -> str:
    lines = ["category  messages  caught  recall"]
    for code, score in report.per_category.items():
        if score.total:
            lines.append(f"{code:<8}  {score.total:>8}  {score.caught:>6}  {score.recall:6.1%}")
    lines.append(
        f"{'all':<8}  {report.violating:>8}  {report.violating_caught:>6}  {report.recall:6.1%}"
    )
    flagged_rate = report.violating_flagged / report.violating if report.violating else 1.0
    lines.append(
        f"{'flagged':<8}  {report.violating:>8}  {report.violating_flagged:>6}  "
        f"{flagged_rate:6.1%}  (verdict not pass, any category)"
    )
    for language, score in sorted(report.per_language.items()):
        lines.append(f"{language:<8}  {score.total:>8}  {score.caught:>6}  {score.recall:6.1%}")
    lines.append(
        f"lawful messages: {report.lawful}, flagged: {report.false_positives}, "
        f"false-positive rate: {report.false_positive_rate:.1%}"
    )
    total = report.violating + report.lawful
    lines.append(f"exact verdict (block/review/pass): {report.verdict_exact}/{total}")
    return "\n".join(lines)


def cold_metrics(labels: list[int], predictions: list[int]) -> tuple[float, float]:
    """Accuracy and macro-F1 (the COLD paper's measures)."""
    from sklearn.metrics import accuracy_score, f1_score

    return float(accuracy_score(labels, predictions)), float(
        f1_score(labels, predictions, average="macro")
    )


def training_messages(exclude: Iterable[Path] = HELD_OUT_SETS) -> list[LabelledMessage]:
    """Every labelled set except the held-out ones (the in-domain classifier learns from these),
    without a message whose text is also in a held-out set (short messages can repeat word for
    word)."""
    excluded = set(exclude)
    held_out = {m.text for path in excluded if path.exists() for m in load_labelled(path)}
    return [
        message
        for path in sorted(DATA_DIR.glob("*.csv"))
        if path not in excluded
        for message in load_labelled(path)
        if message.text not in held_out
    ]
