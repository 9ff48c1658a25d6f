"""The lexicon: curated phrases per category and language, exceptions and context rules — all data.

Files live in ``heed/screening/lexicon/`` (see its README): ``VERSION``, ``zh/P1.txt`` …
``en/P18.txt``, ``exceptions.txt`` and ``context.tsv``. Compliance officers add phrases and
exceptions in the UI; once a second person approves them they are passed in as ``extra_entries``
/ ``extra_exceptions`` and compiled into the same automata. Pure Python, no database.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ahocorasick

from heed.screening.engine.anchors import (
    pattern_anchors,
    required_literals,
    without_leading_boundary,
)
from heed.screening.engine.lookbehinds import Split, split_look_behinds
from heed.screening.engine.normalize import cjk_view, is_cjk, latin_view, phrase_pinyin

if TYPE_CHECKING:
    from heed.screening.engine.scope import ReaderWish

LEXICON_DIR = Path(__file__).resolve().parent.parent / "lexicon"

CATEGORY_CODES: tuple[str, ...] = tuple(f"P{number}" for number in range(1, 19))

# RULES.md §Content: "always" categories block whatever the facts; gated ones depend on the account.
GATED_CATEGORIES: frozenset[str] = frozenset({"P5", "P8", "P13", "P15"})
# The gate an entry of a gated category gets unless its line names one. P15 lines are false
# whatever the facts ("blacklisted for life") unless marked ``gate=credit`` ("will be reported").
DEFAULT_GATES: dict[str, str] = {"P5": "lawyer", "P8": "lawsuit", "P13": "fee"}

GATES: tuple[str, ...] = ("never", "lawyer", "lawsuit", "filed", "enforcement", "fee", "credit")

# The gates an entry may name, per category: only where a true statement or a real court
# document can be lawful, and only the facts that could make one of the category's statements
# true. A gate names such a fact; no fact makes a threat, an insult or an arrest threat lawful,
# so every other category (P1-P3, P7, P9, P11, P12, P14, P16-P18) takes none (``never``, or
# nothing, is always allowed). P4 "you are ordered to appear" is true once a suit is filed;
# P6 court papers exist once filed or after judgment, a law firm's letter once a lawyer is
# instructed; P10 a wage deduction by the employer needs a judgment; P13 a fee needs the
# contract; P15 a credit report needs a creditor that reports (or a judgment, for the list
# of judgment defaulters).
_LEGAL_GATES = ("lawyer", "lawsuit", "filed", "enforcement")
CATEGORY_GATES: dict[str, tuple[str, ...]] = {
    "P4": ("filed", "enforcement"),
    "P5": _LEGAL_GATES,
    "P6": ("lawyer", "filed", "enforcement"),
    "P8": _LEGAL_GATES,
    "P10": ("enforcement",),
    "P13": ("fee",),
    "P15": ("credit", "enforcement"),
}

LANGUAGES: tuple[str, ...] = ("zh", "en")


class LexiconError(ValueError):
    """A lexicon file or entry is malformed (the message names the file and line)."""


@dataclass(frozen=True)
class Entry:
    """One phrase (or ``re:`` pattern) that signals ``category``."""

    category: str
    language: str
    phrase: str
    gate: str = ""  # "" = the category's default gate (none for "always" categories)
    confidence: float = 0.95
    source: str = ""
    is_pattern: bool = False
    # "sentence": a hit counts only inside one sentence of the original text (the views drop
    # punctuation, so a pattern's gap could otherwise run from one sentence into the next).
    within: str = ""

    @property
    def effective_gate(self) -> str:
        if self.gate:
            return self.gate
        return DEFAULT_GATES.get(self.category, "never")

    @property
    def is_symbol(self) -> bool:
        """A phrase of emoji or other symbols only (no letter, digit or ideograph): matched in
        the original text, since the views drop such characters (🔪, ⚰️, 🏠🔥)."""
        return not self.is_pattern and is_symbol_phrase(self.phrase)


SYMBOL_PHRASE_MAX = 8


def is_symbol_phrase(phrase: str) -> bool:
    """Emoji and other pictographs only (Unicode category So, as 🔪 ⚰ 🖕): punctuation such as
    ！！ is no symbol phrase (it is empty after normalisation, as before)."""
    text = phrase.replace("\ufe0f", "").replace("\u200d", "").strip()
    return bool(text) and all(unicodedata.category(char) == "So" for char in text)


@dataclass(frozen=True)
class ExceptionPhrase:
    """A protected phrase: findings lying inside one of its occurrences are dropped."""

    phrase: str
    language: str
    categories: frozenset[str] = frozenset()  # empty = every category
    source: str = ""


# Context-rule kinds that only shape other rules' reach (scope.py); they clear nothing.
SCOPE_KINDS = frozenset({"contrast", "except", "concession", "absolute"})
# The reader's wish ("You wouldn't want your boss to find out", 你也不会想…): words read where
# they stand around a negation marker, not searched for (scope.ReaderWish); they clear nothing.
WISH_KINDS = frozenset({"wish", "wish_reader", "wish_reported"})
CONTEXT_KINDS = (
    frozenset({"sentence", "hedge", "text", "negation", "blocker"}) | SCOPE_KINDS | WISH_KINDS
)


@dataclass(frozen=True)
class ContextRule:
    """Markers that make nearby hits lawful: ``sentence`` (anywhere in the same sentence; a
    ``hedge`` likewise, unless an ``absolute`` marker takes it back) or ``negation`` (shortly
    before the hit, same clause); ``contrast``, ``except`` and ``concession`` markers end the
    others' reach, ``wish``/``wish_reader``/``wish_reported`` words around a negation make it
    the reader's wish, a veiled threat (scope.py)."""

    rule_id: str
    kind: str
    categories: frozenset[str]
    language: str
    markers: tuple[str, ...]
    source: str = ""  # "context.tsv:<line>"


@dataclass(frozen=True)
class Compiled:
    """What the automata hold per key."""

    entry: Entry
    key: str
    prefix: bool = False  # Latin: no word boundary needed after the key ("retard*")
    suffix: bool = False  # Latin: no word boundary needed before the key ("*fucker")
    surface: str = ""  # pinyin automaton: the CJK key the pinyin key was made from
    syllable_starts: frozenset[int] = frozenset()  # pinyin automaton: where syllables begin


WITHIN = ("", "sentence")


def gate_problem(category: str, gate: str) -> str | None:
    """Why ``category`` cannot take ``gate``: ``"always"`` (the category takes no gate: no
    account fact makes it lawful), ``"unfit"`` (the gate is not one of the category's
    :data:`CATEGORY_GATES`), ``"unknown"``; ``None`` when it can (no gate, ``never``, or one of
    the category's)."""
    if gate in ("", "never"):
        return None
    if gate not in GATES:
        return "unknown"
    allowed = CATEGORY_GATES.get(category, ())
    if not allowed:
        return "always"
    return None if gate in allowed else "unfit"


def validate_entry(entry: Entry) -> None:
    if entry.category not in CATEGORY_CODES:
        raise LexiconError(f"unknown category {entry.category!r}")
    if entry.language not in LANGUAGES:
        raise LexiconError(f"unknown language {entry.language!r}")
    problem = gate_problem(entry.category, entry.gate)
    if problem == "unknown":
        raise LexiconError(f"unknown gate {entry.gate!r}")
    if problem == "always":
        raise LexiconError(
            f"gate {entry.gate!r} on {entry.category}, which no account fact makes lawful "
            "(use no gate or gate=never)"
        )
    if problem == "unfit":
        allowed = ", ".join(CATEGORY_GATES[entry.category])
        raise LexiconError(f"gate {entry.gate!r} does not fit {entry.category} (use {allowed})")
    if not 0 < entry.confidence <= 1:
        raise LexiconError("confidence must be in (0, 1]")
    if entry.within not in WITHIN:
        raise LexiconError(f"unknown within {entry.within!r} (use within=sentence)")
    if entry.is_pattern:
        try:
            re.compile(entry.phrase)
        except re.error as exc:
            raise LexiconError(f"bad pattern {entry.phrase!r}: {exc}") from exc
    elif entry.is_symbol:
        if len(entry.phrase.replace("\ufe0f", "")) > SYMBOL_PHRASE_MAX:
            raise LexiconError(
                f"symbol phrase {entry.phrase!r} is longer than {SYMBOL_PHRASE_MAX} characters"
            )
    elif not normalised_key(entry.phrase, entry.language)[0]:
        raise LexiconError(f"phrase {entry.phrase!r} is empty after normalisation")


def normalised_key(phrase: str, language: str) -> tuple[str, bool, bool]:
    """The key a phrase is matched under, and its prefix/suffix flags."""
    if language == "zh":
        return cjk_view(phrase).text, False, False
    prefix = phrase.endswith("*")
    suffix = phrase.startswith("*")
    core = phrase.strip("*")
    return latin_view(core).text.strip(), prefix, suffix


def _parse_options(raw: str, where: str) -> dict[str, str]:
    options: dict[str, str] = {}
    for part in raw.replace(";", " ").split():
        if "=" not in part:
            raise LexiconError(f"{where}: option {part!r} is not key=value")
        key, value = part.split("=", 1)
        options[key.strip()] = value.strip()
    return options


def parse_phrase_file(text: str, *, category: str, language: str, name: str) -> list[Entry]:
    """Lines: ``phrase`` or ``phrase<TAB>gate=lawsuit conf=0.6``; ``re:`` starts a pattern."""
    entries: list[Entry] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        phrase, _tab, rest = line.partition("\t")
        where = f"{name}:{number}"
        options = _parse_options(rest, where)
        is_pattern = phrase.startswith("re:")
        entry = Entry(
            category=category,
            language=language,
            phrase=phrase[3:] if is_pattern else phrase.strip(),
            gate=options.get("gate", ""),
            confidence=float(options.get("conf", "0.95")),
            source=where,
            is_pattern=is_pattern,
            within=options.get("within", ""),
        )
        try:
            validate_entry(entry)
        except LexiconError as exc:
            raise LexiconError(f"{where}: {exc}") from exc
        entries.append(entry)
    return entries


def parse_exceptions(text: str, *, name: str = "exceptions.txt") -> list[ExceptionPhrase]:
    """Lines: ``phrase<TAB>lang=zh categories=P8`` (categories optional: all)."""
    found: list[ExceptionPhrase] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        phrase, _tab, rest = line.partition("\t")
        options = _parse_options(rest, f"{name}:{number}")
        language = options.get("lang", "zh" if any(is_cjk(c) for c in phrase) else "en")
        categories = frozenset(c for c in options.get("categories", "").split(",") if c)
        found.append(ExceptionPhrase(phrase.strip(), language, categories, f"{name}:{number}"))
    return found


def parse_context(text: str, *, name: str = "context.tsv") -> list[ContextRule]:
    """Columns: id, kind (see ``CONTEXT_KINDS``), categories (comma list or *), language,
    markers (| separated)."""
    rules: list[ContextRule] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        columns = line.split("\t")
        if len(columns) != 5:
            raise LexiconError(f"{name}:{number}: expected 5 tab-separated columns")
        rule_id, kind, categories, language, markers = (c.strip() for c in columns)
        if kind not in CONTEXT_KINDS:
            raise LexiconError(f"{name}:{number}: unknown kind {kind!r}")
        if kind in WISH_KINDS:
            problem = _wish_problem(kind, categories, language, markers)
            if problem:
                raise LexiconError(f"{name}:{number} ({rule_id}): {problem}")
        codes = frozenset(CATEGORY_CODES) if categories == "*" else frozenset(categories.split(","))
        rules.append(
            ContextRule(
                rule_id,
                kind,
                codes,
                language,
                tuple(m for m in markers.split("|") if m),
                f"{name}:{number}",
            )
        )
    return rules


def _wish_problem(kind: str, categories: str, language: str, markers: str) -> str | None:
    """Why a row of a reader's-wish kind cannot be read (``None`` when it can): its words are
    read as written where they stand around a negation, for every category."""
    if categories != "*":
        return f"kind {kind!r} applies to every category: write * (not {categories!r})"
    if language not in LANGUAGES:
        return f"unknown language {language!r} (use {' or '.join(LANGUAGES)})"
    words = [m for m in markers.split("|") if m.strip()]
    if not words:
        return f"kind {kind!r} needs at least one marker"
    for marker in words:
        if "*" in marker:
            return (
                f"marker {marker!r}: a {kind} marker is read as written where it stands, "
                "so * means nothing there (want already reads wanted)"
            )
    return None


@dataclass
class Lexicon:
    version: str
    entries: list[Entry]
    exceptions: list[ExceptionPhrase]
    context_rules: list[ContextRule]
    # Entries added at run time (approved in the UI) whose gate their category cannot have, as
    # they were stored: ``entries`` holds them with gate ``never`` (see :func:`load_lexicon`).
    regated: tuple[Entry, ...] = ()
    cjk: ahocorasick.Automaton = field(init=False, repr=False)
    latin: ahocorasick.Automaton = field(init=False, repr=False)
    pinyin: ahocorasick.Automaton = field(init=False, repr=False)
    raw: ahocorasick.Automaton = field(init=False, repr=False)
    patterns: list[tuple[re.Pattern[str], Entry]] = field(init=False, repr=False)
    # Per pattern: literal strings one of which every match starts with (None: unknown).
    pattern_anchors: list[frozenset[str] | None] = field(init=False, repr=False)
    # Per pattern: the pattern without its leading ``\b`` (see anchors.boundary_matches), or
    # None: the pattern is searched as it is.
    boundary_free: list[re.Pattern[str] | None] = field(init=False, repr=False)
    # Per pattern: its leading look-behinds apart from the rest (see lookbehinds), or None.
    look_behind_splits: list[Split | None] = field(init=False, repr=False)
    # The prefilter: per pattern, groups of literal strings every match contains one of (see
    # anchors.required_literals), each group an id; per language an automaton of those strings
    # → the ids of the groups they are in. A pattern runs only on a text where each of its
    # groups has a string; patterns without groups always run.
    pattern_groups: list[frozenset[int]] = field(init=False, repr=False)
    first_groups: dict[int, int] = field(init=False, repr=False)  # group id → its pattern
    first_group_ids: frozenset[int] = field(init=False, repr=False)  # first_groups' keys
    prefilter_automata: dict[str, ahocorasick.Automaton] = field(init=False, repr=False)
    # One-character strings are kept apart (a set intersection finds them faster than the
    # automaton, which would report every occurrence): character → group ids.
    prefilter_characters: dict[str, dict[str, tuple[int, ...]]] = field(init=False, repr=False)
    # One pass per view: the phrase automaton (``cjk`` or ``latin``) and the prefilter's
    # strings in one automaton, key → (its Compiled entries, its prefilter group ids); under
    # "zh_plain" the "zh" keys of letters and digits only (for texts without ideographs).
    scan_automata: dict[str, ahocorasick.Automaton] = field(init=False, repr=False)
    unfiltered: dict[str, tuple[int, ...]] = field(init=False, repr=False)
    # Context-rule markers per view ("zh": the CJK view, "en": the Latin view): key → entries
    # (rule index, marker index, key length, characters to drop at the start and at the end).
    marker_automata: dict[str, ahocorasick.Automaton] = field(init=False, repr=False)
    # The ``wish``, ``wish_reader`` and ``wish_reported`` rules, compiled (scope.ReaderWish).
    reader_wish: ReaderWish = field(init=False, repr=False)
    # Exceptions per view ("zh": the CJK view, "en": the Latin view): normalised key → entries
    # (exception index, key length).
    exception_automata: dict[str, ahocorasick.Automaton] = field(init=False, repr=False)
    # Symbol phrases (emoji) per language: the symbol without variation selectors → its
    # entries, and one search for all of them in the original text (None: there are none).
    symbols: dict[str, dict[str, tuple[Entry, ...]]] = field(init=False, repr=False)
    symbol_search: dict[str, re.Pattern[str]] = field(init=False, repr=False)
    # Per language: whether every symbol has a character outside ASCII (an ASCII text then
    # holds none of them, which ``str.isascii`` tells without reading the text).
    symbols_beyond_ascii: dict[str, bool] = field(init=False, repr=False)
    # What other modules build from this lexicon once, by name (``readings.vocabulary``,
    # ``masking.mask_vocabulary``): kept with the lexicon, so it goes when the lexicon goes.
    derived: dict[str, Any] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.cjk = ahocorasick.Automaton()
        self.latin = ahocorasick.Automaton()
        self.pinyin = ahocorasick.Automaton()
        self.raw = ahocorasick.Automaton()
        self.patterns = []
        symbols: dict[str, dict[str, list[Entry]]] = {}
        for entry in self.entries:
            if entry.is_pattern:
                self.patterns.append((re.compile(entry.phrase), entry))
                continue
            if entry.is_symbol:
                key = entry.phrase.replace("\ufe0f", "").strip()
                symbols.setdefault(entry.language, {}).setdefault(key, []).append(entry)
                _add(self.raw, key, Compiled(entry, key))
                continue
            key, prefix, suffix = normalised_key(entry.phrase, entry.language)
            compiled = Compiled(entry, key, prefix, suffix)
            _add(self.cjk if entry.language == "zh" else self.latin, key, compiled)
            _add(self.raw, entry.phrase.strip("*").lower(), compiled)
            if entry.language == "zh" and len(key) >= 2 and all(is_cjk(c) for c in key):
                pinyin_key = phrase_pinyin(key)
                starts = frozenset(_syllable_starts(key))
                _add(
                    self.pinyin,
                    pinyin_key,
                    Compiled(entry, pinyin_key, surface=key, syllable_starts=starts),
                )
        for automaton in (self.cjk, self.latin, self.pinyin, self.raw):
            if len(automaton):
                automaton.make_automaton()
        self.symbols = {
            language: {key: tuple(found) for key, found in keys.items()}
            for language, keys in symbols.items()
        }
        # Longest first, each character optionally followed by a variation selector.
        self.symbol_search = {
            language: re.compile(
                "|".join(
                    "".join(re.escape(char) + "\ufe0f?" for char in key)
                    for key in sorted(keys, key=len, reverse=True)
                )
            )
            for language, keys in self.symbols.items()
        }
        self.symbols_beyond_ascii = {
            language: not any(key.isascii() for key in keys)
            for language, keys in self.symbols.items()
        }
        self.pattern_anchors = [pattern_anchors(pattern) for pattern, _entry in self.patterns]
        self.boundary_free = [without_leading_boundary(pattern) for pattern, _ in self.patterns]
        self.look_behind_splits = [split_look_behinds(pattern) for pattern, _ in self.patterns]
        self.pattern_groups = []
        self.first_groups = {}
        self.prefilter_automata = {}
        automata = {language: ahocorasick.Automaton() for language in LANGUAGES}
        characters: dict[str, dict[str, tuple[int, ...]]] = {lang: {} for lang in LANGUAGES}
        unfiltered: dict[str, list[int]] = {language: [] for language in LANGUAGES}
        group_id = 0
        for number, (pattern, entry) in enumerate(self.patterns):
            groups = required_literals(pattern)
            ids: list[int] = []
            for group in groups:
                ids.append(group_id)
                automaton = automata[entry.language]
                for string in group:
                    if len(string) == 1:
                        single = characters[entry.language]
                        single[string] = (*single.get(string, ()), group_id)
                        continue
                    existing = automaton.get(string, ())
                    automaton.add_word(string, (*existing, group_id))
                group_id += 1
            if ids:
                self.first_groups[ids[0]] = number
            else:
                unfiltered[entry.language].append(number)
            self.pattern_groups.append(frozenset(ids))
        for language, automaton in automata.items():
            if len(automaton):
                automaton.make_automaton()
            self.prefilter_automata[language] = automaton
        self.first_group_ids = frozenset(self.first_groups)
        self.unfiltered = {language: tuple(numbers) for language, numbers in unfiltered.items()}
        self.prefilter_characters = characters
        self.scan_automata = {}
        for language, phrases in (("zh", self.cjk), ("en", self.latin)):
            scan = ahocorasick.Automaton()
            for key in phrases.keys() if len(phrases) else ():
                scan.add_word(key, (phrases.get(key), ()))
            prefilter = self.prefilter_automata[language]
            for key in prefilter.keys() if len(prefilter) else ():
                compiled, ids = scan.get(key, ((), ()))
                scan.add_word(key, (compiled, (*ids, *prefilter.get(key))))
            if len(scan):
                scan.make_automaton()
            self.scan_automata[language] = scan
        # The CJK view of a text without ideographs is letters and digits only: just the keys
        # made of those can match in it, and a small automaton finds them far faster (the large
        # one pays for its many first characters on every character scanned).
        plain = ahocorasick.Automaton()
        full = self.scan_automata["zh"]
        for key in full.keys() if len(full) else ():
            if _LETTERS_DIGITS.fullmatch(key):
                plain.add_word(key, full.get(key))
        if len(plain):
            plain.make_automaton()
        self.scan_automata["zh_plain"] = plain
        self.marker_automata = _view_automata(self._marker_keys())
        from heed.screening.engine.scope import ReaderWish  # scope.py imports this module

        self.reader_wish = ReaderWish.of(self.context_rules)
        self.exception_automata = _view_automata(
            (exception.language, key, (number, len(key)))
            for number, exception in enumerate(self.exceptions)
            if (key := normalised_key(exception.phrase, exception.language)[0])
        )

    def _marker_keys(self) -> Iterator[tuple[str, str, tuple[int, int, int, int, int]]]:
        """(language, key, (rule index, marker index, key length, characters to drop at the
        start and at the end)) of every context-rule marker, in rule order, then marker order;
        an English marker is matched as whole words (spaces around it, one before a prefix*)."""
        for rule_index, rule in enumerate(self.context_rules):
            if rule.kind in WISH_KINDS:
                continue  # read around a negation marker (scope.ReaderWish), not searched for
            for marker_index, marker in enumerate(rule.markers):
                key = normalised_key(marker, rule.language)[0]
                if not key:
                    continue
                lead = trail = 0
                if rule.language == "en":
                    key = f" {key} " if not marker.endswith("*") else f" {key}"
                    lead, trail = 1, 0 if marker.endswith("*") else 1
                yield rule.language, key, (rule_index, marker_index, len(key), lead, trail)

    @property
    def content_hash(self) -> str:
        digest = hashlib.sha256()
        for entry in self.entries:
            digest.update(
                f"{entry.category}|{entry.language}|{entry.phrase}|{entry.gate}|"
                f"{entry.confidence}|{entry.is_pattern}|{entry.within}\n".encode()
            )
        for exception in self.exceptions:
            digest.update(f"x|{exception.language}|{exception.phrase}|".encode())
            digest.update(",".join(sorted(exception.categories)).encode() + b"\n")
        return digest.hexdigest()[:16]

    def raw_scan(self, text: str) -> int:
        """The floor for benchmarks: one Aho-Corasick pass over the lower-cased text, no layers."""
        if not len(self.raw):
            return 0
        return sum(1 for _ in self.raw.iter(text.lower()))


_LETTERS_DIGITS = re.compile(r"[a-z0-9]+")


def _syllable_starts(key: str) -> list[int]:
    starts: list[int] = []
    position = 0
    for char in key:
        starts.append(position)
        position += len(phrase_pinyin(char))
    return starts


def _view_automata(items: Iterable[tuple[str, str, Any]]) -> dict[str, ahocorasick.Automaton]:
    """Per view ("zh": the CJK view, "en": the Latin view, for every other language) an
    automaton of the ``(language, key, value)`` items: key → the tuple of its values, in the
    order given."""
    automata = {language: ahocorasick.Automaton() for language in LANGUAGES}
    for language, key, value in items:
        automaton = automata["zh" if language == "zh" else "en"]
        automaton.add_word(key, (*automaton.get(key, ()), value))
    for automaton in automata.values():
        if len(automaton):
            automaton.make_automaton()
    return automata


def _add(automaton: ahocorasick.Automaton, key: str, compiled: Compiled) -> None:
    if not key:
        return
    existing = automaton.get(key, None)
    automaton.add_word(key, (*existing, compiled) if existing else (compiled,))


def load_entries(directory: Path = LEXICON_DIR) -> list[Entry]:
    entries: list[Entry] = []
    for language in LANGUAGES:
        for category in CATEGORY_CODES:
            path = directory / language / f"{category}.txt"
            if path.exists():
                entries.extend(
                    parse_phrase_file(
                        path.read_text(encoding="utf-8"),
                        category=category,
                        language=language,
                        name=f"{language}/{category}.txt",
                    )
                )
    return entries


EntryKey = tuple[str, str, str, bool]
ExceptionKey = tuple[str, str]


def entry_key(entry: Entry) -> EntryKey:
    """What names a phrase or pattern when it is retired: language, category, the phrase as
    written and whether it is a pattern (every line with these four is retired together)."""
    return (entry.language, entry.category, entry.phrase, entry.is_pattern)


def exception_key(exception: ExceptionPhrase) -> ExceptionKey:
    """What names a protected phrase when it is retired: its language and the phrase."""
    return (exception.language, exception.phrase)


def load_lexicon(
    directory: Path = LEXICON_DIR,
    *,
    extra_entries: Iterable[Entry] = (),
    extra_exceptions: Iterable[ExceptionPhrase] = (),
    retired_entries: Collection[EntryKey] = frozenset(),
    retired_exceptions: Collection[ExceptionKey] = frozenset(),
    version_suffix: str = "",
) -> Lexicon:
    """The file lexicon without the retired file lines, plus approved additions; ``version``
    names both. The files stay as they are: a retirement lives outside them until a file edit
    removes the line.

    A file entry whose gate its category cannot have stops the load (:func:`validate_entry`).
    An addition with such a gate (approved before the rule, or written to the database by
    other means) is applied with gate ``never`` — it always blocks, the strictest reading, so a
    wrong gate can never make a message lawful — and listed in ``Lexicon.regated``.
    """
    version = (directory / "VERSION").read_text(encoding="utf-8").strip()
    exceptions_path = directory / "exceptions.txt"
    context_path = directory / "context.tsv"
    exceptions = (
        parse_exceptions(exceptions_path.read_text(encoding="utf-8"))
        if exceptions_path.exists()
        else []
    )
    if retired_exceptions:
        exceptions = [e for e in exceptions if exception_key(e) not in retired_exceptions]
    entries = load_entries(directory)
    if retired_entries:
        entries = [e for e in entries if entry_key(e) not in retired_entries]
    context_rules = (
        parse_context(context_path.read_text(encoding="utf-8")) if context_path.exists() else []
    )
    additions = list(extra_entries)
    applied = [
        replace(entry, gate="never") if gate_problem(entry.category, entry.gate) else entry
        for entry in additions
    ]
    return Lexicon(
        version=f"{version}{version_suffix}",
        entries=[*entries, *applied],
        exceptions=[*exceptions, *extra_exceptions],
        context_rules=context_rules,
        regated=tuple(
            entry for entry, used in zip(additions, applied, strict=True) if used is not entry
        ),
    )
