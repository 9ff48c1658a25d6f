"""The vocabulary of the gateway: what is proposed, what happened before, and the answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

# Channels (one gateway for all of them).
CALL = "call"
SMS = "sms"
EMAIL = "email"
LETTER = "letter"
VISIT = "visit"
IM = "im"
AI_VOICE = "ai_voice"
CHANNELS = (CALL, SMS, EMAIL, LETTER, VISIT, IM, AI_VOICE)
VOICE_CHANNELS = frozenset({CALL, AI_VOICE})

# Whom the contact is with.
DEBTOR = "debtor"
GUARANTOR = "guarantor"
CO_OBLIGOR = "co_obligor"
EMERGENCY_CONTACT = "emergency_contact"
THIRD_PARTY = "third_party"
PARTIES = (DEBTOR, GUARANTOR, CO_OBLIGOR, EMERGENCY_CONTACT, THIRD_PARTY)
THIRD_PARTIES = frozenset({EMERGENCY_CONTACT, THIRD_PARTY})

# Outcomes of a recorded contact.
CONVERSATION = "conversation"
NO_ANSWER = "no_answer"
VOICEMAIL = "voicemail"
BUSY = "busy"
FAILED = "failed"  # not connected to the dialed number
THIRD_PARTY_ANSWERED = "third_party_answered"
WRONG_NUMBER = "wrong_number"
REFUSED = "refused"
DELIVERED = "delivered"
BOUNCED = "bounced"
OUTCOMES = (
    CONVERSATION,
    NO_ANSWER,
    VOICEMAIL,
    BUSY,
    FAILED,
    THIRD_PARTY_ANSWERED,
    WRONG_NUMBER,
    REFUSED,
    DELIVERED,
    BOUNCED,
)
# A voice call "connected": someone picked up.
CONNECTED_OUTCOMES = frozenset({CONVERSATION, THIRD_PARTY_ANSWERED, REFUSED})
# The debtor was not reached by this attempt.
UNREACHED_OUTCOMES = frozenset({NO_ANSWER, VOICEMAIL, BUSY, FAILED, WRONG_NUMBER, BOUNCED})

# Why the contact is made.
PURPOSE_COLLECT = "collect"  # discuss or demand payment
PURPOSE_LOCATE = "locate"  # find the debtor (third parties)
PURPOSE_RELAY = "relay"  # ask a third party to pass on a call-back message
PURPOSE_NOTICE = "notice"  # a notice the law requires or permits (validation, verification…)
PURPOSE_PROCEEDINGS = "proceedings"  # start or threaten legal proceedings
PURPOSES = (PURPOSE_COLLECT, PURPOSE_LOCATE, PURPOSE_RELAY, PURPOSE_NOTICE, PURPOSE_PROCEEDINGS)

INITIATOR_COLLECTOR = "collector"
INITIATOR_DIALER = "dialer"
INITIATOR_AI = "ai"
INITIATOR_DEBTOR = "debtor"  # an inbound contact

MODE_BLOCK = "block"
MODE_WARN = "warn"
MODE_AUDIT = "audit"
MODE_RANK = {MODE_AUDIT: 0, MODE_WARN: 1, MODE_BLOCK: 2}


@dataclass(frozen=True)
class Attempt:
    """A contact that already happened (or is scheduled), as the rules see it."""

    channel: str
    at: datetime
    party: str = DEBTOR
    to: str = ""
    outcome: str = NO_ANSWER
    account: str = ""  # opaque debt id, for per-debt counting
    direction: str = "outbound"
    initiator: str = INITIATOR_COLLECTOR
    with_consent: bool = False  # US-06: direct prior consent given within 7 days
    to_kind: str = ""  # home | cell | work | attorney | creditor | bureau | …

    @property
    def is_outbound(self) -> bool:
        return self.direction == "outbound" and self.initiator != INITIATOR_DEBTOR

    @property
    def person(self) -> str:
        """Whom the attempt was with: the debtor is one person; a third party is its number."""
        return self.party if self.party in (DEBTOR, GUARANTOR, CO_OBLIGOR) else f"tp:{self.to}"


@dataclass(frozen=True)
class Hold:
    kind: str
    since: datetime
    until: datetime | None = None
    account: str = ""  # "" = on the person

    def is_active(self, at: datetime) -> bool:
        return self.since <= at and (self.until is None or at < self.until)


@dataclass(frozen=True)
class TimeRange:
    """A local time-of-day range [start, end); end <= start wraps past midnight."""

    start: time
    end: time

    def contains(self, moment: time) -> bool:
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


@dataclass(frozen=True)
class Preferences:
    opted_out_channels: frozenset[str] = frozenset()
    opted_out_to: frozenset[str] = frozenset()  # a number or address the person opted out of
    do_not_contact: frozenset[str] = frozenset()  # third parties who refused further contact
    blocked_times: tuple[TimeRange, ...] = ()  # debtor-blocked local times
    agreed_times: tuple[TimeRange, ...] = ()  # documented agreement to other hours (CN)
    language: str = ""


@dataclass(frozen=True)
class Proposed:
    channel: str
    at: datetime
    party: str = DEBTOR
    to: str = ""
    purpose: str = PURPOSE_COLLECT
    account: str = ""
    to_kind: str = ""
    provenance: str = ""  # "" = unknown (simulation); otherwise the contact point's provenance
    to_is_valid: bool = True
    initiator: str = INITIATOR_COLLECTOR
    with_consent: bool = False  # US-06: the person gave direct consent within the last 7 days

    @property
    def person(self) -> str:
        return self.party if self.party in (DEBTOR, GUARANTOR, CO_OBLIGOR) else f"tp:{self.to}"


@dataclass(frozen=True)
class Situation:
    proposed: Proposed
    timezones: tuple[str, ...]
    history: tuple[Attempt, ...] = ()
    holds: tuple[Hold, ...] = ()
    preferences: Preferences = field(default_factory=Preferences)
    debtor_has_valid_number: bool = True  # CN-07: every debtor number invalid → third parties

    def at(self, moment: datetime) -> Situation:
        """The same situation with the proposed contact moved to ``moment``."""
        from dataclasses import replace

        return replace(self, proposed=replace(self.proposed, at=moment))


@dataclass(frozen=True)
class Reason:
    rule: str
    mode: str
    message_en: str
    message_zh: str
    source: str
    pack: str = ""
    counters: dict[str, Any] = field(default_factory=dict)
    next_allowed_at: datetime | None = None

    def message(self, language: str) -> str:
        return self.message_zh if language.lower().startswith("zh") else self.message_en

    def as_dict(self, language: str = "en") -> dict[str, Any]:
        return {
            "rule": self.rule,
            "mode": self.mode,
            "message": self.message(language),
            "source": self.source,
            "pack": self.pack,
            "counters": self.counters,
            "next_allowed_at": self.next_allowed_at.isoformat() if self.next_allowed_at else None,
        }


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reasons: tuple[Reason, ...]
    next_allowed_at: datetime | None
    counters: dict[str, Any]
    packs: tuple[str, ...]

    @property
    def blocking(self) -> tuple[Reason, ...]:
        return tuple(r for r in self.reasons if r.mode == MODE_BLOCK)
