"""What the classifiers judge besides whole sentences: clause windows of a long sentence and the
run of a text's very short sentences (red-team audit, classes G01 and G04).

A violation written into one long, comma-joined polite sentence ("Hi Sam, thank you for your
time, your balance is still outstanding, you'll be sleeping with the fishes, kind regards") is
outscored by its filler: the classifiers read the character n-grams of the whole sentence. So a
long sentence is also judged as windows of one or two of its clauses (cut at commas, dashes), and
the strongest window speaks for it. A text cut into sentences of one or two words ("Pay. Or.
Your. Boss. Sees. Your. ID.") is never classified sentence by sentence (too little in each), so a
run of such sentences is judged as one unit.

Both kinds are judged with stricter thresholds than a sentence (see ``selectors``): a clause or
a few words share most of their n-grams with the short violating examples the in-domain model
learned from, so its scores on them run high. A finding still points at the span it judged.
Pure Python, no database.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from heed.screening.engine.normalize import ideograph_count

SENTENCE = "sentence"
CLAUSE = "clause"
FRAGMENTS = "fragments"

# A clause ends at a comma (not one inside a number: 1,150) or a dash set off as a pause; 、 is
# left alone (it lists nouns, 照片、通讯录, and cutting there would judge bare nouns). In English
# a clause also starts at a joining word (the polite frame runs on with "…is still outstanding
# and you'll be sleeping with the fishes"): the cut is the space before it, which stays with
# the next clause. Not at "or" or "if": those mostly join alternatives and conditions of lawful
# notices ("your workplace or your wife", "if you do not pay"), and judged alone such a piece
# reads like the threat it rules out.
# The look-ahead in front names the first character of every alternative: the search then skips
# the other characters at once instead of trying each alternative on them (the same matches).
_CLAUSE_CUT = re.compile(
    r"(?=[,，\s—–])"
    r"(?:(?<!\d),|,(?!\d)|，|\s[-–—]+\s|——|—|–"
    r"|\s+(?=(?:and|but|so|unless|because|otherwise|or else)\s))",
    re.IGNORECASE,
)
# Only a long sentence is diluted: at least this many characters, or ideographs in Chinese (an
# ordinary "Hi Sam, please call us." is judged whole, as before), and at least three clauses.
CLAUSE_SENTENCE_MIN_CHARACTERS = 60
CLAUSE_SENTENCE_MIN_IDEOGRAPHS = 24
CLAUSE_SENTENCE_MIN_CLAUSES = 3
# A run of very short sentences is judged as one unit when it has at least this many sentences.
FRAGMENT_RUN_MIN_SENTENCES = 3


class _Scored(Protocol):
    @property
    def confidence(self) -> float: ...


F = TypeVar("F", bound=_Scored)


@dataclass(frozen=True)
class Unit:
    """``[start, end)`` of the original text, what the classifiers read of it, the kind of unit,
    and its group: the units of one group (a sentence and its clause windows) give at most one
    finding, the strongest."""

    start: int
    end: int
    piece: str
    kind: str
    group: int
    # The unit as written (a finding's match): ``text[start:end]``, which for a run of short
    # sentences keeps their end marks.
    written: str


def _stripped(text: str, start: int, end: int) -> tuple[int, int] | None:
    piece = text[start:end]
    stripped = piece.strip()
    if not stripped:
        return None
    begin = start + piece.index(stripped[0])
    return begin, begin + len(stripped)


def clauses(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """``[start, end)`` of each clause of the sentence ``text[start:end]``, white space left out."""
    spans: list[tuple[int, int]] = []
    begin = start
    for match in _CLAUSE_CUT.finditer(text, start, end):
        span = _stripped(text, begin, match.start())
        if span is not None:
            spans.append(span)
        begin = match.end()
    span = _stripped(text, begin, end)
    if span is not None:
        spans.append(span)
    return spans


def clause_windows(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Windows of one or two consecutive clauses of a long sentence that say enough to judge
    (``CLAUSE_MIN_…``); none for a short sentence or one of fewer than three clauses (the
    cheapest checks first: most sentences are short, and counting ideographs costs less than
    looking for a cut, which ``clauses`` does anyway)."""
    if end - start < CLAUSE_SENTENCE_MIN_IDEOGRAPHS:
        return []
    if (
        end - start < CLAUSE_SENTENCE_MIN_CHARACTERS
        and ideograph_count(text[start:end]) < CLAUSE_SENTENCE_MIN_IDEOGRAPHS
    ):
        return []
    spans = clauses(text, start, end)
    if len(spans) < CLAUSE_SENTENCE_MIN_CLAUSES:
        return []
    windows: list[tuple[int, int]] = []
    for number, (low, high) in enumerate(spans):
        windows.append((low, high))
        if number + 1 < len(spans):
            windows.append((low, spans[number + 1][1]))
    return [(low, high) for low, high in windows if _says_enough(text[low:high])]


_LATIN_WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?")
# A clause window must say more than a sentence must (three words or four ideographs): on a
# short imperative or noun phrase ("请尽快还款", "your local Trading Standards Department") the
# in-domain model's score runs close to 1 whatever the message, since its short violating
# examples share those n-grams.
CLAUSE_MIN_IDEOGRAPHS = 6
CLAUSE_MIN_WORDS = 6


def _says_enough(piece: str) -> bool:
    if ideograph_count(piece) >= CLAUSE_MIN_IDEOGRAPHS:
        return True
    return len(_LATIN_WORD.findall(piece)) >= CLAUSE_MIN_WORDS


def fragment_piece(text: str, sentences: Sequence[tuple[int, int]]) -> str:
    """What the classifiers read of a run of short sentences: the sentences joined by spaces,
    their end marks left out ("Pay. Or. Your. Boss." reads "Pay Or Your Boss"; 还钱。否则。
    reads 还钱否则), as one sentence would be written."""
    parts = [text[low:high].rstrip("。！？!?；;.…") for low, high in sentences]
    joined = [part for part in parts if part]
    if joined and all(not part.isascii() for part in joined):
        return "".join(joined)
    return " ".join(joined)


def _short_runs(
    text: str, sentences: Sequence[tuple[int, int]], says_enough: Sequence[bool]
) -> list[list[tuple[int, int]]]:
    """Runs of adjacent sentences (nothing but white space between them) that each say too
    little to judge (``says_enough``: per sentence), of at least
    ``FRAGMENT_RUN_MIN_SENTENCES``."""
    runs: list[list[tuple[int, int]]] = []
    previous_end: int | None = None
    for (start, end), enough in zip(sentences, says_enough, strict=True):
        if enough:
            previous_end = None
            continue
        if previous_end is None or text[previous_end:start].strip():
            runs.append([])
        runs[-1].append((start, end))
        previous_end = end
    return [run for run in runs if len(run) >= FRAGMENT_RUN_MIN_SENTENCES]


def classifier_units(
    text: str, sentences: Sequence[tuple[int, int]], enough: Callable[[str, int, int], bool]
) -> Iterator[Unit]:
    """The units of ``text`` the classifiers judge, given the sentences no lexicon hit touches
    (in order): each sentence that says ``enough``, the clause windows of a long one (in the
    sentence's group), and each run of very short sentences that together say enough."""
    group = 0
    says_enough = [enough(text, start, end) for start, end in sentences]
    for (start, end), judged in zip(sentences, says_enough, strict=True):
        if not judged:
            continue
        piece = text[start:end]
        yield Unit(start, end, piece, SENTENCE, group, piece)
        for low, high in clause_windows(text, start, end):
            piece = text[low:high]
            yield Unit(low, high, piece, CLAUSE, group, piece)
        group += 1
    for run in _short_runs(text, sentences, says_enough):
        low, high = run[0][0], run[-1][1]
        if enough(text, low, high):
            yield Unit(low, high, fragment_piece(text, run), FRAGMENTS, group, text[low:high])
            group += 1


# Thresholds of a clause window and of a run of short sentences, per classifier ("domain", the
# in-domain model; "cold", the COLD insult model). A sentence keeps the screener's own.
UNIT_THRESHOLDS: dict[tuple[str, str], float] = {
    (CLAUSE, "domain"): 0.95,
    (CLAUSE, "cold"): 0.9,
    (FRAGMENTS, "domain"): 0.9,
    (FRAGMENTS, "cold"): 0.9,
}


def unit_threshold(kind: str, sentence_threshold: float, classifier: str) -> float:
    """The score a unit of this kind needs: a sentence's threshold, or the stricter one of its
    kind (never below the sentence's)."""
    stricter = UNIT_THRESHOLDS.get((kind, classifier))
    return sentence_threshold if stricter is None else max(stricter, sentence_threshold)


def strongest(
    units: Sequence[Unit], owners: Sequence[int], findings: Sequence[F | None]
) -> list[F | None]:
    """At most one finding per group (a sentence and its clause windows) of each text (its
    owner): the sentence's own if it has one, else its strongest window's."""
    kept: list[F | None] = list(findings)
    best: dict[tuple[int, int], int] = {}
    for position, (unit, owner, finding) in enumerate(zip(units, owners, findings, strict=True)):
        if finding is None:
            continue
        key = (owner, unit.group)
        other = best.get(key)
        if other is None:
            best[key] = position
            continue
        held = findings[other]
        assert held is not None
        if units[other].kind == SENTENCE or (
            unit.kind != SENTENCE and held.confidence >= finding.confidence
        ):
            kept[position] = None
        else:
            kept[other] = None
            best[key] = position
    return kept
