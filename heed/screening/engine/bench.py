"""Throughput of the screener against the floor: the raw Aho-Corasick scan of the same lexicon
over the same texts (issue 5 benchmark). Pure Python, no database."""

from __future__ import annotations

import random
import time
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
    """Short messages (85 % lawful) and long call transcripts (~200 utterances, 5 % violating)."""
    generator = random.Random(seed)
    lawful = [m.text for m in messages if not m.is_violating]
    violating = [m.text for m in messages if m.is_violating]
    texts = [
        generator.choice(violating if generator.random() < 0.15 else lawful) for _ in range(short)
    ]
    for _ in range(transcripts):
        utterances = [
            generator.choice(violating if generator.random() < 0.05 else lawful) for _ in range(200)
        ]
        texts.append("\n".join(utterances))
    return texts


def run(screener: Screener, texts: list[str], name: str) -> list[BenchResult]:
    size = sum(len(text.encode("utf-8")) for text in texts) / 1e6
    started = time.perf_counter()
    for text in texts:
        screener.lexicon.raw_scan(text)
    floor = BenchResult("floor: raw Aho-Corasick", len(texts), size, time.perf_counter() - started)
    started = time.perf_counter()
    for text in texts:
        screener.screen(text)
    full = BenchResult(name, len(texts), size, time.perf_counter() - started)
    return [floor, full]
