"""Screening benchmark (issue 5): throughput on a realistic mix of short messages and long call
transcripts, against the floor measured in the same run — the raw Aho-Corasick scan of the same
lexicon over the same texts — with the quality figures beside it.

Run: ``.venv/bin/python -m heed.screening.bench`` (``make bench`` runs every ``heed/*/bench.py``).
Target: all layers at least 30 % of the floor's MB/s. No database is needed: the file lexicon
and the shipped classifiers are used. Every text is distinct (see ``realistic_mix``); the layers
screen them with ``Screener.screen_many`` (a batch; per-text results identical to ``screen``),
and one ``screen`` call per text is shown too. Figures are medians of several rounds; "vs floor"
is the median of each round's ratio by wall-clock time, then by CPU time (steadier when other
processes share the machine).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Protocol

TARGET_SHARE = 0.30


class Writer(Protocol):
    def write(self, text: str, /) -> object: ...


def run(
    *, short: int = 2000, transcripts: int = 20, repeats: int = 5, out: Writer | None = None
) -> bool:
    """Print the table; return whether every-layer throughput meets the target.

    Each round times the floor, lexicon + rules and all layers over the same texts one after
    the other; the table shows the median of ``repeats`` rounds, and the share of the floor is
    the median of each round's own ratio (so load from other processes, which changes from
    round to round, affects the floor and the layers alike).
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()

    from heed.screening.engine.bench import floor_scan, realistic_mix
    from heed.screening.engine.evaluation import (
        DATA_DIR,
        HELD_OUT_SETS,
        LABELLED_SET,
        evaluate_labelled,
        load_labelled,
    )
    from heed.screening.engine.lexicon import load_lexicon
    from heed.screening.engine.screener import Screener
    from heed.screening.selectors import (
        CLASSIFIER_THRESHOLD,
        DOMAIN_THRESHOLD,
        cold_classifier,
        domain_classifier,
    )

    out = out or sys.stdout
    lexicon = load_lexicon()
    every_layer = Screener(
        lexicon,
        classifier=cold_classifier(),
        classifier_threshold=CLASSIFIER_THRESHOLD,
        domain=domain_classifier(),
        domain_threshold=DOMAIN_THRESHOLD,
    )
    rules_only = Screener(lexicon)
    texts = realistic_mix(load_labelled(LABELLED_SET), short=short, transcripts=transcripts)
    for screener in (rules_only, every_layer):  # warm-up: automata, pinyin table, models
        screener.screen_many(texts[:50])
        for text in texts[:50]:
            screener.screen(text)
    floor_scan(every_layer, texts)

    rounds: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}

    def timed(key: str, function: Callable[[], object]) -> None:
        wall, processor = time.perf_counter(), time.process_time()
        function()
        rounds.setdefault(key, []).append(time.perf_counter() - wall)
        cpu.setdefault(key, []).append(time.process_time() - processor)

    for _ in range(max(1, repeats)):
        timed("floor", lambda: floor_scan(every_layer, texts))
        timed("rules", lambda: rules_only.screen_many(texts))
        timed("all", lambda: every_layer.screen_many(texts))
    # One screen() call per text (no batch), for comparison: fewer rounds, it is slower.
    single_rounds = max(1, min(3, repeats))
    for _ in range(single_rounds):
        timed("floor single", lambda: floor_scan(every_layer, texts))
        timed("rules single", lambda: [rules_only.screen(text) for text in texts])
        timed("all single", lambda: [every_layer.screen(text) for text in texts])

    size = sum(len(text.encode("utf-8")) for text in texts) / 1e6
    count = len(texts)

    def share_of(times: dict[str, list[float]], key: str, floor_key: str) -> float:
        pairs = zip(times[floor_key], times[key], strict=True)
        return statistics.median(floor / layer for floor, layer in pairs)

    def line(name: str, key: str, floor_key: str) -> float:
        seconds = statistics.median(rounds[key])
        share = share_of(rounds, key, floor_key)
        out.write(
            f"{name:<26} {count / seconds:11.0f} {size / seconds:9.2f} {share:9.1%} "
            f"{share_of(cpu, key, floor_key):9.1%}\n"
        )
        return share

    out.write(
        f"screening throughput: {count} texts ({short} short messages, {transcripts} "
        f"transcripts of ~200 utterances), {size:.2f} MB, median of {max(1, repeats)} rounds\n"
    )
    out.write(f"{'layer':<26} {'messages/s':>11} {'MB/s':>9} {'vs floor':>9} {'(CPU time)':>9}\n")
    line("floor: raw Aho-Corasick", "floor", "floor")
    line("lexicon + rules", "rules", "floor")
    share = line("all layers", "all", "floor")
    met = share >= TARGET_SHARE
    out.write(
        f"target: all layers >= {TARGET_SHARE:.0%} of the floor -> "
        f"{share:.1%} ({'met' if met else 'NOT met'})\n"
    )
    out.write(f"one screen() call per text (median of {single_rounds} rounds):\n")
    line("lexicon + rules", "rules single", "floor single")
    line("all layers", "all single", "floor single")
    out.write("\nquality (all layers)       recall   false positives\n")
    for path in (LABELLED_SET, DATA_DIR / "holdout_v1.csv", DATA_DIR / "holdout_v2.csv"):
        _quality_line(out, path.name, evaluate_labelled(every_layer, load_labelled(path)))
    for path in HELD_OUT_SETS:
        held_out = evaluate_labelled(every_layer, load_labelled(path))
        _quality_line(out, f"{path.name} (held out)", held_out)
    _cold_lines(out, rules_only, every_layer)
    return met


def _cold_lines(out: Writer, rules_only: object, every_layer: object) -> None:
    """COLD test.csv accuracy and macro-F1 (as ``manage.py screening_eval``), if the data is
    there."""
    from heed.screening.engine.classifier import read_cold
    from heed.screening.engine.evaluation import COLD_DIR, cold_metrics
    from heed.screening.engine.screener import Screener

    path = COLD_DIR / "test.csv"
    if not path.exists():
        return
    assert isinstance(rules_only, Screener) and isinstance(every_layer, Screener)
    texts, labels = read_cold(path)
    lexicon_flags = [
        int(any(f.category in {"P3", "P17"} for f in result.findings))
        for result in rules_only.screen_many(texts)
    ]
    rows = [("lexicon (P3/P17)", lexicon_flags)]
    if every_layer.classifier is not None:
        classifier_flags = [int(s >= 0.5) for s in every_layer.classifier.scores(texts)]
        rows.append(("classifier (p >= 0.5)", classifier_flags))
        rows.append(
            (
                "lexicon OR classifier",
                [a | b for a, b in zip(lexicon_flags, classifier_flags, strict=True)],
            )
        )
    out.write(f"\nCOLD test.csv ({len(texts)} texts)  accuracy  macro-F1\n")
    for name, flags in rows:
        accuracy, macro_f1 = cold_metrics(labels, flags)
        out.write(f"{name:<26} {accuracy:8.1%}  {macro_f1:8.1%}\n")


def _quality_line(out: Writer, name: str, report: object) -> None:
    from heed.screening.engine.evaluation import LabelledReport

    assert isinstance(report, LabelledReport)
    out.write(
        f"{name:<26} {report.recall:6.1%}   {report.false_positives}/{report.lawful} "
        f"({report.false_positive_rate:.1%})\n"
    )


if __name__ == "__main__":
    run()
