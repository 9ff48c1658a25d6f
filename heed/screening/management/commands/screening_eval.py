"""``python manage.py screening_eval``: the quality tables of issue 5.

1. Recall per category and false-positive rate on the labelled collection messages
   (every set in ``heed/screening/data/``; ``holdout_v3.csv`` and ``holdout_v4.csv`` are held
   out: never trained or tuned on).
2. COLD ``test.csv`` accuracy and macro-F1 for the insult/abuse part (P3/P17): the lexicon alone,
   the classifier alone (trained on train+dev here, or the shipped model), and both.
"""

from __future__ import annotations

import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from heed.screening.engine.classifier import ColdClassifier, read_cold, train_from_cold
from heed.screening.engine.domain import train_domain
from heed.screening.engine.evaluation import (
    COLD_DIR,
    DATA_DIR,
    HELD_OUT_SETS,
    SEALED_SETS,
    cold_metrics,
    evaluate_labelled,
    format_labelled,
    load_labelled,
    training_messages,
)
from heed.screening.engine.lexicon import load_lexicon
from heed.screening.engine.screener import Screener
from heed.screening.selectors import CLASSIFIER_PATH, CLASSIFIER_THRESHOLD, DOMAIN_THRESHOLD


class Command(BaseCommand):
    help = "Print recall per category, false-positive rate and COLD accuracy / macro-F1."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--cold", default=str(COLD_DIR), help="directory with COLD CSVs")
        parser.add_argument(
            "--retrain",
            action="store_true",
            help="train the classifier from COLD train+dev now instead of loading the shipped one",
        )
        parser.add_argument("--save", action="store_true", help="save the retrained model")
        parser.add_argument("--skip-cold", action="store_true")
        parser.add_argument("--verbose-misses", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        lexicon = load_lexicon()
        cold_dir = Path(options["cold"])
        classifier: ColdClassifier | None = None
        if options["retrain"] or not CLASSIFIER_PATH.exists():
            if (cold_dir / "train.csv").exists():
                started = time.monotonic()
                classifier = train_from_cold(cold_dir)
                self.stdout.write(f"classifier trained in {time.monotonic() - started:.1f} s")
                if options["save"]:
                    classifier.save(CLASSIFIER_PATH)
                    self.stdout.write(f"saved {CLASSIFIER_PATH}")
        else:
            classifier = ColdClassifier.load(CLASSIFIER_PATH)
        self.stdout.write(
            f"lexicon {lexicon.version} ({lexicon.content_hash}), {len(lexicon.entries)} entries"
        )
        domain = train_domain(training_messages())
        layers = (
            ("lexicon + rules", None, None),
            ("all layers (+ COLD and in-domain classifiers, review only)", classifier, domain),
        )
        for name, cold, in_domain in layers:
            screener = Screener(
                lexicon,
                classifier=cold,
                classifier_threshold=CLASSIFIER_THRESHOLD,
                domain=in_domain,
                domain_threshold=DOMAIN_THRESHOLD,
            )
            for path in sorted(DATA_DIR.glob("*.csv")):
                report = evaluate_labelled(screener, load_labelled(path))
                role = (
                    "held out: never trained or tuned on"
                    if path in HELD_OUT_SETS
                    else "tuning set; training data of the in-domain classifier"
                )
                self.stdout.write(f"\n== {path.name} — {name} ({role})")
                self.stdout.write(format_labelled(report))
                if options["verbose_misses"] and path in SEALED_SETS:
                    self.stdout.write("  (a sealed set: its misses are never printed)")
                elif options["verbose_misses"]:
                    for message, summary in report.missed:
                        self.stdout.write(
                            f"  missed {message.message_id}: {summary} {message.text}"
                        )
                    for message, summary in report.flagged_lawful:
                        self.stdout.write(
                            f"  flagged {message.message_id}: {summary} {message.text}"
                        )
        if options["skip_cold"] or not (cold_dir / "test.csv").exists():
            return
        texts, labels = read_cold(cold_dir / "test.csv")
        self.stdout.write(f"\n== COLD test.csv ({len(texts)} texts, offensive = 1)")
        self.stdout.write("detector                 accuracy  macro-F1")
        plain = Screener(lexicon)
        lexicon_flags = [
            int(any(f.category in {"P3", "P17"} for f in plain.screen(t).findings)) for t in texts
        ]
        rows = [("lexicon (P3/P17)", lexicon_flags)]
        if classifier is not None:
            classifier_flags = [int(s >= 0.5) for s in classifier.scores(texts)]
            rows.append(("classifier (p >= 0.5)", classifier_flags))
            rows.append(
                (
                    "lexicon OR classifier",
                    [a | b for a, b in zip(lexicon_flags, classifier_flags, strict=True)],
                )
            )
        for name, flags in rows:
            accuracy, macro_f1 = cold_metrics(labels, flags)
            self.stdout.write(f"{name:<24} {accuracy:8.1%}  {macro_f1:8.1%}")
