"""Screening benchmark (issue 5): throughput on a realistic mix of short messages and long call
transcripts, against the floor measured in the same run — the raw Aho-Corasick scan of the same
lexicon over the same texts — with the quality figures beside it.

Run: ``.venv/bin/python -m heed.screening.bench`` (``make bench`` runs every ``heed/*/bench.py``).
Target: all layers at least 30 % of the floor's MB/s. No database is needed: the file lexicon
and the shipped classifiers are used.
"""

from __future__ import annotations

import os
import sys
from typing import Protocol

TARGET_SHARE = 0.30


class Writer(Protocol):
    def write(self, text: str, /) -> object: ...


def run(*, short: int = 2000, transcripts: int = 20, out: Writer | None = None) -> bool:
    """Print the table; return whether every-layer throughput meets the target."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()

    from heed.screening.engine.bench import realistic_mix
    from heed.screening.engine.bench import run as measure
    from heed.screening.engine.evaluation import (
        DATA_DIR,
        HELD_OUT_SET,
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
        for text in texts[:50]:
            screener.screen(text)
    results = measure(rules_only, texts, "lexicon + rules")
    results += measure(every_layer, texts, "all layers")[1:]
    floor = results[0]
    size = floor.megabytes
    out.write(
        f"screening throughput: {floor.messages} texts ({short} short messages, {transcripts} "
        f"transcripts of ~200 utterances), {size:.2f} MB\n"
    )
    out.write(f"{'layer':<26} {'messages/s':>11} {'MB/s':>9} {'vs floor':>9}\n")
    for result in results:
        share = result.megabytes_per_second / floor.megabytes_per_second
        out.write(
            f"{result.name:<26} {result.messages_per_second:11.0f} "
            f"{result.megabytes_per_second:9.2f} {share:9.1%}\n"
        )
    share = results[-1].megabytes_per_second / floor.megabytes_per_second
    met = share >= TARGET_SHARE
    out.write(
        f"target: all layers >= {TARGET_SHARE:.0%} of the floor -> "
        f"{share:.1%} ({'met' if met else 'NOT met'})\n"
    )
    out.write("\nquality (all layers)       recall   false positives\n")
    for path in (LABELLED_SET, DATA_DIR / "holdout_v1.csv", DATA_DIR / "holdout_v2.csv"):
        _quality_line(out, path.name, evaluate_labelled(every_layer, load_labelled(path)))
    held_out = evaluate_labelled(every_layer, load_labelled(HELD_OUT_SET))
    _quality_line(out, f"{HELD_OUT_SET.name} (held out)", held_out)
    return met


def _quality_line(out: Writer, name: str, report: object) -> None:
    from heed.screening.engine.evaluation import LabelledReport

    assert isinstance(report, LabelledReport)
    out.write(
        f"{name:<26} {report.recall:6.1%}   {report.false_positives}/{report.lawful} "
        f"({report.false_positive_rate:.1%})\n"
    )


if __name__ == "__main__":
    run()
