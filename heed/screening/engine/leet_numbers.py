"""Which digits inside a word are look-alike letters, and which are a number.

The Latin view reads look-alike digits inside a word as letters (``k1ll`` → ``kill``, ``5hit`` →
``shit``, ``id10t`` → ``idiot``). A number written against letters is no look-alike: ``3pm``,
``2nd``, ``10-year-old`` (the view drops the joiners: ``10yearold``), ``10:30am``, ``£10k``,
a reference such as ``1034ABC``. Read as letters they became ``epm``, ``ioyearold``,
``ioeaabc``: words nobody wrote, and a number gone from every view that reads it.

A run of digits inside a word is a number (kept as digits) when

* it has three digits or more (``1034abc``, ``ref12345``): no look-alike spelling needs three
  digits in a row;
* it starts the word and has two digits (``10am``, ``10yearold``, ``24hrs``, ``12th``);
* it starts the word and the letters after it are an ordinal or a unit of two letters or more
  (``1st``, ``3pm``, ``5th``, ``5kg``) or begin with a unit of time or age (``3yearold``,
  ``7days``).

Every other digit run touching a letter is read as letters, as before: ``k1ll``, ``d1e``,
``sh1t``, ``b1tch``, ``5hit``, ``l0ser``, ``id10t``, ``h3ll0``, ``f33`` (fee), ``1s`` (is),
``1D`` (ID); so are digits that end a word, which a code (``m3``, ``e14``) shares with a
look-alike (``f33``, ``ki11``, ``k1 ll``).

Pure Python, no database.
"""

from __future__ import annotations

import re

# Letters after a number that make it an ordinal, a time or an amount; the whole rest of the word.
# No single letter: one look-alike digit and one letter is a short word as often ("1s", "1d",
# "0k", "4m": is, id, ok, am) as a number ("5k", "3x"), and is read as letters, as before.
NUMBER_SUFFIXES = frozenset(
    {
        "st",
        "nd",
        "rd",
        "th",
        "am",
        "pm",
        "bn",
        "kg",
        "km",
        "cm",
        "mm",
        "ml",
        "mb",
        "gb",
        "kb",
        "mph",
        "hr",
        "hrs",
        "min",
        "mins",
    }
    | {"sec", "secs", "yr", "yrs", "wk", "wks", "mo", "mos", "pc", "pcs", "ft", "lb", "lbs"}
    | {"oz", "am", "pm", "ish", "gbp", "usd", "eur", "rmb", "cny", "hkd", "aud", "cad"}
)
# Words of time and age that begin the rest of the word ("10yearold", "7days", "3monthly").
NUMBER_WORDS = ("year", "month", "week", "day", "hour", "minute", "second", "night", "time")

_DIGIT_RUN = re.compile(r"[0-9]+")
_LETTERS = re.compile(r"[a-z]+")


def _is_number(word: str, start: int, end: int) -> bool:
    """Whether digits ``word[start:end]`` (a maximal run) are a number (see the module's text)."""
    length = end - start
    if length >= 3:
        return True
    first = start
    while first > 0 and word[first - 1].isalnum():
        first -= 1
    last = end
    while last < len(word) and word[last].isalnum():
        last += 1
    at_start = start == first
    if length == 2 and at_start:
        return True
    if at_start:
        letters = _LETTERS.match(word, end)
        if letters is not None:
            rest = letters.group()
            if letters.end() == last and rest in NUMBER_SUFFIXES:
                return True
            if rest.startswith(NUMBER_WORDS):
                return True
    return False


def read_leet(word: str, table: dict[int, str]) -> str:
    """``word`` with its look-alikes read as letters through ``table`` (``str.maketrans`` of
    the view's look-alikes), its numbers kept as digits (see the module's text). ``word`` may
    start with the space before it."""
    if not any(char.isdigit() for char in word):
        return word.translate(table)
    lead = len(word) - len(word.lstrip(" "))
    body = word[lead:]
    pieces: list[str] = [word[:lead]]
    position = 0
    for run in _DIGIT_RUN.finditer(body):
        if _is_number(body, run.start(), run.end()):
            pieces.append(body[position : run.start()].translate(table))
            pieces.append(run.group())
            position = run.end()
    pieces.append(body[position:].translate(table))
    return "".join(pieces)


def is_number_digit(word: str, position: int) -> bool:
    """Whether the digit at ``position`` of ``word`` (a run of letters and digits) belongs to a
    number rather than standing for a letter."""
    start = position
    while start > 0 and word[start - 1].isdigit():
        start -= 1
    end = position + 1
    while end < len(word) and word[end].isdigit():
        end += 1
    return _is_number(word, start, end)
