"""Required literal starts of lexicon patterns, so a pattern runs only on texts that contain one.

``\\b(kill|hurt)\\s+you`` can only match where ``kill`` or ``hurt`` begins; if neither string
occurs in the text the pattern cannot match, and a substring test (fast, in C) is much cheaper
than letting the regular-expression engine try every position. A pattern whose first consuming
element is not a literal, a set of literal characters or a group of such alternatives gets no
anchors (it always runs).
"""

from __future__ import annotations

import re
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
