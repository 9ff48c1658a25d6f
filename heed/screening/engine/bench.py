"""Throughput of the screener against the floor: the raw Aho-Corasick scan of the same lexicon
over the same texts (issue 5 benchmark). Pure Python, no database."""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from heed.screening.engine.evaluation import LabelledMessage
from heed.screening.engine.screener import Screener


@dataclass(frozen=True)
class BenchResult:
    name: str
    messages: int
    megabytes: float
    seconds: float

    @property
    def messages_per_second(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0

    @property
    def megabytes_per_second(self) -> float:
        return self.megabytes / self.seconds if self.seconds else 0.0


def realistic_mix(
    messages: list[LabelledMessage], *, short: int = 2000, transcripts: int = 20, seed: int = 7
) -> list[str]:
    """Short messages (85 % lawful) and long call transcripts (~200 utterances, 5 % violating).

    Every text is distinct, and so is every utterance of a transcript: a message carries its
    reference number and an utterance its time stamp, as real ones do — nothing can be answered
    from what an earlier text gave.
    """
    generator = random.Random(seed)
    lawful = [m for m in messages if not m.is_violating]
    violating = [m for m in messages if m.is_violating]
    texts: list[str] = []
    for number in range(short):
        message = generator.choice(violating if generator.random() < 0.15 else lawful)
        if message.language == "zh":
            texts.append(f"{message.text}（编号 {100000 + number}）")
        else:
            texts.append(f"{message.text} (ref. {100000 + number})")
    for call in range(transcripts):
        utterances = []
        for second in range(0, 200 * 7, 7):
            message = generator.choice(violating if generator.random() < 0.05 else lawful)
            stamp = f"[{call:03d} {second // 60:02d}:{second % 60:02d}]"
            utterances.append(f"{stamp} {message.text}")
        texts.append("\n".join(utterances))
    return texts


def _median_seconds(function: Callable[[], object], repeats: int) -> float:
    times: list[float] = []
    for _ in range(max(1, repeats)):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def floor_scan(screener: Screener, texts: list[str]) -> None:
    """The floor: the raw Aho-Corasick scan of the same lexicon over the same (raw) texts."""
    scan = screener.lexicon.raw_scan
    for text in texts:
        scan(text)


def run(
    screener: Screener, texts: list[str], name: str, *, repeats: int = 1, batch: bool = True
) -> list[BenchResult]:
    """The floor and the screener over the same texts (median of ``repeats`` runs each):
    ``screen_many`` over all texts, or ``screen`` per text when ``batch`` is false."""
    size = sum(len(text.encode("utf-8")) for text in texts) / 1e6
    floor_seconds = _median_seconds(lambda: floor_scan(screener, texts), repeats)
    if batch:
        seconds = _median_seconds(lambda: screener.screen_many(texts), repeats)
    else:
        seconds = _median_seconds(lambda: [screener.screen(text) for text in texts], repeats)
    return [
        BenchResult("floor: raw Aho-Corasick", len(texts), size, floor_seconds),
        BenchResult(name, len(texts), size, seconds),
    ]
