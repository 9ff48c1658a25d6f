"""Safety checks for a regular expression proposed for the lexicon (pure Python, no Django).

A pattern runs on every screened text, in the web and task workers, and Python's ``re`` cannot be
interrupted. Four kinds of pattern are refused before they are stored:

- patterns that can backtrack catastrophically: a repeat with an unbounded or large upper bound
  whose body itself contains such a repeat or an alternation (``(a+)+``, ``(a|aa)+$``,
  ``(\\w+\\s?)*x``). Once approved, ``(a|aa)+$`` took 15 s on a 38-character text.
- patterns where two unbounded runs of single characters can take the same characters with
  nothing required between them (``.*.*x``, ``\\w+\\s?\\w+x``, ``(\\w+\\s?){0,3}x``): each
  split of a run between them is tried, so the work grows with a power of the text's length.
- patterns with an open-ended run of single characters that a search can enter at many places
  of one long run of those characters, with something required after it (``[a-z]+\\d+``,
  ``.*x``, ``\\bpay\\b.*\\bnow\\b``, ``\\b\\d[\\d,]*x``): each start walks the rest of the
  run, so the work grows with the square of the text's length (the last took 0.6 s on 10,000
  characters of "1,1,1,…", a minute on the 100,000 the API allows). A ``^`` before the run, a
  required character the run cannot take, or a word boundary before a run of word characters
  limits the starts, and a bounded repeat (``.{0,40}``) limits each walk.
- patterns that can match the empty string (``a{0}``, ``(?i)``, ``x?``): a lexicon entry must
  require at least one character.

The check walks the tree of Python's own parser (``re._parser``), so it sees the pattern exactly
as the engine will compile it (single-character alternatives are already merged into a set and
do not count as an alternation).
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from typing import Any

try:  # Python 3.11+: the parser module is private but stable
    from re import _constants as _sre_constants  # type: ignore[attr-defined]
    from re import _parser as _sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    import sre_constants as _sre_constants  # type: ignore[no-redef]
    import sre_parse as _sre_parse  # type: ignore[no-redef]

# A repeat whose upper bound is above this counts as "large" (``.{0,40}`` between two words is
# common and harmless on its own; nested inside another large repeat it is not). ``(a|aa){0,5}``
# tries at most a few dozen ways per position; ``(a|aa){0,20}$`` took 4 s on 100 characters.
LARGE_REPEAT = 5
# Two one-character runs side by side count when both may be longer than this
# (``\s+[^.!?]{0,20}`` in the shipped lexicon is fine: at most 20 splits).
LONG_RUN = 100

_REPEATS = {
    _sre_constants.MAX_REPEAT,
    _sre_constants.MIN_REPEAT,
    *([_sre_constants.POSSESSIVE_REPEAT] if hasattr(_sre_constants, "POSSESSIVE_REPEAT") else []),
}
_ALTERNATIONS = {_sre_constants.BRANCH, _sre_constants.GROUPREF_EXISTS}


@dataclass(frozen=True)
class PatternProblem:
    """Why a pattern is refused. ``code``: ``syntax``, ``backtracking``, ``long_run`` or
    ``empty_match``;
    ``reason`` and ``position`` (when known) come from the parser for ``syntax``."""

    code: str
    reason: str = ""
    position: int | None = None


def _is_large(maximum: int, limit: int = LARGE_REPEAT) -> bool:
    """Unbounded (``*``, ``+``, ``{n,}``: ``MAXREPEAT``) or above ``limit``."""
    return maximum > limit


def _children(operation: Any, argument: Any) -> list[Any]:
    """The sub-patterns (parsed item lists) directly below one node."""
    if operation in _REPEATS:
        return [argument[2]]
    if operation is _sre_constants.SUBPATTERN:
        return [argument[3]]
    if operation is _sre_constants.BRANCH:
        return list(argument[1])
    if operation is _sre_constants.GROUPREF_EXISTS:
        return [branch for branch in argument[1:] if branch is not None]
    if operation in (_sre_constants.ASSERT, _sre_constants.ASSERT_NOT):
        return [argument[1]]
    if operation is getattr(_sre_constants, "ATOMIC_GROUP", None):
        return [argument]
    return []


def _is_ambiguous(items: Any) -> bool:
    """Whether ``items`` contains a large/unbounded repeat or an alternation anywhere."""
    for operation, argument in items:
        if operation in _ALTERNATIONS:
            return True
        if operation in _REPEATS and _is_large(argument[1]):
            return True
        if any(_is_ambiguous(child) for child in _children(operation, argument)):
            return True
    return False


def _has_nested_repeat(items: Any) -> bool:
    for operation, argument in items:
        if operation in _REPEATS and _is_large(argument[1]) and _is_ambiguous(argument[2]):
            return True
        if any(_has_nested_repeat(child) for child in _children(operation, argument)):
            return True
    return False


# Characters that stand for the alphabet when two single-character repeats are compared: if one
# of them can be taken by both, the repeats overlap.
_PROBES = (
    string.ascii_letters
    + string.digits
    + string.punctuation
    + " \t\n\u3000\xa0"
    + "你欠钱还债。，！？：“”（）éß"
)
_CATEGORIES: dict[Any, str] = {
    _sre_constants.CATEGORY_DIGIT: r"\d",
    _sre_constants.CATEGORY_NOT_DIGIT: r"\D",
    _sre_constants.CATEGORY_SPACE: r"\s",
    _sre_constants.CATEGORY_NOT_SPACE: r"\S",
    _sre_constants.CATEGORY_WORD: r"\w",
    _sre_constants.CATEGORY_NOT_WORD: r"\W",
}


def _set_member(char: str, members: Any) -> bool:
    negate = False
    found = False
    for operation, argument in members:
        if operation is _sre_constants.NEGATE:
            negate = True
        elif operation is _sre_constants.LITERAL:
            found = found or ord(char) == argument
        elif operation is _sre_constants.RANGE:
            found = found or argument[0] <= ord(char) <= argument[1]
        elif operation is _sre_constants.CATEGORY:
            found = found or bool(re.fullmatch(_CATEGORIES.get(argument, r"[\s\S]"), char))
        else:  # anything unusual: assume it can take the character
            found = True
    return found != negate


def _single_characters(items: Any) -> frozenset[str] | None:
    """The probe characters a one-character item list can take; ``None`` if it is not one."""
    if len(items) != 1:
        return None
    operation, argument = items[0]
    if operation is _sre_constants.LITERAL:
        return frozenset(c for c in _PROBES if ord(c) == argument) or frozenset({chr(argument)})
    if operation is _sre_constants.NOT_LITERAL:
        return frozenset(c for c in _PROBES if ord(c) != argument)
    if operation is _sre_constants.ANY:
        return frozenset(c for c in _PROBES if c != "\n")
    if operation is _sre_constants.IN:
        return frozenset(c for c in _PROBES if _set_member(c, argument))
    return None


def _zero_width(operation: Any) -> bool:
    return operation in (_sre_constants.AT, _sre_constants.ASSERT, _sre_constants.ASSERT_NOT)


def _flattened(items: Any) -> list[Any]:
    """The items with groups opened up: ``(\\w+)\\s?`` is the sequence ``\\w+ \\s?``."""
    flat: list[Any] = []
    for operation, argument in items:
        if operation is _sre_constants.SUBPATTERN:
            flat.extend(_flattened(argument[3]))
        else:
            flat.append((operation, argument))
    return flat


def _sequence_overlaps(items: list[Any]) -> bool:
    """Two long one-character repeats in ``items`` (a flattened sequence) that can take the same
    characters, with only optional or zero-width items between them (``.*.*x``,
    ``\\w+\\s?\\w+x``): every split of a run between them is tried, so the work grows with a
    power of the text's length."""
    for index, (operation, argument) in enumerate(items):
        if operation not in _REPEATS or not _is_large(argument[1], LONG_RUN):
            continue
        first = _single_characters(argument[2])
        if not first:
            continue
        for later_operation, later in items[index + 1 :]:
            if _zero_width(later_operation):
                continue
            if later_operation not in _REPEATS:
                break
            second = _single_characters(later[2])
            if second is None:
                break
            if _is_large(later[1], LONG_RUN) and first & second:
                return True
            if later[0] > 0:
                break
    return False


def _has_overlapping_run(items: Any) -> bool:
    flat = _flattened(items)
    if _sequence_overlaps(flat):
        return True
    for operation, argument in flat:
        # ``(\w+\s?){0,3}`` is ``\w+\s?\w+\s?\w+\s?``: look across two iterations too.
        if (
            operation in _REPEATS
            and argument[1] >= 2
            and _sequence_overlaps(2 * _flattened(argument[2]))
        ):
            return True
        if any(_has_overlapping_run(child) for child in _children(operation, argument)):
            return True
    return False


def _accepts(body: Any, char: str) -> bool:
    """Whether a one-character item list can take ``char``."""
    operation, argument = body[0]
    if operation is _sre_constants.LITERAL:
        return bool(ord(char) == argument)
    if operation is _sre_constants.NOT_LITERAL:
        return bool(ord(char) != argument)
    if operation is _sre_constants.ANY:
        return char != "\n"
    if operation is _sre_constants.IN:
        return _set_member(char, argument)
    return True


def _optional(item: Any) -> bool:
    """An item that may take nothing, or looks without taking (a lookaround)."""
    operation, argument = item
    if operation in _REPEATS:
        return bool(argument[0] == 0)
    return operation in (_sre_constants.ASSERT, _sre_constants.ASSERT_NOT)


def _requires_something(items: Any) -> bool:
    """Whether ``items`` must take a character or can fail at the end (``$``): then a run
    before them is walked back when they fail."""
    for operation, argument in items:
        if operation in (
            _sre_constants.LITERAL,
            _sre_constants.NOT_LITERAL,
            _sre_constants.ANY,
            _sre_constants.IN,
        ):
            return True
        if operation is _sre_constants.AT and argument in (
            _sre_constants.AT_END,
            _sre_constants.AT_END_STRING,
        ):
            return True
        if operation in _REPEATS and argument[0] > 0 and _requires_something(argument[2]):
            return True
        if operation is _sre_constants.SUBPATTERN and _requires_something(argument[3]):
            return True
        if operation is _sre_constants.BRANCH and all(
            _requires_something(branch) for branch in argument[1]
        ):
            return True
    return False


def _dense(item: Any, body: Any) -> bool:
    """Whether a required item can occur at many places inside a run of the characters
    ``body`` takes (so a search reaches the run from many starts)."""
    operation, argument = item
    if operation is _sre_constants.LITERAL:
        return _accepts(body, chr(argument))
    characters = _single_characters([item])
    if characters is not None:
        return any(_accepts(body, char) for char in characters)
    if operation in _REPEATS:
        return all(_dense(inner, body) for inner in _flattened(argument[2]) if not _optional(inner))
    if operation is _sre_constants.BRANCH:
        return any(
            all(_dense(inner, body) for inner in _flattened(branch) if not _optional(inner))
            for branch in argument[1]
        )
    return True  # anything else: assume the worst


_WORD_CHARACTER = re.compile(r"\w")


def _entered_once(before: list[Any], body: Any) -> bool:
    """Whether what comes before a run limits the places a search enters it: ``^``, a required
    item the run's characters cannot contain, or a word boundary before a run of word
    characters."""
    for operation, argument in before:
        if operation is _sre_constants.AT:
            if argument in (_sre_constants.AT_BEGINNING, _sre_constants.AT_BEGINNING_STRING):
                return True
            if argument is _sre_constants.AT_BOUNDARY:
                characters = _single_characters(body)
                if characters and all(_WORD_CHARACTER.match(char) for char in characters):
                    return True
            continue
        if not _optional((operation, argument)) and not _dense((operation, argument), body):
            return True
    return False


def _has_long_run_restarts(sequence: list[Any]) -> bool:
    """An open-ended one-character run (``+``, ``*``, ``{n,}``) with something required after
    it, that a search can enter from many places of one long run of its characters."""
    for index, (operation, argument) in enumerate(sequence):
        if operation in _REPEATS and argument[1] == _sre_constants.MAXREPEAT:
            body = _flattened(argument[2])
            if (
                _single_characters(body) is not None
                and _requires_something(sequence[index + 1 :])
                and not _entered_once(sequence[:index], body)
            ):
                return True
        if operation is _sre_constants.BRANCH:
            for branch in argument[1]:
                # Only the branches with a run can add one.
                if _has_open_ended_repeat(branch) and _has_long_run_restarts(
                    sequence[:index] + _flattened(branch) + sequence[index + 1 :]
                ):
                    return True
    return False


def _has_open_ended_repeat(items: Any) -> bool:
    for operation, argument in items:
        if operation in _REPEATS and argument[1] == _sre_constants.MAXREPEAT:
            return True
        if any(_has_open_ended_repeat(child) for child in _children(operation, argument)):
            return True
    return False


def pattern_problem(pattern: str) -> PatternProblem | None:
    """``None`` if ``pattern`` may go into the lexicon, else why not."""
    try:
        parsed = _sre_parse.parse(pattern, 0)
        re.compile(pattern)
    except re.error as exc:
        return PatternProblem("syntax", reason=exc.msg, position=exc.pos)
    except RecursionError:
        return PatternProblem("syntax", reason="too deeply nested")
    except (OverflowError, ValueError, MemoryError) as exc:
        # Python's parser and compiler raise these on user input too: a repeat count above
        # 2**32 - 2 (``a{1,99999999999}``), a code point too large for a set
        # (``[\U99999999]``), ``(?a)(?u)``.
        return PatternProblem("syntax", reason=str(exc) or type(exc).__name__)
    if _has_nested_repeat(parsed) or _has_overlapping_run(parsed):
        return PatternProblem("backtracking")
    if _has_long_run_restarts(_flattened(parsed)):
        return PatternProblem("long_run")
    if parsed.getwidth()[0] == 0:
        return PatternProblem("empty_match")
    return None
