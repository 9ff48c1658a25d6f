"""A message screened as the debtor reads it: run on after the messages sent just before it.

A threat split over two texts ("We will tell your" / "employer about the debt on Monday.") passes
each text alone. So a message that passes alone, or that alone is only held for review, is
screened again joined after the last messages sent to the same contact point on the same channel
shortly before it (the caller looks them up: which ones, and how far back, is the caller's
rule). What that finds in the message — a finding that reaches into it, with its span cut to it
and ``|conversation`` added to its rule — is what the message adds to the conversation; a finding
that lies wholly in the earlier messages was theirs and is not counted again. The message's own
findings stay; the verdict is the stricter of the two (a message held alone that completes a
threat read on is blocked).

Each finding also says which earlier messages it arises with (the ones its span reaches into, or,
for a finding wholly in this message that only the earlier words make a finding, all of them), so
the collector typing the message can be told "with the message sent at 10:05".

Pure Python, no database.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from heed.screening.engine.screener import BLOCK, PASS, REVIEW, Finding, Result

CONVERSATION_RULE = "|conversation"


@dataclass(frozen=True)
class Earlier:
    """A message sent before: its text as screened (subject, newline, body) and when."""

    text: str
    sent_at: datetime


@dataclass(frozen=True)
class Conversation:
    """``result`` with what the conversation adds; ``arises_with`` has one entry per finding of
    ``result``: the times of the earlier messages that finding arises with (empty: the message
    alone has it)."""

    result: Result
    arises_with: tuple[tuple[datetime, ...], ...]


def alone(result: Result) -> Conversation:
    """``result`` as the message alone has it."""
    return Conversation(result, tuple(() for _finding in result.findings))


def joined(earlier: Sequence[Earlier]) -> tuple[str, list[tuple[int, int]]]:
    """The earlier messages (oldest first) as the debtor reads them: one text running on (a
    sentence may be split between two), and each message's span in it."""
    parts: list[str] = []
    spans: list[tuple[int, int]] = []
    at = 0
    for message in earlier:
        spans.append((at, at + len(message.text)))
        parts.append(f"{message.text} ")
        at += len(message.text) + 1
    return "".join(parts), spans


def with_conversation(
    result: Result,
    text: str,
    earlier: Sequence[Earlier],
    screen: Callable[[str], Result],
) -> Conversation:
    """``result`` (``text`` alone passed or was held for review) with what ``screen`` finds in
    ``text`` run on after ``earlier`` (oldest first): the findings that reach into ``text``, cut
    to it, added to the ones ``text`` alone has (:func:`merged`)."""
    if not earlier:
        return alone(result)
    before, spans = joined(earlier)
    offset = len(before)
    found = [f for f in screen(before + text).findings if f.end > offset]
    if not found:
        return alone(result)
    return merged(
        result,
        tuple(_cut(finding, text, offset) for finding in found),
        tuple(_arises_with(finding, earlier, spans) for finding in found),
    )


def merged(
    result: Result, found: Sequence[Finding], arises_with: Sequence[tuple[datetime, ...]]
) -> Conversation:
    """``result`` (the message alone: ``pass`` or ``review``) and ``found``, what the message
    run on after the earlier ones has (cut to it; ``arises_with`` one entry per finding).

    The verdict is the stricter of the two. The findings are the union: the message's own
    first, then the conversation's that are new. One the message alone already has (the same
    category and span) is not listed twice; if the conversation makes it stricter (``review``
    alone, ``block`` read on), the conversation's stands in its place."""
    findings = list(result.findings)
    times: list[tuple[datetime, ...]] = [() for _finding in findings]
    at = {(f.category, f.start, f.end): i for i, f in enumerate(findings)}
    for finding, with_times in zip(found, arises_with, strict=True):
        key = (finding.category, finding.start, finding.end)
        if key not in at:
            at[key] = len(findings)
            findings.append(finding)
            times.append(with_times)
        elif _strictness(finding.decision) > _strictness(findings[at[key]].decision):
            findings[at[key]] = finding
            times[at[key]] = with_times
    verdict = max((result.verdict, *(f.decision for f in found)), key=_strictness)
    return Conversation(replace(result, verdict=verdict, findings=tuple(findings)), tuple(times))


def _strictness(verdict: str) -> int:
    return {PASS: 0, REVIEW: 1, BLOCK: 2}.get(verdict, 0)


def _cut(finding: Finding, text: str, offset: int) -> Finding:
    start, end = max(finding.start - offset, 0), finding.end - offset
    return replace(
        finding, start=start, end=end, match=text[start:end], rule=finding.rule + CONVERSATION_RULE
    )


def _arises_with(
    finding: Finding, earlier: Sequence[Earlier], spans: list[tuple[int, int]]
) -> tuple[datetime, ...]:
    reached = tuple(
        message.sent_at
        for message, (start, end) in zip(earlier, spans, strict=True)
        if finding.start < end and start < finding.end
    )
    return reached or tuple(message.sent_at for message in earlier)
