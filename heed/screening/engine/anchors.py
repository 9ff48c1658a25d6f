"""Required literal starts of lexicon patterns, so a pattern runs only on texts that contain one.

``\\b(kill|hurt)\\s+you`` can only match where ``kill`` or ``hurt`` begins; if neither string
occurs in the text the pattern cannot match, and a substring test (fast, in C) is much cheaper
than letting the regular-expression engine try every position. A pattern whose first consuming
element is not a literal, a set of literal characters or a group of such alternatives gets no
anchors (it always runs).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

try:  # Python 3.11+: the parser module is private but stable
    from re import _constants as _sre_constants  # type: ignore[attr-defined]
    from re import _parser as _sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    import sre_constants as _sre_constants  # type: ignore[no-redef]
    import sre_parse as _sre_parse  # type: ignore[no-redef]

_AT = _sre_constants.AT
_BRANCH = _sre_constants.BRANCH
_IN = _sre_constants.IN
_LITERAL = _sre_constants.LITERAL
_SUBPATTERN = _sre_constants.SUBPATTERN


def _anchors(items: list[Any]) -> frozenset[str] | None:
    position = 0
    while position < len(items) and items[position][0] is _AT:  # \b, ^: zero width
        position += 1
    if position >= len(items):
        return None
    operation, argument = items[position]
    if operation is _LITERAL:
        prefix: list[str] = []
        for op, value in items[position:]:
            if op is not _LITERAL:
                break
            prefix.append(chr(value))
        return frozenset({"".join(prefix)})
    if operation is _SUBPATTERN:
        _group, add_flags, del_flags, pattern = argument
        if add_flags or del_flags:
            return None
        return _anchors(list(pattern))
    if operation is _IN:  # (a|b|c) and [abc] are parsed as a character set
        if not all(op is _LITERAL for op, _value in argument):
            return None
        return frozenset(chr(value) for _op, value in argument)
    if operation is _BRANCH:
        found: set[str] = set()
        for branch in argument[1]:
            anchors = _anchors(list(branch))
            if anchors is None:
                return None
            found |= anchors
        return frozenset(found)
    return None


def pattern_anchors(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Strings one of which every match of ``pattern`` starts with, or None (no such set)."""
    if pattern.flags & (re.IGNORECASE | re.VERBOSE):
        return None
    try:
        parsed = _sre_parse.parse(pattern.pattern, pattern.flags)
    except Exception:  # noqa: BLE001 — an unparseable pattern simply runs everywhere
        return None
    anchors = _anchors(list(parsed.data))
    if anchors is None or "" in anchors:
        return None
    return anchors


_MAX_REPEAT = _sre_constants.MAX_REPEAT
_MIN_REPEAT = _sre_constants.MIN_REPEAT
_POSSESSIVE_REPEAT = getattr(_sre_constants, "POSSESSIVE_REPEAT", None)


def _literal_string(items: list[Any]) -> str | None:
    """The one string a sequence of literals (and plain groups of them) matches, else None."""
    found: list[str] = []
    for operation, argument in items:
        if operation is _LITERAL:
            found.append(chr(argument))
        elif operation is _SUBPATTERN:
            _group, add_flags, del_flags, pattern = argument
            inner = None if add_flags or del_flags else _literal_string(list(pattern))
            if inner is None:
                return None
            found.append(inner)
        else:
            return None
    return "".join(found)


def _collect_required(items: list[Any], groups: list[frozenset[str]]) -> None:
    run: list[str] = []

    def flush() -> None:
        if run:
            groups.append(frozenset({"".join(run)}))
            run.clear()

    for operation, argument in items:
        if operation is _LITERAL:
            run.append(chr(argument))
            continue
        flush()
        if operation is _IN:
            if all(op is _LITERAL for op, _value in argument):
                groups.append(frozenset(chr(value) for _op, value in argument))
        elif operation is _SUBPATTERN:
            _group, add_flags, del_flags, pattern = argument
            if not add_flags and not del_flags:
                _collect_required(list(pattern), groups)
        elif operation is _BRANCH:
            alternatives = [_literal_string(list(branch)) for branch in argument[1]]
            if all(alternative for alternative in alternatives):
                groups.append(frozenset(a for a in alternatives if a))
            else:
                group = _branch_group(argument[1])
                if group is not None:
                    groups.append(group)
        elif operation in (_MAX_REPEAT, _MIN_REPEAT, _POSSESSIVE_REPEAT):
            low, _high, pattern = argument
            if low >= 1:
                _collect_required(list(pattern), groups)
        # Anything else (any character, classes, assertions, optional parts) requires no
        # particular string.
    flush()


def _branch_group(branches: list[Any]) -> frozenset[str] | None:
    """For alternatives that are not all plain strings (「泼.{0,2}油漆|砸.{0,2}玻璃」): the
    strings of the first group each alternative requires, together (every match goes through
    one alternative, so it contains one of them); None when an alternative requires none."""
    found: set[str] = set()
    for branch in branches:
        groups: list[frozenset[str]] = []
        _collect_required(list(branch), groups)
        groups = [group for group in groups if group and "" not in group]
        if not groups:
            return None
        found |= groups[0]
    return frozenset(found)


def required_literals(pattern: re.Pattern[str]) -> list[frozenset[str]]:
    """Groups of strings such that every match of ``pattern`` contains at least one string of
    each group (so a text lacking all strings of some group cannot match). Empty: no such
    groups are known (the pattern runs on every text)."""
    if pattern.flags & (re.IGNORECASE | re.VERBOSE):
        return []
    try:
        parsed = _sre_parse.parse(pattern.pattern, pattern.flags)
    except Exception:  # noqa: BLE001 — an unparseable pattern simply runs everywhere
        return []
    groups: list[frozenset[str]] = []
    _collect_required(list(parsed.data), groups)
    return [group for group in groups if group and "" not in group]


_AT_BOUNDARY = _sre_constants.AT_BOUNDARY


def without_leading_boundary(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """For a pattern that starts with ``\\b`` and cannot match the empty string: the same
    pattern without that ``\\b`` (the regular-expression engine can then skip ahead to where
    its first characters occur, which a leading assertion prevents), else None. A match of it
    at a word boundary is a match of the pattern; see :func:`boundary_matches`."""
    source = pattern.pattern
    if not source.startswith("\\b") or pattern.flags & re.VERBOSE:
        return None
    try:
        parsed = _sre_parse.parse(source, pattern.flags)
        rest = re.compile(source[2:], pattern.flags)
    except Exception:  # noqa: BLE001 — keep the pattern as it is
        return None
    items = list(parsed.data)
    if not items or items[0] != (_AT, _AT_BOUNDARY) or rest.groups != pattern.groups:
        return None
    if _sre_parse.parse(rest.pattern, rest.flags).getwidth()[0] == 0:
        return None
    return rest


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"  # what \b looks at (a str pattern's \w)


def boundary_matches(rest: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """The matches ``pattern.finditer(text)`` yields, where ``rest`` is
    ``without_leading_boundary(pattern)``: the first position where ``rest`` matches and a word
    boundary lies is where the pattern matches first (with the same match), and the search goes
    on from that match's end, as ``finditer`` does."""
    position = 0
    length = len(text)
    while position <= length:
        match = rest.search(text, position)
        if match is None:
            return
        start = match.start()
        before = start > 0 and _is_word(text[start - 1])
        after = start < length and _is_word(text[start])
        if before != after:
            yield match
            position = match.end()  # never empty: the minimum width is above zero
        else:
            position = start + 1


# A pattern whose matches start with one of several strings (``(let|tell|show) …``) gives the
# regular-expression engine no literal to search for: it tries the whole pattern wherever one
# of their first characters stands. In a long text it is cheaper to find the strings themselves
# (``str.find``, in C) and try the pattern only there.
ANCHORED_MIN_ANCHORS = 3
ANCHORED_MIN_LENGTH = 1000
# More occurrences than one in this many characters: the engine's own search is as cheap.
_ANCHOR_SPACING = 32


def anchored_matches(
    pattern: re.Pattern[str], anchors: frozenset[str], text: str
) -> list[re.Match[str]] | None:
    """The matches ``pattern.finditer(text)`` yields, for a pattern every match of which starts
    with one of ``anchors`` (:func:`pattern_anchors`): the pattern is tried at each place one
    of them starts, in order, and the search goes on from a match's end, as ``finditer`` does
    (a match is never empty: the anchors are not). None when the anchors occur too often."""
    limit = len(text) // _ANCHOR_SPACING
    starts: set[int] = set()
    for anchor in anchors:
        position = text.find(anchor)
        while position >= 0:
            starts.add(position)
            if len(starts) > limit:
                return None
            position = text.find(anchor, position + 1)
    matches: list[re.Match[str]] = []
    end = 0
    for start in sorted(starts):
        if start < end:
            continue
        match = pattern.match(text, start)
        if match is not None:
            matches.append(match)
            end = match.end()
    return matches


def pattern_matches(
    pattern: re.Pattern[str],
    boundary_free: re.Pattern[str] | None,
    anchors: frozenset[str] | None,
    text: str,
) -> Iterable[re.Match[str]]:
    """``pattern.finditer(text)``'s matches, found the cheapest known way: from the anchors'
    places in a long text when there are several anchors (:func:`anchored_matches`), else
    without the leading ``\\b`` when ``boundary_free`` is given (:func:`boundary_matches`),
    else by ``finditer``."""
    if (
        anchors is not None
        and len(anchors) >= ANCHORED_MIN_ANCHORS
        and len(text) >= ANCHORED_MIN_LENGTH
    ):
        found = anchored_matches(pattern, anchors, text)
        if found is not None:
            return found
    return (
        pattern.finditer(text) if boundary_free is None else boundary_matches(boundary_free, text)
    )
