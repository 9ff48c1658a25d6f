"""Patterns that start with look-behinds (``(?<!said )(?<!if )\\b(tell|…)``), searched faster.

A leading look-behind gives the regular-expression engine nothing to skip ahead to: it checks
every look-behind at every position of the text before it tries the rest. Split into its
leading assertions (look-behinds, and a ``\\b`` after them) and the rest, the pattern is
searched as the rest — which the engine finds from its first characters — and a match counts
where the assertions hold at its start. Its matches are those of ``pattern.finditer``.

Pure Python, no database.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

try:
    from re import _parser as _sre_parse  # type: ignore[attr-defined]
except ImportError:  # Python < 3.11
    import sre_parse as _sre_parse  # type: ignore[no-redef]

_LOOK_BEHIND_OPENINGS = ("(?<!", "(?<=")


@dataclass(frozen=True)
class Split:
    """A pattern as its leading assertions (zero-width) and the rest (never empty)."""

    assertions: re.Pattern[str]
    rest: re.Pattern[str]


def _syntax(source: str, start: int) -> Iterator[tuple[int, str, int]]:
    """The characters of ``source`` from ``start`` that are regular-expression syntax (not
    escaped, not in a character class), each with its index and the depth of groups it is in
    (a group's parentheses at the depth outside it)."""
    depth = 0
    index = start
    in_class = False
    while index < len(source):
        char = source[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            if source.startswith("^", index + 1):
                index += 1
            if source.startswith("]", index + 1):
                index += 1  # a "]" first in a class is a member
        elif char == "(":
            yield index, char, depth
            depth += 1
        elif char == ")":
            depth -= 1
            yield index, char, depth
        else:
            yield index, char, depth
        index += 1


def _group_end(source: str, start: int) -> int | None:
    """The index after the parenthesis that closes the group opened at ``start``; None when
    the group does not close."""
    for index, char, depth in _syntax(source, start):
        if char == ")" and depth == 0:
            return index + 1
    return None


def _has_alternatives(source: str) -> bool:
    """Whether ``source`` is alternatives (``a|b``) at its top level."""
    return any(char == "|" and depth == 0 for _index, char, depth in _syntax(source, 0))


def _assertions_end(source: str) -> int:
    """The length of the leading look-behinds of ``source`` and the ``\\b`` after them."""
    end = 0
    while source.startswith(_LOOK_BEHIND_OPENINGS, end):
        group_end = _group_end(source, end)
        if group_end is None:
            return 0
        end = group_end
    if end and source.startswith("\\b", end):
        end += 2
    return end


def split_look_behinds(pattern: re.Pattern[str]) -> Split | None:
    """For a pattern that starts with look-behinds, has no capturing group in them and cannot
    match the empty string: its assertions and the rest, else None."""
    if pattern.flags & re.VERBOSE:
        return None
    source = pattern.pattern
    end = _assertions_end(source)
    if not end or _has_alternatives(source[end:]):
        return None  # the look-behinds of "(?<!x)a|b" are the first alternative's only
    try:
        assertions = re.compile(source[:end], pattern.flags)
        rest = re.compile(source[end:], pattern.flags)
    except re.error:
        return None
    if assertions.groups or rest.groups != pattern.groups:
        return None
    # The assertions match nothing but the empty string; the rest never matches it.
    if _widths(assertions) != (0, 0) or _widths(rest)[0] == 0:
        return None
    return Split(assertions, rest)


def _widths(pattern: re.Pattern[str]) -> tuple[int, int]:
    """The shortest and longest strings ``pattern`` matches."""
    low, high = _sre_parse.parse(pattern.pattern, pattern.flags).getwidth()
    return low, high


def look_behind_matches(split: Split, text: str) -> Iterator[re.Match[str]]:
    """The matches ``pattern.finditer(text)`` yields for the pattern ``split`` was made from:
    the first position where the rest matches and the assertions hold is where the pattern
    matches first (with the same match), and the search goes on from that match's end, as
    ``finditer`` does (a match is never empty)."""
    position = 0
    length = len(text)
    while position <= length:
        match = split.rest.search(text, position)
        if match is None:
            return
        start = match.start()
        if split.assertions.match(text, start) is not None:
            yield match
            position = match.end()
        else:
            position = start + 1
