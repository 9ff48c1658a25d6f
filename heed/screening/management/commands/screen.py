"""``python manage.py screen [FILE]``: screen each line of FILE (or stdin), print JSON lines.

The input is read in ``--encoding`` (UTF-8 by default); a line that does not decode stops the run
with an error naming the line. The output is always UTF-8, whatever the locale's encoding.
"""

from __future__ import annotations

import codecs
import json
import sys
from argparse import ArgumentParser
from collections.abc import Iterable, Iterator
from typing import IO, Any

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
        parser.add_argument("file", nargs="?", help="text file; default: standard input")
        parser.add_argument(
            "--encoding",
            default="utf-8",
            help="encoding of the input, e.g. gb18030 or gbk (default: utf-8); output is UTF-8",
        )
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
        encoding = _encoding(options["encoding"])
        try:
            screener = screener_get()
        except DatabaseError:
            # Not migrated yet: the file lexicon alone (approved UI changes need the database).
            self.stderr.write("screening tables missing (run migrate); using the file lexicon")
            screener = Screener(load_lexicon())
        stream: IO[Any]
        if options["file"]:
            try:
                stream = open(options["file"], "rb")  # noqa: SIM115
            except OSError as exc:
                raise CommandError(str(exc)) from exc
        else:
            # The bytes under standard input, so the locale's encoding does not decide.
            stream = getattr(sys.stdin, "buffer", sys.stdin)
        # A file or a pipe is screened in batches (one classifier pass per batch; each result is
        # what screening the line alone gives); a terminal line by line, answering at once.
        batch_size = 1 if stream.isatty() else BATCH_LINES
        batch: list[str] = []
        try:
            for line in _decoded_lines(stream, encoding):
                batch.append(line)
                if len(batch) >= batch_size:
                    self._write(screener, batch, options, facts)
                    batch = []
        except CommandError:
            # The lines before the undecodable one are answered, as they would be line by line.
            if batch:
                self._write(screener, batch, options, facts)
            raise
        finally:
            if options["file"]:
                stream.close()
        if batch:
            self._write(screener, batch, options, facts)

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
        text = "".join(
            json.dumps(result.as_dict(), ensure_ascii=False) + "\n" for result in results
        )
        # UTF-8 whatever the locale says (a C or Latin-1 terminal would otherwise fail on the
        # first Chinese character): written to the byte stream under the text one when there is.
        out = getattr(self.stdout, "_out", self.stdout)
        buffer = getattr(out, "buffer", None)
        if buffer is None:
            out.write(text)
            return
        out.flush()
        buffer.write(text.encode("utf-8"))
        buffer.flush()


def _encoding(name: str) -> str:
    """The codec's canonical name; refused when unknown or when lines cannot be split at
    newline bytes (UTF-16 and UTF-32)."""
    try:
        info = codecs.lookup(name)
    except LookupError as exc:
        raise CommandError(f"unknown encoding {name!r} (try utf-8, gb18030 or gbk)") from exc
    if "\n".encode(info.name) != b"\n" or info.name.startswith(("utf-16", "utf-32")):
        raise CommandError(
            f"encoding {name!r} is not supported: lines are split at newline bytes "
            "(use an ASCII-compatible encoding such as utf-8, gb18030 or gbk)"
        )
    return info.name


def _decoded_lines(stream: Iterable[Any], encoding: str) -> Iterator[str]:
    """The lines of ``stream`` (bytes, or text already), without their line ends; a byte-order
    mark at the start is dropped. An undecodable line raises a ``CommandError`` naming it."""
    for number, raw in enumerate(stream, start=1):
        if isinstance(raw, bytes):
            try:
                line = raw.decode(encoding)
            except UnicodeDecodeError as exc:
                raise CommandError(
                    f"line {number}: not valid {encoding} (byte 0x{raw[exc.start]:02x} at "
                    f"byte {exc.start + 1} of the line); give the input's encoding with "
                    "--encoding, e.g. --encoding gb18030"
                ) from None
        else:
            line = raw
        if number == 1:
            line = line.removeprefix("\ufeff")
        yield line.rstrip("\r\n")
