"""``python manage.py screen [FILE]``: screen each line of FILE (or stdin), print JSON lines."""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from heed.screening.engine.lexicon import load_lexicon
from heed.screening.engine.screener import CHANNELS, AccountFacts, Screener
from heed.screening.selectors import screener_get

FACT_NAMES = tuple(AccountFacts.__dataclass_fields__)
BATCH_LINES = 256


class Command(BaseCommand):
    help = "Screen text line by line (stdin or a file) and print one JSON result per line."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", nargs="?", help="UTF-8 text file; default: standard input")
        parser.add_argument("--language", choices=["zh", "en"], default=None)
        parser.add_argument("--channel", choices=list(CHANNELS), default=None)
        parser.add_argument(
            "--facts",
            default=None,
            help=(
                "Account facts for gated categories, comma-separated names that are true "
                f"(others false): {', '.join(FACT_NAMES)}. Without it gated hits ask for review."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        facts = None
        if options["facts"] is not None:
            names = [n.strip() for n in options["facts"].split(",") if n.strip()]
            unknown = [n for n in names if n not in FACT_NAMES]
            if unknown:
                raise CommandError(f"unknown fact(s): {', '.join(unknown)}")
            facts = AccountFacts(**dict.fromkeys(names, True))
        try:
            screener = screener_get()
        except DatabaseError:
            # Not migrated yet: the file lexicon alone (approved UI changes need the database).
            self.stderr.write("screening tables missing (run migrate); using the file lexicon")
            screener = Screener(load_lexicon())
        stream: TextIO
        if options["file"]:
            try:
                stream = open(options["file"], encoding="utf-8")  # noqa: SIM115
            except OSError as exc:
                raise CommandError(str(exc)) from exc
        else:
            stream = sys.stdin
        # A file or a pipe is screened in batches (one classifier pass per batch; each result is
        # what screening the line alone gives); a terminal line by line, answering at once.
        batch_size = 1 if stream.isatty() else BATCH_LINES
        try:
            batch: list[str] = []
            for line in stream:
                batch.append(line.rstrip("\r\n"))
                if len(batch) >= batch_size:
                    self._write(screener, batch, options, facts)
                    batch = []
            if batch:
                self._write(screener, batch, options, facts)
        finally:
            if stream is not sys.stdin:
                stream.close()

    def _write(
        self,
        screener: Screener,
        lines: list[str],
        options: dict[str, Any],
        facts: AccountFacts | None,
    ) -> None:
        results = screener.screen_many(
            lines, language=options["language"], channel=options["channel"], facts=facts
        )
        for result in results:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
