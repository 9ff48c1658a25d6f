"""How far a context marker reaches (red-team audit 2026-12, class G02): a marker clears a hit
only where it governs it, not merely because it shares the hit's sentence.

"You're not obliged to, though … can you transfer his $2,400?", "We won't share your medical
records with anyone other than your boss", "This is not a scam: your ID photo goes on Facebook
tonight", 「节哀。…他的欠款现在你这个做儿子的必须还」 and "Not paying is not a crime usually, but
yours is fraud and you'll be arrested" all passed because a marker stood next to the violation.

The words are data in ``context.tsv`` (kinds ``contrast``, ``except``, ``concession``,
``absolute``, ``hedge``, ``wish``, ``wish_reader``, ``wish_reported``); this module is the
mechanism:

- a ``contrast`` marker between a marker and the hit ends the marker's reach (though, yet,
  也就是, 还是);
- an ``except`` marker after a marker anywhere in the sentence makes an exception to it ("other
  than your boss", 除了…以外) unless the exception is the debtor, us or the law ("except you",
  "except as required by law");
- a marker in a ``concession`` clause (虽然/although …) reaches no other clause, and one on a
  condition of payment ("we never post anything unless you ignore us") none at all;
- an ``absolute`` marker (永远, forever) in the sentence takes back a ``hedge`` (可能, "may");
- a marker denied by a copula ("this is not a scam", "we're not fraudsters", 这不是诈骗短信)
  says the opposite of a warning: its rule clears nothing in that sentence;
- a payment demand aimed at the reader (can you transfer, 必须还, 今天转3000, 垫上吧) outside
  the marker's clause is the message, not the marker's subject;
- a classifier finding covers its whole sentence, so the sentence outside the marker's clause
  is weighed as the hit's clause is for a phrase: a threat frame, a first-person commitment or a
  demand there that the marker's clause lacks;
- a ``negation`` marker that frames the reader's wish ("you wouldn't want your boss to find
  out", 你也不会想…) clears nothing, unless the wish is reported ("I understand you don't
  want…", 我理解…): ``ReaderWish``;
- a ``text`` rule ("not a crime") does not clear an arrest stated as the reader's future (you'll
  be arrested, 警察会上门抓人) or one after a contrast in its own sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from heed.screening.engine.lexicon import WISH_KINDS, ContextRule

# Kinds that clear hits in their sentence (a hedge is taken back by an absolute claim).
SENTENCE_KINDS = frozenset({"sentence", "hedge"})

Marker = tuple[ContextRule, int, int]

# A payment asked of the reader: a modal, a time or an imperative with a payment verb, not
# negated ("you don't have to pay" is a marker, not a demand).
_PAY_EN = r"(?:pay|transfer|cover|settle|clear|send|wire|put up|chip in|top up)"
_DEMAND = re.compile(
    rf"\b(?:can|could|would|will)\s+(?:you|u)\s+(?:please\s+|just\s+|kindly\s+)?{_PAY_EN}\b"
    rf"|\b(?:please|kindly|just)\s+{_PAY_EN}\b"
    rf"|\b(?:thing|best thing|right thing|least you can do)\s+(?:to do\s+)?is\s+to\s+{_PAY_EN}\b"
    rf"|(?<!not )(?<!n't )(?<!no )\b(?:must|have to|has to|need to|needs to|should|ought to"
    rf"|got to|gotta)\s+(?:\w+\s+)?{_PAY_EN}\b"
    rf"|\b{_PAY_EN}\b[^.;!?]{{0,30}}\b(?:today|tonight|right now|this week|by (?:tomorrow"
    r"|monday|tuesday|wednesday|thursday|friday|saturday|sunday))\b"
    r"|(?:必须|务必|一定要|应该|应当|赶紧|赶快|马上|立即|立刻|今天|今晚|现在|这周|先)"
    r"[^，。；！？,.;!?不没无别勿免]{0,8}?(?:还(?![是有没不在要会能可以])|转(?:账|给|到|过来|\d)|垫"
    r"|付(?:清|款|了|一下)|出(?:钱|一下)|打(?:款|钱|到|给))"
    r"|(?:还|转|垫|付|出)[^，。；！？,.;!?不没无别勿免]{0,6}吧",
    re.IGNORECASE,
)
# A first-person commitment to act (我们会发…), a claim to know (我们很清楚) or a final warning:
# the collector's own statement, which a marker in another clause does not explain.
_COMMITTED = re.compile(
    r"(?:我们|我|我司|我方)(?:都|也|就|还)?(?:会|将|要)(?!求)"
    r"|(?:我们|我)(?:都|很|非常|早就)?(?:知道|清楚|掌握)"
    r"|\b(?:we|i)(?:'ll| will| are going to| am going to| are gonna)\b(?!\s+(?:never|not)\b)"
    r"|\bwe know\b|\b(?:final|last) (?:warning|chance|notice)\b|最后通牒|最后一次(?:警告|机会)",
    re.IGNORECASE,
)
# Frames of screener.py (threat, first-person action) are passed in by the caller.

# A copula denying the marker: "this is not a scam", "we're not fraudsters", 这不是诈骗短信.
_DENIED = re.compile(
    r"(?:\b(?:is|are|am|was|were|[’']s|[’']re|[’']m)\s+not|\b(?:isn|aren|wasn|weren|ain)[’']t)"
    r"\s+(?:(?:a|an|any|the|some|really|actually)\s+)*$"
    r"|(?:不是|并非|并不是|绝不是|可不是)(?:什么|一个|一条|一通)?$",
    re.IGNORECASE,
)
# An exception that names the debtor, us or the law keeps a promise lawful ("except you",
# "other than as required by law", 除了您本人).
_LAWFUL_EXCEPTION = re.compile(
    r"\s*(?:for\s+)?(?:you\b|yourself|u\b|us\b|our\b|where\b|when\b|if\b|as\b|to\b|in\b|by\b"
    r"|required|law|legally|the court|a court|your (?:lawyer|solicitor|attorney|representative"
    r"|advis[eo]r|authori[sz]ed)|the account holder)"
    r"|(?:你|您)(?:本人|自己)|我们|我司|本人|法院|依法|法律",
    re.IGNORECASE,
)
# A promise made on a condition of payment is a threat ("we never post anything unless you
# ignore us", 不会告诉你单位，否则…): after the marker in its own clause.
_ON_CONDITION = re.compile(
    r"\bunless (?:you|u) (?:pay|ignore|keep|refuse|fail|settle|clear)"
    r"|\bif (?:you|u) (?:don[’']?t|do not|fail to|refuse to|won[’']t) (?:pay|settle|clear|respond"
    r"|reply|call)"
    r"|否则|不然|要不然|再不[还還]|不[还還]钱?就",
    re.IGNORECASE,
)
# Scam wording reported in the marker's clause ("scammers … saying you'll be arrested unless
# you pay") is no condition the collector sets.
_REPORTED_BEFORE = re.compile(r"\b(?:saying|says|say|claiming|claim|threatening)\b|说|称|谎称")
# An arrest stated as the reader's future ("you'll be arrested", 警察会上门抓人).
_ARREST_FUTURE = re.compile(
    r"\b(?:you|u)(?:[’']ll| will| are going to| are gonna| shall)\s+(?!not\b|never\b)"
    r"(?:\w+\s+)?(?:be|get|go)\b"
    r"|(?<![不没])(?:会|将|要)被?[^，。；！？]{0,4}(?:抓|拘|逮捕|坐牢|判刑|带走)",
    re.IGNORECASE,
)


def _of_kind(markers: Iterable[Marker], kind: str, low: int, high: int) -> list[Marker]:
    return [m for m in markers if m[0].kind == kind and low <= m[1] and m[2] <= high]


# "not yet", "still not" are no contrast.
_NEGATED_BEFORE = re.compile(r"(?:\bnot|n[’']t)\s*$", re.IGNORECASE)


def _contrasts(original: str, markers: Iterable[Marker], low: int, high: int) -> bool:
    return any(
        not _NEGATED_BEFORE.search(original, max(0, start - 6), start)
        for _rule, start, _end in _of_kind(markers, "contrast", low, high)
    )


def _demand_outside(original: str, low: int, high: int, markers: list[Marker]) -> bool:
    """A payment demand in ``[low, high)`` that no clearing marker spells ("you don't have to
    pay" is a marker, not a demand)."""
    for match in _DEMAND.finditer(original, low, high):
        if not any(
            m_start < match.end() and match.start() < m_end
            for rule, m_start, m_end in markers
            if rule.kind in SENTENCE_KINDS
        ):
            return True
    return False


def _marker_undone(
    original: str,
    rule: ContextRule,
    end: int,
    between: tuple[int, int],
    markers: list[Marker],
    marker_clause: tuple[int, int],
    sentence: tuple[int, int],
) -> bool:
    """Whether the sentence undoes the marker whatever the hit: a contrast between marker and
    hit, an exception after the marker, a condition of payment in its clause, an absolute claim
    against a hedge, or the marker's rule denied ("this is not a scam")."""
    low, high = sentence
    if _contrasts(original, markers, *between) or _excepted(original, markers, end, high):
        return True
    if _ON_CONDITION.search(original, end, marker_clause[1]) and not _REPORTED_BEFORE.search(
        original, marker_clause[0], marker_clause[1]
    ):
        return True
    if rule.kind == "hedge" and _of_kind(markers, "absolute", low, high):
        return True
    return any(
        other.rule_id == rule.rule_id
        and low <= m_start < high
        and _DENIED.search(original, max(low, m_start - 24), m_start) is not None
        for other, m_start, _m_end in markers
    )


def marker_reaches(
    original: str,
    hit_start: int,
    hit_end: int,
    is_classifier: bool,
    rule: ContextRule,
    start: int,
    end: int,
    markers: list[Marker],
    marker_clause: tuple[int, int],
    sentence: tuple[int, int],
    frames: tuple[re.Pattern[str], ...],
    reported: re.Pattern[str],
) -> bool:
    """Whether a ``sentence``/``hedge`` rule's marker at ``[start, end)`` can govern the hit
    (checked after screener.py's own tests; ``markers`` holds at least the sentence's markers,
    ``frames`` the threat and action frames of screener.py, ``reported`` its reported-speech
    frame: a scam message's wording reported is an example)."""
    low, high = sentence
    between = (end, hit_start if end <= hit_start else hit_end)
    if _marker_undone(original, rule, end, between, markers, marker_clause, sentence):
        return False
    in_other_clause = is_classifier or not (marker_clause[0] <= hit_start < marker_clause[1])
    if in_other_clause and _of_kind(markers, "concession", marker_clause[0], start):
        return False
    rest_start = max(end, marker_clause[1])
    if rest_start >= high or reported.search(original, low, high if is_classifier else hit_start):
        return True  # a scam message's wording reported ("texts saying … unless you pay")
    if _demand_outside(original, rest_start, high, markers):
        return False  # 你父亲去世了，他的欠款你必须今天还清: the demand is the message
    if not in_other_clause:
        return True
    marker_text = original[marker_clause[0] : marker_clause[1]]
    if is_classifier:
        # The finding is its whole sentence: weigh the rest of it as a phrase's clause.
        rest = original[rest_start:high]
        return not any(
            frame.search(rest) and not frame.search(marker_text) for frame in (*frames, _COMMITTED)
        )
    hit_text = original[max(rest_start, hit_start - 40) : max(hit_end, rest_start)]
    return not (_COMMITTED.search(hit_text) and not _COMMITTED.search(marker_text))


def _excepted(original: str, markers: Iterable[Marker], low: int, high: int) -> bool:
    """An ``except`` marker in ``[low, high)`` whose exception is not the debtor, us or the
    law ("with anyone other than your boss")."""
    return any(
        not _LAWFUL_EXCEPTION.match(original, e_end)
        for _rule, _start, e_end in _of_kind(markers, "except", low, high)
    )


def negation_reaches(
    original: str, markers: list[Marker], end: int, sentence: tuple[int, int]
) -> bool:
    """Whether a negation at ``…end`` reaches the hit: no exception after it in the sentence
    ("we will not share your records with anyone other than your boss")."""
    return not _excepted(original, markers, end, sentence[1])


# How far before a negation its reader (and the words reporting the wish) may start.
_WISH_WINDOW = 24


@dataclass(frozen=True)
class ReaderWish:
    """A negation that frames the reader's own wish frames a veiled threat; it negates nothing
    the collector promises: "You wouldn't want your boss to find out", 你也不会想让你单位领导知道吧.
    Not when the wish is reported: "I understand you don't want us to call your work", 我理解你
    不想…, "if you don't want…".

    The words are data in ``context.tsv``, read where they stand (as written, any case; not
    as whole words), not searched for:

    - ``wish``: right after the negation, spaces between allowed (want, 想; "want" also reads
      "wanted", "like" also "likely");
    - ``wish_reader``: right before the negation, ending at it (你, 你也) or, in English,
      starting a word and followed by spaces (you, "you really"), within 24 characters;
    - ``wish_reported``: right before the reader (理解你) or, in English, before it with one
      space (understand you; "understand" also ends "misunderstand"): the wish is reported.
    """

    after: re.Pattern[str] | None  # the wish words (None: no ``wish`` rule)
    before: re.Pattern[str] | None  # a reader not reported (None: no ``wish_reader`` rule)

    @classmethod
    def of(cls, rules: Iterable[ContextRule]) -> ReaderWish:
        """The guard the ``wish``, ``wish_reader`` and ``wish_reported`` rules make."""
        words: dict[tuple[str, bool], list[str]] = {}  # (kind, English-like) → markers
        for rule in rules:
            if rule.kind in WISH_KINDS:
                key = (rule.kind, rule.language != "zh")
                words.setdefault(key, []).extend(m for m in rule.markers if m.split())
        wishes = [*words.get(("wish", False), ()), *words.get(("wish", True), ())]
        after = None
        if wishes:  # any language's wish after any negation, as one pattern
            after = re.compile(rf"\s*(?:{'|'.join(map(_spaced, wishes))})", re.IGNORECASE)
        branches = []
        for spaced in (True, False):
            readers = words.get(("wish_reader", spaced))
            if not readers:
                continue
            space = " " if spaced else ""
            reported = "".join(
                f"(?<!{re.escape(' '.join(m.split()))}{space})"
                for m in words.get(("wish_reported", spaced), ())
            )
            alternatives = "|".join(map(_spaced, readers))
            if spaced:
                branches.append(rf"{reported}\b(?:{alternatives})\s+$")
            else:
                branches.append(rf"{reported}(?:{alternatives})$")
        before = re.compile("|".join(branches), re.IGNORECASE) if branches else None
        return cls(after, before)

    def frames(self, original: str, start: int, end: int) -> bool:
        """Whether the negation at ``[start, end)`` frames the reader's wish ("you wouldn't
        want", 你不会想)."""
        return bool(
            self.after is not None
            and self.before is not None
            and self.after.match(original, end)
            and self.before.search(original, max(0, start - _WISH_WINDOW), start)
        )


def _spaced(marker: str) -> str:
    """A marker's words as a pattern, any spaces between them."""
    return r"\s+".join(re.escape(word) for word in marker.split())


# A label applied to the debtor later in the sentence ("…words like deadbeat, which is a shame
# because it fits you").
_LABEL_APPLIED = re.compile(
    r"\b(?:it|that|which|this|the word|the label|the term)\s+(?:really\s+|so\s+|just\s+)?"
    r"(?:fits|suits|describes|applies to|sums up)\s+(?:you|u)\b"
    r"|(?:说的就是你|就是在说你|用在你身上|正适合你|形容你)",
    re.IGNORECASE,
)


def label_applied(original: str, hit_end: int, sentence: tuple[int, int]) -> bool:
    """Whether the sentence applies a mentioned label to the debtor after the hit."""
    return _LABEL_APPLIED.search(original, hit_end, max(hit_end, sentence[1])) is not None


def text_rule_reaches(
    original: str,
    hit_start: int,
    markers: list[Marker],
    sentence: tuple[int, int],
    reported: re.Pattern[str],
) -> bool:
    """Whether a ``text`` rule ("not a crime" anywhere) still clears the hit: not when the hit's
    sentence states the arrest as the reader's future, nor after a contrast that follows the
    rule's marker in the hit's sentence ("not a crime usually, but yours is fraud")."""
    said = original[sentence[0] : max(sentence[1], hit_start)]
    if _ARREST_FUTURE.search(said) and not reported.search(original, sentence[0], hit_start):
        return False  # "a text saying you'll be arrested" reports a scam's wording
    return not any(
        rule.kind == "text"
        and sentence[0] <= end <= hit_start
        and (
            _contrasts(original, markers, end, hit_start)
            or _CONTRAST_TEXT.search(original, end, hit_start) is not None
        )
        for rule, _start, end in markers
    )


# screener.py's own contrast words, for the text rule (its sentence rules check them already).
_CONTRAST_TEXT = re.compile(
    r"(?<!不)但(?!愿)|可是|不过|然而|\b(?:but|however|except|yet|though)\b", re.IGNORECASE
)
