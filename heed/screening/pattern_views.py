"""Whether a regular expression proposed for the lexicon can match the view it runs on (pure
Python, no Django).

Patterns do not run on the text as written but on a normalised view of it
(``engine/normalize.py``): English patterns on the **Latin view** — lower case, only letters,
digits, ``'``, ``*`` and single spaces, chat abbreviations written out (``ur`` → ``your``,
``u`` → ``you``: ``normalize.SHORT_FORMS``) — and Chinese patterns on the **CJK view** —
simplified characters (OpenCC ``t2s``), 您 → 你, Cantonese read as Mandarin (唔 → 不), lower
case, and nothing but ideographs, letters and digits (no spaces, no punctuation). A pattern
written for the text as people type it can therefore never match, yet nothing shows it:
``We\\s+Will\\s+Smash\\s+You`` (upper case), ``kill\\s+ur\\s+family`` (``ur`` is ``your``
before any pattern runs), ``砸爛你`` (traditional). Such patterns are refused, with the
corrected form when it can be computed:

- ``upper_case``: an upper-case letter anywhere outside ``(?i)`` (escapes such as ``\\S``,
  ``\\W``, ``\\D``, ``\\B`` are classes and assertions, not letters: the check reads the
  literals of the parsed pattern, not its text); the correction is the pattern in lower case;
- ``not_simplified`` (Chinese): characters the view writes differently (traditional, 您,
  Cantonese); the correction is the pattern through the same conversion;
- ``chinese_in_english``: Chinese characters in an English pattern (the Latin view has none);
- ``short_form`` (English): a whole word the view always writes out (``ur``, ``u``,
  ``gonna``, ``pls``…) that every match needs (``(your|ur)`` still matches ``your`` and is
  fine), between word edges (``\\b``, ``^``, ``$``, a space) or at the pattern's own start or
  end (``gonna (kill|hurt)``); the correction writes the word out;
- ``absent_character``: a character every match needs that the view never has (a space or
  punctuation in Chinese, punctuation in English);
- ``dead_alternative``: one alternative of a group needs such a character while the others
  can match (``(mother-in-law|boss)``: the Latin view joins hyphenated words, ``motherinlaw``),
  so what it was written for is silently missed; the correction writes the alternative as
  the view does, or leaves it out when another alternative already is that.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from heed.screening.engine.normalize import SHORT_FORMS, cjk_view, is_cjk, latin_view
from heed.screening.patterns import _sre_constants, _sre_parse

_LITERAL = _sre_constants.LITERAL
_IN = _sre_constants.IN
_RANGE = _sre_constants.RANGE
_CATEGORY = _sre_constants.CATEGORY
_NEGATE = _sre_constants.NEGATE
_SUBPATTERN = _sre_constants.SUBPATTERN
_BRANCH = _sre_constants.BRANCH
_AT = _sre_constants.AT
_ASSERT = _sre_constants.ASSERT
_REPEATS = {
    _sre_constants.MAX_REPEAT,
    _sre_constants.MIN_REPEAT,
    *([_sre_constants.POSSESSIVE_REPEAT] if hasattr(_sre_constants, "POSSESSIVE_REPEAT") else []),
}
_ATOMIC_GROUP = getattr(_sre_constants, "ATOMIC_GROUP", None)

# What each view can contain (besides ideographs in the CJK view).
_LATIN_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789'* ")
_CJK_PLAIN_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
# Classes (\d, \s, \w …) the views can never supply: the CJK view has no spaces and nothing
# but word characters.
_ABSENT_CATEGORIES: dict[str, frozenset[Any]] = {
    "en": frozenset(),
    "zh": frozenset({_sre_constants.CATEGORY_SPACE, _sre_constants.CATEGORY_NOT_WORD}),
}
_CATEGORY_NAMES: dict[Any, str] = {
    _sre_constants.CATEGORY_DIGIT: r"\d",
    _sre_constants.CATEGORY_NOT_DIGIT: r"\D",
    _sre_constants.CATEGORY_SPACE: r"\s",
    _sre_constants.CATEGORY_NOT_SPACE: r"\S",
    _sre_constants.CATEGORY_WORD: r"\w",
    _sre_constants.CATEGORY_NOT_WORD: r"\W",
}
# Single-word abbreviations (``u r`` is covered by ``u``).
_SHORT_WORDS = {short: full for short, full in SHORT_FORMS.items() if " " not in short}


@dataclass(frozen=True)
class ViewProblem:
    """Why a pattern can never match (see the module docstring for ``code``). ``found``: the
    offending characters or word as written; ``replacement``: what the view has instead (a
    written-out word, a dead alternative as the view writes it); ``suggestion``: the corrected
    pattern, or "" when none was computed."""

    code: str
    found: str = ""
    replacement: str = ""
    suggestion: str = ""
    alternative: str = ""  # dead_alternative: the alternative as written, if plain text


def _is_upper(char: str) -> bool:
    return char != char.lower()


def _upper_case(items: Any, ignore_case: bool, found: list[str]) -> None:
    """The upper-case letters of the parsed pattern read with case (literals, set members; a
    range such as ``A-Z`` as written), in ``found``."""
    for operation, argument in items:
        if operation is _LITERAL:
            if not ignore_case and _is_upper(chr(argument)):
                found.append(chr(argument))
        elif operation is _IN:
            for member, value in argument:
                if ignore_case:
                    break
                if member is _LITERAL and _is_upper(chr(value)):
                    found.append(chr(value))
                elif member is _RANGE and any(
                    _is_upper(chr(code)) for code in range(value[0], min(value[1], 0x24F) + 1)
                ):
                    found.append(f"{chr(value[0])}-{chr(value[1])}")
        elif operation is _SUBPATTERN:
            _group, add_flags, del_flags, inner = argument
            inner_case = bool(add_flags & re.IGNORECASE) or (
                ignore_case and not del_flags & re.IGNORECASE
            )
            _upper_case(inner, inner_case, found)
        else:
            for child in _children(operation, argument):
                _upper_case(child, ignore_case, found)


def _children(operation: Any, argument: Any) -> list[Any]:
    if operation in _REPEATS:
        return [argument[2]]
    if operation is _SUBPATTERN:
        return [argument[3]]
    if operation is _BRANCH:
        return list(argument[1])
    if operation is _sre_constants.GROUPREF_EXISTS:
        return [branch for branch in argument[1:] if branch is not None]
    if operation in (_ASSERT, _sre_constants.ASSERT_NOT):
        return [argument[1]]
    if operation is _ATOMIC_GROUP:
        return [argument]
    return []


def _chinese(items: Any, found: list[str]) -> None:
    """Every literal ideograph of the parsed pattern (set members too), in ``found``."""
    for operation, argument in items:
        if operation is _LITERAL and is_cjk(chr(argument)):
            found.append(chr(argument))
        elif operation is _IN:
            found.extend(chr(v) for m, v in argument if m is _LITERAL and is_cjk(chr(v)))
        for child in _children(operation, argument):
            _chinese(child, found)


def _literal_text(items: Any) -> str | None:
    """The one string a sequence of literals (and plain groups of them) matches, else None."""
    found: list[str] = []
    for operation, argument in items:
        if operation is _LITERAL:
            found.append(chr(argument))
        elif operation is _SUBPATTERN and not argument[1] and not argument[2]:
            inner = _literal_text(argument[3])
            if inner is None:
                return None
            found.append(inner)
        else:
            return None
    return "".join(found)


def _unconverted_runs(items: Any, runs: list[str]) -> None:
    """The runs of consecutive literal ideographs (``砸爛你`` in ``砸爛你(家|的)``; the view
    converts text in context, so a run is checked as a whole) and the ideographs of sets that
    the CJK view writes differently, in ``runs``. A spelling offered beside its converted form
    is harmless and not listed: ``[話话]``, ``(電話|电话)``."""
    run: list[str] = []

    def flush() -> None:
        if run:
            text = "".join(run)
            if _simplified(text) != text:
                runs.append(text)
            run.clear()

    for operation, argument in items:
        if operation is _LITERAL and is_cjk(chr(argument)):
            run.append(chr(argument))
            continue
        flush()
        if operation is _IN:
            members = {chr(v) for m, v in argument if m is _LITERAL}
            runs.extend(
                char
                for char in sorted(members)
                if is_cjk(char) and _simplified(char) != char and _simplified(char) not in members
            )
        elif operation is _BRANCH:
            texts = {_literal_text(branch) for branch in argument[1]}
            for branch in argument[1]:
                text = _literal_text(branch)
                if text is None or _simplified(text) == text or _simplified(text) not in texts:
                    _unconverted_runs(branch, runs)
        else:
            for child in _children(operation, argument):
                _unconverted_runs(child, runs)
    flush()


# --- the pattern's text, rewritten outside escapes and group syntax ---------------------------

# ``(?P<name>``, ``(?P=name)``, inline flags ``(?i)``/``(?i:``/``(?-i:``, ``(?#…)``, lookarounds:
# copied as they are.
_GROUP_SYNTAX = re.compile(
    r"\(\?(?:P<\w+>|P=\w+\)|#[^)]*\)|[aiLmsux]*(?:-[imsx]+)?[:)]|<[=!]|[=!>])"
)


def _rewritten(pattern: str, convert: Callable[[str], str]) -> str:
    """``pattern`` with ``convert`` applied to each run of plain text (everything but escapes
    such as ``\\S`` or ``\\x27``, and group syntax), so ``\\bWe\\s+Will`` lowers to
    ``\\bwe\\s+will``."""
    pieces: list[str] = []
    plain: list[str] = []
    position = 0

    def flush() -> None:
        if plain:
            pieces.append(convert("".join(plain)))
            plain.clear()

    while position < len(pattern):
        char = pattern[position]
        if char == "\\":
            flush()
            end = position + 2
            if pattern.startswith("\\N{", position):
                end = pattern.find("}", position) + 1 or len(pattern)
            pieces.append(pattern[position:end])
            position = end
            continue
        syntax = _GROUP_SYNTAX.match(pattern, position) if char == "(" else None
        if syntax:
            flush()
            pieces.append(syntax.group())
            position = syntax.end()
            continue
        plain.append(char)
        position += 1
    flush()
    return "".join(pieces)


def _simplified(text: str) -> str:
    """Runs of ideographs as the CJK view writes them (traditional → simplified, 您 → 你,
    Cantonese → Mandarin); everything else as it is."""
    return re.sub(
        r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+",
        lambda match: cjk_view(match.group()).text or match.group(),
        text,
    )


def _written_out(word: str) -> Callable[[str], str]:
    full = _SHORT_WORDS[word].replace("'", "\\x27")

    def convert(text: str) -> str:
        return re.sub(
            rf"(?<![A-Za-z0-9]){re.escape(word)}(?![A-Za-z0-9])",
            lambda _match: full,
            text,
            flags=re.IGNORECASE,
        )

    return convert


# --- what every match needs ----------------------------------------------------------------


def _is_space_item(item: Any) -> bool:
    """A required space: `` ``, ``\\s``, ``[ ]``, or one or more of them (``\\s+``)."""
    operation, argument = item
    if operation is _LITERAL:
        return bool(argument == ord(" "))
    if operation is _IN:
        return bool(argument) and all(
            (member is _LITERAL and value == ord(" "))
            or (member is _CATEGORY and value is _sre_constants.CATEGORY_SPACE)
            for member, value in argument
        )
    if operation in _REPEATS:
        body = list(argument[2])
        return bool(argument[0] >= 1 and len(body) == 1 and _is_space_item(body[0]))
    return False


_TEXT_EDGES = frozenset(
    {
        _sre_constants.AT_BOUNDARY,
        _sre_constants.AT_BEGINNING,
        _sre_constants.AT_BEGINNING_STRING,
        _sre_constants.AT_END,
        _sre_constants.AT_END_STRING,
    }
)


def _is_word_edge(item: Any) -> bool:
    """An item after (or before) which a word of the view ends: ``\\b``, ``^``, ``$`` or a
    required space."""
    operation, argument = item
    if operation is _AT and argument in _TEXT_EDGES:
        return True
    return _is_space_item(item)


def _flattened(items: Any) -> list[Any]:
    flat: list[Any] = []
    for operation, argument in items:
        if operation is _SUBPATTERN and not argument[1] and not argument[2]:
            flat.extend(_flattened(argument[3]))
        else:
            flat.append((operation, argument))
    return flat


def _at_edge(word: str, edge: bool | None, side: str = "right") -> bool:
    """Whether ``word`` (a short form) stands as a whole word at ``edge`` of it: a word edge,
    or the pattern's own end when the view's text could not continue the word there."""
    if edge is not None:
        return edge
    full = _SHORT_WORDS[word]
    continues = full.endswith(word) if side == "left" else full.startswith(word)
    return len(word) >= 3 and not continues


class _Required:
    """Finds a part every match needs that the view never has (a written-out word, a
    character the view lacks); ``problem`` is the first one found. Runs after the upper-case
    check, so a letter still in upper case here is read ignoring case."""

    def __init__(self, language: str) -> None:
        self.language = language

    def _absent_character(self, char: str) -> bool:
        char = char.lower()
        if self.language == "en":
            return char not in _LATIN_CHARACTERS
        return char not in _CJK_PLAIN_CHARACTERS and not is_cjk(char)

    def _absent_set(self, members: Any) -> str | None:
        """The set as written (``[，。]``, ``\\s``) if the view has none of its characters."""
        names: list[str] = []
        for member, value in members:
            if member is _NEGATE:
                return None
            if member is _LITERAL and self._absent_character(chr(value)):
                names.append(chr(value))
            elif member is _CATEGORY and value in _ABSENT_CATEGORIES[self.language]:
                names.append(_CATEGORY_NAMES[value])
            else:
                return None
        if not names:
            return None
        return names[0] if len(names) == 1 else "[" + "".join(names) + "]"

    def problem(
        self, items: Any, left_edge: bool | None, right_edge: bool | None
    ) -> ViewProblem | None:
        """The first part of the sequence ``items`` that no match can have; ``left_edge`` /
        ``right_edge``: whether a word of the view ends just before / after the sequence
        (``None``: the pattern itself begins / ends there, with nothing about the text)."""
        flat = _flattened(items)
        for index, (operation, argument) in enumerate(flat):
            before = flat[index - 1] if index > 0 else None
            after = flat[index + 1] if index + 1 < len(flat) else None
            left = left_edge if before is None else _is_word_edge(before)
            right = right_edge if after is None else _is_word_edge(after)
            found = self._item_problem(operation, argument, left, right)
            if found is not None:
                return found
        return self._short_form(flat, left_edge, right_edge)

    def _item_problem(
        self, operation: Any, argument: Any, left: bool | None, right: bool | None
    ) -> ViewProblem | None:
        if operation is _LITERAL and self._absent_character(chr(argument)):
            return ViewProblem("absent_character", found=chr(argument))
        if operation is _IN and (name := self._absent_set(argument)):
            return ViewProblem("absent_character", found=name)
        if operation in _REPEATS and argument[0] >= 1:
            return self.problem(argument[2], left, right)
        if operation is _SUBPATTERN:  # with flags (plain groups are flattened)
            return self.problem(argument[3], left, right)
        if operation is _ASSERT:
            return self.problem(argument[1], False, False)
        if operation is _BRANCH:
            problems = [self.problem(branch, left, right) for branch in argument[1]]
            if all(problems):
                return problems[0]
            # One alternative no match can take while the others can (``mother-in-law``: the
            # Latin view writes ``motherinlaw``): what it was meant to match is silently
            # missed. ``_diagnosis`` finds the alternative as written in the pattern's text
            # (the parser merges alternatives' common prefixes).
            for problem in problems:
                if problem is not None and problem.code == "absent_character":
                    return ViewProblem("dead_alternative", found=problem.found)
        return None

    def _short_form(
        self, flat: list[Any], left_edge: bool | None, right_edge: bool | None
    ) -> ViewProblem | None:
        """A whole word of literal letters between word edges that the view writes out. At the
        pattern's own start or end (no ``\\b``, ``^`` or space there) the word is still taken
        as a word (``gonna (kill|hurt)`` means the word: no English word ends in "gonna"),
        except a one- or two-letter word (``\\bu`` may be the start of "until") and a word
        its written-out form begins with (``\\bbro`` matches "brother" in the view)."""
        if self.language != "en":
            return None
        index = 0
        while index < len(flat):
            if flat[index][0] is not _LITERAL or not chr(flat[index][1]).isalnum():
                index += 1
                continue
            end = index
            while end < len(flat) and flat[end][0] is _LITERAL and chr(flat[end][1]).isalnum():
                end += 1
            word = "".join(chr(value) for _operation, value in flat[index:end]).lower()
            left = left_edge if index == 0 else _is_word_edge(flat[index - 1])
            right = right_edge if end == len(flat) else _is_word_edge(flat[end])
            if word in _SHORT_WORDS and _at_edge(word, left, "left") and _at_edge(word, right):
                return ViewProblem("short_form", found=word, replacement=_SHORT_WORDS[word])
            index = end
        return None


# --- the check ------------------------------------------------------------------------------


_PLAIN_ALTERNATIVE = re.compile(r"[^\\\[\](){}.*+?^$|]+")


def _written_alternatives(pattern: str) -> list[tuple[int, int]]:
    """``(start, end)`` in ``pattern`` of every alternative of every group, as written
    (escapes and character sets skipped whole)."""
    spans: list[tuple[int, int]] = []
    stack: list[int] = []  # where the current alternative of each open group starts
    position = 0
    while position < len(pattern):
        char = pattern[position]
        if char == "\\":
            position += 2
            continue
        if char == "[":
            close = position + 1
            if pattern.startswith("^", close):
                close += 1
            if pattern.startswith("]", close):
                close += 1
            while close < len(pattern) and pattern[close] != "]":
                close += 2 if pattern[close] == "\\" else 1
            position = close + 1
            continue
        if char == "(":
            syntax = _GROUP_SYNTAX.match(pattern, position)
            stack.append(syntax.end() if syntax else position + 1)
        elif char == "|" and stack:
            spans.append((stack[-1], position))
            stack[-1] = position + 1
        elif char == ")" and stack:
            spans.append((stack.pop(), position))
        position += 1
    return spans


def _named_dead_alternative(pattern: str, problem: ViewProblem, language: str) -> ViewProblem:
    """``problem`` (dead_alternative) with the alternative as written and as the view writes
    it, when it is plain text in a group of several."""
    view = (
        (lambda text: latin_view(text).text.strip())
        if language == "en"
        else (lambda text: cjk_view(text).text)
    )
    for start, end in _written_alternatives(pattern):
        text = pattern[start:end]
        grouped = pattern[start - 1] == "|" or pattern[end : end + 1] == "|"
        if grouped and problem.found in text and _PLAIN_ALTERNATIVE.fullmatch(text):
            return replace(problem, alternative=text, replacement=view(text))
    return problem


def _diagnosis(pattern: str, language: str) -> ViewProblem | None:
    """The first reason ``pattern`` cannot match (no suggestion yet)."""
    try:
        parsed = _sre_parse.parse(pattern, 0)
    except (re.error, RecursionError, OverflowError, ValueError, MemoryError):
        return None  # pattern_problem reports it
    chinese: list[str] = []
    _chinese(parsed, chinese)
    if language == "en" and chinese:
        return ViewProblem("chinese_in_english", found="".join(dict.fromkeys(chinese)))
    upper: list[str] = []
    _upper_case(parsed, bool(parsed.state.flags & re.IGNORECASE), upper)
    if upper:
        return ViewProblem("upper_case", found=" ".join(dict.fromkeys(upper)))
    if language == "zh":
        runs: list[str] = []
        _unconverted_runs(parsed, runs)
        if runs:
            characters = [c for run in runs for c in run if _simplified(c) != c] or runs
            found = "".join(dict.fromkeys(characters))
            return ViewProblem("not_simplified", found=found, replacement=_simplified(found))
    problem = _Required(language).problem(parsed, None, None)
    if problem is not None and problem.code == "dead_alternative":
        return _named_dead_alternative(pattern, problem, language)
    return problem


def _corrected(pattern: str, problem: ViewProblem, language: str) -> str | None:
    """``pattern`` with ``problem`` corrected, or None when it cannot be corrected by rewriting."""
    if problem.code == "upper_case":
        return _rewritten(pattern, str.lower)
    if problem.code == "not_simplified":
        return _rewritten(pattern, _simplified)
    if problem.code == "short_form":
        return _rewritten(pattern, _written_out(problem.found))
    if problem.code == "dead_alternative" and problem.alternative:
        return _without_dead_alternative(pattern, problem.alternative, problem.replacement)
    return None


def _without_dead_alternative(pattern: str, alternative: str, replacement: str) -> str | None:
    """``pattern`` with the alternative written as the view writes it (``motherinlaw``), or
    left out when that is empty or another alternative of the same group already; None when
    the alternative is not found as written between ``(``/``|`` and ``|``/``)``."""
    edges = re.compile(rf"(?<=[(|]){re.escape(alternative)}(?=[|)])")
    found = list(edges.finditer(pattern))
    if len(found) != 1:
        return None
    match = found[0]
    group_start = pattern.rfind("(", 0, match.start())
    group_end = pattern.find(")", match.end())
    siblings = set(pattern[group_start + 1 : group_end].split("|"))
    if replacement and replacement not in siblings:
        return pattern[: match.start()] + replacement + pattern[match.end() :]
    if pattern[match.end()] == "|":  # drop the alternative and the bar after it
        return pattern[: match.start()] + pattern[match.end() + 1 :]
    return pattern[: match.start() - 1] + pattern[match.end() :]  # and the bar before it


def view_problem(pattern: str, language: str) -> ViewProblem | None:
    """``None`` if ``pattern`` (a valid regular expression) can match the ``language`` view,
    else why not, with the corrected pattern when rewriting it corrects every problem (upper
    case, unconverted characters, abbreviations; a few rounds, for a pattern with several)."""
    problem = _diagnosis(pattern, language)
    if problem is None:
        return None
    candidate = pattern
    remaining: ViewProblem | None = problem
    for _round in range(8):
        assert remaining is not None
        rewritten = _corrected(candidate, remaining, language)
        if rewritten is None or rewritten == candidate:
            return problem
        candidate = rewritten
        try:
            re.compile(candidate)
        except (re.error, RecursionError, OverflowError, ValueError, MemoryError):
            return problem
        remaining = _diagnosis(candidate, language)
        if remaining is None:
            return replace(problem, suggestion=candidate)
    return problem
