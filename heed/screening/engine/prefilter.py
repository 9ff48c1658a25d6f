"""Which lexicon patterns can match a text, from the prefilter's strings found in its views.

Every match of a pattern contains one string of each of its groups (``anchors.required_literals``);
a pattern runs only on a text where each group has a string (see ``Lexicon.pattern_groups``).
Strings of two or more characters are found by the views' Aho-Corasick pass (their group ids);
one-character strings by the set of the views' characters. Checking every group found would
cost a step per group: an English text holds nearly every letter, and the letters alone stand
for some 800 groups. So each pattern is looked up by one **key** group — one without
one-character strings where it has one (a string found by the automaton is rarer than a
letter) — and only the patterns whose key is present have their other groups checked. The
answer is the same as checking every group of every pattern.

Pure Python, no database.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from heed.screening.engine.lexicon import Lexicon


@dataclass(frozen=True)
class PatternIndex:
    """Per language: key group id → patterns, one-character string of a key group → patterns.
    Per pattern number: the ids of its groups that only strings found by the automaton can
    satisfy, and (only for a pattern that has any) its other groups as (id, one-character
    strings)."""

    by_group: dict[str, dict[int, tuple[int, ...]]]
    group_keys: dict[str, frozenset[int]]  # by_group's keys
    by_character: dict[str, dict[str, tuple[int, ...]]]
    strings: dict[int, frozenset[int]]
    characters: dict[int, tuple[tuple[int, frozenset[str]], ...]]


def _key_order(strings: list[str], characters: frozenset[str]) -> tuple[int, int, int]:
    """Sorts the groups of a pattern from the best key to the worst: no one-character string
    first, then fewer of them, then a longer shortest string."""
    shortest = min((len(string) for string in strings), default=0)
    return (1 if characters else 0, len(characters), -shortest)


def build_index(lexicon: Lexicon) -> PatternIndex:
    strings: dict[int, list[str]] = {}
    characters: dict[int, set[str]] = {}
    for automaton in lexicon.prefilter_automata.values():
        for key in automaton.keys() if len(automaton) else ():
            for group in automaton.get(key):
                strings.setdefault(group, []).append(key)
    for table in lexicon.prefilter_characters.values():
        for character, ids in table.items():
            for group in ids:
                characters.setdefault(group, set()).add(character)
    by_group: dict[str, dict[int, list[int]]] = {}
    by_character: dict[str, dict[str, list[int]]] = {}
    required: dict[int, frozenset[int]] = {}
    with_characters: dict[int, tuple[tuple[int, frozenset[str]], ...]] = {}
    for number, pattern_groups in enumerate(lexicon.pattern_groups):
        if not pattern_groups:
            continue  # runs on every text (``Lexicon.unfiltered``)
        language = lexicon.patterns[number][1].language
        ordered = sorted(
            sorted(pattern_groups),
            key=lambda group: _key_order(
                strings.get(group, []), frozenset(characters.get(group, ()))
            ),
        )
        key = ordered[0]
        by_group.setdefault(language, {}).setdefault(key, []).append(number)
        for character in characters.get(key, ()):
            by_character.setdefault(language, {}).setdefault(character, []).append(number)
        required[number] = frozenset(group for group in pattern_groups if group not in characters)
        lettered = [
            (group, frozenset(characters[group])) for group in ordered if group in characters
        ]
        if lettered:
            with_characters[number] = tuple(lettered)
    return PatternIndex(
        {language: _frozen(found) for language, found in by_group.items()},
        {language: frozenset(found) for language, found in by_group.items()},
        {language: _frozen(found) for language, found in by_character.items()},
        required,
        with_characters,
    )


K = TypeVar("K")


def _frozen(found: dict[K, list[int]]) -> dict[K, tuple[int, ...]]:
    return {key: tuple(numbers) for key, numbers in found.items()}


_INDEXES: dict[int, tuple[weakref.ref[Lexicon], PatternIndex]] = {}


def pattern_index(lexicon: Lexicon) -> PatternIndex:
    """The lexicon's index, built once per lexicon object."""
    cached = _INDEXES.get(id(lexicon))
    if cached is not None and cached[0]() is lexicon:
        return cached[1]
    for number in [number for number, (ref, _index) in _INDEXES.items() if ref() is None]:
        del _INDEXES[number]
    index = build_index(lexicon)
    _INDEXES[id(lexicon)] = (weakref.ref(lexicon), index)
    return index


def runnable_patterns(
    lexicon: Lexicon, language: str, found: set[int], texts: Iterable[str]
) -> list[int]:
    """The numbers of the ``language`` patterns that can match, given the prefilter group ids
    ``found`` by the Aho-Corasick pass over the views' ``texts``: those without groups, and
    those each of whose groups has a string found or a one-character string in the texts."""
    index = pattern_index(lexicon)
    present = set("".join(texts))
    by_group = index.by_group.get(language, {})
    by_character = index.by_character.get(language, {})
    keys = index.group_keys.get(language, frozenset()).intersection(found)
    candidates = set(chain.from_iterable(map(by_group.__getitem__, keys)))
    candidates.update(
        chain.from_iterable(map(by_character.__getitem__, by_character.keys() & present))
    )
    runnable = list(lexicon.unfiltered.get(language, ()))
    strings, characters = index.strings, index.characters
    for number in candidates:
        if not strings[number] <= found:
            continue
        singles = characters.get(number)
        if singles is None or all(
            group in found or not members.isdisjoint(present) for group, members in singles
        ):
            runnable.append(number)
    return runnable
