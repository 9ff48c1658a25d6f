"""Reads for the lexicon browser and its API: every entry in effect — phrases, patterns,
exceptions and context rules, from the shipped files and from approved UI changes — with where
each comes from, and the entries retired in the UI (``state="retired"``)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from heed.screening import selectors
from heed.screening.engine.lexicon import CATEGORY_CODES, DEFAULT_GATES, LANGUAGES, Entry
from heed.screening.engine.normalize import simplified
from heed.screening.models import LexiconChange

KINDS = ("phrase", "pattern", "exception", "context")
# The ``source`` filter: "file" (any shipped file), "ui" (approved UI changes) or one file's name.
SOURCE_GROUPS = ("file", "ui")
SOURCE_FILES: tuple[str, ...] = (
    *(f"{language}/{code}.txt" for language in LANGUAGES for code in CATEGORY_CODES),
    "exceptions.txt",
    "context.tsv",
)
STATES = ("live", "retired", "all")
# Kinds a retirement can name (context rules change only with a file edit).
RETIRABLE_KINDS = ("phrase", "pattern", "exception")
SEARCH_MAX_LENGTH = 200


@dataclass(frozen=True)
class LexiconRow:
    """One line of the lexicon as the browser lists it."""

    kind: str  # phrase | pattern | exception | context
    language: str
    phrase: str  # the phrase, the pattern, the protected phrase, a context rule's markers
    category: str = ""  # phrases and patterns
    categories: tuple[str, ...] = ()  # exceptions (empty: every category) and context rules
    gate: str = ""  # as written ("": the category's default)
    effective_gate: str = ""
    confidence: float | None = None
    options: tuple[str, ...] = ()  # "within=sentence", a context rule's kind…
    rule_id: str = ""  # context rules
    source: str = ""  # "zh/P3.txt:12", "exceptions.txt:4", "context.tsv:9", "ui:7"
    change: LexiconChange | None = None  # a UI addition: the approved change
    state: str = "live"  # live | retired
    retired_by: LexiconChange | None = None  # a retired entry: the approved retirement

    @property
    def origin(self) -> str:
        return "ui" if self.source.startswith("ui:") else "file"

    @property
    def sources(self) -> tuple[str, ...]:
        """Every line it stands for (a retirement may have taken out several)."""
        return tuple(part for part in self.source.split(", ") if part)

    @property
    def source_file(self) -> str:
        first = self.sources[0] if self.sources else ""
        return "" if self.origin == "ui" else first.rpartition(":")[0]

    @property
    def source_line(self) -> int | None:
        first = self.sources[0] if self.sources else ""
        _name, _colon, line = first.rpartition(":")
        return int(line) if self.origin == "file" and line.isdigit() else None

    @property
    def is_retirable(self) -> bool:
        return self.state == "live" and self.kind in RETIRABLE_KINDS

    @property
    def is_cjk(self) -> bool:
        return self.language == "zh"

    def as_dict(self) -> dict[str, Any]:
        """The API's shape (people's names as usernames, times as given)."""
        change, retirement = self.change, self.retired_by
        return {
            "kind": self.kind,
            "language": self.language,
            "phrase": self.phrase,
            "category": self.category,
            "categories": list(self.categories),
            "gate": self.gate,
            "effective_gate": self.effective_gate,
            "confidence": self.confidence,
            "options": list(self.options),
            "rule_id": self.rule_id,
            "state": self.state,
            "origin": self.origin,
            "source": self.source,
            "file": self.source_file,
            "line": self.source_line,
            "change": _change_dict(change) if change is not None else None,
            "retired_by": _change_dict(retirement) if retirement is not None else None,
        }


def _change_dict(change: LexiconChange) -> dict[str, Any]:
    return {
        "id": change.pk,
        "proposed_by": change.proposed_by.username,
        "approved_by": change.decided_by.username if change.decided_by else None,
        "approved_at": change.decided_at,
        "reason": change.reason,
    }


@dataclass(frozen=True)
class LexiconFilter:
    """What the browser, its export and the API filter by (values checked by ``cleaned``)."""

    q: str = ""
    language: str = ""
    category: str = ""
    kind: str = ""
    source: str = ""
    state: str = "live"

    @classmethod
    def cleaned(cls, **values: Any) -> LexiconFilter:
        """Unknown values are dropped (the filter then does not apply), as a form would."""

        def one_of(name: str, allowed: tuple[str, ...], default: str = "") -> str:
            value = str(values.get(name) or "").strip()
            return value if value in allowed else default

        return cls(
            q=str(values.get("q") or "").strip()[:SEARCH_MAX_LENGTH],
            language=one_of("language", LANGUAGES),
            category=one_of("category", CATEGORY_CODES),
            kind=one_of("kind", KINDS),
            source=one_of("source", (*SOURCE_GROUPS, *SOURCE_FILES)),
            state=one_of("state", STATES, "live"),
        )

    def matches(self, row: LexiconRow) -> bool:
        if self.state != "all" and row.state != self.state:
            return False
        if self.language and row.language != self.language:
            return False
        if self.kind and row.kind != self.kind:
            return False
        if self.source in SOURCE_GROUPS and row.origin != self.source:
            return False
        if self.source in SOURCE_FILES and row.source_file != self.source:
            return False
        if self.category and not (
            row.category == self.category
            or self.category in row.categories
            or (row.kind == "exception" and not row.categories)
        ):
            return False
        if self.q:
            return any(
                needle in row.phrase.casefold() or needle in row.rule_id.casefold()
                for needle in self.needles
            )
        return True

    @cached_property
    def needles(self) -> tuple[str, ...]:
        """The search as typed and in simplified characters, as the lexicon writes Chinese
        (賴 finds 老赖)."""
        typed = self.q.casefold()
        return tuple(dict.fromkeys((typed, "".join(simplified(typed)))))


def default_gate(category: str) -> str:
    """The gate an entry of ``category`` has when its line names none (engine.lexicon)."""
    return DEFAULT_GATES.get(category, "never")


def _entry_row(entry: Entry, changes: dict[int, LexiconChange]) -> LexiconRow:
    return LexiconRow(
        kind="pattern" if entry.is_pattern else "phrase",
        language=entry.language,
        phrase=entry.phrase,
        category=entry.category,
        gate=entry.gate,
        effective_gate=entry.effective_gate,
        confidence=entry.confidence,
        options=(f"within={entry.within}",) if entry.within else (),
        source=entry.source,
        change=_ui_change(entry.source, changes),
    )


def _ui_change(source: str, changes: dict[int, LexiconChange]) -> LexiconChange | None:
    kind, _colon, number = source.partition(":")
    return changes.get(int(number)) if kind == "ui" and number.isdigit() else None


def _retired_row(change: LexiconChange) -> LexiconRow:
    """What a retirement took out, as it stood when it was proposed."""
    is_exception = change.kind == LexiconChange.Kind.EXCEPTION
    categories = tuple(c for c in change.exception_categories.split(",") if c)
    return LexiconRow(
        kind=change.kind,
        language=change.language,
        phrase=change.phrase,
        category="" if is_exception else change.category,
        categories=categories if is_exception else (),
        gate="" if is_exception else change.gate,
        effective_gate="" if is_exception else change.gate or default_gate(change.category),
        confidence=None if is_exception else change.confidence,
        source=change.retired_source,
        state="retired",
        retired_by=change,
    )


def _order(row: LexiconRow) -> tuple[int, int, int]:
    group = {"phrase": 0, "pattern": 0, "exception": 1, "context": 2}[row.kind]
    language = LANGUAGES.index(row.language) if row.language in LANGUAGES else len(LANGUAGES)
    category = CATEGORY_CODES.index(row.category) if row.category in CATEGORY_CODES else -1
    return group, language, category


def lexicon_rows(filters: LexiconFilter | None = None) -> list[LexiconRow]:
    """The entries of the active lexicon (files plus approved UI changes, less retirements) and
    the retired ones, filtered: phrases and patterns by language and category in file order (UI
    additions after a category's file lines), then exceptions, then context rules, then what was
    retired. Two queries whatever the size."""
    filters = filters or LexiconFilter()
    lexicon = selectors.screener_get().lexicon
    approved = list(
        LexiconChange.objects.approved()
        .select_related("proposed_by", "decided_by")
        .order_by("decided_at", "id")
    )
    changes = {change.pk: change for change in approved}
    rows: list[LexiconRow] = []
    if filters.state in ("live", "all"):
        rows.extend(_entry_row(entry, changes) for entry in lexicon.entries)
        rows.extend(
            LexiconRow(
                kind="exception",
                language=exception.language,
                phrase=exception.phrase,
                categories=tuple(sorted(exception.categories, key=CATEGORY_CODES.index)),
                source=exception.source,
                change=_ui_change(exception.source, changes),
            )
            for exception in lexicon.exceptions
        )
        rows.extend(
            LexiconRow(
                kind="context",
                language=rule.language,
                phrase=" | ".join(rule.markers),
                categories=tuple(
                    sorted(rule.categories & set(CATEGORY_CODES), key=CATEGORY_CODES.index)
                ),
                options=(rule.kind,),
                rule_id=rule.rule_id,
                source=rule.source,
            )
            for rule in lexicon.context_rules
        )
        rows.sort(key=_order)
    if filters.state in ("retired", "all"):
        rows.extend(_retired_row(change) for change in approved if change.is_retirement)
    return [row for row in rows if filters.matches(row)]


def live_rows_for_key(
    *, kind: str, language: str, phrase: str, category: str = ""
) -> list[LexiconRow]:
    """The live lines a retirement of (kind, language, category, phrase) would take out:
    phrases and patterns by all four, exceptions by language and phrase."""
    rows = lexicon_rows(LexiconFilter(language=language, kind=kind))
    return [
        row
        for row in rows
        if row.phrase == phrase and (kind == "exception" or row.category == category)
    ]
