"""What a proposed lexicon change is checked for beyond its syntax, in the user's language: the
gate its category can take, the language its phrase is written in, whether a pattern can match
the view it runs on, what the screener would match it under (to find duplicates), and Python's
regular-expression errors in words. No database: the service looks up what exists."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _

from heed.screening.categories import CATEGORY_LABELS, GATE_LABELS
from heed.screening.engine.lexicon import CATEGORY_GATES, gate_problem, normalised_key
from heed.screening.engine.normalize import has_ideograph
from heed.screening.pattern_views import ViewProblem, view_problem

# Latin letters in a Chinese phrase: abbreviations of pinyin initials only ("sb" 傻逼, "nmsl",
# "cnm", "tmd", "2b"), which have no vowel; a word with vowels is English ("deadbeat", "loser")
# or spelled-out pinyin ("laolai"), which the Chinese characters already cover (their pinyin
# is matched automatically).
_PINYIN_INITIALS = re.compile(r"[0-9]*[b-df-hj-np-tv-z][b-df-hj-np-tv-z0-9]{0,7}")


def category_name(code: str) -> str:
    """``P3 (Insults, obscenity, degrading labels)``."""
    label = CATEGORY_LABELS.get(code)
    return _("%(code)s (%(label)s)") % {"code": code, "label": label} if label else code


def gate_name(gate: str) -> str:
    return str(GATE_LABELS.get(gate, gate))


def gate_error(category: str, gate: str) -> str | None:
    """Why ``category`` cannot take ``gate`` (engine.lexicon.CATEGORY_GATES), or None.

    A gate makes a hit lawful when the account's facts hold; only a true legal statement or a
    real court document can be lawful, so the categories of threats, insults, arrest threats,
    disclosure and the like take no gate at all."""
    problem = gate_problem(category, gate)
    if problem is None:
        return None
    if problem == "unknown":
        return _("Unknown gate.")
    if problem == "always":
        return _(
            "%(category)s is always prohibited: no fact about the account makes it lawful, so "
            "it cannot have a gate. Leave the gate empty or choose “%(never)s”."
        ) % {"category": category_name(category), "never": gate_name("never")}
    return _(
        "The gate “%(gate)s” does not fit %(category)s: its statements can only be made true by "
        "%(gates)s."
    ) % {
        "gate": gate_name(gate),
        "category": category_name(category),
        "gates": ", ".join(f"“{gate_name(g)}”" for g in CATEGORY_GATES[category]),
    }


def language_error(phrase: str, language: str) -> str | None:
    """A phrase written in the other language, or None. English phrases are matched on the
    Latin view, which drops Chinese characters (「老lai」 as English would be "lai"); Chinese
    phrases take Latin letters only as pinyin-initial abbreviations."""
    if language == "en" and has_ideograph(phrase):
        return _("The phrase is in Chinese: choose Chinese as the language.")
    if language == "zh" and not has_ideograph(phrase):
        key = normalised_key(phrase, "zh")[0]
        if key and not _PINYIN_INITIALS.fullmatch(key):
            return _(
                "The phrase has no Chinese characters. For an English word choose English as the "
                "language (English phrases are matched in Chinese texts too). Chinese phrases "
                "take Latin letters only as abbreviations of pinyin initials such as sb or "
                "nmsl; write other words in Chinese characters (their pinyin is matched "
                "automatically)."
            )
    return None


def view_error(pattern: str, language: str) -> str | None:
    """Why ``pattern`` can never match the view of ``language`` (pattern_views), with the
    corrected pattern when one was computed, or None."""
    problem = view_problem(pattern, language)
    if problem is None:
        return None
    message = _view_message(problem, language)
    if problem.suggestion:
        message = _("%(problem)s Write it as: %(pattern)s") % {
            "problem": message,
            "pattern": problem.suggestion,
        }
    return message


def _view_message(problem: ViewProblem, language: str) -> str:
    values: dict[str, Any] = {"found": problem.found, "replacement": problem.replacement}
    if problem.code == "chinese_in_english":
        return (
            _(
                "The pattern has Chinese characters (%(found)s), which English patterns never "
                "see: choose Chinese as the language."
            )
            % values
        )
    if problem.code == "upper_case":
        return (
            _(
                "Patterns run on the text in lower case, so upper-case letters (%(found)s) never "
                "match."
            )
            % values
        )
    if problem.code == "not_simplified":
        return (
            _(
                "Chinese patterns run on the text in simplified characters, with 你 for 您 and "
                "Cantonese read as Mandarin, so %(found)s never matches: the text has "
                "%(replacement)s there."
            )
            % values
        )
    if problem.code == "short_form":
        return (
            _(
                "English patterns run on the text with chat abbreviations written out, so the "
                "word “%(found)s” never matches: the text has “%(replacement)s” there."
            )
            % values
        )
    if problem.code == "dead_alternative":
        if problem.found == " ":
            values["found"] = _("a space")
        if problem.alternative and problem.replacement:
            return _(
                "The alternative “%(alternative)s” never matches, because the text never "
                "has %(found)s there: the text has “%(replacement)s”."
            ) % {**values, "alternative": problem.alternative}
        if problem.alternative:
            return _(
                "The alternative “%(alternative)s” never matches, because the text never "
                "has %(found)s there. Leave it out."
            ) % {**values, "alternative": problem.alternative}
        return (
            _(
                "One alternative of a group needs %(found)s, which the text never has there, "
                "so it never matches. Write it without %(found)s or leave it out."
            )
            % values
        )
    if language == "zh":
        return (
            _(
                "Chinese patterns run on the text without spaces or punctuation (only Chinese "
                "characters, letters and digits), so a pattern that needs %(found)s never "
                "matches. Leave it out."
            )
            % values
        )
    return (
        _(
            "English patterns run on the text as lower-case words (letters, digits and ') "
            "separated by single spaces, with punctuation removed, so a pattern that needs "
            "%(found)s never matches."
        )
        % values
    )


def match_key(kind: str, language: str, phrase: str) -> str:
    """What the screener matches a change under: a pattern's text; the normalised key of a
    phrase (``*`` kept at the edges where it means prefix/suffix) or an exception."""
    if kind == "pattern":
        return phrase
    key, prefix, suffix = normalised_key(phrase, language)
    if kind == "exception":
        return key
    return f"{'*' if suffix else ''}{key}{'*' if prefix else ''}"


def _regex_errors() -> tuple[tuple[re.Pattern[str], str], ...]:
    """Python's regular-expression errors (re._parser) and each in the user's language; the
    parser's own English text is the English message (a new Python may add others: those are
    shown as Python writes them)."""
    return (
        (
            re.compile(r"missing \), unterminated subpattern"),
            _("missing ), unterminated subpattern"),
        ),
        (re.compile(r"missing \), unterminated comment"), _("missing ), unterminated comment")),
        (re.compile(r"unterminated character set"), _("unterminated character set")),
        (re.compile(r"nothing to repeat"), _("nothing to repeat")),
        (re.compile(r"multiple repeat"), _("multiple repeat")),
        (re.compile(r"unbalanced parenthesis"), _("unbalanced parenthesis")),
        (
            re.compile(r"min repeat greater than max repeat"),
            _("min repeat greater than max repeat"),
        ),
        (re.compile(r"bad escape \(end of pattern\)"), _("bad escape (end of pattern)")),
        (re.compile(r"bad escape (?P<value>.+)"), _("bad escape %(value)s")),
        (re.compile(r"incomplete escape (?P<value>.+)"), _("incomplete escape %(value)s")),
        (re.compile(r"unknown extension (?P<value>.+)"), _("unknown extension %(value)s")),
        (re.compile(r"bad character range (?P<value>.+)"), _("bad character range %(value)s")),
        (re.compile(r"unexpected end of pattern"), _("unexpected end of pattern")),
        (re.compile(r"missing group name"), _("missing group name")),
        (
            re.compile(r"missing (?P<value>.), unterminated name"),
            _("missing %(value)s, unterminated name"),
        ),
        (re.compile(r"unknown group name (?P<value>.+)"), _("unknown group name %(value)s")),
        (
            re.compile(r"bad character in group name (?P<value>.+)"),
            _("bad character in group name %(value)s"),
        ),
        (
            re.compile(r"invalid group reference (?P<value>.+)"),
            _("invalid group reference %(value)s"),
        ),
        (re.compile(r"cannot refer to an open group"), _("cannot refer to an open group")),
        (
            re.compile(r"look-behind requires fixed-width pattern"),
            _("look-behind requires fixed-width pattern"),
        ),
        (
            re.compile(r"global flags not at the start of the expression"),
            _("global flags not at the start of the expression"),
        ),
        (re.compile(r"unknown flag"), _("unknown flag")),
        (re.compile(r"missing flag"), _("missing flag")),
        (re.compile(r"missing -, : or \)"), _("missing -, : or )")),
        (re.compile(r"missing :"), _("missing :")),
        (re.compile(r"too deeply nested"), _("too deeply nested")),
        (
            re.compile(r"the repetition number is too large"),
            _("the repetition number is too large"),
        ),
        (
            re.compile(r"Python int too large to convert to C int"),
            _("a character code is too large"),
        ),
        (
            re.compile(r"ASCII and UNICODE flags are incompatible"),
            _("ASCII and UNICODE flags are incompatible"),
        ),
        (re.compile(r"MemoryError"), _("the pattern is too large")),
    )


def regex_error_text(reason: str) -> str:
    """Python's message for a pattern that does not parse, translated when it is a known one
    (otherwise as Python wrote it)."""
    for expression, message in _regex_errors():
        match = expression.fullmatch(reason)
        if match:
            return message % match.groupdict() if match.groupdict() else message
    return reason
