"""Screening a text: lexicon hits on the normalised views, exceptions and context rules against
false positives, gates against the account's facts, and the verdict.

Verdict (issue 5, RULES.md §Content): ``block`` when an *always* category is found with enough
confidence, or a gated statement the account's facts make false; ``review`` when a gated category
is found and no account facts were given, or a hit has low confidence; ``pass`` otherwise.
Every finding's ``start``/``end`` index the ORIGINAL text. Pure Python, no database.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from heed.screening.engine.lexicon import Compiled, ContextRule, Entry, Lexicon, normalised_key
from heed.screening.engine.normalize import Views, build_views, detect_language, is_cjk

BLOCK = "block"
REVIEW = "review"
PASS = "pass"
VERDICTS: tuple[str, ...] = (BLOCK, REVIEW, PASS)

# A hit below this confidence never blocks on its own: a person looks at it.
BLOCK_CONFIDENCE = 0.75

CHANNELS: tuple[str, ...] = ("sms", "email", "letter", "call", "voicemail", "im", "other")

_SENTENCE_END = re.compile(r"[。！？!?；;\n]|\.(?=\s|$)")
_CLAUSE_END = re.compile(r"[。！？!?；;\n，,、:：]|\.(?=\s|$)")


@dataclass(frozen=True)
class AccountFacts:
    """What the account says is true; gated statements are lawful only when these make them so."""

    litigation_approved: bool = False
    litigation_filed: bool = False
    judgment_obtained: bool = False
    time_barred: bool = False
    lawyer_instructed: bool = False
    fees_in_contract: bool = False
    reports_to_credit_bureau: bool = False


def gate_holds(gate: str, facts: AccountFacts) -> bool:
    """Whether the facts make a statement of this gate kind true and lawful.

    Suing or enforcing on a time-barred debt is never lawful (FDCPA/Reg F 1006.26, UK CONC 7.15).
    """
    if gate == "lawyer":
        return facts.lawyer_instructed
    if gate == "lawsuit":
        return facts.litigation_approved and not facts.time_barred
    if gate == "filed":
        return facts.litigation_filed and not facts.time_barred
    if gate == "enforcement":
        return facts.judgment_obtained and not facts.time_barred
    if gate == "fee":
        return facts.fees_in_contract
    if gate == "credit":
        return facts.reports_to_credit_bureau
    return False


# Without an account a person must check the gated statement — except unauthorised fees, which
# RULES.md makes "always (gated if in contract)".
UNKNOWN_FACTS_DECISION: dict[str, str] = {"fee": BLOCK}


@dataclass(frozen=True)
class Finding:
    category: str
    start: int
    end: int
    match: str
    rule: str
    confidence: float
    decision: str = BLOCK

    def as_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "start": self.start,
            "end": self.end,
            "match": self.match,
            "rule": self.rule,
            "confidence": round(self.confidence, 3),
        }


@dataclass(frozen=True)
class Suppressed:
    """A hit that a context rule, an exception or the account's facts made lawful."""

    finding: Finding
    reason: str


@dataclass(frozen=True)
class Result:
    verdict: str
    findings: tuple[Finding, ...]
    language: str
    lexicon_version: str
    suppressed: tuple[Suppressed, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "findings": [f.as_dict() for f in self.findings]}


class Classifier(Protocol):
    def scores(self, texts: Sequence[str]) -> list[float]: ...


class DomainModel(Protocol):
    def predict(self, texts: Sequence[str]) -> list[tuple[str, float]]: ...


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """``[start, end)`` of each sentence, surrounding white space left out."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in [*_SENTENCE_END.finditer(text), None]:
        end = match.end() if match is not None else len(text)
        piece = text[start:end]
        stripped = piece.strip()
        if stripped:
            begin = start + piece.index(stripped[0])
            spans.append((begin, begin + len(stripped)))
        start = end
    return spans


@dataclass(frozen=True)
class _Hit:
    entry: Entry
    start: int
    end: int
    layer: str
    confidence: float


@dataclass
class Screener:
    lexicon: Lexicon
    classifier: Classifier | None = None
    classifier_threshold: float = 0.9
    domain: DomainModel | None = None
    domain_threshold: float = 0.7

    def _context_reason_for(self, views: Views, finding: Finding) -> str | None:
        """The context rules (anti-fraud, bereavement…) applied to a classifier's finding."""
        entry = Entry(finding.category, "zh", finding.rule)
        hit = _Hit(entry, finding.start, finding.end, "classifier", finding.confidence)
        markers = self._marker_spans(views)
        blockers = [(start, end) for rule, start, end in markers if rule.kind == "blocker"]
        original = views.original
        cuts = (_Cuts(original, _SENTENCE_END), _Cuts(original, _CLAUSE_END), blockers)
        return _context_reason(original, hit, markers, cuts)

    def _classifier_findings(self, text: str, covered: list[tuple[int, int]]) -> list[Finding]:
        """Sentences no lexicon hit touches, scored by the classifiers; a hit asks for review."""
        sentences = [
            (start, end)
            for start, end in sentence_spans(text)
            if not any(c_start < end and start < c_end for c_start, c_end in covered)
        ]
        if not sentences:
            return []
        pieces = [text[start:end] for start, end in sentences]
        found: list[Finding] = []
        domain = self.domain.predict(pieces) if self.domain is not None else []
        cold = self.classifier.scores(pieces) if self.classifier is not None else []
        for position, (start, end) in enumerate(sentences):
            if domain:
                category, probability = domain[position]
                if probability >= self.domain_threshold:
                    found.append(
                        Finding(
                            category,
                            start,
                            end,
                            pieces[position],
                            "classifier:domain",
                            probability,
                            REVIEW,
                        )
                    )
                    continue
            if cold:
                score = cold[position]
                if score >= self.classifier_threshold:
                    found.append(
                        Finding(
                            "P3", start, end, pieces[position], "classifier:cold", score, REVIEW
                        )
                    )
        return found

    def screen(
        self,
        text: str,
        *,
        language: str | None = None,
        channel: str | None = None,
        facts: AccountFacts | None = None,
    ) -> Result:
        language = language or detect_language(text)
        views = build_views(text)
        hits = self._hits(views)
        suppressed: list[Suppressed] = []
        hits = self._without_exceptions(views, hits, suppressed)
        hits = self._without_context(views, hits, suppressed)
        findings = _deduplicated([self._finding(text, hit, facts, suppressed) for hit in hits])
        findings = [f for f in findings if f.decision != PASS]
        if self.classifier is not None or self.domain is not None:
            covered = [(f.start, f.end) for f in findings]
            covered += [(s.finding.start, s.finding.end) for s in suppressed]
            for finding in self._classifier_findings(text, covered):
                reason = self._context_reason_for(views, finding)
                if reason is None:
                    findings.append(finding)
                else:
                    suppressed.append(Suppressed(finding, reason))
        findings.sort(key=lambda f: (f.start, f.end, f.category))
        verdict = PASS
        if any(f.decision == BLOCK for f in findings):
            verdict = BLOCK
        elif findings:
            verdict = REVIEW
        return Result(
            verdict,
            tuple(findings),
            language,
            self.lexicon.version,
            _distinct_suppressed(suppressed),
        )

    # --- layers -------------------------------------------------------------------------------

    def _hits(self, views: Views) -> list[_Hit]:
        hits: list[_Hit] = []
        original = views.original
        cjk = views.cjk
        if len(self.lexicon.cjk) and cjk.text:
            for end_index, compiled_all in self.lexicon.cjk.iter(cjk.text):
                for compiled in compiled_all:
                    begin = end_index - len(compiled.key) + 1
                    start, end = cjk.original_span(begin, end_index + 1)
                    if _latin_edges_clear(original, compiled.key, start, end):
                        hits.append(
                            _Hit(compiled.entry, start, end, "lex", compiled.entry.confidence)
                        )
        latin = views.latin
        if len(self.lexicon.latin) and latin.text.strip():
            for end_index, compiled_all in self.lexicon.latin.iter(latin.text):
                for compiled in compiled_all:
                    begin = end_index - len(compiled.key) + 1
                    if not _word_bounded(latin.text, latin.soft, begin, end_index + 1, compiled):
                        continue
                    start, end = latin.original_span(begin, end_index + 1)
                    hits.append(_Hit(compiled.entry, start, end, "lex", compiled.entry.confidence))
        hits.extend(self._pinyin_hits(views))
        # Only the patterns that can match run: one of their anchors (the literal every match
        # starts with) occurs in the view, found in one Aho-Corasick pass; a view with nothing
        # but spaces yields no hit (empty and all-space matches are dropped below).
        lexicon = self.lexicon
        runnable: set[int] = set()
        for language, view in (("zh", cjk), ("en", latin)):
            if not view.text.strip():
                continue
            runnable.update(lexicon.unanchored.get(language, ()))
            automaton = lexicon.anchor_automata.get(language)
            if automaton is not None and len(automaton):
                for _end, numbers in automaton.iter(view.text):
                    runnable.update(numbers)
        for number in sorted(runnable):
            pattern, entry = lexicon.patterns[number]
            view = cjk if entry.language == "zh" else latin
            for match in pattern.finditer(view.text):
                if match.end() <= match.start():
                    continue
                begin, finish = match.start(), match.end()
                while begin < finish and view.text[begin] == " ":
                    begin += 1
                while finish > begin and view.text[finish - 1] == " ":
                    finish -= 1
                if finish <= begin:
                    continue
                start, end = view.original_span(begin, finish)
                hits.append(_Hit(entry, start, end, "pattern", entry.confidence))
        return hits

    def _pinyin_hits(self, views: Views) -> list[_Hit]:
        # A pinyin hit needs Chinese in the text (see below): skip the view for Latin-only text.
        if not len(self.lexicon.pinyin) or not views.has_cjk:
            return []
        pinyin = views.pinyin
        if not pinyin.text:
            return []
        hits: list[_Hit] = []
        cjk = views.cjk
        for end_index, compiled_all in self.lexicon.pinyin.iter(pinyin.text):
            for compiled in compiled_all:
                begin = end_index - len(compiled.key) + 1
                if not (pinyin.unit_start(begin) and pinyin.unit_end(end_index)):
                    continue
                if not _syllables_align(views, begin, end_index, compiled):
                    continue
                first, last = pinyin.unit_of(begin), pinyin.unit_of(end_index)
                surface = cjk.text[first : last + 1]
                if surface == compiled.surface:
                    continue  # the exact layer has it
                start, end = cjk.original_span(first, last + 1)
                has_latin = any(not is_cjk(char) for char in surface)
                if not any(is_cjk(char) for char in surface) and not views.has_cjk:
                    continue  # "made" in English text is not 妈的: pinyin only in Chinese context
                if has_latin and not _latin_edges_clear(views.original, surface, start, end):
                    continue
                syllables = len(compiled.surface)
                if not has_latin and syllables < 3 and compiled.entry.category not in {"P3", "P17"}:
                    continue  # two-syllable homophones of ordinary words are too common
                confidence = 0.9 if has_latin or syllables >= 3 else 0.7
                confidence = min(confidence, compiled.entry.confidence)
                hits.append(_Hit(compiled.entry, start, end, "pinyin", confidence))
        return hits

    def _without_exceptions(
        self, views: Views, hits: list[_Hit], suppressed: list[Suppressed]
    ) -> list[_Hit]:
        if not hits or not self.lexicon.exceptions:
            return hits
        protected: list[tuple[int, int, frozenset[str], str]] = []
        for exception in self.lexicon.exceptions:
            view = views.cjk if exception.language == "zh" else views.latin
            key = _exception_key(exception.phrase, exception.language)
            if not key:
                continue
            position = view.text.find(key)
            while position != -1:
                start, end = view.original_span(position, position + len(key))
                protected.append((start, end, exception.categories, exception.source))
                position = view.text.find(key, position + 1)
        kept: list[_Hit] = []
        for hit in hits:
            reason = next(
                (
                    source
                    for start, end, categories, source in protected
                    if start <= hit.start
                    and hit.end <= end
                    and (not categories or hit.entry.category in categories)
                ),
                None,
            )
            if reason is None:
                kept.append(hit)
            else:
                suppressed.append(Suppressed(_plain_finding(views.original, hit), reason))
        return kept

    def _without_context(
        self, views: Views, hits: list[_Hit], suppressed: list[Suppressed]
    ) -> list[_Hit]:
        if not hits:
            return hits
        original = views.original
        markers = self._marker_spans(views)
        blockers = [(start, end) for rule, start, end in markers if rule.kind == "blocker"]
        cuts = (_Cuts(original, _SENTENCE_END), _Cuts(original, _CLAUSE_END), blockers)
        kept: list[_Hit] = []
        for hit in hits:
            reason = _context_reason(original, hit, markers, cuts)
            if reason is None:
                kept.append(hit)
            else:
                suppressed.append(Suppressed(_plain_finding(original, hit), reason))
        return kept

    def _marker_spans(self, views: Views) -> list[tuple[ContextRule, int, int]]:
        spans: list[tuple[ContextRule, int, int]] = []
        for rule in self.lexicon.context_rules:
            view = views.cjk if rule.language == "zh" else views.latin
            for marker in rule.markers:
                key = _exception_key(marker, rule.language)
                if not key:
                    continue
                if rule.language == "en":
                    key = f" {key} " if not marker.endswith("*") else f" {key}"
                position = view.text.find(key)
                while position != -1:
                    begin, finish = position, position + len(key)
                    if rule.language == "en":
                        begin += 1
                        finish -= 0 if marker.endswith("*") else 1
                    start, end = view.original_span(begin, finish)
                    spans.append((rule, start, end))
                    position = view.text.find(key, position + 1)
        return spans

    def _finding(
        self,
        text: str,
        hit: _Hit,
        facts: AccountFacts | None,
        suppressed: list[Suppressed],
    ) -> Finding:
        entry = hit.entry
        gate = entry.effective_gate
        rule = f"{hit.layer}:{entry.language}:{entry.category}:{entry.phrase}"
        decision = BLOCK if hit.confidence >= BLOCK_CONFIDENCE else REVIEW
        if gate != "never":
            rule = f"{rule}|gate:{gate}"
            if facts is None:
                decision = UNKNOWN_FACTS_DECISION.get(gate, REVIEW)
                if hit.confidence < BLOCK_CONFIDENCE:
                    decision = REVIEW
            elif gate_holds(gate, facts):
                decision = PASS
            # else: the account's facts make the statement false — block (at full confidence).
        finding = Finding(
            entry.category,
            hit.start,
            hit.end,
            text[hit.start : hit.end],
            rule,
            hit.confidence,
            decision,
        )
        if decision == PASS:
            suppressed.append(Suppressed(finding, f"gate:{gate}:facts_hold"))
        return finding


def _syllables_align(views: Views, begin: int, end_index: int, compiled: Compiled) -> bool:
    """Every ideograph in the text must start where a syllable of the phrase starts (so 「义联」
    yi|lian never passes for 「已立案」 yi|li|an); Latin letters may split anywhere."""
    pinyin = views.pinyin
    cjk_text = views.cjk.text
    for position in range(begin, end_index + 1):
        if not is_cjk(cjk_text[pinyin.unit_of(position)]):
            continue
        if pinyin.unit_start(position) != ((position - begin) in compiled.syllable_starts):
            return False
    return True


@lru_cache(maxsize=4096)
def _exception_key(phrase: str, language: str) -> str:
    return normalised_key(phrase, language)[0]


def _plain_finding(text: str, hit: _Hit) -> Finding:
    entry = hit.entry
    rule = f"{hit.layer}:{entry.language}:{entry.category}:{entry.phrase}"
    return Finding(
        entry.category, hit.start, hit.end, text[hit.start : hit.end], rule, hit.confidence, PASS
    )


def _is_ascii_alnum(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _latin_edges_clear(original: str, key: str, start: int, end: int) -> bool:
    """A Chinese-lexicon key that begins or ends with a Latin letter ("sb", "老lai") must not be
    glued to other Latin letters in the original ("usb")."""
    import unicodedata

    def letter_at(index: int) -> bool:
        if index < 0 or index >= len(original):
            return False
        return _is_ascii_alnum(unicodedata.normalize("NFKC", original[index])[:1] or " ")

    if key and _is_ascii_alnum(key[0]) and letter_at(start - 1):
        return False
    return not (key and _is_ascii_alnum(key[-1]) and letter_at(end))


def _word_bounded(
    text: str, soft: tuple[bool, ...], begin: int, end: int, compiled: Compiled
) -> bool:
    def is_word(index: int) -> bool:
        return 0 <= index < len(text) and text[index] != " "

    left_ok = compiled.suffix or not is_word(begin - 1) or (soft[begin] and soft[begin - 1])
    right_ok = compiled.prefix or not is_word(end) or (soft[end - 1] and soft[end])
    return left_ok and right_ok


class _Cuts:
    """Sentence or clause ends of one text, found once, looked up by bisection."""

    def __init__(self, original: str, pattern: re.Pattern[str]) -> None:
        self.length = len(original)
        matches = list(pattern.finditer(original))
        self.ends = [match.end() for match in matches]
        self.starts = [match.start() for match in matches]

    def around(self, position: int) -> tuple[int, int]:
        index = bisect_right(self.ends, position) - 1
        start = self.ends[index] if index >= 0 else 0
        following = bisect_left(self.starts, position)
        end = self.starts[following] if following < len(self.starts) else self.length
        return start, end


_BLOCKER_RULES_KIND = "blocker"


def _context_reason(
    original: str,
    hit: _Hit,
    markers: list[tuple[ContextRule, int, int]],
    cuts: tuple[_Cuts, _Cuts, list[tuple[int, int]]],
) -> str | None:
    category = hit.entry.category
    sentence = cuts[0].around(hit.start)
    clause = cuts[1].around(hit.start)
    blockers = cuts[2]
    for rule, start, end in markers:
        if category not in rule.categories:
            continue
        if rule.kind == "sentence":
            if sentence[0] <= start and end <= max(sentence[1], hit.end):
                return f"context:{rule.rule_id}"
        elif rule.kind == "negation":
            if not (clause[0] <= start and end <= hit.start):
                continue
            gap = original[end : hit.start]
            limit = 10 if rule.language == "zh" else 3
            distance = (
                sum(1 for char in gap if is_cjk(char))
                if rule.language == "zh"
                else len(gap.split())
            )
            if distance > limit:
                continue
            if any(end <= b_start and b_end <= hit.start for b_start, b_end in blockers):
                continue
            return f"context:{rule.rule_id}"
    return None


def _distinct_suppressed(suppressed: list[Suppressed]) -> tuple[Suppressed, ...]:
    """One entry per category and overlapping span (the longest), in text order."""
    kept: list[Suppressed] = []
    for item in sorted(suppressed, key=lambda s: s.finding.end - s.finding.start, reverse=True):
        finding = item.finding
        if not any(
            other.finding.category == finding.category
            and other.finding.start < finding.end
            and finding.start < other.finding.end
            for other in kept
        ):
            kept.append(item)
    return tuple(sorted(kept, key=lambda s: (s.finding.start, s.finding.category)))


def _deduplicated(findings: list[Finding]) -> list[Finding]:
    """One finding per category and overlapping span: the most decisive, then the longest."""
    rank: dict[str, int] = {BLOCK: 2, REVIEW: 1, PASS: 0}
    ordered = sorted(
        findings,
        key=lambda f: (rank[f.decision], f.confidence, f.end - f.start),
        reverse=True,
    )
    kept: list[Finding] = []
    for finding in ordered:
        if any(
            other.category == finding.category
            and other.start < finding.end
            and finding.start < other.end
            for other in kept
        ):
            continue
        kept.append(finding)
    return kept
