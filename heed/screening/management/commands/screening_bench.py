"""``python manage.py screening_bench``: messages/s and MB/s of the screener against the floor
(the same table as ``python -m heed.screening.bench``)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from heed.screening.bench import run


class Command(BaseCommand):
    help = "Screening throughput on short messages and long transcripts, against the raw scan."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--short", type=int, default=2000)
        parser.add_argument("--transcripts", type=int, default=20)
        parser.add_argument("--repeats", type=int, default=5)

    def handle(self, *args: Any, **options: Any) -> None:
        run(
            short=options["short"],
            transcripts=options["transcripts"],
            repeats=options["repeats"],
            out=self.stdout,
        )
