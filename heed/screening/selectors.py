"""Reads: the active screener (file lexicon + approved changes), account facts, lexicon changes."""

from __future__ import annotations

import datetime
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Count, Max
from django.utils import timezone

from heed.screening.engine.classifier import ColdClassifier
from heed.screening.engine.domain import DomainClassifier, train_domain, training_fingerprint
from heed.screening.engine.evaluation import LabelledMessage, training_messages
from heed.screening.engine.lexicon import (
    Entry,
    EntryKey,
    ExceptionKey,
    ExceptionPhrase,
    Lexicon,
    entry_key,
    exception_key,
    load_lexicon,
)
from heed.screening.engine.screener import PASS, AccountFacts, Screener
from heed.screening.models import (
    LETTER_BATCH_KIND,
    LexiconChange,
    LexiconChangeQuerySet,
    LexiconImpactPreview,
    MessageTemplate,
    OutgoingMessage,
    TemplateVersion,
)

CLASSIFIER_PATH = Path(__file__).resolve().parent / "data" / "cold-classifier.npz"
CLASSIFIER_THRESHOLD = 0.7
# The in-domain classifier's review threshold, chosen with its sentence examples by
# cross-validation (figures in engine/domain.py's docstring).
DOMAIN_THRESHOLD = 0.6

_lock = threading.Lock()
_domain_lock = threading.Lock()
_cache: dict[str, Screener] = {}
_classifier: list[ColdClassifier | None] = []
_domain: list[DomainClassifier | None] = []


def change_as_entry(change: LexiconChange) -> Entry:
    return Entry(
        category=change.category,
        language=change.language,
        phrase=change.phrase,
        gate=change.gate,
        confidence=change.confidence,
        source=f"ui:{change.pk}",
        is_pattern=change.kind == LexiconChange.Kind.PATTERN,
    )


def change_as_exception(change: LexiconChange) -> ExceptionPhrase:
    categories = frozenset(c for c in change.exception_categories.split(",") if c)
    return ExceptionPhrase(change.phrase, change.language, categories, f"ui:{change.pk}")


def change_entry_key(change: LexiconChange) -> EntryKey:
    """The key of the phrase or pattern a change adds or retires (engine.lexicon.entry_key)."""
    return (
        change.language,
        change.category,
        change.phrase,
        change.kind == LexiconChange.Kind.PATTERN,
    )


def change_exception_key(change: LexiconChange) -> ExceptionKey:
    return (change.language, change.phrase)


def _approved_state() -> tuple[int, int, str]:
    """How many changes are approved, the highest id and the latest approval time: approvals
    only add to the set, so these name it (the time too, since SQLite can hand out a rolled-back
    id again)."""
    state = LexiconChange.objects.approved().aggregate(
        count=Count("id"), last=Max("id"), latest=Max("decided_at")
    )
    latest = state["latest"].isoformat() if state["latest"] is not None else ""
    return int(state["count"] or 0), int(state["last"] or 0), latest


def lexicon_build(changes: list[LexiconChange], version_suffix: str = "") -> Lexicon:
    """The file lexicon with ``changes`` applied in the order given (the order they took
    effect): an addition adds its entry; a retirement removes the file lines and the earlier
    additions with its key (an addition approved after it is live again)."""
    entries: list[Entry] = []
    exceptions: list[ExceptionPhrase] = []
    retired_entries: set[EntryKey] = set()
    retired_exceptions: set[ExceptionKey] = set()
    for change in changes:
        is_exception = change.kind == LexiconChange.Kind.EXCEPTION
        if change.is_retirement and is_exception:
            key = change_exception_key(change)
            retired_exceptions.add(key)
            exceptions = [e for e in exceptions if exception_key(e) != key]
        elif change.is_retirement:
            entry = change_entry_key(change)
            retired_entries.add(entry)
            entries = [e for e in entries if entry_key(e) != entry]
        elif is_exception:
            exceptions.append(change_as_exception(change))
        else:
            entries.append(change_as_entry(change))
    return load_lexicon(
        extra_entries=entries,
        extra_exceptions=exceptions,
        retired_entries=retired_entries,
        retired_exceptions=retired_exceptions,
        version_suffix=version_suffix,
    )


def cold_classifier() -> ColdClassifier | None:
    """The shipped COLD model, if present and enabled (``HEED_SCREENING_CLASSIFIER``)."""
    if not getattr(settings, "HEED_SCREENING_CLASSIFIER", True):
        return None
    if not _classifier:
        _classifier.append(
            ColdClassifier.load(CLASSIFIER_PATH) if CLASSIFIER_PATH.exists() else None
        )
    return _classifier[0]


def domain_classifier() -> DomainClassifier | None:
    """The in-domain review layer, trained from the labelled sets (2–3 s) the first time, then
    loaded from ``VAR_DIR/cache`` (a few milliseconds) by every process while the sets are the
    same (``training_fingerprint``)."""
    if not getattr(settings, "HEED_SCREENING_CLASSIFIER", True):
        return None
    if not _domain:
        with _domain_lock:  # not _lock: screener_get holds it while it calls this
            if not _domain:
                _domain.append(_domain_cached(training_messages()))
    return _domain[0]


def domain_cache_path(messages: list[LabelledMessage]) -> Path:
    return Path(settings.VAR_DIR) / "cache" / f"domain-{training_fingerprint(messages)}.npz"


def _domain_cached(messages: list[LabelledMessage]) -> DomainClassifier:
    import numpy as np

    path = domain_cache_path(messages)
    try:
        with np.load(path, allow_pickle=False) as arrays:
            return DomainClassifier.from_arrays(arrays)
    except (OSError, ValueError, KeyError):
        pass  # not saved yet (or unreadable): train
    classifier = train_domain(messages)
    if classifier.savable:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(f"{path.name}.{os.getpid()}.tmp.npz")
            np.savez(partial, **classifier.arrays())
            os.replace(partial, path)  # another process may be writing the same file
        except OSError:
            pass  # a read-only VAR_DIR: train again next time
    return classifier


def screener_get() -> Screener:
    """The screener for the current lexicon: files plus every approved UI change.

    Rebuilt only when an approval changes the set (one cheap aggregate query per call).
    """
    count, last, latest = _approved_state()
    key = f"{count}.{last}.{latest}"
    screener = _cache.get(key)
    if screener is None:
        with _lock:
            screener = _cache.get(key)
            if screener is None:
                changes = list(LexiconChange.objects.in_effect_order())
                suffix = f"+ui.{count}.{last}" if count else ""
                screener = Screener(
                    lexicon_build(changes, suffix),
                    classifier=cold_classifier(),
                    classifier_threshold=CLASSIFIER_THRESHOLD,
                    domain=domain_classifier(),
                    domain_threshold=DOMAIN_THRESHOLD,
                )
                _cache.clear()
                _cache[key] = screener
    return screener


# How many example messages of each kind a stored preview keeps (the counts are kept whole).
IMPACT_EXAMPLES_KEPT = 50
IMPACT_LISTS = ("newly_flagged_lawful", "newly_caught", "newly_passed", "newly_cleared_lawful")


@dataclass(frozen=True)
class ChangeImpact:
    """What a proposed lexicon change would do to the labelled collection messages Heed ships
    (every set but the held-out ones), lexicon layers only: the lawful messages it would newly
    stop (false positives), the violating ones it would newly stop, and — for an exception or a
    retirement — the violating ones it would let through and the lawful ones it would stop
    flagging. The lists hold examples (at most ``IMPACT_EXAMPLES_KEPT`` once stored); the
    counts are whole."""

    lawful: int
    violating: int
    newly_flagged_lawful: tuple[LabelledMessage, ...]
    newly_caught: tuple[LabelledMessage, ...]
    newly_passed: tuple[LabelledMessage, ...]
    newly_cleared_lawful: tuple[LabelledMessage, ...] = ()
    counts: dict[str, int] = field(default_factory=dict)

    def count(self, name: str) -> int:
        return self.counts.get(name, len(getattr(self, name)))

    @property
    def flagged_lawful_count(self) -> int:
        return self.count("newly_flagged_lawful")

    @property
    def caught_count(self) -> int:
        return self.count("newly_caught")

    @property
    def passed_count(self) -> int:
        return self.count("newly_passed")

    @property
    def cleared_lawful_count(self) -> int:
        return self.count("newly_cleared_lawful")

    def as_json(self) -> dict[str, Any]:
        """As a preview stores it: the counts and the first examples of each list."""
        return {
            "lawful": self.lawful,
            "violating": self.violating,
            **{
                name: {
                    "count": self.count(name),
                    "examples": [
                        {
                            "id": m.message_id,
                            "language": m.language,
                            "categories": sorted(m.categories),
                            "expected": m.expected,
                            "text": m.text,
                        }
                        for m in getattr(self, name)[:IMPACT_EXAMPLES_KEPT]
                    ],
                }
                for name in IMPACT_LISTS
            },
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ChangeImpact:
        def examples(name: str) -> tuple[LabelledMessage, ...]:
            return tuple(
                LabelledMessage(
                    item["id"],
                    item["language"],
                    frozenset(item["categories"]),
                    None,
                    item["expected"],
                    item["text"],
                )
                for item in data[name]["examples"]
            )

        return cls(
            lawful=data["lawful"],
            violating=data["violating"],
            newly_flagged_lawful=examples("newly_flagged_lawful"),
            newly_caught=examples("newly_caught"),
            newly_passed=examples("newly_passed"),
            newly_cleared_lawful=examples("newly_cleared_lawful"),
            counts={name: int(data[name]["count"]) for name in IMPACT_LISTS},
        )


_verdicts: dict[str, tuple[bool, ...]] = {}


def _flags(screener: Screener, messages: list[LabelledMessage]) -> tuple[bool, ...]:
    return tuple(
        screener.screen(m.text, language=m.language, facts=m.facts).verdict != PASS
        for m in messages
    )


def lexicon_change_impact(change: LexiconChange) -> ChangeImpact:
    """Screen the labelled messages with the approved lexicon, with and without ``change``
    (applied last). The first result is kept per approved state; each call screens the
    messages once more (seconds: previews are computed on demand and stored, see
    ``lexicon_impact_preview_get`` and ``services.lexicon_change_impact_preview``)."""
    messages = training_messages()
    approved = [c for c in LexiconChange.objects.in_effect_order() if c.pk != change.pk]
    key = ".".join(f"{c.pk}@{c.decided_at}" for c in approved)
    before = _verdicts.get(key)
    if before is None:
        before = _flags(Screener(lexicon_build(approved)), messages)
        with _lock:
            _verdicts.clear()
            _verdicts[key] = before
    after = _flags(Screener(lexicon_build([*approved, change])), messages)
    pairs = list(zip(messages, before, after, strict=True))
    return ChangeImpact(
        lawful=sum(1 for m in messages if not m.is_violating),
        violating=sum(1 for m in messages if m.is_violating),
        newly_flagged_lawful=tuple(m for m, b, a in pairs if not m.is_violating and a and not b),
        newly_caught=tuple(m for m, b, a in pairs if m.is_violating and a and not b),
        newly_passed=tuple(m for m, b, a in pairs if m.is_violating and b and not a),
        newly_cleared_lawful=tuple(m for m, b, a in pairs if not m.is_violating and b and not a),
    )


_examples_fingerprint: list[str] = []


def lexicon_state() -> str:
    """What an impact preview depends on besides the change: the active lexicon's version and
    content hash, its context rules and the example messages (they ship with the code, so
    their fingerprint is taken once per process)."""
    import hashlib

    lexicon = screener_get().lexicon
    if not _examples_fingerprint:
        digest = hashlib.sha256()
        for message in training_messages():
            digest.update(f"{message.message_id}|{message.expected}|{message.text}\n".encode())
        _examples_fingerprint.append(digest.hexdigest()[:12])
    rules = hashlib.sha256(
        "\n".join(
            f"{r.rule_id}|{r.kind}|{','.join(sorted(r.categories))}|{r.language}|"
            f"{'|'.join(r.markers)}"
            for r in lexicon.context_rules
        ).encode()
    ).hexdigest()[:8]
    return f"{lexicon.version}#{lexicon.content_hash}.{rules}.{_examples_fingerprint[0]}"


def lexicon_impact_preview_get(change: LexiconChange, state: str) -> ChangeImpact | None:
    """The stored preview of ``change`` for the lexicon state ``state``, if one was computed."""
    preview = LexiconImpactPreview.objects.filter(change=change, lexicon_state=state).first()
    return ChangeImpact.from_json(preview.impact) if preview is not None else None


def lexicon_preview_before_decision(change: LexiconChange) -> LexiconImpactPreview | None:
    """A decided (or withdrawn) change's last preview computed before the decision: what its
    approver or rejecter saw. A preview computed now would measure a lexicon that already
    includes the change (or has moved on), so none is computed after the decision."""
    cutoff = change.decided_at or change.withdrawn_at
    previews = LexiconImpactPreview.objects.filter(change=change)
    if cutoff is not None:
        previews = previews.filter(computed_at__lte=cutoff)
    return previews.order_by("-computed_at", "-id").first()


def lexicon_impact_previews(changes: list[LexiconChange], state: str) -> dict[int, ChangeImpact]:
    """The stored previews of ``changes`` for ``state`` (one query), by change id."""
    return {
        preview.change_id: ChangeImpact.from_json(preview.impact)
        for preview in LexiconImpactPreview.objects.filter(change__in=changes, lexicon_state=state)
    }


def _status_tokens(value: str) -> set[str]:
    return {token for token in value.lower().replace(",", " ").replace(";", " ").split() if token}


def account_facts(account: Any, *, today: datetime.date | None = None) -> AccountFacts:
    """Facts for the gated categories from a portfolio account.

    ``litigation_status`` is free text on the account; these tokens count (any order):
    ``approved``, ``filed``, ``judgment``, ``lawyer`` (a lawyer is instructed), ``fees``
    (the contract provides the fees named), ``bureau`` (the creditor reports to credit bureaus).
    An account in status ``legal`` counts as litigation approved. ``time_barred_on`` on or
    before today makes the debt time-barred.
    """
    today = today or timezone.localdate()
    tokens = _status_tokens(getattr(account, "litigation_status", "") or "")
    barred_on = getattr(account, "time_barred_on", None)
    filed = bool(tokens & {"filed", "judgment"})
    creditor = getattr(account, "creditor", None)
    return AccountFacts(
        litigation_approved=filed
        or "approved" in tokens
        or getattr(account, "status", "") == "legal",
        litigation_filed=filed,
        judgment_obtained="judgment" in tokens,
        time_barred=barred_on is not None and barred_on <= today,
        lawyer_instructed=bool(tokens & {"lawyer", "attorney"})
        or bool(getattr(account, "lawyer_instructed", False)),
        fees_in_contract="fees" in tokens or bool(getattr(account, "fees_in_contract", False)),
        reports_to_credit_bureau="bureau" in tokens
        or bool(getattr(creditor, "reports_to_credit_bureau", False)),
    )


def lexicon_change_list() -> LexiconChangeQuerySet:
    return LexiconChange.objects.select_related("proposed_by", "decided_by")


def lexicon_change_get(pk: Any) -> LexiconChange:
    from heed.core.errors import NotFound

    change = lexicon_change_list().filter(pk=pk).first()
    if change is None:
        raise NotFound()
    return change


def template_list() -> list[MessageTemplate]:
    return list(MessageTemplate.objects.prefetch_related("versions"))


def template_get(pk: Any) -> MessageTemplate:
    from heed.core.errors import NotFound

    template = MessageTemplate.objects.filter(pk=pk).first()
    if template is None:
        raise NotFound()
    return template


def template_version_get(pk: Any) -> TemplateVersion:
    from heed.core.errors import NotFound

    version = TemplateVersion.objects.select_related("template").filter(pk=pk).first()
    if version is None:
        raise NotFound()
    return version


def usable_template_versions(channel: str | None = None) -> list[TemplateVersion]:
    versions = TemplateVersion.objects.filter(status=TemplateVersion.Status.APPROVED)
    if channel is not None:
        versions = versions.filter(template__channel=channel)
    return list(versions.select_related("template").order_by("template__code"))


def check_contact_points(user: Any, account_id: Any) -> list[Any]:
    """The contact points the check page offers for ``account_id``: its debtor's, if the account
    is in the user's scope (none for a missing account and for one not theirs alike)."""
    from heed.core.errors import NotFound
    from heed.portfolio.selectors import account_get_for_user, debtor_contact_points

    if not str(account_id or "").isdigit():
        return []
    try:
        account = account_get_for_user(user, int(str(account_id)))
    except NotFound:
        return []
    return list(debtor_contact_points(account.debtor).order_by("pk"))


def outgoing_for_account(account: Any) -> Any:
    return OutgoingMessage.objects.filter(account=account).select_related(
        "template_version__template", "sent_by", "reviewed_by"
    )


def _reviewable_messages(user: Any) -> Any:
    """Messages on accounts the user may see, if the user reviews messages (else none)."""
    from heed.core.roles import has_permission
    from heed.portfolio.models import Account

    if not getattr(user, "is_authenticated", False) or not has_permission(user, "messages.review"):
        return OutgoingMessage.objects.none()
    return OutgoingMessage.objects.filter(
        account_id__in=Account.objects.for_user(user).values("pk")
    ).select_related("account", "contact_point", "template_version__template", "sent_by")


def held_messages_for_user(user: Any) -> Any:
    """The review queue: messages waiting for review on accounts the user may see, oldest
    first."""
    return (
        _reviewable_messages(user)
        .filter(status=OutgoingMessage.Status.HELD_REVIEW)
        .order_by("created_at", "id")
    )


def held_message_get_for_user(user: Any, pk: Any) -> OutgoingMessage:
    """A message the user may review (held or already decided: deciding it again is a conflict),
    or 404 — the same for missing and not yours."""
    from heed.core.scoping import get_scoped_or_404

    return get_scoped_or_404(_reviewable_messages(user), pk)


MESSAGE_LOG_PERMISSIONS = ("messages.send", "messages.review", "compliance.view")


def can_see_message_log(user: Any) -> bool:
    from heed.core.roles import has_permission

    return getattr(user, "is_authenticated", False) and any(
        has_permission(user, permission) for permission in MESSAGE_LOG_PERMISSIONS
    )


# A message-log filter: every message that did not go out (held, stopped, refused, failed).
NOT_SENT = "not_sent"


def messages_for_user(
    user: Any, *, status: str = "", mine: bool = False, account_ref: str = ""
) -> Any:
    """Messages on accounts the user may see, newest first: what was sent, stopped, held and
    how the review ended. ``mine``: only the user's own; ``status``: one status."""
    from heed.portfolio.models import Account

    if not can_see_message_log(user):
        return OutgoingMessage.objects.none()
    messages = OutgoingMessage.objects.filter(
        account_id__in=Account.objects.for_user(user).values("pk")
    )
    if status == NOT_SENT:
        messages = messages.exclude(status=OutgoingMessage.Status.SENT)
    elif status:
        messages = messages.filter(status=status)
    if mine:
        messages = messages.filter(sent_by=user)
    if account_ref:
        messages = messages.filter(account__external_ref=account_ref.strip())
    return messages.select_related(
        "account", "template_version__template", "sent_by", "reviewed_by"
    ).order_by("-created_at", "-id")


# --- Print runs ---------------------------------------------------------------------------------


def letter_runs_for_user(user: Any) -> Any:
    """The print runs ``user`` started. Only the person who started a run sees it (its page, its
    status through the API, its PDF): the PDF prints debtors' names and full addresses."""
    from heed.tasks.models import TaskRun

    if not getattr(user, "is_authenticated", False):
        return TaskRun.objects.none()
    return TaskRun.objects.filter(kind=LETTER_BATCH_KIND, created_by_id=user.pk)


def letter_run_get_for_user(user: Any, pk: Any) -> Any:
    """One print run of ``user``'s, or NotFound — the same for missing and not yours."""
    from heed.core.scoping import get_scoped_or_404

    return get_scoped_or_404(letter_runs_for_user(user), pk)
