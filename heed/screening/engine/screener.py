"""Screening a text: lexicon hits on the normalised views, exceptions and context rules against
false positives, gates against the account's facts, and the verdict.

Verdict (issue 5, RULES.md §Content): ``block`` when an *always* category is found with enough
confidence, or a gated statement the account's facts make false; ``review`` when a gated category
is found and no account facts were given, or a hit has low confidence; ``pass`` otherwise.
Every finding's ``start``/``end`` index the ORIGINAL text. ``screen_many`` screens a batch (the
classifiers then score every text's sentences in one pass); each result is exactly the one
``screen`` gives for that text alone. Pure Python, no database.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import accumulate, chain, compress
from operator import itemgetter
from typing import Any, Protocol

from heed.screening.engine.anchors import pattern_matches
from heed.screening.engine.classifier_gates import BLOCK_SCORE as CLASSIFIER_BLOCK_SCORE
from heed.screening.engine.classifier_gates import classifier_gate
from heed.screening.engine.lexicon import Compiled, ContextRule, Entry, Lexicon
from heed.screening.engine.lookbehinds import look_behind_matches
from heed.screening.engine.masking import mask_vocabulary, masked_readings
from heed.screening.engine.mixed_pinyin import own_characters
from heed.screening.engine.normalize import (
    View,
    Views,
    build_views,
    detect_language,
    has_ideograph,
    ideograph_count,
    is_cjk,
    simplified,
)
from heed.screening.engine.pinyin_text import pinyin_text_hits
from heed.screening.engine.pinyin_text_reading import pinyin_text_readings
from heed.screening.engine.prefilter import runnable_patterns
from heed.screening.engine.readings import Reading, is_disguise, pinyin_readings, vocabulary
from heed.screening.engine.scope import (
    SENTENCE_KINDS,
    ReaderWish,
    label_applied,
    marker_reaches,
    negation_reaches,
    text_rule_reaches,
)
from heed.screening.engine.units import Unit, classifier_units, strongest, unit_threshold

BLOCK = "block"
REVIEW = "review"
PASS = "pass"
VERDICTS: tuple[str, ...] = (BLOCK, REVIEW, PASS)

# A hit below this confidence never blocks on its own: a person looks at it.
BLOCK_CONFIDENCE = 0.75

CHANNELS: tuple[str, ...] = ("sms", "email", "letter", "call", "voicemail", "im", "other")

# Punctuation a homophone (pinyin layer, ideographs only) may not be read across.
_PINYIN_STOP = re.compile(r"[，。！？；、,.!?;]")
_SENTENCE_END = re.compile(r"[。！？!?；;\n]|\.(?=\s|$)")
_CLAUSE_END = re.compile(r"[。！？!?；;\n，,、:：]|\.(?=\s|$)")

# Call transcripts: a line that starts with a speaker's label ("Agent:", 坐席：). The customer's
# lines are what the debtor said, not what the collector said: they are not screened (a debtor
# swearing at the agent is no collector violation). Only for the call channel, or a text with
# no channel given that has both a collector's and another speaker's label; messages sent by
# SMS, e-mail, letter… are screened whole, labels or not.
_SPEAKER_LINE = re.compile(
    # an optional time stamp ("[00:07]", "00:07:15"), then the label and a colon
    r"^[ \t]*(?:\[[^\]\n]{0,24}\][ \t]*|\d{1,2}:\d{2}(?::\d{2})?[ \t]+)?"
    r"([^\W\d_][^\W\d_ ]{0,9}(?: [^\W\d_]+)?)[ \t]*[:：]",
    re.MULTILINE,
)
# The collector's side, screened like any message. A colleague is a second collector: CN-13
# has two staff on a field visit, and a three-way call is the same, so "Colleague:" and 同事
# are collectors' labels, as are their supervisors'.
COLLECTOR_LABELS = frozenset(
    (
        *("agent", "collector", "advisor", "adviser", "representative", "rep", "operator"),
        *("staff", "坐席", "催收员", "催收員", "客服", "专员", "專員", "催收专员", "业务员"),
        *("業務員", "工作人员", "工作人員", "调解员", "調解員"),
        *("colleague", "supervisor", "manager", "team leader", "field agent", "同事", "主管"),
        *("组长", "組長", "经理", "經理", "外访员", "外訪員"),
    )
)
# The debtor's own words: the only lines that are not screened.
CUSTOMER_LABELS = frozenset(
    (
        *("customer", "debtor", "client", "consumer", "borrower", "cardholder", "caller"),
        *("account holder", "cust", "cx", "user", "客户", "客戶", "债务人", "債務人", "借款人"),
        *("借款人本人", "用户", "用戶", "持卡人", "来电人", "來電人", "来电者", "來電者"),
        *("本人", "客户本人", "客戶本人", "债务人本人", "債務人本人"),
    )
)
# Third parties who answer or write in. Their words are not the collector's either, but a label
# is typed text, and a collector's line put under one must not go unread: their lines are
# screened, and a finding there asks for review instead of blocking (a relative who swears at
# the agent is no collector's violation; a threat hidden under "Friend:" reaches a person).
THIRD_PARTY_LABELS = frozenset(
    (
        *("relative", "third party", "visitor", "spouse", "wife", "husband", "mother"),
        *("father", "mum", "mom", "dad", "son", "daughter", "brother", "sister", "friend"),
        *("employer", "landlord", "neighbour", "neighbor", "guarantor", "第三方", "家属"),
        *("家屬", "母亲", "母親", "父亲", "父親", "妈妈", "媽媽", "爸爸", "哥哥", "姐姐", "弟弟"),
        *("妹妹", "妻子", "丈夫", "老公", "老婆", "朋友", "担保人", "擔保人", "联系人"),
        *("聯繫人", "紧急联系人", "緊急聯繫人", "亲属", "親屬", "访客", "訪客"),
    )
)
# A label that starts with one of these and is no customer's label names someone on the
# debtor's side, a third party: 客户哥哥, 客户母亲, 借款人妻子.
_CUSTOMER_PREFIXES: tuple[str, ...] = ("客户", "客戶", "债务人", "債務人", "借款人")
SPEAKER_CHANNELS = (None, "call")

# Speech recognition often labels turns only by number or letter ("Speaker 1:", "SPEAKER_00:",
# "A:", 说话人1：). Such a call is split only when exactly one of two speakers introduces
# themselves as the caller from a company in the first four turns (calling from…, a recorded
# line, 我是…公司) and the other never does: the other one is the customer. Anything less
# certain screens every line, as it does a call with no labels.
_GENERIC_SPEAKER_LINE = re.compile(
    r"^[ \t]*(?:\[[^\]\n]{0,24}\][ \t]*|\d{1,2}:\d{2}(?::\d{2})?[ \t]+)?"
    r"((?:speaker|spk|说话人|說話人|发言人|發言人|讲话人|講話人|角色|声道|聲道)"
    r"[ _]?(?:\d{1,2}|[a-d])|[ab])[ \t]*[:：]",
    re.MULTILINE | re.IGNORECASE,
)
_CALLER_CUES = re.compile(
    r"\b(?:calling|ringing|phoning) (?:you )?(?:from|on behalf of) "
    r"(?!(?:my|a|an|the|work|home|his|her|their|our|your|outside|abroad|here|there)\b)"
    r"|\bthis is \w+(?: \w+)? (?:from|with|at|calling)\b"
    r"|\bmy name is \w+(?: \w+)?,? (?:from|with|at|and i'?m calling)\b"
    r"|\b(?:i'?m|i am) calling (?:about|regarding|in relation to) (?:your|an?) "
    r"(?:account|debt|balance|loan)"
    r"|\battempt to collect a debt\b|\bon a recorded line\b"
    r"|\bcalls? (?:is|are|may be|will be) (?:being )?recorded\b"
    r"|我是(?![在你您])[^，。！？,.!?\s]{0,12}?"
    r"(?:公司|平台|银行|銀行|金融|中心|事务所|事務所|客服|工作人员|工作人員|专员|專員|催收)"
    r"|(?:这里|這裡|这边|這邊)是[^，。！？,.!?\s]{0,12}?(?:公司|平台|银行|銀行|金融|中心|客服)"
    r"|(?:本次|本|此)通话.{0,6}录音|(?:本次|本|此)通話.{0,6}錄音",
    re.IGNORECASE,
)


def _generic_customer_spans(text: str) -> list[tuple[int, int]]:
    turns = [
        (match.start(), re.sub(r"[ _]", "", match.group(1).lower()))
        for match in _GENERIC_SPEAKER_LINE.finditer(text)
    ]
    speakers = {label for _start, label in turns}
    if len(speakers) != 2:
        return []
    said: dict[str, list[tuple[int, int]]] = {label: [] for label in speakers}
    opening: set[str] = set()  # who introduces themselves in the first four turns
    for number, (start, label) in enumerate(turns):
        end = turns[number + 1][0] if number + 1 < len(turns) else len(text)
        said[label].append((start, end))
        if number < 4 and _CALLER_CUES.search(text, start, end):
            opening.add(label)
    if len(opening) != 1:
        return []
    (caller,) = opening
    (customer,) = speakers - opening
    if any(_CALLER_CUES.search(text, start, end) for start, end in said[customer]):
        return []
    run_on = _labels_stand_alone(
        text, [start for start, _end in said[caller]], _GENERIC_SPEAKER_LINE
    )
    return [
        (start, _end_of_turn(text, start, end, _GENERIC_SPEAKER_LINE, run_on=run_on))
        for start, end in said[customer]
    ]


_COLLECTOR, _CUSTOMER, _THIRD_PARTY = "collector", "customer", "third party"


def _speaker_kind(label: str) -> str | None:
    if label in COLLECTOR_LABELS:
        return _COLLECTOR
    if label in CUSTOMER_LABELS:
        return _CUSTOMER
    if label in THIRD_PARTY_LABELS or label.startswith(_CUSTOMER_PREFIXES):
        return _THIRD_PARTY
    return None


def speaker_spans(text: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """``[start, end)`` of what the customer says, and of what third parties say, in a call
    transcript: a line with such a label, up to its end. Both empty unless the text has a
    collector's label and another speaker's, or two numbered speakers of whom exactly one
    introduces themselves as the caller (no third parties then).

    An unlabelled line after a turn is screened like the collector's: nobody can tell who said
    it, and a collector's words must never pass as the customer's. A label on a line of its own
    (``Customer:`` and a line break) runs on to the next labelled line only in a transcript
    laid out that way: when the collector's labels stand alone on their lines too. Otherwise
    the bare label says nothing, and the lines after it are screened."""
    if ":" not in text and "：" not in text:
        return [], []
    turns: list[tuple[int, str]] = []
    for match in _SPEAKER_LINE.finditer(text):
        kind = _speaker_kind(match.group(1).lower())
        if kind is not None:
            turns.append((match.start(), kind))
    if not turns:
        return _generic_customer_spans(text), []
    collector = [start for start, kind in turns if kind == _COLLECTOR]
    if not collector or len(collector) == len(turns):
        return [], []
    run_on = _labels_stand_alone(text, collector, _SPEAKER_LINE)
    customer: list[tuple[int, int]] = []
    third_party: list[tuple[int, int]] = []
    for number, (start, kind) in enumerate(turns):
        if kind == _COLLECTOR:
            continue
        end = turns[number + 1][0] if number + 1 < len(turns) else len(text)
        span = (start, _end_of_turn(text, start, end, _SPEAKER_LINE, run_on=run_on))
        (customer if kind == _CUSTOMER else third_party).append(span)
    return customer, third_party


def customer_spans(text: str) -> list[tuple[int, int]]:
    """``[start, end)`` of what the customer says in a call transcript (see
    :func:`speaker_spans`)."""
    return speaker_spans(text)[0]


def _labels_stand_alone(text: str, starts: list[int], labels: re.Pattern[str]) -> bool:
    """Whether every label at ``starts`` stands alone on its line (the transcript's layout
    puts each turn under its label)."""
    for start in starts:
        label = labels.match(text, start)
        after = label.end() if label else start
        line_end = text.find("\n", after)
        if text[after : len(text) if line_end < 0 else line_end].strip():
            return False
    return True


def _end_of_turn(
    text: str, start: int, end: int, labels: re.Pattern[str], *, run_on: bool = False
) -> int:
    """Where a labelled turn starting at ``start`` ends: after its own line (line break
    included), unless the label stands alone on its line and ``run_on`` says the transcript
    is laid out that way; never after ``end``."""
    label_end = labels.match(text, start)
    after = label_end.end() if label_end else start
    line_end = text.find("\n", after, end)
    if line_end < 0:
        return end
    if run_on and not text[after:line_end].strip():  # "Customer:" alone: the next lines
        return end
    return line_end + 1


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
    A judgment implies a suit filed, and a suit filed implies litigation approved (as
    ``selectors.account_facts`` reads an account).
    """
    filed = facts.litigation_filed or facts.judgment_obtained
    if gate == "lawyer":
        return facts.lawyer_instructed
    if gate == "lawsuit":
        return (facts.litigation_approved or filed) and not facts.time_barred
    if gate == "filed":
        return filed and not facts.time_barred
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
        return {
            "verdict": self.verdict,
            "findings": [f.as_dict() for f in self.findings],
            "lexicon_version": self.lexicon_version,
        }


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

    def _context_reason_for(self, pending: _Pending, finding: Finding) -> str | None:
        """The context rules (anti-fraud, bereavement…) applied to a classifier's finding."""
        entry = Entry(finding.category, "zh", finding.rule)
        hit = _Hit(entry, finding.start, finding.end, "classifier", finding.confidence)
        markers, cuts, index, whole = pending.context(self)
        return _context_reason(
            pending.views.original, hit, markers, cuts, index, whole, wish=self.lexicon.reader_wish
        )

    def _classifier_findings(self, units: list[Unit]) -> list[Finding | None]:
        """Units no lexicon hit touches (sentences, clause windows, runs of short sentences:
        ``units``), scored by the classifiers (all texts' units in one batch), each kind against
        its own threshold; a hit asks for review."""
        found: list[Finding | None] = []
        pieces = [unit.piece for unit in units]
        domain = self.domain.predict(pieces) if self.domain is not None else []
        cold: list[float] = []
        if self.classifier is not None:
            # COLD is Chinese social-media text: it scores the sentences with Chinese in them
            # (on the labelled sets it never reached its threshold on an English text).
            chinese = [number for number, piece in enumerate(pieces) if has_ideograph(piece)]
            cold = [0.0] * len(pieces)
            scored = self.classifier.scores([pieces[number] for number in chinese])
            for number, score in zip(chinese, scored, strict=True):
                cold[number] = score
        for position, unit in enumerate(units):
            start, end = unit.start, unit.end
            if domain:
                category, probability = domain[position]
                if probability >= unit_threshold(unit.kind, self.domain_threshold, "domain"):
                    found.append(
                        Finding(
                            category,
                            start,
                            end,
                            unit.written,
                            "classifier:domain",
                            probability,
                            REVIEW,
                        )
                    )
                    continue
            if cold:
                score = cold[position]
                if score >= unit_threshold(unit.kind, self.classifier_threshold, "cold"):
                    found.append(
                        Finding("P3", start, end, unit.written, "classifier:cold", score, REVIEW)
                    )
                    continue
            found.append(None)
        return found

    def screen(
        self,
        text: str,
        *,
        language: str | None = None,
        channel: str | None = None,
        facts: AccountFacts | None = None,
    ) -> Result:
        return self.screen_many([text], language=language, channel=channel, facts=facts)[0]

    def screen_many(
        self,
        texts: Sequence[str],
        *,
        language: str | None = None,
        channel: str | None = None,
        facts: AccountFacts | None = None,
    ) -> list[Result]:
        """Screen several texts; each result is exactly what :meth:`screen` gives for the text
        alone. The classifiers score the sentences of all texts in one batch."""
        version = self.lexicon.version
        speakers = channel in SPEAKER_CHANNELS
        if self.classifier is None and self.domain is None:
            return [
                self._lexicon_layers(text, language, facts, speakers).result(version)
                for text in texts
            ]
        pending = [self._lexicon_layers(text, language, facts, speakers) for text in texts]
        owners: list[int] = []
        units: list[Unit] = []
        for number, item in enumerate(pending):
            original = item.views.original
            uncovered = _uncovered_sentences(original, item.covered())
            if item.customer:  # a run of short sentences then never reaches into their words
                uncovered = [span for span in uncovered if not _inside(item.customer, *span)]
            for unit in classifier_units(original, uncovered, _enough_to_classify):
                owners.append(number)
                units.append(unit)
        if units:
            findings = strongest(units, owners, self._classifier_findings(units))
            for owner, finding in zip(owners, findings, strict=True):
                if finding is None:
                    continue
                item = pending[owner]
                reason = self._context_reason_for(item, finding)
                if reason is not None:
                    item.suppressed.append(Suppressed(finding, reason))
                    continue
                if facts is not None:
                    finding = _gated_classifier_finding(finding, facts, item.suppressed)
                    if finding.decision == PASS:
                        continue
                if item.third_party:
                    said = _said_by_third_party(
                        item.views.original, [finding], item.third_party, item.suppressed
                    )
                    item.findings.extend(said)
                    continue
                item.findings.append(finding)
        return [item.result(version) for item in pending]

    def _lexicon_layers(
        self,
        text: str,
        language: str | None,
        facts: AccountFacts | None,
        speakers: bool = False,
    ) -> _Pending:
        language = language or detect_language(text)
        views = build_views(text)
        for reading in pinyin_readings(views, vocabulary(self.lexicon)):
            views.add_cjk_reading(reading)
        for reading in pinyin_text_readings(views, vocabulary(self.lexicon)):
            views.add_cjk_reading(reading)
        for latin in masked_readings(views, mask_vocabulary(self.lexicon)):
            views.add_latin_reading(latin)
        pending = _Pending(views, language)
        if speakers:
            pending.customer, pending.third_party = speaker_spans(text)
        hits = self._hits(views)
        search = self.lexicon.symbol_search.get(pending.language)
        if search is not None:
            hits.extend(self._symbol_hits(text, pending.language, search))
        if not hits:
            return pending
        suppressed = pending.suppressed
        if pending.customer:
            hits = _without_customer_lines(text, hits, pending.customer, suppressed)
        hits = self._without_exceptions(views, hits, suppressed)
        hits = self._without_context(pending, hits, suppressed)
        findings = [self._finding(text, hit, facts, suppressed) for hit in hits]
        if pending.third_party:
            findings = _said_by_third_party(text, findings, pending.third_party, suppressed)
        findings = _deduplicated(findings)
        pending.findings.extend(f for f in findings if f.decision != PASS)
        return pending

    # --- layers -------------------------------------------------------------------------------

    def _hits(self, views: Views) -> list[_Hit]:
        hits: list[_Hit] = []
        lexicon = self.lexicon
        original = views.original
        # Phrase hits and the pattern prefilter's strings in one Aho-Corasick pass per view.
        # Second readings (most texts have none) are scanned like the views they stand for.
        present: dict[str, set[int]] = {"zh": set(), "en": set()}
        readings: dict[str, tuple[View, ...]] = {"zh": views.all_cjk(), "en": views.all_latin()}
        scan = lexicon.scan_automata["zh" if views.has_cjk else "zh_plain"]
        for cjk in readings["zh"]:
            if cjk is not views.cjk and not views.has_cjk and has_ideograph(cjk.text):
                scan = lexicon.scan_automata["zh"]  # 老赖 decoded from a URL's escapes
            if not len(scan) or not cjk.text:
                continue
            found = present["zh"]
            scanned = list(scan.iter(cjk.text))
            _add_prefilter_ids(found, scanned)
            for end_index, (compiled_all, _ids) in _phrase_matches(scanned):
                for compiled in compiled_all:
                    begin = end_index - len(compiled.key) + 1
                    start, end = cjk.original_span(begin, end_index + 1)
                    if _latin_edges_clear(original, compiled.key, start, end):
                        hit = _read_hit(cjk, compiled.entry, start, end, "lex")
                        if hit is not None:
                            hits.append(hit)
        scan = lexicon.scan_automata["en"]
        for latin in readings["en"]:
            if not len(scan) or not latin.text.strip():
                continue
            found = present["en"]
            scanned = list(scan.iter(latin.text))
            _add_prefilter_ids(found, scanned)
            for end_index, (compiled_all, _ids) in _phrase_matches(scanned):
                for compiled in compiled_all:
                    begin = end_index - len(compiled.key) + 1
                    if not _word_bounded(
                        latin.text, latin.soft_flags, begin, end_index + 1, compiled
                    ):
                        continue
                    start, end = latin.original_span(begin, end_index + 1)
                    hits.append(_Hit(compiled.entry, start, end, "lex", compiled.entry.confidence))
        hits.extend(self._pinyin_hits(views))
        # Only the patterns that can match run: each of the literal groups a pattern's matches
        # must contain has a string in the views (found in the pass above, one-character
        # strings among the views' characters: see ``prefilter``). A view with nothing but
        # spaces yields no hit (empty and all-space matches are dropped below).
        runnable: set[int] = set()
        for language in ("zh", "en"):
            texts = [view.text for view in readings[language] if view.text.strip()]
            if texts:
                runnable.update(runnable_patterns(lexicon, language, present[language], texts))
        for number in sorted(runnable):
            entry = lexicon.patterns[number][1]
            for view in readings["zh" if entry.language == "zh" else "en"]:
                hits.extend(self._pattern_hits(original, view, number))
        return hits

    def _pattern_hits(self, original: str, view: View, number: int) -> list[_Hit]:
        lexicon = self.lexicon
        pattern, entry = lexicon.patterns[number]
        text = view.text
        rest, anchors = lexicon.boundary_free[number], lexicon.pattern_anchors[number]
        split = lexicon.look_behind_splits[number]
        matches = (
            look_behind_matches(split, text)
            if split is not None
            else pattern_matches(pattern, rest, anchors, text)
        )
        hits: list[_Hit] = []
        for match in matches:
            begin, finish = match.start(), match.end()
            if finish <= begin:
                continue
            while begin < finish and text[begin] == " ":
                begin += 1
            while finish > begin and text[finish - 1] == " ":
                finish -= 1
            if finish <= begin:
                continue
            start, end = view.original_span(begin, finish)
            if entry.within and _SENTENCE_END.search(original, start, end):
                continue  # within=sentence: the match runs into the next sentence
            hit = _read_hit(view, entry, start, end, "pattern")
            if hit is not None:
                hits.append(hit)
        return hits

    def _symbol_hits(self, text: str, language: str, search: re.Pattern[str]) -> list[_Hit]:
        if text.isascii() and self.lexicon.symbols_beyond_ascii[language]:
            return []
        symbols = self.lexicon.symbols[language]
        hits: list[_Hit] = []
        for match in search.finditer(text):
            for entry in symbols[match.group().replace("\ufe0f", "")]:
                hits.append(_Hit(entry, match.start(), match.end(), "symbol", entry.confidence))
        return hits

    def _pinyin_hits(self, views: Views) -> list[_Hit]:
        # A pinyin hit needs Chinese in the text (see below): skip the view for Latin-only text,
        # unless the text is Chinese written wholly in pinyin (``pinyin_text``).
        if not len(self.lexicon.pinyin):
            return []
        if not views.has_cjk:
            return [
                _Hit(hit.entry, hit.start, hit.end, "pinyin", hit.confidence)
                for hit in pinyin_text_hits(views.original, views.folded, self.lexicon.pinyin)
            ]
        pinyin = views.pinyin
        if not pinyin.text:
            return []
        hits: list[_Hit] = []
        cjk = views.cjk
        for end_index, compiled_all in self.lexicon.pinyin.iter(pinyin.text):
            for compiled in compiled_all:
                begin = end_index - len(compiled.key) + 1
                # The cheap tests first (each only skips): most matches are the phrase itself.
                first, last = pinyin.unit_of(begin), pinyin.unit_of(end_index)
                surface = cjk.text[first : last + 1]
                if surface == compiled.surface:
                    continue  # the exact layer has it
                if not (pinyin.unit_start(begin) and pinyin.unit_end(end_index)):
                    continue
                if not _syllables_align(views, begin, end_index, compiled):
                    continue
                start, end = cjk.original_span(first, last + 1)
                has_latin = any(not is_cjk(char) for char in surface)
                if not any(is_cjk(char) for char in surface) and not views.has_cjk:
                    continue  # "made" in English text is not 妈的: pinyin only in Chinese context
                if has_latin and not _latin_edges_clear(views.original, surface, start, end):
                    continue
                if has_latin and not own_characters(cjk.text, pinyin, begin, end_index, compiled):
                    continue  # 「谢谢ni」 is no 卸你 (``mixed_pinyin``)
                if not has_latin and _PINYIN_STOP.search(views.original, start, end):
                    continue  # read across a comma or full stop: 「议，或认」 is no 一伙人
                syllables = len(compiled.surface)
                if not has_latin and syllables < 3 and compiled.entry.category not in {"P3", "P17"}:
                    continue  # two-syllable homophones of ordinary words are too common
                if not (has_latin or syllables >= 3) and not is_disguise(
                    views.original, start, end, surface, compiled.surface
                ):
                    continue  # an ordinary word (纸张 for 智障) or part of one (老来得子)
                confidence = 0.9 if has_latin or syllables >= 3 else 0.7
                confidence = min(confidence, compiled.entry.confidence)
                hits.append(_Hit(compiled.entry, start, end, "pinyin", confidence))
        return hits

    def _without_exceptions(
        self, views: Views, hits: list[_Hit], suppressed: list[Suppressed]
    ) -> list[_Hit]:
        if not hits or not self.lexicon.exceptions:
            return hits
        # Every occurrence of every exception (one Aho-Corasick pass per view), in exception
        # order, then text order: the first that covers a hit names the reason.
        found: list[tuple[int, int, int, View]] = []
        for view_language, view in (
            *(("zh", view) for view in views.all_cjk()),
            *(("en", view) for view in views.all_latin()),
        ):
            automaton = self.lexicon.exception_automata.get(view_language)
            if automaton is None or not len(automaton):
                continue
            for end_index, entries in automaton.iter(view.text):
                for number, length in entries:
                    found.append((number, end_index - length + 1, length, view))
        found.sort(key=itemgetter(0, 1))
        exceptions = self.lexicon.exceptions
        protected: list[tuple[int, int, frozenset[str], str]] = []
        for number, position, length, view in found:
            exception = exceptions[number]
            start, end = view.original_span(position, position + length)
            protected.append((start, end, exception.categories, exception.source))
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
        self, pending: _Pending, hits: list[_Hit], suppressed: list[Suppressed]
    ) -> list[_Hit]:
        if not hits:
            return hits
        original = pending.views.original
        markers, cuts, index, whole = pending.context(self)
        kept: list[_Hit] = []
        for hit in hits:
            reason = _context_reason(
                original, hit, markers, cuts, index, whole, wish=self.lexicon.reader_wish
            )
            if reason is None:
                kept.append(hit)
            else:
                suppressed.append(Suppressed(_plain_finding(original, hit), reason))
        return kept

    def _marker_spans(self, views: Views) -> list[tuple[ContextRule, int, int]]:
        """Every occurrence of every context-rule marker, in rule order, then marker order,
        then text order (found in one Aho-Corasick pass per view)."""
        found: list[tuple[int, int, int, int, View]] = []
        for view_language, view in (
            *(("zh", view) for view in views.all_cjk()),
            *(("en", view) for view in views.all_latin()),
        ):
            automaton = self.lexicon.marker_automata.get(view_language)
            if automaton is None or not len(automaton):
                continue
            for end_index, entries in automaton.iter(view.text):
                for rule_index, marker_index, length, lead, trail in entries:
                    begin = end_index - length + 1
                    found.append(
                        (rule_index, marker_index, begin + lead, end_index + 1 - trail, view)
                    )
        found.sort(key=itemgetter(0, 1, 2))
        rules = self.lexicon.context_rules
        spans: list[tuple[ContextRule, int, int]] = []
        for rule_index, _marker, begin, finish, view in found:
            start, end = view.original_span(begin, finish)
            spans.append((rules[rule_index], start, end))
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


_Context = tuple[
    list[tuple[ContextRule, int, int]],
    tuple["_Cuts", "_Cuts", list[tuple[int, int]]],
    tuple[list[int], list[int]] | None,
    dict[str, str],
]
# Texts with more context markers than this look markers up by position (long transcripts).
_MARKER_INDEX_MIN = 32


class _Pending:
    """One text between the lexicon layers and the classifiers."""

    __slots__ = (
        "_context",
        "customer",
        "findings",
        "language",
        "suppressed",
        "third_party",
        "views",
    )

    def __init__(self, views: Views, language: str) -> None:
        self.views = views
        self.language = language
        self.findings: list[Finding] = []
        self.suppressed: list[Suppressed] = []
        self.customer: list[tuple[int, int]] = []  # what the customer says (call transcripts)
        self.third_party: list[tuple[int, int]] = []  # what third parties say (the same)
        self._context: _Context | None = None

    def context(self, screener: Screener) -> _Context:
        """Context-rule markers and sentence/clause cuts of the text, found once."""
        if self._context is None:
            original = self.views.original
            markers = screener._marker_spans(self.views)
            if self.customer:  # the customer's words make nothing the collector says lawful
                markers = [m for m in markers if not _inside(self.customer, m[1], m[2])]
            if self.third_party:  # nor a third party's, beyond their own sentence
                markers = [
                    m
                    for m in markers
                    if m[0].kind != "text" or not _inside(self.third_party, m[1], m[2])
                ]
            blockers = [(start, end) for rule, start, end in markers if rule.kind == "blocker"]
            cuts = (_Cuts(original, _SENTENCE_END), _Cuts(original, _CLAUSE_END), blockers)
            index = None
            if len(markers) > _MARKER_INDEX_MIN:
                order = sorted(range(len(markers)), key=lambda number: markers[number][1])
                index = ([markers[number][1] for number in order], order)
            # Rules of kind "text": a marker anywhere in the text makes its categories lawful
            # (category → the first such rule, in rule order).
            whole: dict[str, str] = {}
            for rule, _start, _end in markers:
                if rule.kind == "text":
                    for category in rule.categories:
                        whole.setdefault(category, f"context:{rule.rule_id}")
            self._context = (markers, cuts, index, whole)
        return self._context

    def covered(self) -> list[tuple[int, int]]:
        covered = [(f.start, f.end) for f in self.findings]
        covered += [(s.finding.start, s.finding.end) for s in self.suppressed]
        return covered

    def result(self, version: str) -> Result:
        findings = self.findings
        findings.sort(key=lambda f: (f.start, f.end, f.category))
        verdict = PASS
        if any(f.decision == BLOCK for f in findings):
            verdict = BLOCK
        elif findings:
            verdict = REVIEW
        return Result(
            verdict,
            tuple(findings),
            self.language,
            version,
            _distinct_suppressed(self.suppressed) if self.suppressed else (),
        )


_VALUE = itemgetter(1)
_PHRASES = itemgetter(0)
_IDS = itemgetter(1)


def _add_prefilter_ids(found: set[int], matches: list[tuple[int, Any]]) -> None:
    """Add the prefilter group ids of a scan's matches ``(end, (phrases, ids))`` to ``found``:
    the distinct id tuples gathered without a Python step per match (most matches are
    prefilter strings)."""
    found.update(chain.from_iterable(set(map(_IDS, map(_VALUE, matches)))))


def _phrase_matches(matches: list[tuple[int, Any]]) -> Any:
    """The matches that carry phrases (in order), picked without a Python step per match."""
    return compress(matches, map(_PHRASES, map(_VALUE, matches)))


_WORD = re.compile(r"[^\W_]+")
_THREE_WORDS = re.compile(r"[^\W_]+(?:[\W_]+[^\W_]+){2}")


def _enough_to_classify(text: str, start: int, end: int) -> bool:
    """Whether a sentence says enough for the classifiers to judge: three Latin words or four
    ideographs. A bare name or a two-word greeting ("Zara Garcia") is no evidence either way, and
    the classifiers' guesses on such fragments were false holds; the lexicon layers still screen
    every fragment."""
    piece = text[start:end]
    if piece.isascii():  # no ideographs: three words (most sentences; one search)
        return _THREE_WORDS.search(piece) is not None
    count = ideograph_count(piece)
    if count >= 4:
        return True
    for word in _WORD.finditer(piece):  # stops at the third word
        if not has_ideograph(word.group()):
            count += 1
            if count >= 3:
                return True
    return count >= 3


def _inside(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether ``[start, end)`` lies inside one of ``spans``."""
    return any(low <= start and end <= high for low, high in spans)


def _gated_classifier_finding(
    finding: Finding, facts: AccountFacts, suppressed: list[Suppressed]
) -> Finding:
    """A classifier's finding in a gated category, decided by the account's facts when they
    settle it (``classifier_gates``): made false, it blocks as a lexicon hit does (from the
    classifier's blocking score); made true, it is lawful and recorded as suppressed with the
    gate's reason."""
    decided = classifier_gate(finding.category, lambda gate: gate_holds(gate, facts))
    if decided is None:
        return finding
    gate, true = decided
    if true:
        decision = PASS
    elif finding.confidence >= CLASSIFIER_BLOCK_SCORE:
        decision = BLOCK
    else:
        decision = finding.decision
    gated = replace(finding, rule=f"{finding.rule}|gate:{gate}", decision=decision)
    if decision == PASS:
        suppressed.append(Suppressed(gated, f"gate:{gate}:facts_hold"))
    return gated


def _said_by_third_party(
    text: str,
    findings: list[Finding],
    third_party: list[tuple[int, int]],
    suppressed: list[Suppressed],
) -> list[Finding]:
    """Findings that start in a third party's line (see ``THIRD_PARTY_LABELS``). A relative
    who offers to pay (我帮他还), complains of the calls or names their employer says what a
    collector's phrase says, in their own words: lawful. A line that threatens on a condition
    (再不还钱就…, "pay today or we will…") is how a collector speaks to the debtor, not how a
    relative speaks to the agent: its findings ask for review, never block (the label may be
    true, and the words then are not the collector's)."""
    kept: list[Finding] = []
    for finding in findings:
        line = next((span for span in third_party if span[0] <= finding.start < span[1]), None)
        if finding.decision == PASS or line is None:
            kept.append(finding)
        elif _THREAT_FRAME.search(text, *line):
            rule = f"{finding.rule}|speaker:third_party"
            kept.append(replace(finding, rule=rule, decision=REVIEW))
        else:
            suppressed.append(Suppressed(replace(finding, decision=PASS), "speaker:third_party"))
    return kept


def _without_customer_lines(
    text: str, hits: list[_Hit], customer: list[tuple[int, int]], suppressed: list[Suppressed]
) -> list[_Hit]:
    kept: list[_Hit] = []
    for hit in hits:
        # A hit that starts in the customer's words is theirs, even when the views (which drop
        # line breaks) let it run on into the agent's next line.
        if any(low <= hit.start < high for low, high in customer):
            suppressed.append(Suppressed(_plain_finding(text, hit), "speaker:customer"))
        else:
            kept.append(hit)
    return kept


def _uncovered_sentences(text: str, covered: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The sentences of ``text`` that overlap none of the ``covered`` spans."""
    sentences = sentence_spans(text)
    if not covered:
        return sentences
    covered = sorted(covered)
    covered_starts = [start for start, _end in covered]
    reach = list(accumulate((end for _start, end in covered), max))
    kept: list[tuple[int, int]] = []
    for start, end in sentences:
        # Spans starting before the sentence ends; one of them overlaps if it ends after start.
        count = bisect_left(covered_starts, end)
        if count and reach[count - 1] > start:
            continue
        kept.append((start, end))
    return kept


def _read_hit(view: View, entry: Entry, start: int, end: int, layer: str) -> _Hit | None:
    """A hit found in a view; in a pinyin reading (``readings.Reading``) only one on a word it
    read back counts, as a pinyin hit with the reading's confidence."""
    if not isinstance(view, Reading):
        return _Hit(entry, start, end, layer, entry.confidence)
    confidence = view.hit_confidence(start, end, entry.confidence)
    return None if confidence is None else _Hit(entry, start, end, "pinyin", confidence)


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
    if key and _is_ascii_alnum(key[-1]) and _names_a_code(original, end):
        return False
    return not (key and _is_ascii_alnum(key[-1]) and letter_at(end))


# Latin letters followed by a number of four or more digits ("SB 2291", "SB-4471") are a code
# (a shorter one may be another insult: "SB 250"), and followed by one of
# these words the name of a branch or office ("SB支行"): neither is the pinyin insult.
_CODE_NUMBER = re.compile(r"[ \t\u00a0\u3000-]?[0-9\uff10-\uff19]{4}")
_NAME_WORDS = ("支行", "分行", "网点", "網點", "营业部", "營業部", "营业厅", "營業廳")


def _names_a_code(original: str, end: int) -> bool:
    return _CODE_NUMBER.match(original, end) is not None or original.startswith(_NAME_WORDS, end)


def _word_bounded(
    text: str, soft: Sequence[bool], begin: int, end: int, compiled: Compiled
) -> bool:
    def is_word(index: int) -> bool:
        return 0 <= index < len(text) and text[index] != " "

    left_ok = compiled.suffix or not is_word(begin - 1) or (soft[begin] and soft[begin - 1])
    right_ok = compiled.prefix or not is_word(end) or (soft[end - 1] and soft[end])
    return left_ok and right_ok


_CUT_MARKS: dict[re.Pattern[str], str] = {
    _SENTENCE_END: "。！？!?；;\n",
    _CLAUSE_END: "。！？!?；;\n，,、:：",
}
# Texts at least this long find their cuts with array operations.
_ARRAY_MIN_LENGTH = 250


@lru_cache(maxsize=1)
def _white_space_codes() -> Any:
    import numpy as np

    # What ``\s`` matches in a str pattern: str.isspace(), all of it below U+3001.
    return np.array([code for code in range(0x3001) if chr(code).isspace()], dtype=np.uint32)


def _cut_positions(text: str, marks: str) -> list[int]:
    """Positions of the marks and of each "." followed by white space or the end of the text
    (what ``_SENTENCE_END``/``_CLAUSE_END`` find), with array operations."""
    import numpy as np

    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    found = np.isin(codes, np.array([ord(mark) for mark in marks], dtype=np.uint32))
    dot = codes == 0x2E
    following = np.ones(len(codes), dtype=bool)  # the end counts as "followed by white space"
    following[:-1] = np.isin(codes[1:], _white_space_codes())
    found |= dot & following
    positions: list[int] = np.flatnonzero(found).tolist()
    return positions


class _Cuts:
    """Sentence or clause ends of one text, found once, looked up by bisection."""

    def __init__(self, original: str, pattern: re.Pattern[str]) -> None:
        self.length = len(original)
        # Every match is one character (a mark, or "." before white space or the end).
        if len(original) >= _ARRAY_MIN_LENGTH and pattern in _CUT_MARKS:
            self.starts = _cut_positions(original, _CUT_MARKS[pattern])
        else:
            self.starts = [match.start() for match in pattern.finditer(original)]
        self.ends = [start + 1 for start in self.starts]

    def around(self, position: int) -> tuple[int, int]:
        index = bisect_right(self.ends, position) - 1
        start = self.ends[index] if index >= 0 else 0
        following = bisect_left(self.starts, position)
        end = self.starts[following] if following < len(self.starts) else self.length
        return start, end


_BLOCKER_RULES_KIND = "blocker"

# --- What keeps a context rule from explaining a hit -------------------------------------------
# A context rule must explain the HIT, not merely share a sentence with it: "谨防诈骗，再不还钱就
# 弄死你" is a death threat with an anti-fraud heading, not an anti-fraud warning. The red-team
# audit (2026-12) got threats through with verdict "pass" by prefixing such markers.

# A conditional demand or threat ("pay or else …"): a hit in a clause with one of these is the
# collector's threat; a marker in another clause without one does not explain it.
_THREAT_FRAME = re.compile(
    r"再不[还還]|不[还還]钱?.{0,8}?就|不[还還]的话|还不上.{0,4}就|否则|要不然|不然|就等着|等着瞧"
    r"|\bif (?:you|u) (?:don'?t|do not|won'?t|will not|can'?t|cannot|fail|refuse|keep|ignore)\b"
    r"|\bunless (?:you|u)\b|\bor (?:else|we|you'?ll|you will)\b"
    r"|\bso we(?:'ll| will| are going to)\b"
    r"|\bif (?:it is |it's |this is |the debt is |this debt is )?not (?:paid|settled|cleared)\b",
    re.IGNORECASE,
)
# A contrast between marker and hit ends the marker's reach ("我们严禁使用老赖等称呼，但你就是个
# 老赖"; "we will not share this, only tell your employer").
_CONTRAST = re.compile(
    r"(?<!不)但(?!愿)|可是|不过|然而|只会|除了|\b(?:but|however|except|only)\b", re.IGNORECASE
)
# A first-person claim to be an authority (我们是警察, "we are the police"): only a marker in the
# same clause ("如有人自称我们是警察") can make it a quotation.
_AUTHORITY_CLAIM = re.compile(
    r"(?:我们|我|本人|我方|这里|这边)(?:就|都)?是"
    r"|\b(?:we are|we're|i am|i'm|this is)\b(?! not| never)",
    re.IGNORECASE,
)
# An anti-fraud word aimed at the debtor ("you scammed us", "stop scamming", "scammers like
# you") is an accusation, not a warning: such a marker explains nothing.
_ACCUSATION = re.compile(
    r"\b(?:you|u)(?:'ve| have|'re| are| r)?\s+(?:(?:a|an|such a|such an|the|just a|nothing but a|"
    r"total|complete|lying)\s+)*(?:scam|fraud|criminal)\w*"
    r"|\b(?:stop|quit|keep|no more|done)\s+(?:scam|defraud|cheat)\w*"
    r"|\b(?:scam|fraud|criminal)\w*\s+(?:like you|us\b)",
    re.IGNORECASE,
)
# A label used on the debtor rather than mentioned: "you deadbeat", "你这个老赖", "deadbeat"
# alone in its clause (a form of address), "words like deadbeat describe you". The hit is
# written as "§" before these run; a label in quotation marks is a mention.
_LABEL_ADDRESSED = re.compile(
    r"\b(?:you|u)(?:'re| are| r)?\s+(?:(?:a|an|such a|such an|the|one|just a|nothing but a|"
    r"total|complete|real|little|big|fucking)\s+)*§"
    r"|§\s+like (?:you|u)\b|^\W*§\W*$"
    r"|§\W+(?:\w+\W+){0,3}(?:describes?|suits?|fits?|means?|applies to|apply to|for) "
    r"(?:people like )?(?:you|u)\b|(?:you'?ve|you have) earned"
    r"|[你您](?:这个|这种|就是|真是|是|个|这号)*§|§.{0,8}(?:说的就是你|就是你|用在你身上|正合适)"
    r"|我偏要用",
    re.IGNORECASE,
)
_QUOTES_OPEN = "\"'“‘「『《〈"
_QUOTES_CLOSE = "\"'”’」』》〉"
# Categories of labels (insults, slurs): their rules are about mentioning a word.
_LABEL_CATEGORIES = frozenset({"P3", "P17"})
# An arrest or jail statement the collector makes ("we will have you arrested", 明天就抓你):
# text-wide reassurance elsewhere ("not a crime, they say") does not take it back.
_ASSERTED = re.compile(
    r"\b(?:we|i)(?:'ll| will| shall| are going to| am going to| are gonna)\b(?!\s+(?:never|not)\b)"
    r"|明天|马上|立刻|立即|今天|今晚|随时|等着|这就",
    re.IGNORECASE,
)
# In a clause of its own, "we know …" ("Beware: we know your kids' school") states it too.
_KNOWN = re.compile(r"\b(?:we|i) know\b|我们知道|我知道", re.IGNORECASE)
# Wording reported from scam messages ("texts saying you will be arrested unless you pay",
# 不法分子谎称将被拘留) is an example, as a quotation is; only messages and fraudsters report.
_REPORTED = re.compile(
    r"\b(?:texts?|messages?|calls?|callers?|e-?mails?|letters?|fraudsters?|scammers?|criminals?"
    r"|impersonators?)\b[^.;:!?]{0,40}?\b(?:saying|say|says|claiming|claim|claims|threatening"
    r"|threaten|threatens)\b"
    r"|(?:短信|来电|骗子|不法分子|诈骗分子)[^，。；！？]{0,10}?(?:说|称|声称|谎称|威胁)",
    re.IGNORECASE,
)


def _span_text(original: str, low: int, high: int) -> str:
    return original[max(low, 0) : max(high, low)]


def _is_quoted(original: str, hit: _Hit) -> bool:
    before = original[hit.start - 1 : hit.start]
    after = original[hit.end : hit.end + 1]
    return bool(before) and before in _QUOTES_OPEN and bool(after) and after in _QUOTES_CLOSE


def _quotation(original: str, hit: _Hit, window: tuple[int, int]) -> tuple[int, int] | None:
    """``[open, close]`` of quotation marks around the hit, both inside ``window``."""
    before = original[window[0] : hit.start]
    after = original[hit.end : window[1]]
    if before.count('"') % 2 == 1 and '"' in after:
        return window[0] + before.rfind('"'), hit.end + after.index('"')
    opening = max(before.rfind(mark) for mark in "“「『《")
    closing = max(before.rfind(mark) for mark in "”」』》")
    if opening <= closing:
        return None
    ends = [index for index in (after.find(mark) for mark in "”」』》") if index >= 0]
    return (window[0] + opening, hit.end + min(ends)) if ends else None


# A quotation given as an example or reported speech: introduced as one (以“…”为由, 自称“…”,
# such as "…", called you a "…") or followed by what names it one (“…”等话术).
_QUOTE_INTRO = re.compile(
    r"(?:以|称|说了?|说过|讲了?|讲过|问了?|写了?|提到|说什么|声称|谎称|自称|如|像|例如|诸如|比如|类似|"
    r"禁止使用|禁用|不得说|严禁说|\bnever say|\bmust not say|\bphrases like|\bwords like|"
    r"\bsuch as|\blike|\bsaid|\bsays|\bsaying|\btold (?:the |a )?(?:customer|debtor|client)s?|"
    r"\bcalled you(?: an?)?|\bclaiming|\be\.g\.|\bfor example)[ \t]*[:：,，]?[ \t]*"
    # … and the quotations before this one in a list: 以“涉嫌洗钱”“马上要被逮捕”为由
    r"(?:[“「『\"][^”」』\"\n]{0,40}[”」』\"][ \t]*[、，,]?[ \t]*(?:或者|或|和|or|and)?[ \t]*)"
    r"{0,6}$",
    re.IGNORECASE,
)
_QUOTE_OUTRO = re.compile(
    r"[ \t]*(?:为由|等|之类|这样的|这类|这种|的话术|的说法|的话"
    r"|[，,]?[ \t]*(?:该|这种|这类|此类)(?:话术|说法|表述|用语))"
)


def _in_quotation(
    original: str, hit: _Hit, window: tuple[int, int], marker: tuple[int, int]
) -> bool:
    """Whether the hit lies inside quotation marks within ``window`` that are given as an example
    or reported speech, with the marker outside them: 以“注销账户，否则影响征信”为由诱导转账
    is a warning, 谨防诈骗：“再不还钱就弄死你” a threat."""
    quoted = _quotation(original, hit, window)
    if quoted is None:
        return False
    opening, closing = quoted
    if opening <= marker[0] and marker[1] <= closing + 1:
        return False
    return bool(
        _QUOTE_INTRO.search(original, max(window[0], opening - 120), opening)
        or _QUOTE_OUTRO.match(original, closing + 1)
    )


def _label_addressed(original: str, hit: _Hit, clause: tuple[int, int]) -> bool:
    """Whether the label hit is said to the debtor (see ``_LABEL_ADDRESSED``)."""
    if _is_quoted(original, hit):
        return False
    low, high = clause[0], max(clause[1], hit.end)
    framed = f"{original[low : hit.start]}§{original[hit.end : high]}"
    return _LABEL_ADDRESSED.search(framed) is not None


def _marker_explains(
    original: str,
    hit: _Hit,
    start: int,
    end: int,
    clause_cuts: _Cuts,
    hit_clause: tuple[int, int],
    sentence: tuple[int, int],
) -> bool:
    """Whether a ``sentence`` rule's marker at ``[start, end)`` explains the hit (it shares the
    hit's sentence already): not an accusation, no contrast between them, and — when it lies in
    another clause — no threat frame or authority claim in the hit's clause that its own clause
    lacks."""
    if any(
        match.start() <= start and end <= match.end()
        for match in _ACCUSATION.finditer(
            original, max(start - 40, 0), min(end + 20, len(original))
        )
    ):
        return False
    # A contrast after the marker ends its reach; one before it leaves a marker that
    # qualifies the hit ("我们可能会联系紧急联系人，但不会透露借款情况") in place. A marker
    # overlapping the hit (a pattern reaching back into it) reaches as far as the hit's end.
    if start < hit.end and _CONTRAST.search(
        _span_text(original, end, hit.start if end <= hit.start else hit.end)
    ):
        return False
    hit_end = max(hit_clause[1], clause_cuts.around(max(hit.end - 1, hit.start))[1])
    same_clause = hit_clause[0] <= start and end <= hit_end
    if same_clause:
        return True
    if _in_quotation(original, hit, sentence, (start, end)):
        return True  # a phrase quoted as an example: 以“马上要被逮捕”为由…的，都是骗子
    if _REPORTED.search(_span_text(original, hit_clause[0], hit.start)):
        return True
    hit_text = _span_text(original, hit_clause[0], hit_end)
    marker_text = _span_text(original, *clause_cuts.around(start))
    for frame in (_THREAT_FRAME, _ASSERTED, _KNOWN):
        if frame.search(hit_text) and not frame.search(marker_text):
            return False
    claim = _span_text(original, hit_clause[0], hit.end)
    return _AUTHORITY_CLAIM.search(claim) is None


def _marker_reaches(
    original: str,
    hit: _Hit,
    rule: ContextRule,
    start: int,
    end: int,
    markers: list[tuple[ContextRule, int, int]],
    clause_cuts: _Cuts,
    sentence: tuple[int, int],
) -> bool:
    """Whether the marker governs the hit (``scope.marker_reaches``: contrast, exception,
    concession, denial, absolute claims, demands and, for a classifier's finding, the rest of
    its sentence)."""
    return marker_reaches(
        original,
        hit.start,
        hit.end,
        hit.layer == "classifier",
        rule,
        start,
        end,
        markers,
        clause_cuts.around(start),
        sentence,
        (_THREAT_FRAME, _ASSERTED, _KNOWN),
        _REPORTED,
    )


def _text_rule_applies(original: str, hit: _Hit, sentence: tuple[int, int]) -> bool:
    """A ``text`` rule ("not a crime" anywhere) does not take back a statement the hit's own
    sentence makes: a first-person promise of action, a time set for it, or a threat frame."""
    said = _span_text(original, sentence[0], max(sentence[1], hit.end))
    return not (_ASSERTED.search(said) or _THREAT_FRAME.search(said))


def _context_reason(
    original: str,
    hit: _Hit,
    markers: list[tuple[ContextRule, int, int]],
    cuts: tuple[_Cuts, _Cuts, list[tuple[int, int]]],
    index: tuple[list[int], list[int]] | None = None,
    whole: dict[str, str] | None = None,
    *,
    wish: ReaderWish,
) -> str | None:
    """The context rule that makes the hit lawful, if any (its ``context:<id>``). ``index``
    (marker starts in order, and the markers' positions in that order) narrows the markers
    checked to those near the hit; the answer is the same. ``wish``: the lexicon's
    reader's-wish guard (a negation framing "you wouldn't want" clears nothing)."""
    category = hit.entry.category
    sentence = cuts[0].around(hit.start)
    clause = cuts[1].around(hit.start)
    blockers = cuts[2]
    if index is not None:
        # Only markers starting inside [sentence start, max(sentence end, hit end)] can apply
        # (a clause lies inside its sentence); checked in their usual order.
        starts, order = index
        low = bisect_left(starts, sentence[0])
        high = bisect_right(starts, max(sentence[1], hit.end))
        markers = [markers[number] for number in sorted(order[low:high])]
    addressed: bool | None = None  # a label said to the debtor (worked out once, when needed)
    for rule, start, end in markers:
        if category not in rule.categories:
            continue
        if rule.kind in SENTENCE_KINDS:
            if not (sentence[0] <= start and end <= max(sentence[1], hit.end)):
                continue
            if category in _LABEL_CATEGORIES:
                if addressed is None:
                    addressed = _label_addressed(original, hit, clause) or label_applied(
                        original, hit.end, sentence
                    )
                if addressed:
                    continue
            whole_sentence = (sentence[0], max(sentence[1], hit.end))
            if _marker_explains(
                original, hit, start, end, cuts[1], clause, whole_sentence
            ) and _marker_reaches(
                original, hit, rule, start, end, markers, cuts[1], whole_sentence
            ):
                return f"context:{rule.rule_id}"
        elif rule.kind == "negation":
            # Before the hit in its clause, or inside a pattern's hit just before its last words
            # (the pattern reaching over it: 身份证号和住址，不会公开) when the pattern does not
            # spell the negation itself (a visit you won't forget).
            inside = (
                hit.start < start
                and end <= hit.end
                and hit.layer == "pattern"
                and _unspelled(original[start:end], hit.entry.phrase)
                and cuts[1].around(hit.end - 1)[0] <= start  # in the clause the hit ends in
            )
            if not (inside or (clause[0] <= start and end <= hit.start)):
                continue
            if inside and _a_not_a(original, start):
                continue
            if wish.frames(original, start, end):
                continue  # "You wouldn't want your boss to find out": a wish, not a promise
            target = hit.end if inside else hit.start
            gap = original[end:target]
            if inside:
                limit = 8 if rule.language == "zh" else 4
            else:
                limit = 10 if rule.language == "zh" else 3
            distance = (
                sum(1 for char in gap if is_cjk(char))
                if rule.language == "zh"
                else len(gap.split())
            )
            if distance > limit:
                continue
            if any(end <= b_start and b_end <= target for b_start, b_end in blockers):
                continue
            if _CONTRAST.search(original, end, max(end, hit.end)):
                continue  # 不会透露给别人，只会通知你单位: the hit runs on past the negation
            if not negation_reaches(
                original, markers, end, (sentence[0], max(sentence[1], hit.end))
            ):
                continue
            return f"context:{rule.rule_id}"
    if (
        whole
        and category in whole
        and _text_rule_applies(original, hit, sentence)
        and text_rule_reaches(original, hit.start, markers, sentence, _REPORTED)
    ):
        return whole[category]
    return None


def _unspelled(marker: str, pattern: str) -> bool:
    """Whether a pattern's source does not contain the marker's words (as the views read them:
    電話不會停 is the pattern 电话不会停)."""
    read = "".join(simplified(marker)).lower()
    return read not in pattern.replace("\\x27", "'").lower()


def _a_not_a(original: str, start: int) -> bool:
    """Whether a negation starting at ``start`` is the middle of an A-not-A question (会不会,
    是不是, 能不能): a question, not a negation."""
    return (
        start > 0
        and start + 1 < len(original)
        and original[start] in "不没"
        and original[start - 1] == original[start + 1]
    )


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
