"""Writes: lexicon changes (propose an addition or a retirement → approve/reject by a second
person, or withdraw by the proposer; impact previews stored per lexicon state), and screening a
text for a user (reads the account through portfolio's scoped selector)."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from heed.audit.services import record
from heed.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied
from heed.screening import letters, lexicon_checks, lexicon_entries, outgoing, selectors
from heed.screening.adapters import Outbound, adapter_get
from heed.screening.engine import conversation
from heed.screening.engine.conversation import Conversation, Earlier
from heed.screening.engine.lexicon import (
    CATEGORY_CODES,
    LANGUAGES,
    SYMBOL_PHRASE_MAX,
    LexiconError,
    is_symbol_phrase,
    validate_entry,
)
from heed.screening.engine.screener import CHANNELS, Result
from heed.screening.models import (
    LETTER_BATCH_KIND,
    PHRASE_MAX_LENGTH,
    LexiconChange,
    LexiconImpactPreview,
    MessageTemplate,
    OutgoingMessage,
    TemplateVersion,
)
from heed.screening.patterns import pattern_problem
from heed.screening.selectors import ChangeImpact

MAX_TEXT_LENGTH = 100_000
# Templates: as the model stores them (a slug code).
TEMPLATE_CODE = re.compile(r"[-a-zA-Z0-9_]+")
TEMPLATE_CODE_MAX_LENGTH = 60
TEMPLATE_NAME_MAX_LENGTH = 200
SUBJECT_MAX_LENGTH = 200
REQUEST_KEY_MAX_LENGTH = 64
# A message's language → the locale its filled-in values are written in.
MESSAGE_LOCALES: dict[str, str] = {"zh": "zh-hans", "en": "en"}


def screen_text(
    *,
    actor: Any,
    text: str,
    language: str | None = None,
    channel: str | None = None,
    account_id: Any = None,
) -> Result:
    """Screen ``text``; with ``account_id`` the gated categories are decided from that account's
    facts (looked up within the actor's scope: the same 404 for missing and not yours)."""
    _check_screenable(text, language=language, channel=channel)
    facts = None
    if account_id not in (None, ""):
        facts = selectors.account_facts(_account_in_scope(actor, account_id))
    return selectors.screener_get().screen(
        text, language=language or None, channel=channel or None, facts=facts
    )


def check_screen(
    *,
    actor: Any,
    text: str,
    language: str | None = None,
    channel: str | None = None,
    account_id: Any = None,
    contact_point_id: Any = None,
) -> Conversation:
    """:func:`screen_text` for the check API. With ``contact_point_id`` (and ``account_id`` and
    a message channel) the text is screened as sending it there would decide: on the account's
    facts and run on after the messages just sent to that contact point on that channel (the
    conversation window of :func:`_conversation`); each finding then says which earlier
    messages it arises with. The contact point must be one of the account's debtor's (the
    account looked up within the actor's scope): the same field error for "no such contact
    point" and "not yours"."""
    if contact_point_id in (None, ""):
        return conversation.alone(
            screen_text(
                actor=actor, text=text, language=language, channel=channel, account_id=account_id
            )
        )
    _check_screenable(text, language=language, channel=channel)
    errors: dict[str, list[str]] = {}
    if account_id in (None, ""):
        errors["account"] = [
            _("Required with a contact point: its messages on this account are screened with it.")
        ]
    if channel not in outgoing.TEMPLATE_CHANNELS:
        errors["channel"] = [
            _("With a contact point, give the message channel: %(channels)s.")
            % {"channels": ", ".join(outgoing.TEMPLATE_CHANNELS)}
        ]
    if errors:
        raise ApplicationError(
            _("The text cannot be screened."), "invalid", fields=errors, status=422
        )
    account = _account_in_scope(actor, account_id)
    point = _debtor_contact_point(account, contact_point_id)
    if point is None:
        raise ApplicationError(
            _("The text cannot be screened."),
            "invalid",
            fields={"contact_point": [_("Not a contact point of this account's debtor.")]},
            status=422,
        )
    return _screen_as_sent(
        text, account=account, contact_point=point, channel=channel, language=language
    )


def draft_screen(
    *,
    actor: Any,
    text: str,
    account_id: Any,
    contact_point_id: Any = None,
    channel: str | None = None,
) -> Conversation:
    """Screen a free text typed in an account's compose box as sending it will decide: on the
    account's facts (looked up within the actor's scope) and, once the contact point and the
    channel are chosen, run on after the messages just sent there (the conversation window of
    :func:`_conversation`). Each finding says which earlier messages it arises with."""
    _check_screenable(text, language=None, channel=channel)
    account = _account_in_scope(actor, account_id)
    # Until both are chosen (or for a contact point not of this account's debtor) the draft is
    # screened alone, on the account's facts.
    point = (
        _debtor_contact_point(account, contact_point_id)
        if channel in outgoing.TEMPLATE_CHANNELS
        else None
    )
    return _screen_as_sent(
        text, account=account, contact_point=point, channel=channel, language=None
    )


def _debtor_contact_point(account: Any, contact_point_id: Any) -> Any:
    """The contact point ``contact_point_id`` if it is one of ``account``'s debtor's, else None
    (the same for "no such contact point" and "another debtor's")."""
    if not str(contact_point_id or "").isdigit():
        return None
    from heed.portfolio.selectors import debtor_contact_points

    return debtor_contact_points(account.debtor).filter(pk=int(str(contact_point_id))).first()


def _screen_as_sent(
    text: str, *, account: Any, contact_point: Any, channel: str | None, language: str | None
) -> Conversation:
    """``text`` screened on ``account``'s facts and, with a ``contact_point`` (of the account's
    debtor) and a message ``channel``, run on after the messages just sent there (the
    conversation window of :func:`_conversation`) unless it is blocked alone: as sending it
    there would decide. The check API, the check page and the compose box ask this."""
    facts = selectors.account_facts(account)
    result = selectors.screener_get().screen(
        text, language=language or None, channel=channel or None, facts=facts
    )
    if (
        result.verdict == "block"
        or contact_point is None
        or channel not in outgoing.TEMPLATE_CHANNELS
    ):
        return conversation.alone(result)
    return _conversation(
        result,
        text,
        account=account,
        contact_point=contact_point,
        channel=str(channel),
        language=language or None,
        facts=facts,
    )


def _check_screenable(text: str, *, language: str | None, channel: str | None) -> None:
    errors: dict[str, list[str]] = {}
    if not text.strip():
        # As the web form: an empty or blank text is not "pass", it is missing.
        errors["text"] = [_("This field is required.")]
    elif len(text) > MAX_TEXT_LENGTH:
        errors["text"] = [_("At most %(count)d characters.") % {"count": MAX_TEXT_LENGTH}]
    if language not in (None, "", "zh", "en"):
        errors["language"] = [_("Use zh or en, or leave it out to detect.")]
    if channel not in (None, "") and channel not in CHANNELS:
        errors["channel"] = [_("Unknown channel.")]
    if errors:
        raise ApplicationError(
            _("The text cannot be screened."), "invalid", fields=errors, status=422
        )


def _account_in_scope(actor: Any, account_id: Any) -> Any:
    from heed.portfolio.selectors import account_get_for_user

    try:
        return account_get_for_user(actor, account_id)
    except NotFound:
        # The same answer for "does not exist" and "not yours", on the field it came from.
        message = _("No such account in your scope.")
        raise ApplicationError(
            message, "not_found", fields={"account": [message]}, status=404
        ) from None


def _pattern_errors(pattern: str, language: str) -> list[str]:
    """Why ``pattern`` cannot go into the lexicon (translated), or nothing: it does not parse,
    could run too long, can match nothing, or can never match the view of ``language`` it runs
    on (upper case, traditional characters, abbreviations the view writes out …)."""
    problem = pattern_problem(pattern)
    if problem is None:
        view = lexicon_checks.view_error(pattern, language) if language in ("zh", "en") else None
        return [view] if view else []
    if problem.code == "syntax":
        reason = lexicon_checks.regex_error_text(problem.reason)
        if problem.position is None:
            return [_("Not a valid pattern: %(reason)s.") % {"reason": reason}]
        return [
            _("Not a valid pattern: %(reason)s (at position %(position)d).")
            % {"reason": reason, "position": problem.position}
        ]
    if problem.code == "backtracking":
        return [
            _(
                "This pattern could take very long to run: a repeat (*, +, {n,}) contains "
                "another open-ended repeat or alternatives, or two open-ended repeats can "
                "take the same characters. Bound the repeats (e.g. .{0,20}) or make the parts "
                "exclusive."
            )
        ]
    if problem.code == "long_run":
        return [
            _(
                "This pattern slows down on long texts: an open-ended repeat (*, +, {n,}) of "
                "single characters can be entered from many places of a long run of those "
                "characters, and each is walked to the end. Bound the repeat (e.g. [a-z]{1,20}), "
                "or put before it a character it cannot take, or a word boundary (\\b) if it "
                "takes only letters and digits."
            )
        ]
    return [_("The pattern must match at least one character; it can match nothing.")]


def _validate_change(
    *,
    kind: str,
    language: str,
    phrase: str,
    category: str,
    gate: str,
    confidence: float,
    exception_categories: str,
) -> None:
    """Each problem on the field it belongs to, in the user's language. Patterns that can match
    nothing, never match the view they run on, or backtrack catastrophically are refused here,
    before they are stored (and before the impact preview or an approval could run them); a
    gate only where the category can be lawful (engine.lexicon.CATEGORY_GATES); a phrase in the
    language it is written in."""
    from heed.screening.engine.lexicon import LANGUAGES, Entry, normalised_key

    fields: dict[str, list[str]] = {}
    if kind not in LexiconChange.Kind.values:
        fields["kind"] = [_("Unknown kind.")]
    if language not in LANGUAGES:
        fields["language"] = [_("Use zh or en.")]
    wrong = (
        lexicon_checks.language_error(phrase, language)
        if kind in (LexiconChange.Kind.PHRASE, LexiconChange.Kind.EXCEPTION)
        and phrase
        and language in LANGUAGES
        else None
    )
    if wrong:
        fields["language"] = [wrong]
    if kind == LexiconChange.Kind.EXCEPTION:
        unknown = [c for c in exception_categories.split(",") if c and c not in CATEGORY_CODES]
        if unknown:
            fields["exception_categories"] = [
                _("Unknown category: %(codes)s") % {"codes": ", ".join(unknown)}
            ]
        if (
            language in LANGUAGES
            and "language" not in fields
            and not normalised_key(phrase, language)[0]
        ):
            fields["phrase"] = [_("The phrase is empty after normalisation.")]
    elif kind in LexiconChange.Kind.values:
        if not category:
            fields["category"] = [_("Choose a category.")]
        elif category not in CATEGORY_CODES:
            fields["category"] = [_("Unknown category: %(codes)s") % {"codes": category}]
        elif gate_wrong := lexicon_checks.gate_error(category, gate):
            fields["gate"] = [gate_wrong]
        if not 0 < confidence <= 1:
            fields["confidence"] = [_("Between 0 and 1.")]
        if not phrase:
            fields["phrase"] = [_("This field is required.")]
        elif kind == LexiconChange.Kind.PATTERN:
            if errors := _pattern_errors(phrase, language):
                fields["phrase"] = errors
        elif is_symbol_phrase(phrase):
            # Emoji only: matched in the original text (engine.lexicon.Entry.is_symbol).
            if len(phrase.replace("\ufe0f", "")) > SYMBOL_PHRASE_MAX:
                fields["phrase"] = [
                    _("A phrase of symbols only has at most %(count)d characters.")
                    % {"count": SYMBOL_PHRASE_MAX}
                ]
        elif (
            language in LANGUAGES
            and "language" not in fields
            and not normalised_key(phrase, language)[0]
        ):
            fields["phrase"] = [_("The phrase is empty after normalisation.")]
        if not fields:
            try:  # the engine's own rules, in case they ask more than the checks above
                validate_entry(
                    Entry(category, language, phrase, gate, confidence, "", kind == "pattern")
                )
            except LexiconError:
                fields["phrase"] = [_("This entry is not valid for the lexicon.")]
    if fields:
        raise ApplicationError(_("The change is not valid."), "invalid", fields=fields)


def _source_name(source: str) -> str:
    """Where a lexicon entry comes from, in words: a file and line, or an approved change."""
    if source.startswith("ui:"):
        return _("approved change #%(number)s") % {"number": source[3:]}
    name, _colon, line = source.rpartition(":")
    if not name:
        return source
    return _("lexicon file %(file)s, line %(line)s") % {"file": name, "line": line}


def _existing_entries(kind: str, language: str, phrase: str) -> list[Any]:
    """The lexicon's entries (files and approved changes) the screener matches under the same
    key as this phrase or pattern."""
    from heed.screening.engine.lexicon import normalised_key

    lexicon = selectors.screener_get().lexicon
    if kind == LexiconChange.Kind.PATTERN:
        return [e for _p, e in lexicon.patterns if e.language == language and e.phrase == phrase]
    key, prefix, suffix = normalised_key(phrase, language)
    automaton = lexicon.cjk if language == "zh" else lexicon.latin
    compiled = automaton.get(key, ()) if len(automaton) else ()
    return [c.entry for c in compiled if (c.prefix, c.suffix) == (prefix, suffix)]


def _same_reading_entry(phrase: str, category: str) -> Any:
    """A Chinese phrase of the lexicon in another category than ``category`` that reads as
    ``phrase`` (the pinyin of the normalised keys, as the screener's pinyin view matches them:
    老lai and 老赖 both read laolai, so a text with either fires both), or None."""
    from heed.screening.engine.lexicon import normalised_key
    from heed.screening.engine.normalize import is_cjk, phrase_pinyin

    def read_by_pinyin(text: str) -> bool:
        # Only these keys are in the screener's pinyin automaton (engine.lexicon.Lexicon).
        return len(text) >= 2 and all(is_cjk(char) for char in text)

    key = normalised_key(phrase, "zh")[0]
    if not key:
        return None
    reading = phrase_pinyin(key)
    for entry in selectors.screener_get().lexicon.entries:
        if entry.is_pattern or entry.language != "zh" or entry.category == category:
            continue
        other = normalised_key(entry.phrase, "zh")[0]
        if other == key or (
            (read_by_pinyin(key) or read_by_pinyin(other)) and phrase_pinyin(other) == reading
        ):
            return entry
    return None


def _existing_exception(language: str, phrase: str, categories: str) -> Any:
    from heed.screening.engine.lexicon import normalised_key

    lexicon = selectors.screener_get().lexicon
    key = normalised_key(phrase, language)[0]
    wanted = frozenset(c for c in categories.split(",") if c)
    view = "zh" if language == "zh" else "en"
    automaton = lexicon.exception_automata[view]
    for number, _length in automaton.get(key, ()) if len(automaton) else ():
        exception = lexicon.exceptions[number]
        if exception.language == language and exception.categories == wanted:
            return exception
    return None


def _refuse_duplicate(message: str) -> None:
    raise ApplicationError(
        _("The change is not valid."), "duplicate", fields={"phrase": [message]}, status=409
    )


def _pending_message(change: LexiconChange) -> str:
    return _(
        "A change to the same phrase is already waiting for approval: %(phrase)s "
        "(%(category)s, proposed by %(user)s on %(date)s). It must be decided first."
    ) % {
        "phrase": change.phrase,
        "category": (
            lexicon_checks.category_name(change.category)
            if change.category
            else change.exception_categories or _("all categories")
        ),
        "user": change.proposed_by,
        "date": timezone.localtime(change.proposed_at).strftime("%Y-%m-%d %H:%M"),
    }


def _check_not_duplicate(
    *,
    kind: str,
    language: str,
    phrase: str,
    category: str,
    gate: str,
    exception_categories: str,
    against_pending: bool = True,
) -> None:
    """Refuse a change the lexicon already has, or one that would contradict it.

    - one pending change per kind, language and key (``match_key``; a double click or two
      officers at once; the database enforces it for new rows);
    - a phrase or pattern already in the lexicon (files or approved changes) with the same
      category and gate is a duplicate; under another gate of its category, or under another
      category, it would contradict the entry (one phrase, one category: 老赖 is P3, a P1 老赖
      would report an insult as a threat of violence). Moving an entry means changing it;
    - an exception the lexicon already has for the same categories."""
    key = lexicon_checks.match_key(kind, language, phrase)
    pending = LexiconChange.objects.pending().filter(kind=kind, language=language)
    for change in pending.select_related("proposed_by").order_by("id") if against_pending else ():
        if lexicon_checks.match_key(kind, language, change.phrase) == key:
            _refuse_duplicate(_pending_message(change))
    if kind == LexiconChange.Kind.EXCEPTION:
        exception = _existing_exception(language, phrase, exception_categories)
        if exception is not None:
            _refuse_duplicate(
                _("This exception is already in the lexicon (%(source)s).")
                % {"source": _source_name(exception.source)}
            )
        return
    from heed.screening.engine.lexicon import DEFAULT_GATES

    wanted_gate = gate or DEFAULT_GATES.get(category, "never")
    for entry in _existing_entries(kind, language, phrase):
        values = {
            "category": lexicon_checks.category_name(entry.category),
            "gate": lexicon_checks.gate_name(entry.effective_gate),
            "source": _source_name(entry.source),
        }
        if entry.category != category:
            _refuse_duplicate(
                _(
                    "This is already in the lexicon under %(category)s (%(source)s). A phrase "
                    "has one category: to move it, that entry must be changed."
                )
                % values
            )
        if entry.effective_gate != wanted_gate:
            _refuse_duplicate(
                _(
                    "This is already in the lexicon under %(category)s with the gate "
                    "“%(gate)s” (%(source)s); a second entry with another gate would "
                    "contradict it."
                )
                % values
            )
        _refuse_duplicate(
            _("This is already in the lexicon under %(category)s (%(source)s).") % values
        )
    if kind == LexiconChange.Kind.PHRASE and language == "zh":
        same = _same_reading_entry(phrase, category)
        if same is not None:
            _refuse_duplicate(
                _(
                    "%(phrase)s reads the same as %(existing)s, already in the lexicon under "
                    "%(category)s (%(source)s): the screener matches either spelling as the "
                    "other, so both would fire. A phrase has one category: to move it, that "
                    "entry must be changed."
                )
                % {
                    "phrase": phrase,
                    "existing": same.phrase,
                    "category": lexicon_checks.category_name(same.category),
                    "source": _source_name(same.source),
                }
            )


@transaction.atomic
def lexicon_change_propose(
    *,
    actor: Any,
    kind: str,
    language: str,
    phrase: str,
    reason: str,
    category: str = "",
    gate: str = "",
    confidence: float = 0.95,
    exception_categories: str = "",
) -> LexiconChange:
    """Propose a phrase, pattern or exception. It has no effect until a second person approves."""
    phrase = phrase.strip()
    exception_categories = ",".join(
        c.strip().upper() for c in exception_categories.split(",") if c.strip()
    )
    if kind == LexiconChange.Kind.EXCEPTION:
        category, gate = "", ""
    _validate_change(
        kind=kind,
        language=language,
        phrase=phrase,
        category=category,
        gate=gate,
        confidence=confidence,
        exception_categories=exception_categories,
    )
    if not reason.strip():
        raise ApplicationError(
            _("Say why."), "invalid", fields={"reason": [_("A reason is required.")]}
        )
    _check_not_duplicate(
        kind=kind,
        language=language,
        phrase=phrase,
        category=category,
        gate=gate,
        exception_categories=exception_categories,
    )
    key = lexicon_checks.match_key(kind, language, phrase)
    try:
        with transaction.atomic():
            change = LexiconChange.objects.create(
                kind=kind,
                language=language,
                phrase=phrase,
                match_key=key,
                category=category,
                gate=gate,
                confidence=confidence,
                exception_categories=exception_categories,
                reason=reason.strip(),
                proposed_by=actor,
            )
    except IntegrityError:
        # The same change proposed at the same moment (a double click): the unique constraint
        # on pending changes let the first one in.
        existing = (
            LexiconChange.objects.pending()
            .filter(kind=kind, language=language, match_key=key)
            .select_related("proposed_by")
            .first()
        )
        if existing is None:
            raise
        _refuse_duplicate(_pending_message(existing))
    record(
        action="screening.lexicon_proposed",
        actor=actor,
        target=change,
        changes={
            "kind": kind,
            "language": language,
            "phrase": phrase,
            "category": category,
            "gate": gate,
            "confidence": confidence,
            "exception_categories": exception_categories,
        },
        reason=change.reason,
    )
    return change


def _decide(
    *,
    actor: Any,
    change: LexiconChange,
    status: str,
    note: str,
    check: Callable[[LexiconChange], None] | None = None,
) -> LexiconChange:
    locked = LexiconChange.objects.select_for_update().get(pk=change.pk)
    if locked.status == LexiconChange.Status.WITHDRAWN:
        raise Conflict(
            _("This change was withdrawn by the person who proposed it; it cannot be decided."),
            "withdrawn",
        )
    if not locked.is_pending:
        raise Conflict(_("This change has already been decided."), "already_decided")
    if locked.proposed_by_id == getattr(actor, "pk", None):
        raise ApplicationError(
            _("A second person must decide: you proposed this change."),
            "four_eyes",
            status=403,
        )
    if check is not None:
        check(locked)
    if (
        status == LexiconChange.Status.APPROVED
        and locked.is_retirement
        and not lexicon_entries.live_rows_for_key(
            kind=locked.kind,
            language=locked.language,
            phrase=locked.phrase,
            category=locked.category,
        )
    ):
        raise Conflict(
            _("The entry this change retires is no longer in the lexicon."), "not_in_lexicon"
        )
    locked.status = status
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.decision_note = note.strip()
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    record(
        action=f"screening.lexicon_{status}",
        actor=actor,
        target=locked,
        changes={"status": [LexiconChange.Status.PROPOSED, status], "action": locked.action},
        reason=locked.decision_note,
    )
    return locked


def _check_still_valid(change: LexiconChange) -> None:
    """A pending addition checked again as a new proposal would be, against the lexicon (not
    against other pending changes: of two duplicates stored before the check, the first one
    approved is then in the lexicon and the second is refused). A retirement is checked in
    :func:`_decide` (its entry must still be live)."""
    if change.is_retirement:
        return
    _validate_change(
        kind=change.kind,
        language=change.language,
        phrase=change.phrase,
        category=change.category,
        gate=change.gate,
        confidence=change.confidence,
        exception_categories=change.exception_categories,
    )
    _check_not_duplicate(
        kind=change.kind,
        language=change.language,
        phrase=change.phrase,
        category=change.category,
        gate=change.gate,
        exception_categories=change.exception_categories,
        against_pending=False,
    )


@transaction.atomic
def lexicon_change_approve(*, actor: Any, change: LexiconChange, note: str = "") -> LexiconChange:
    """Four-eyes: the approver must not be the proposer. From now on the screener uses it (an
    addition takes effect, a retirement takes its entry out); the lexicon's version names the
    new set of approved changes (``+ui.<count>.<last id>``).

    An addition is checked again as a new proposal would be: one proposed before a rule existed
    (a gate on an "always" category, a pattern that never matches) or that the lexicon has
    gained meanwhile cannot be approved; it can be rejected."""
    return _decide(
        actor=actor,
        change=change,
        status=LexiconChange.Status.APPROVED,
        note=note,
        check=_check_still_valid,
    )


@transaction.atomic
def lexicon_change_reject(*, actor: Any, change: LexiconChange, note: str = "") -> LexiconChange:
    """Four-eyes, with a reason: the note says why (it is shown with the decided changes and
    kept in the audit event)."""
    if not note.strip():
        raise ApplicationError(
            _("Say why the change is rejected."),
            "invalid",
            fields={"note": [_("A reason is required.")]},
        )
    return _decide(actor=actor, change=change, status=LexiconChange.Status.REJECTED, note=note)


@transaction.atomic
def lexicon_change_withdraw(*, actor: Any, change: LexiconChange, note: str = "") -> LexiconChange:
    """The proposer (only) takes back their own pending change: it leaves the queue and can no
    longer be decided. Audited."""
    _require(actor, "compliance.manage")
    locked = LexiconChange.objects.select_for_update().get(pk=change.pk)
    if locked.proposed_by_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("Only the person who proposed a change can withdraw it."))
    if locked.status == LexiconChange.Status.WITHDRAWN:
        raise Conflict(_("This change has already been withdrawn."), "withdrawn")
    if not locked.is_pending:
        raise Conflict(_("This change has already been decided."), "already_decided")
    locked.status = LexiconChange.Status.WITHDRAWN
    locked.withdrawn_at = timezone.now()
    locked.decision_note = note.strip()[:500]
    locked.save(update_fields=["status", "withdrawn_at", "decision_note"])
    record(
        action="screening.lexicon_withdrawn",
        actor=actor,
        target=locked,
        changes={
            "status": [LexiconChange.Status.PROPOSED, LexiconChange.Status.WITHDRAWN],
            "action": locked.action,
        },
        reason=locked.decision_note,
    )
    return locked


@transaction.atomic
def lexicon_retirement_propose(
    *,
    actor: Any,
    kind: str,
    language: str,
    phrase: str,
    reason: str,
    category: str = "",
) -> LexiconChange:
    """Propose retiring a phrase or pattern (named by kind, language, category and the phrase as
    written) or an exception (by language and phrase): once a second person approves, every
    live line with these values — in the files or added in the UI — stops taking effect. The
    files are not changed; the retirement lives in the database until a file edit removes the
    lines. Refused: context rules (a file edit changes them), an entry that is not in the
    lexicon or is already retired, and a second retirement of one entry while one waits."""
    _require(actor, "compliance.manage")
    fields: dict[str, list[str]] = {}
    if kind not in lexicon_entries.RETIRABLE_KINDS:
        fields["kind"] = [_("Only phrases, patterns and exceptions can be retired here.")]
    if language not in LANGUAGES:
        fields["language"] = [_("Use zh or en.")]
    if kind == LexiconChange.Kind.EXCEPTION:
        category = ""
    elif category not in CATEGORY_CODES:
        fields["category"] = [_("Choose a category.")]
    if not phrase:
        fields["phrase"] = [_("This field is required.")]
    elif len(phrase) > PHRASE_MAX_LENGTH:
        fields["phrase"] = [_("At most %(limit)d characters.") % {"limit": PHRASE_MAX_LENGTH}]
    if not reason.strip():
        fields["reason"] = [_("A reason is required.")]
    if fields:
        raise ApplicationError(_("The retirement is not valid."), "invalid", fields=fields)
    same = {"kind": kind, "language": language, "category": category, "phrase": phrase}
    rows = lexicon_entries.live_rows_for_key(**same)
    retirements = LexiconChange.objects.filter(action=LexiconChange.Action.RETIRE, **same)
    if not rows:
        if retirements.approved().exists():
            raise Conflict(_("This entry is already retired."), "already_retired")
        raise ApplicationError(
            _("No entry of the lexicon has these values."),
            "not_in_lexicon",
            fields={"phrase": [_("Not in the lexicon.")]},
            status=404,
        )
    waiting = retirements.pending().first()
    if waiting is not None:
        raise Conflict(
            _("A retirement of this entry is already waiting for approval (change #%(id)d).")
            % {"id": waiting.pk},
            "retirement_pending",
        )
    first = rows[0]
    try:
        with transaction.atomic():
            change = LexiconChange.objects.create(
                action=LexiconChange.Action.RETIRE,
                **same,
                exception_categories=",".join(first.categories) if kind == "exception" else "",
                gate=first.gate,
                confidence=first.confidence if first.confidence is not None else 0.95,
                reason=reason.strip(),
                proposed_by=actor,
                retired_source=", ".join(row.source for row in rows)[:500],
            )
    except IntegrityError:  # another officer's retirement of it was stored first
        raise Conflict(
            _("A retirement of this entry is already waiting for approval."),
            "retirement_pending",
        ) from None
    record(
        action="screening.lexicon_retirement_proposed",
        actor=actor,
        target=change,
        changes={**same, "retired_lines": [row.source for row in rows]},
        reason=change.reason,
    )
    return change


_preview_lock = threading.Lock()


def lexicon_change_impact_preview(*, actor: Any, change: LexiconChange) -> ChangeImpact | None:
    """The change's impact preview for the current lexicon state: the stored one, else — for a
    pending change and a compliance officer (``compliance.manage``) — computed now (seconds),
    stored and returned. A decided change gets the preview computed before its decision.
    Anyone else gets None: read-only roles see stored previews but never start the work. One
    preview is computed at a time per process; a request for one being computed waits, then
    reads it. A preview is stored only if no approval changed the lexicon meanwhile."""
    from heed.core.roles import has_permission

    if not change.is_pending:
        # Decided or withdrawn: the preview seen before the decision, never a new one.
        before = selectors.lexicon_preview_before_decision(change)
        return ChangeImpact.from_json(before.impact) if before is not None else None
    state = selectors.lexicon_state()
    stored = selectors.lexicon_impact_preview_get(change, state)
    if stored is not None or not has_permission(actor, "compliance.manage"):
        return stored
    with _preview_lock:
        stored = selectors.lexicon_impact_preview_get(change, state)
        if stored is not None:
            return stored
        impact = selectors.lexicon_change_impact(change)
        if selectors.lexicon_state() == state:
            try:
                with transaction.atomic():
                    LexiconImpactPreview.objects.create(
                        change=change,
                        lexicon_state=state,
                        impact=impact.as_json(),
                        computed_by=actor,
                    )
            except IntegrityError:
                pass  # another process stored it first: the same result
    return impact


# --- Message templates (four-eyes) and sending -------------------------------------------------


def _require(actor: Any, permission: str) -> None:
    from heed.core.errors import PermissionDenied
    from heed.core.roles import has_permission

    if not has_permission(actor, permission):
        raise PermissionDenied()


def _screen_template(body: str, subject: str, language: str, channel: str) -> Result:
    sample = outgoing.render(f"{subject}\n{body}" if subject else body, outgoing.SAMPLE_VALUES)
    return selectors.screener_get().screen(sample, language=language, channel=channel)


def _new_version(
    *, actor: Any, template: MessageTemplate, number: int, subject: str, body: str
) -> TemplateVersion:
    problems = outgoing.template_problems(
        body=body,
        subject=subject,
        channel=template.channel,
        audience=template.audience,
        region=template.region,
    )
    if not body.strip():
        problems = {"body": [_("Write the template's text.")]}
    if len(subject) > SUBJECT_MAX_LENGTH:
        problems.setdefault("subject", []).append(
            _("At most %(limit)d characters.") % {"limit": SUBJECT_MAX_LENGTH}
        )
    if problems:
        raise ApplicationError(_("The template is not valid."), "invalid_template", fields=problems)
    result = _screen_template(body, subject, template.language, template.channel)
    version = TemplateVersion.objects.create(
        template=template,
        number=number,
        subject=subject.strip(),
        body=body,
        author=actor,
        screening_verdict=result.verdict,
        screening_findings=[f.as_dict() for f in result.findings],
        lexicon_version=result.lexicon_version,
    )
    record(
        action="template.version_created",
        actor=actor,
        target=version,
        changes={"template": template.code, "number": number, "screening": result.verdict},
    )
    return version


@transaction.atomic
def template_create(
    *,
    actor: Any,
    code: str,
    name: str,
    channel: str,
    language: str,
    audience: str,
    region: str,
    body: str,
    subject: str = "",
) -> TemplateVersion:
    """A new template and its first version (waiting for a second person's approval).
    Screening runs on save; its findings are stored with the version."""
    _require(actor, "compliance.manage")
    fields: dict[str, list[str]] = {}
    code, name = code.strip(), name.strip()
    if not code:
        fields["code"] = [_("Required.")]
    elif len(code) > TEMPLATE_CODE_MAX_LENGTH or not TEMPLATE_CODE.fullmatch(code):
        fields["code"] = [
            _("Use up to %(limit)d letters, digits, hyphens or underscores.")
            % {"limit": TEMPLATE_CODE_MAX_LENGTH}
        ]
    if not name:
        fields["name"] = [_("Required.")]
    elif len(name) > TEMPLATE_NAME_MAX_LENGTH:
        fields["name"] = [_("At most %(limit)d characters.") % {"limit": TEMPLATE_NAME_MAX_LENGTH}]
    if not body.strip():
        fields["body"] = [_("Write the template's text.")]
    if channel not in outgoing.TEMPLATE_CHANNELS:
        fields["channel"] = [_("Unknown channel.")]
    if language not in ("zh", "en"):
        fields["language"] = [_("Use zh or en.")]
    if audience not in outgoing.AUDIENCES:
        fields["audience"] = [_("Unknown audience.")]
    if region not in outgoing.REGIONS:
        fields["region"] = [_("Unknown region.")]
    if MessageTemplate.objects.filter(code=code).exists():
        fields["code"] = [_("A template with this code exists.")]
    if fields:
        raise ApplicationError(_("The template is not valid."), "invalid_template", fields=fields)
    template = MessageTemplate.objects.create(
        code=code,
        name=name,
        channel=channel,
        language=language,
        audience=audience,
        region=region,
        created_by=actor,
    )
    return _new_version(actor=actor, template=template, number=1, subject=subject, body=body)


@transaction.atomic
def template_version_create(
    *, actor: Any, template: MessageTemplate, body: str, subject: str = ""
) -> TemplateVersion:
    _require(actor, "compliance.manage")
    locked = MessageTemplate.objects.select_for_update().get(pk=template.pk)
    last = locked.versions.order_by("-number").values_list("number", flat=True).first() or 0
    return _new_version(actor=actor, template=locked, number=last + 1, subject=subject, body=body)


@transaction.atomic
def template_version_approve(
    *, actor: Any, version: TemplateVersion, note: str = ""
) -> TemplateVersion:
    """Four-eyes: the approver is not the author; a version screening blocks cannot be approved.
    The previously approved version of the template is retired."""
    _require(actor, "compliance.approve")
    locked = TemplateVersion.objects.select_for_update().get(pk=version.pk)
    if locked.status != TemplateVersion.Status.DRAFT:
        raise Conflict(_("This version has already been decided."), "already_decided")
    if locked.author_id == getattr(actor, "pk", None):
        raise ApplicationError(
            _("A second person must approve: you wrote this version."), "four_eyes", status=403
        )
    if locked.screening_verdict == "block":
        raise ApplicationError(
            _("Screening blocks this text; change it before approval."), "screening_blocked"
        )
    if TemplateVersion.objects.filter(
        template_id=locked.template_id,
        number__gt=locked.number,
        status=TemplateVersion.Status.APPROVED,
    ).exists():
        raise Conflict(
            _(
                "A newer version of this template is already approved: this draft is out of "
                "date. Write a new version instead."
            ),
            "outdated_version",
        )
    TemplateVersion.objects.filter(
        template_id=locked.template_id, status=TemplateVersion.Status.APPROVED
    ).update(status=TemplateVersion.Status.RETIRED)
    locked.status = TemplateVersion.Status.APPROVED
    locked.approved_by = actor
    locked.decided_at = timezone.now()
    locked.decision_note = note.strip()
    locked.save(update_fields=["status", "approved_by", "decided_at", "decision_note"])
    record(
        action="template.version_approved",
        actor=actor,
        target=locked,
        changes={"status": ["draft", "approved"]},
        reason=locked.decision_note,
    )
    return locked


@transaction.atomic
def template_version_reject(
    *, actor: Any, version: TemplateVersion, note: str = ""
) -> TemplateVersion:
    _require(actor, "compliance.approve")
    locked = TemplateVersion.objects.select_for_update().get(pk=version.pk)
    if locked.status != TemplateVersion.Status.DRAFT:
        raise Conflict(_("This version has already been decided."), "already_decided")
    locked.status = TemplateVersion.Status.REJECTED
    locked.decided_at = timezone.now()
    locked.decision_note = note.strip()
    locked.save(update_fields=["status", "decided_at", "decision_note"])
    record(action="template.version_rejected", actor=actor, target=locked, reason=note)
    return locked


def message_values(*, actor: Any, account: Any, language: str = "") -> dict[str, str]:
    """Placeholder values for one account (the debtor's name, what is owed, by when), in the
    message's ``language`` (``zh``/``en``; the sender's own language when not given): the debtor
    reads them, whatever language the sender's screens are in."""
    from heed.core.money import format_minor

    owed = account.principal_balance + account.interest_balance + account.fees_balance
    with translation.override(MESSAGE_LOCALES.get(language, translation.get_language())):
        channels = str(
            getattr(settings, "HEED_PAYMENT_CHANNELS", "")
            or _("the official app, website or bank branches of %(creditor)s")
            % {"creditor": account.creditor.name}
        )
    return {
        "debtor_name": account.debtor.full_name,
        "amount": format_minor(owed - account.credit_balance, account.currency),
        "due_date": account.due_date.isoformat() if account.due_date else "",
        "payment_channels": channels,
        "collector_id": getattr(actor, "username", ""),
        "callback_number": str(getattr(settings, "HEED_CALLBACK_NUMBER", "")),
    }


def _require_values(version: TemplateVersion, values: dict[str, str]) -> None:
    """A placeholder the template uses must have a value for this account: a message that says
    "call  (reference …)" or "due on ." is not sent."""
    hints = {
        "callback_number": _("set HEED_CALLBACK_NUMBER"),
        "payment_channels": _("set HEED_PAYMENT_CHANNELS"),
        "due_date": _("the account has no due date"),
        "debtor_name": _("the debtor has no name on record"),
    }
    used = outgoing.placeholders_in(f"{version.subject}\n{version.body}")
    empty = [name for name in used if not str(values.get(name, "")).strip()]
    if empty:
        raise ApplicationError(
            _("The template cannot be filled in for this account."),
            "placeholder_empty",
            fields={
                "template_version": [
                    _("{%(name)s} has no value: %(hint)s.")
                    % {"name": name, "hint": hints.get(name, _("no value is known"))}
                    for name in empty
                ]
            },
        )


def _checked_message(
    *,
    actor: Any,
    account: Any,
    contact_point: Any,
    template_version: TemplateVersion | None,
    text: str,
    channel: str,
    at: Any,
    request_key: str = "",
) -> tuple[OutgoingMessage, bool]:
    """Render → screen → ask the gateway. Returns the message and whether it may go out.

    A message screening blocks or holds, or the gateway refuses, is stored (with its reason and
    an audit event) and returned with ``False``; an allowed one is returned unsaved, with its
    decision, for the caller to deliver.
    """
    from heed.compliance.services import preflight

    _require(actor, "messages.send")
    if template_version is None:
        _require(actor, "messages.free_text")
        if not text.strip():
            raise ApplicationError(
                _("Write the message."), "invalid", fields={"text": [_("Required.")]}
            )
        if channel not in outgoing.TEMPLATE_CHANNELS:
            raise ApplicationError(
                _("Choose a channel."), "invalid", fields={"channel": [_("Unknown channel.")]}
            )
        word = outgoing.voicemail_debt_word(text) if channel == "voicemail" else ""
        if word:
            reason = _(
                "A voicemail is the limited-content message: it may not say or hint that it "
                "is about a debt (found «%(word)s»). Leave a name, the collector id and a "
                "call-back number."
            ) % {"word": word}
            raise ApplicationError(reason, "voicemail_content", fields={"text": [reason]})
        subject, body, language = "", text, None
    else:
        if not template_version.is_usable:
            raise ApplicationError(
                _("This template version is not approved."), "template_not_approved"
            )
        template = template_version.template
        channel, language = template.channel, template.language
        if template.audience == "debtor" and contact_point.party_role != "debtor":
            raise ApplicationError(_("This template is for the debtor only."), "wrong_audience")
        if not outgoing.region_fits(template.region, account.jurisdiction):
            raise ApplicationError(
                _(
                    "This template is for %(region)s accounts; this account's jurisdiction is "
                    "%(jurisdiction)s."
                )
                % {"region": template.region, "jurisdiction": account.jurisdiction or "—"},
                "wrong_region",
                fields={"template_version": [_("Choose a template for this account's region.")]},
            )
        values = message_values(actor=actor, account=account, language=template.language)
        _require_values(template_version, values)
        subject = outgoing.render(template_version.subject, values)
        body = outgoing.render(template_version.body, values)
    limit = outgoing.MAX_LENGTH.get(channel)
    length = len(subject) + len(body)
    if limit is not None and length > limit:
        raise ApplicationError(
            _("Too long for this channel: %(length)d characters, at most %(limit)d.")
            % {"length": length, "limit": limit},
            "too_long",
            fields={
                "text" if template_version is None else "template_version": [
                    _("Too long for this channel: %(length)d characters, at most %(limit)d.")
                    % {"length": length, "limit": limit}
                ]
            },
        )
    facts = selectors.account_facts(account)
    screened = f"{subject}\n{body}" if subject else body
    result = selectors.screener_get().screen(
        screened, language=language, channel=channel, facts=facts
    )
    if result.verdict != "block" and contact_point is not None:
        # Passed or held alone: screened with the conversation too (a held half that completes
        # a threat read on is blocked; a reviewer could otherwise release it).
        _conversation_lock(contact_point)
        result = _conversation(
            result,
            screened,
            account=account,
            contact_point=contact_point,
            channel=channel,
            language=language,
            facts=facts,
        ).result
    message = OutgoingMessage(
        account=account,
        contact_point=contact_point,
        template_version=template_version,
        channel=channel,
        subject=subject,
        body=body,
        screening_verdict=result.verdict,
        screening_findings=[f.as_dict() for f in result.findings],
        lexicon_version=result.lexicon_version,
        sent_by=actor,
        request_key=request_key,
    )
    if result.verdict != "pass":
        message.status = (
            OutgoingMessage.Status.BLOCKED_CONTENT
            if result.verdict == "block"
            else OutgoingMessage.Status.HELD_REVIEW
        )
        message.reason = ", ".join(sorted({f.category for f in result.findings}))
        message.save()
        record(
            action="message.blocked",
            actor=actor,
            target=message,
            changes={"status": message.status, "findings": message.screening_findings},
        )
        return message, False
    decision = preflight(
        actor=actor,
        account=account,
        contact_point=contact_point,
        channel=outgoing.GATEWAY_CHANNEL[channel],
        at=at,
    )
    message.decision = decision
    if not decision.allowed:
        message.status = OutgoingMessage.Status.BLOCKED_GATEWAY
        message.reason = ", ".join(r["rule"] for r in decision.reasons)[:500]
        message.save()
        record(
            action="message.blocked",
            actor=actor,
            target=message,
            changes={"status": message.status, "decision": decision.pk},
        )
        return message, False
    return message, True


# A message is also screened together with the last messages sent to the same contact point on
# the same channel shortly before it: a threat split over two texts ("Your boss" / "gets a copy
# of your passport scan tonight") is screened as the debtor reads it.
CONVERSATION_WINDOW_MINUTES = 30
CONVERSATION_MESSAGES = 2


def _conversation(
    result: Result,
    text: str,
    *,
    account: Any,
    contact_point: Any,
    channel: str,
    language: str | None,
    facts: Any,
) -> Conversation:
    """``result`` (the message alone passed or was held for review) with what screening the
    message after the last ones sent on this account to ``contact_point`` on ``channel`` in the
    window before now finds in it (:func:`heed.screening.engine.conversation.with_conversation`).
    Sending, releasing a held message, the compose box's live screening and the check API ask
    this. Only messages sent count: a held one (the one being released, too) is not among them."""
    since = timezone.now() - timedelta(minutes=CONVERSATION_WINDOW_MINUTES)
    earlier = list(
        OutgoingMessage.objects.filter(
            account=account,
            contact_point=contact_point,
            channel=channel,
            status=OutgoingMessage.Status.SENT,
            created_at__gte=since,
        )
        .order_by("-created_at", "-pk")
        .values_list("subject", "body", "created_at")[:CONVERSATION_MESSAGES]
    )
    screener = selectors.screener_get()
    return conversation.with_conversation(
        result,
        text,
        [
            Earlier(f"{subject}\n{body}" if subject else body, created_at)
            for subject, body, created_at in reversed(earlier)
        ],
        lambda joined: screener.screen(joined, language=language, channel=channel, facts=facts),
    )


def _conversation_lock(contact_point: Any) -> None:
    """Sends to one contact point wait here for each other until the one before commits, so
    each is screened with the one before it: two sent at the same instant would otherwise each
    be screened before the other is stored as sent. Taken in the send's (or the release's)
    transaction just before the conversation is looked up (a message that screening blocks alone
    needs none).

    ``FOR NO KEY UPDATE``, not ``FOR UPDATE``: storing a row that refers to the contact point
    (a reply, a contact attempt, a message screening stopped) does not wait for it. SQLite has
    no row locks: it runs writing transactions one at a time (``transaction_mode`` IMMEDIATE)
    anyway."""
    from heed.portfolio.models import ContactPoint

    list(
        ContactPoint.objects.select_for_update(no_key=True)
        .filter(pk=contact_point.pk)
        .values_list("pk", flat=True)
    )


def _record_sent(*, actor: Any, message: OutgoingMessage) -> OutgoingMessage:
    """A delivered message: its contact attempt (with the gateway decision) and audit event."""
    from heed.collection.services import contact_attempt_record

    decision = message.decision
    assert decision is not None
    attempt = contact_attempt_record(
        actor=actor,
        account=message.account,
        contact_point=message.contact_point,
        channel=outgoing.GATEWAY_CHANNEL[message.channel],
        outcome="voicemail" if message.channel == "voicemail" else "delivered",
        started_at=decision.proposed_at,
        decision=decision,
        content=message.body,
    )
    message.contact_attempt = attempt
    message.save(update_fields=["status", "adapter", "adapter_reference", "contact_attempt"])
    record(
        action="message.sent",
        actor=actor,
        target=message,
        changes={"decision": decision.pk, "adapter": message.adapter, "contact": attempt.pk},
    )
    return message


def _letter_for(message: OutgoingMessage, *, address: str, date: Any = None) -> letters.Letter:
    account = message.account
    return letters.Letter(
        sender=account.creditor.name,
        recipient=account.debtor.full_name,
        address=address,
        date=date or timezone.localdate(),
        subject=message.subject,
        body=message.body,
        reference=account.external_ref,
        language=message.template_version.template.language if message.template_version else "zh",
    )


def request_key_checked(raw: str, *, header: str = "") -> str:
    """A request key (a form's one-time token, an API ``Idempotency-Key``) as stored, or a
    refusal (400). ``header``: the HTTP header the key came in, which the refusal then names —
    an API client sent that header, not a field called ``request_key``."""
    key = raw.strip()
    if len(key) <= REQUEST_KEY_MAX_LENGTH:
        return key
    if header:
        raise ApplicationError(
            _(
                "The %(header)s header is too long: at most %(limit)d characters, "
                "this one has %(length)d."
            )
            % {"header": header, "limit": REQUEST_KEY_MAX_LENGTH, "length": len(key)},
            "invalid",
            fields={
                header: [
                    _("At most %(limit)d characters (this one has %(length)d).")
                    % {"limit": REQUEST_KEY_MAX_LENGTH, "length": len(key)}
                ]
            },
        )
    raise ApplicationError(
        _("The request key is too long (at most %(limit)d characters).")
        % {"limit": REQUEST_KEY_MAX_LENGTH},
        "invalid",
        fields={"request_key": [_("Too long.")]},
    )


@transaction.atomic
def message_send(
    *,
    actor: Any,
    account: Any,
    contact_point: Any,
    template_version: TemplateVersion | None = None,
    text: str = "",
    channel: str = "",
    at: Any = None,
    request_key: str = "",
) -> OutgoingMessage:
    """Render → screen → ask the compliance gateway → hand to the adapter → record the contact.

    A message that screening blocks or holds for review, or that the gateway refuses, is stored
    with the reason and never reaches the adapter. ``account`` must come from a scoped lookup.
    A letter is rendered to a PDF (``VAR_DIR/letters/letter-<id>.pdf``) for printing. A message
    held for review goes out only when a second person releases it (:func:`message_release`).

    ``request_key`` (a form's one-time token, an API ``Idempotency-Key``) makes a repeated
    request — a double click, a reload, a client's retry — return the message the first one
    made instead of sending another: one request, one message, one contact.

    Sends to one contact point run one after the other from the moment the earlier messages are
    looked up to the commit (:func:`_conversation_lock`), so each is screened with the last ones
    sent there, even two sent at the same instant.
    """
    key = request_key_checked(request_key)
    if key:
        from heed.portfolio.models import Account

        # Requests with the same key wait for each other here (the account's row lock). NO KEY
        # UPDATE: a send holding its contact point's lock (_conversation_lock) still stores
        # rows that refer to this account, so it never waits for a send waiting for it.
        Account.objects.select_for_update(no_key=True).filter(pk=account.pk).first()
        earlier = OutgoingMessage.objects.filter(sent_by=actor, request_key=key).first()
        if earlier is not None:
            if earlier.account_id != account.pk:
                raise Conflict(
                    _("This request key was already used for a message to another account."),
                    "request_key_reused",
                )
            same = (
                earlier.contact_point_id == getattr(contact_point, "pk", None)
                and earlier.template_version_id == getattr(template_version, "pk", None)
                and (
                    template_version is not None
                    or (earlier.body, earlier.channel) == (text, channel)
                )
            )
            if not same:
                raise Conflict(
                    _("This request key was already used for a different message."),
                    "request_key_reused",
                )
            return earlier
    message, allowed = _checked_message(
        actor=actor,
        account=account,
        contact_point=contact_point,
        template_version=template_version,
        text=text,
        channel=channel,
        at=at,
        request_key=key,
    )
    if not allowed:
        return message
    return _deliver(actor=actor, message=message)


def _deliver(*, actor: Any, message: OutgoingMessage) -> OutgoingMessage:
    """Hand an allowed message (its gateway decision set) to the adapter — or render a letter —
    and record the contact in the sender's name. ``actor`` is who let it go out."""
    from heed.portfolio.selectors import contact_point_plain_value

    contact_point = message.contact_point
    if contact_point is None:
        raise ApplicationError(_("The message has no contact point."), "invalid")
    message.status = OutgoingMessage.Status.SENT
    if message.channel == "letter":
        message.adapter = "pdf"
        message.save()
        letter = _letter_for(message, address=contact_point_plain_value(contact_point))
        pdf, _pages = letters.letters_pdf([letter])
        name = f"letter-{message.pk}.pdf"
        letters.letter_path(name).write_bytes(pdf)
        message.adapter_reference = name
        return _record_sent(actor=actor, message=message)
    adapter = adapter_get()
    message.adapter = adapter.name
    message.save()
    try:
        message.adapter_reference = adapter.send(
            Outbound(
                message.channel,
                contact_point_plain_value(contact_point),
                message.subject,
                message.body,
                message.pk,
            )
        )
    except Exception as exc:  # noqa: BLE001 — any provider failure is recorded, not raised
        message.status = OutgoingMessage.Status.FAILED
        message.reason = str(exc)[:500]
        message.save(update_fields=["status", "reason"])
        record(action="message.failed", actor=actor, target=message, reason=message.reason)
        return message
    return _record_sent(actor=actor, message=message)


# --- Messages held for review (a second person releases or rejects them) ------------------------


def _held_for_review(*, actor: Any, message: OutgoingMessage, note: str) -> OutgoingMessage:
    """The held message, locked; refuses anyone but a reviewer other than the sender, a message
    already decided and a missing reason."""
    _require(actor, "messages.review")
    locked = (
        OutgoingMessage.objects.select_for_update(of=("self",))
        .select_related("account", "contact_point", "template_version__template", "sent_by")
        .get(pk=message.pk)
    )
    if locked.status != OutgoingMessage.Status.HELD_REVIEW:
        raise Conflict(_("This message is no longer waiting for review."), "already_decided")
    if locked.sent_by_id == getattr(actor, "pk", None):
        raise ApplicationError(
            _("A second person must review: you wrote this message."), "four_eyes", status=403
        )
    if not note.strip():
        raise ApplicationError(
            _("Say why."), "invalid", fields={"note": [_("A note is required.")]}
        )
    return locked


def _reviewed(
    message: OutgoingMessage, *, actor: Any, note: str, outcome: str, decision: int | None = None
) -> None:
    """Store who reviewed the held message and why, and audit it (``message.released`` when it
    goes out, ``message.rejected`` when it does not)."""
    message.reviewed_by = actor
    message.reviewed_at = timezone.now()
    message.review_note = note.strip()
    message.save(update_fields=["status", "decision", "reviewed_by", "reviewed_at", "review_note"])
    changes: dict[str, Any] = {"status": ["held_review", outcome]}
    if decision is not None:
        changes["decision"] = decision
    record(
        action="message.released" if outcome == "sent" else "message.rejected",
        actor=actor,
        target=message,
        changes=changes,
        reason=message.review_note,
    )


def message_release(
    *, actor: Any, message: OutgoingMessage, note: str, at: Any = None
) -> OutgoingMessage:
    """A reviewer lets a held message go out. It is screened again first, as sending it now
    would: run on after the messages sent to its contact point on its channel in the window
    before now (some may have gone out since it was held; a held message is not among them). If
    that blocks it — it completes a threat with a message sent since — it never goes out: it is
    stored as ``blocked_content`` with the new findings and an audit event, and
    ``conversation_blocked`` is raised (a second release finds it no longer waiting). ``review``
    now does not stop it: the reviewer is the review.

    Then the compliance gateway is asked again now (in the sender's name: the contact is
    theirs), and the message is handed to the adapter like any other. If the gateway refuses
    now, the message stays held (its refusal and an audit event are kept) and
    ``gateway_refused`` is raised, so it can be released later — never twice."""
    from heed.compliance.services import preflight

    with transaction.atomic():
        locked = _held_for_review(actor=actor, message=message, note=note)
        refusal = _blocked_at_release(actor=actor, message=locked, note=note)
        if refusal is None:
            sender = locked.sent_by
            decision = preflight(
                actor=sender,
                account=locked.account,
                contact_point=locked.contact_point,
                channel=outgoing.GATEWAY_CHANNEL[locked.channel],
                at=at,
            )
            if decision.allowed:
                locked.decision = decision
                _reviewed(locked, actor=actor, note=note, outcome="sent", decision=decision.pk)
                return _deliver(actor=sender, message=locked)
            rules = ", ".join(r["rule"] for r in decision.reasons)
            chinese = (translation.get_language() or "").startswith("zh")
            explained = "; ".join(
                f"{r['rule']}: {r['message_zh'] if chinese else r['message_en']}"
                for r in decision.reasons
            )
            record(
                action="message.release_refused",
                actor=actor,
                target=locked,
                changes={"decision": decision.pk, "rules": rules},
                reason=note.strip(),
            )
            refusal = ApplicationError(
                _(
                    "The compliance gateway refuses this contact now (%(rules)s); the message "
                    "stays held."
                )
                % {"rules": explained},
                "gateway_refused",
            )
    # Raised once the transaction has committed: what was stored stays stored.
    raise refusal


def _blocked_at_release(
    *, actor: Any, message: OutgoingMessage, note: str
) -> ApplicationError | None:
    """The held ``message`` (locked) screened as sending it now would decide: on the account's
    facts now and, holding its contact point's lock (:func:`_conversation_lock`) to the commit,
    run on after the messages sent there in the window before now. ``None`` when it may go
    (``pass`` or ``review``). Blocked: the message is stored as ``blocked_content`` with the
    findings, the event is audited (which rules, and whether they arose with the conversation)
    and the refusal to raise is returned."""
    contact_point = message.contact_point
    language = message.template_version.template.language if message.template_version else None
    screened = f"{message.subject}\n{message.body}" if message.subject else message.body
    facts = selectors.account_facts(message.account)
    screened_now = conversation.alone(
        selectors.screener_get().screen(
            screened, language=language, channel=message.channel, facts=facts
        )
    )
    if screened_now.result.verdict != "block" and contact_point is not None:
        _conversation_lock(contact_point)
        screened_now = _conversation(
            screened_now.result,
            screened,
            account=message.account,
            contact_point=contact_point,
            channel=message.channel,
            language=language,
            facts=facts,
        )
    result = screened_now.result
    if result.verdict != "block":
        return None
    blocking = [
        (finding, times)
        for finding, times in zip(result.findings, screened_now.arises_with, strict=True)
        if finding.decision == "block"
    ]
    with_conversation = any(times for _finding, times in blocking)
    categories = ", ".join(sorted({finding.category for finding, _times in blocking}))
    message.status = OutgoingMessage.Status.BLOCKED_CONTENT
    message.screening_verdict = result.verdict
    message.screening_findings = [f.as_dict() for f in result.findings]
    message.lexicon_version = result.lexicon_version
    message.reason = ", ".join(sorted({f.category for f in result.findings}))
    message.save(
        update_fields=[
            "status",
            "screening_verdict",
            "screening_findings",
            "lexicon_version",
            "reason",
        ]
    )
    record(
        action="message.blocked_at_release",
        actor=actor,
        target=message,
        changes={
            "status": ["held_review", "blocked_content"],
            "rules": [finding.rule for finding, _times in blocking],
            "categories": categories,
            "with_conversation": with_conversation,
            "arises_with": sorted({t.isoformat() for _finding, times in blocking for t in times}),
            "findings": message.screening_findings,
        },
        reason=note.strip(),
    )
    if with_conversation:
        return ApplicationError(
            _(
                "Not sent: read on after the last messages sent to this contact point on this "
                "channel, this message completes a prohibited statement (%(categories)s). It is "
                "now blocked and cannot be released."
            )
            % {"categories": categories},
            "conversation_blocked",
        )
    return ApplicationError(
        _(
            "Not sent: screening now blocks this message (%(categories)s). It is now blocked "
            "and cannot be released."
        )
        % {"categories": categories},
        "content_blocked",
    )


@transaction.atomic
def message_reject(*, actor: Any, message: OutgoingMessage, note: str) -> OutgoingMessage:
    """A reviewer stops a held message for good; the note says why (the sender sees it)."""
    locked = _held_for_review(actor=actor, message=message, note=note)
    locked.status = OutgoingMessage.Status.REJECTED
    _reviewed(locked, actor=actor, note=note, outcome="rejected")
    return locked


# --- Replies from debtors (reported by the message provider) -----------------------------------

# Replies that ask to stop: one of these English keywords as the whole reply (CTIA's list,
# case-insensitive), or a reply starting with one of OPT_OUT_LEADS ("Stop texting me"; "End of
# the month I pay" is no opt-out), or 退订… anywhere in a Chinese reply; "TD"/"T" is the Chinese
# SMS convention (回复TD退订).
OPT_OUT_WORDS = frozenset(
    {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "optout", "revoke"}
)
OPT_OUT_LEADS = frozenset({"stop", "stopall", "unsubscribe"})
OPT_OUT_CHINESE = ("退订", "取消订阅", "拒收")
OPT_OUT_CODES = frozenset({"td", "t", "n"})
INBOUND_CHANNELS: dict[str, str] = {"sms": "phone", "email": "email", "im": "im"}
MAX_REPLY_LENGTH = 2000


def is_opt_out(body: str) -> bool:
    """Whether a reply asks to stop: "STOP", "Stop texting me", "opt out", "退订", "TD"."""
    import unicodedata

    text = unicodedata.normalize("NFKC", body).strip().lower()
    if any(word in text for word in OPT_OUT_CHINESE):
        return True
    bare = text.strip(".,!?;:'\" ")
    first = re.split(r"[\s.,!?;:'\"-]+", bare, maxsplit=1)[0]
    return (
        bare in OPT_OUT_CODES
        or bare in OPT_OUT_WORDS
        or first in OPT_OUT_LEADS
        or re.sub(r"[\s-]+", "", bare) == "optout"
    )


def inbound_reply_receive(
    *, actor: Any, sender: str, channel: str, body: str, in_reply_to: int | None = None
) -> dict[str, Any]:
    """A reply from a number or address, reported by the message provider. A reply asking to
    stop opts that person out of the channel (the gateway then refuses it); retries add
    nothing. The contact point is the one the replied-to message went to, else every point
    holding the sender's number or address. Returns what was matched and done."""
    from heed.compliance.services import preference_opt_out_from_reply
    from heed.portfolio.selectors import contact_points_with_value

    _require(actor, "messages.inbound")
    fields: dict[str, list[str]] = {}
    if channel not in INBOUND_CHANNELS:
        fields["channel"] = [_("Use sms, email or im.")]
    if not sender.strip():
        fields["from"] = [_("Required.")]
    if len(body) > MAX_REPLY_LENGTH:
        fields["body"] = [_("At most %(count)d characters.") % {"count": MAX_REPLY_LENGTH}]
    replied: OutgoingMessage | None = None
    if in_reply_to is not None and not fields:
        replied = (
            OutgoingMessage.objects.select_related("contact_point")
            .filter(pk=in_reply_to, channel=channel)
            .first()
        )
        if replied is None or replied.contact_point is None:
            fields["in_reply_to"] = [_("No message of this channel has this id.")]
        elif (
            not contact_points_with_value(INBOUND_CHANNELS[channel], sender)
            .filter(pk=replied.contact_point.pk)
            .exists()
        ):
            fields["in_reply_to"] = [_("That message did not go to this sender.")]
    if fields:
        raise ApplicationError(_("The reply cannot be taken."), "invalid", fields=fields)
    points = (
        [replied.contact_point]
        if replied is not None and replied.contact_point is not None
        else list(contact_points_with_value(INBOUND_CHANNELS[channel], sender))
    )
    opt_out = is_opt_out(body)
    created: list[int] = []
    kept: list[int] = []
    with transaction.atomic():
        if opt_out:
            for point in points:
                preference, new = preference_opt_out_from_reply(
                    actor=actor,
                    contact_point=point,
                    channel=channel,
                    evidence=f"Reply {body.strip()[:200]!r} from {point.value_masked} "
                    f"({channel}, {timezone.now():%Y-%m-%d %H:%M} UTC)",
                )
                (created if new else kept).append(preference.pk)
        record(
            action="message.reply_received",
            actor=actor,
            target=replied,
            changes={
                "channel": channel,
                "matched_points": [point.pk for point in points],
                "opt_out": opt_out,
                "preferences_created": created,
            },
        )
    return {
        "matched": len(points),
        "debtors": len({point.debtor_id for point in points}),
        "opt_out": opt_out,
        "preferences_created": created,
        "preferences_existing": kept,
    }


# --- Letter batches (background task, one combined PDF) -----------------------------------------

LETTER_BATCH_MAX = 2000
LETTER_BATCH_ADAPTER = "letter_batch"
LETTER_BATCH_UNFIT_LISTED = 50


def letter_pdf_alone(message: OutgoingMessage) -> bytes:
    """One letter of a print run as a PDF of its own, laid out again from what was sent (text,
    address, date): the run's combined PDF holds other accounts' letters too. ``message`` must
    come from a scoped lookup."""
    from heed.portfolio.selectors import contact_point_plain_value

    if message.contact_point is None:
        raise ApplicationError(_("The message has no contact point."), "invalid")
    letter = _letter_for(
        message,
        address=contact_point_plain_value(message.contact_point),
        date=timezone.localdate(message.created_at),
    )
    pdf, _pages = letters.letters_pdf([letter])
    return pdf


def letter_run_pdf(*, actor: Any, run: Any) -> tuple[bytes, int, int]:
    """The PDF of a finished print run for ``actor`` (the run from a scoped lookup): the bytes,
    how many letters it holds and how many were left out.

    Every letter's account is checked against the actor's scope *now*: an account reassigned to
    another team since the run is no longer theirs to see. Then the PDF is laid out again from
    the letters still in scope, in the run's order, and the others are left out — rather than
    refused: the person who started the run still needs to print and post the letters of their
    own accounts, and the new owner of a moved account sees its letter on that account.
    NotFound when no letter is left (or the run has no PDF)."""
    from heed.core.errors import NotFound
    from heed.portfolio.models import Account
    from heed.portfolio.selectors import contact_point_plain_value

    name = (run.result or {}).get("file") or ""
    if not name:
        raise NotFound(_("This print run made no letters, so it has no PDF."))
    path = letters.letter_path(name)
    sent = list(
        OutgoingMessage.objects.filter(
            channel="letter", adapter=LETTER_BATCH_ADAPTER, adapter_reference=name
        )
        .select_related(
            "account__creditor", "account__debtor", "contact_point", "template_version__template"
        )
        .order_by("created_at", "id")
    )
    in_scope = set(
        Account.objects.for_user(actor)
        .filter(pk__in={message.account_id for message in sent})
        .values_list("pk", flat=True)
    )
    kept = [message for message in sent if message.account_id in in_scope]
    left_out = len(sent) - len(kept)
    if not kept or not path.exists():
        raise NotFound(
            _("None of this print run's letters are on accounts in your scope any more.")
        )
    if not left_out:
        return path.read_bytes(), len(kept), 0
    pdf, _pages = letters.letters_pdf(
        [
            _letter_for(
                message,
                address=contact_point_plain_value(message.contact_point),
                date=timezone.localdate(message.created_at),
            )
            for message in kept
            if message.contact_point is not None
        ]
    )
    return pdf, len(kept), left_out


@transaction.atomic
def letter_run_download(*, actor: Any, run: Any) -> tuple[bytes, str]:
    """The combined PDF of a print run and its file name, for the person who started it (``run``
    from :func:`selectors.letter_run_get_for_user`), as :func:`letter_run_pdf` lays it out: only
    the letters of accounts still in their scope. Every download is audited — the PDF prints
    debtors' names and full addresses.

    Conflict while the run is queued or running (``run_not_finished``: try again later) or when
    it failed (``run_failed``: it made no PDF); NotFound when it made no letters or none of its
    letters is in the actor's scope any more."""
    from heed.tasks.models import TaskRun

    _require(actor, "messages.send")
    if run.status == TaskRun.Status.FAILED:
        raise Conflict(_("This print run failed, so it has no PDF."), "run_failed")
    if run.status != TaskRun.Status.SUCCEEDED:
        raise Conflict(
            _(
                "This print run has not finished yet (%(status)s, %(percent)d%% done). "
                "Try again when its status is “succeeded”."
            )
            % {"status": run.get_status_display(), "percent": run.progress_percent},
            "run_not_finished",
        )
    pdf, count, left_out = letter_run_pdf(actor=actor, run=run)
    record(
        action="letter.batch_downloaded",
        actor=actor,
        target=run,
        changes={"letters": count, "left_out": left_out},
    )
    return pdf, f"letters-{run.pk}.pdf"


def _letter_version(version: TemplateVersion) -> None:
    if not version.is_usable:
        raise ApplicationError(_("This template version is not approved."), "template_not_approved")
    if version.template.channel != "letter":
        raise ApplicationError(
            _("Choose a letter template."),
            "invalid",
            fields={"template_version": [_("This template is not a letter.")]},
        )


@transaction.atomic
def letter_batch_start(
    *,
    actor: Any,
    template_version: TemplateVersion,
    accounts: list[Any],
    at: Any = None,
    request_key: str = "",
) -> Any:
    """Start a print run: every account's letter is rendered, screened and asked of the gateway
    in a background task; the allowed ones become one combined PDF. ``accounts`` must come from
    scoped lookups (the task looks each one up again in the actor's scope).

    ``request_key`` (the Letters form's one-time token, an API ``Idempotency-Key``) makes a
    repeated request — a double click, a client's retry — return the run the first one started
    instead of starting another: the same letters are never sent twice. The key is kept in the
    run's parameters; requests of one user wait for each other on the user's row, so two at
    once cannot both miss it (SQLite writers are serialised anyway: IMMEDIATE transactions)."""
    from django.contrib.auth import get_user_model

    from heed.screening.tasks import letter_batch_task
    from heed.tasks.models import TaskRun
    from heed.tasks.services import task_run_start

    _require(actor, "messages.send")
    key = request_key_checked(request_key)
    ids = list(dict.fromkeys(account.pk for account in accounts))
    if key:
        get_user_model().objects.select_for_update().filter(pk=actor.pk).first()
        earlier = (
            TaskRun.objects.filter(
                kind=LETTER_BATCH_KIND, created_by_id=actor.pk, params__request_key=key
            )
            .order_by("created_at")
            .first()
        )
        if earlier is not None:
            same = (
                earlier.params.get("template_version") == template_version.pk
                and earlier.params.get("accounts") == ids
            )
            if not same:
                raise Conflict(
                    _("This request key was already used for another print run."),
                    "request_key_reused",
                )
            return earlier
    _letter_version(template_version)
    if not ids or len(ids) > LETTER_BATCH_MAX:
        raise ApplicationError(
            _("Choose between 1 and %(max)d accounts.") % {"max": LETTER_BATCH_MAX},
            "invalid",
            fields={
                "accounts": [
                    _("Choose between 1 and %(max)d accounts.") % {"max": LETTER_BATCH_MAX}
                ]
            },
        )
    params: dict[str, Any] = {
        "template_version": template_version.pk,
        "accounts": ids,
        "at": at.isoformat() if at is not None else None,
    }
    if key:
        params["request_key"] = key
    run = task_run_start(
        actor=actor,
        kind=LETTER_BATCH_KIND,
        params=params,
        enqueue=lambda run_id: letter_batch_task.enqueue(run_id),
    )
    record(
        action="letter.batch_started",
        actor=actor,
        target=run,
        changes={"template_version": template_version.pk, "accounts": len(ids)},
    )
    return run


def _debtor_postal_point(account: Any) -> Any:
    """The debtor's newest valid postal address that is not opted out: an address added later
    (a move, a correction) replaces the older ones on the letter."""
    from heed.portfolio.selectors import debtor_contact_points

    return (
        debtor_contact_points(account.debtor)
        .filter(kind="postal", party_role="debtor", is_valid=True, opted_out=False)
        .order_by("-created_at", "-id")
        .first()
    )


def letter_batch_run(run: Any, *, progress: Any = None) -> dict[str, Any]:
    """The work of a letter batch (called by the task): check every letter, render the allowed
    ones into one PDF, then mark them sent and record the contacts. A letter screening or the
    gateway stops is stored with its reason and is not in the PDF.

    The task runs outside any request, so the run's texts (its summary, progress and the reasons
    listed for accounts the template does not fit) are written in the language of the user who
    started it: they read them on the run's page."""
    language = getattr(run.created_by, "language", "") or settings.LANGUAGE_CODE
    with translation.override(language):
        return _letter_batch_run(run, progress=progress)


def _letter_batch_summary(*, letters_count: int, pages: int, stopped: int) -> str:
    return _("%(letters)s on %(pages)s; %(stopped)s") % {
        "letters": ngettext("%(count)d letter", "%(count)d letters", letters_count)
        % {"count": letters_count},
        "pages": ngettext("%(count)d page", "%(count)d pages", pages) % {"count": pages},
        "stopped": ngettext("%(count)d not sent", "%(count)d not sent", stopped)
        % {"count": stopped},
    }


def _letter_batch_run(run: Any, *, progress: Any = None) -> dict[str, Any]:
    import datetime as dt
    from collections import Counter

    from heed.core.errors import NotFound
    from heed.portfolio.selectors import account_get_for_user, contact_point_plain_value

    actor = run.created_by
    version = TemplateVersion.objects.select_related("template").get(
        pk=run.params["template_version"]
    )
    _letter_version(version)
    at = dt.datetime.fromisoformat(run.params["at"]) if run.params.get("at") else None
    ids: list[int] = list(run.params["accounts"])
    counts: Counter[str] = Counter()
    unfit: list[dict[str, str]] = []  # accounts the template does not fit, with the reason
    ready: list[tuple[OutgoingMessage, letters.Letter]] = []
    for position, account_id in enumerate(ids, start=1):
        try:
            account = account_get_for_user(actor, account_id)
        except NotFound:
            counts["not_found"] += 1
            continue
        point = _debtor_postal_point(account)
        if point is None:
            counts["no_address"] += 1
        else:
            try:
                with transaction.atomic():
                    message, allowed = _checked_message(
                        actor=actor,
                        account=account,
                        contact_point=point,
                        template_version=version,
                        text="",
                        channel="letter",
                        at=at,
                    )
            except ApplicationError as exc:
                counts["invalid"] += 1
                if len(unfit) < LETTER_BATCH_UNFIT_LISTED:
                    unfit.append({"account": account.external_ref, "reason": str(exc.message)})
            else:
                if allowed:
                    letter = _letter_for(message, address=contact_point_plain_value(point))
                    ready.append((message, letter))
                else:
                    counts[message.status] += 1
        if progress is not None and (position % 10 == 0 or position == len(ids)):
            progress(int(position * 80 / len(ids)), f"{position}/{len(ids)}")
    name, pages = "", 0
    if ready:
        if progress is not None:
            progress(
                85,
                ngettext("Rendering %(count)d letter", "Rendering %(count)d letters", len(ready))
                % {"count": len(ready)},
            )
        pdf, pages = letters.letters_pdf([letter for _message, letter in ready])
        name = f"letters-{run.pk}.pdf"
        letters.letter_path(name).write_bytes(pdf)
    with transaction.atomic():
        for message, _letter in ready:
            message.status = OutgoingMessage.Status.SENT
            message.adapter = LETTER_BATCH_ADAPTER
            message.save()
            message.adapter_reference = name
            _record_sent(actor=actor, message=message)
        summary: dict[str, Any] = {
            "file": name,
            "letters": len(ready),
            "pages": pages,
            "blocked_content": counts[OutgoingMessage.Status.BLOCKED_CONTENT],
            "held_review": counts[OutgoingMessage.Status.HELD_REVIEW],
            "blocked_gateway": counts[OutgoingMessage.Status.BLOCKED_GATEWAY],
            "no_address": counts["no_address"],
            "not_found": counts["not_found"],
            "invalid": counts["invalid"],
            "invalid_accounts": unfit,
        }
        record(action="letter.batch_finished", actor=actor, target=run, changes=summary)
    summary["message"] = _letter_batch_summary(
        letters_count=len(ready), pages=pages, stopped=len(ids) - len(ready)
    )
    return summary
