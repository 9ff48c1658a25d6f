"""Writes of the compliance gateway: pack versions (four-eyes), holds, preferences, preflight."""

from __future__ import annotations

import copy
from datetime import datetime, time
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from heed.audit.services import record
from heed.compliance import fastread, selectors
from heed.compliance.gateway import CHANNELS_BY_KIND, candidate_zones, packs_for
from heed.compliance.models import ContactPreference, Decision, Hold, PackVersion
from heed.compliance.rules.model import CHANNELS, PURPOSES
from heed.compliance.rules.packs import (
    PackError,
    content_hash,
    diff_contents,
    file_contents,
    parse_pack,
)
from heed.core.errors import ApplicationError, Conflict, PermissionDenied
from heed.core.roles import has_permission


def _require(actor: Any, *permissions: str) -> None:
    if not any(has_permission(actor, p) for p in permissions):
        raise PermissionDenied()


# ---------------------------------------------------------------------------------------------
# rule-pack versions


def _validated(content: dict[str, Any]) -> None:
    try:
        parse_pack(content)
    except (PackError, KeyError, TypeError, ValueError) as exc:
        raise ApplicationError(
            _("The pack content is not valid: %(error)s") % {"error": exc},
            "invalid_pack",
            fields={"content": [str(exc)]},
        )


@transaction.atomic
def pack_version_create(*, actor: Any, content: dict[str, Any], note: str) -> PackVersion:
    """A new draft version of a pack. Parameters change only this way; a second compliance
    officer must approve it before it takes effect (four-eyes)."""
    _require(actor, "compliance.manage")
    if not note.strip():
        raise ApplicationError(
            _("Say why this version is needed."), "note_required", fields={"note": [_("Required.")]}
        )
    if not isinstance(content, dict) or not content.get("code"):
        raise ApplicationError(_("The pack content needs a code."), "invalid_pack")
    code = str(content["code"])
    return _create_version(actor=actor, code=code, content=content, note=note.strip())


def _create_version(*, actor: Any, code: str, content: dict[str, Any], note: str) -> PackVersion:
    latest = PackVersion.objects.select_for_update().filter(code=code).aggregate(v=Max("version"))
    content = copy.deepcopy(content)
    content["version"] = (latest["v"] or 0) + 1
    _validated(content)
    previous = selectors.pack_current_content(code)
    version = PackVersion.objects.create(
        code=code,
        version=content["version"],
        title=str(content.get("title", code))[:200],
        content=content,
        content_hash=content_hash(content),
        note=note,
        author=actor if getattr(actor, "is_authenticated", False) else None,
    )
    record(
        action="compliance.pack_version_created",
        actor=actor,
        target=version,
        changes={
            "code": code,
            "version": version.version,
            "content_hash": version.content_hash,
            "diff": diff_contents(previous or {}, content) if previous else "new pack",
        },
        reason=note,
    )
    return version


@transaction.atomic
def pack_version_load_file(*, actor: Any, code: str) -> PackVersion | None:
    """A draft from the shipped pack file, unless the latest version already has its rules.

    ``actor`` may be a system label (``"system:packs"``); such a draft has no author, so any
    compliance officer may approve it."""
    if getattr(actor, "is_authenticated", False):
        _require(actor, "compliance.manage")
    content = file_contents().get(code)
    if content is None:
        raise ApplicationError(_("No such pack file."), "unknown_pack")
    latest = PackVersion.objects.filter(code=code).order_by("-version").first()
    if latest is not None:
        stored = {k: v for k, v in latest.content.items() if k != "version"}
        if stored == {k: v for k, v in content.items() if k != "version"}:
            return None
    return _create_version(
        actor=actor, code=code, content=content, note="Loaded from the pack file"
    )


@transaction.atomic
def pack_version_approve(*, actor: Any, version: PackVersion) -> PackVersion:
    """Activate a draft. The approver must not be its author; the previous active version is
    retired; the audit event carries the content hash."""
    _require(actor, "compliance.approve")
    version = PackVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != PackVersion.Status.DRAFT:
        raise Conflict(_("Only a draft can be approved."), "not_draft")
    if version.author_id is not None and version.author_id == actor.pk:
        raise ApplicationError(
            _("Four-eyes rule: the author of a version cannot approve it."), "four_eyes", status=403
        )
    if content_hash(version.content) != version.content_hash:
        raise Conflict(_("The version's content does not match its hash."), "hash_mismatch")
    now = timezone.now()
    previous = (
        PackVersion.objects.select_for_update()
        .filter(code=version.code, status=PackVersion.Status.ACTIVE)
        .first()
    )
    if previous is not None:
        previous.status = PackVersion.Status.RETIRED
        previous.retired_at = now
        previous.save(update_fields=["status", "retired_at"])
    version.status = PackVersion.Status.ACTIVE
    version.approver = actor
    version.activated_at = now
    version.save(update_fields=["status", "approver", "activated_at"])
    record(
        action="compliance.pack_activated",
        actor=actor,
        target=version,
        changes={
            "code": version.code,
            "version": version.version,
            "content_hash": version.content_hash,
            "previous": previous.label if previous else None,
            "author": version.author.username if version.author else "pack file",
        },
    )
    return version


@transaction.atomic
def pack_version_reject(*, actor: Any, version: PackVersion, reason: str) -> PackVersion:
    _require(actor, "compliance.approve")
    version = PackVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != PackVersion.Status.DRAFT:
        raise Conflict(_("Only a draft can be rejected."), "not_draft")
    if not reason.strip():
        raise ApplicationError(
            _("Give a reason."), "reason_required", fields={"reason": [_("Required.")]}
        )
    version.status = PackVersion.Status.REJECTED
    version.save(update_fields=["status"])
    record(
        action="compliance.pack_version_rejected",
        actor=actor,
        target=version,
        changes={"code": version.code, "version": version.version},
        reason=reason,
    )
    return version


# ---------------------------------------------------------------------------------------------
# holds


@transaction.atomic
def hold_place(
    *,
    actor: Any,
    account: Any,
    kind: str,
    whole_person: bool = False,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    evidence: str = "",
) -> Hold:
    """Pause collection on an account (or on the person, every account). What a hold blocks
    is each pack's business (US-12 cease, US-19 dispute, UK-15 Breathing Space…)."""
    _require(actor, "collection.contact", "compliance.manage")
    if kind not in Hold.Kind.values:
        raise ApplicationError(
            _("Unknown kind of hold."), "unknown_kind", fields={"kind": [_("Unknown.")]}
        )
    starts_at = starts_at or timezone.now()
    if ends_at is not None and ends_at <= starts_at:
        raise ApplicationError(
            _("A hold must end after it starts."),
            "invalid_dates",
            fields={"ends_at": [_("Too early.")]},
        )
    hold = Hold.objects.create(
        debtor_id=account.debtor_id,
        account=None if whole_person else account,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        evidence=evidence.strip(),
        set_by=actor,
    )
    record(
        action="compliance.hold_placed",
        actor=actor,
        target=hold,
        changes={
            "kind": kind,
            "account": None if whole_person else account.pk,
            "debtor": account.debtor_id,
            "starts_at": starts_at,
            "ends_at": ends_at,
        },
        reason=evidence,
    )
    return hold


@transaction.atomic
def hold_release(*, actor: Any, hold: Hold, reason: str) -> Hold:
    """End a hold early (verification mailed, complaint closed…). Compliance only."""
    _require(actor, "compliance.manage")
    hold = Hold.objects.select_for_update().get(pk=hold.pk)
    if hold.released_at is not None:
        raise Conflict(_("This hold was already released."), "already_released")
    if not reason.strip():
        raise ApplicationError(
            _("Give a reason."), "reason_required", fields={"reason": [_("Required.")]}
        )
    hold.released_at = timezone.now()
    hold.released_by = actor
    hold.release_reason = reason.strip()
    hold.save(update_fields=["released_at", "released_by", "release_reason"])
    record(
        action="compliance.hold_released",
        actor=actor,
        target=hold,
        changes={"kind": hold.kind},
        reason=reason,
    )
    return hold


# ---------------------------------------------------------------------------------------------
# preferences


@transaction.atomic
def preference_add(
    *,
    actor: Any,
    account: Any,
    kind: str,
    channel: str = "",
    contact_point: Any | None = None,
    start_time: time | None = None,
    end_time: time | None = None,
    language: str = "",
    evidence: str = "",
) -> ContactPreference:
    """Record what the person asked for: a medium opt-out, blocked hours, a documented
    agreement to other hours (CN-01, needs evidence), language, a third party's do-not-contact
    (CN-08) or a direct consent to be called (US-06)."""
    _require(actor, "collection.contact", "compliance.manage")
    K = ContactPreference.Kind
    fields: dict[str, list[str]] = {}
    if kind not in K.values:
        fields["kind"] = [_("Unknown.")]
    if kind == K.OPT_OUT_CHANNEL and channel not in CHANNELS:
        fields["channel"] = [_("Choose a channel.")]
    if channel and channel not in CHANNELS:
        fields["channel"] = [_("Unknown channel.")]
    if kind in (K.OPT_OUT_POINT, K.THIRD_PARTY_DNC) and contact_point is None:
        fields["contact_point"] = [_("Choose a contact point.")]
    if contact_point is not None and contact_point.debtor_id != account.debtor_id:
        fields["contact_point"] = [_("Not a contact point of this account's debtor.")]
    if (
        kind == K.THIRD_PARTY_DNC
        and contact_point is not None
        and contact_point.party_role
        in (
            "debtor",
            "guarantor",
            "co_obligor",
        )
    ):
        fields["contact_point"] = [_("Only a third party's contact point.")]
    if kind in (K.BLOCKED_TIME, K.AGREED_TIME) and (start_time is None or end_time is None):
        fields["start_time"] = [_("Give both times.")]
    if kind == K.AGREED_TIME and not evidence.strip():
        fields["evidence"] = [_("An agreement to other hours needs evidence.")]
    if kind == K.LANGUAGE and not language:
        fields["language"] = [_("Choose a language.")]
    if fields:
        raise ApplicationError(
            _("The preference is not complete."), "invalid_preference", fields=fields
        )
    timed = kind in (K.BLOCKED_TIME, K.AGREED_TIME)
    return _preference_create(
        actor=actor,
        debtor_id=account.debtor_id,
        kind=kind,
        channel=channel,
        contact_point=contact_point,
        start_time=start_time if timed else None,
        end_time=end_time if timed else None,
        language=language,
        evidence=evidence,
        audit={"start_time": start_time, "end_time": end_time},
    )


def _preference_create(
    *,
    actor: Any,
    debtor_id: Any,
    kind: str,
    channel: str,
    contact_point: Any | None,
    evidence: str,
    audit: dict[str, Any],
    start_time: time | None = None,
    end_time: time | None = None,
    language: str = "",
) -> ContactPreference:
    """Store a preference and its audit event (``audit``: what the event adds to the kind,
    channel, contact point and debtor)."""
    preference = ContactPreference.objects.create(
        debtor_id=debtor_id,
        kind=kind,
        channel=channel,
        contact_point=contact_point,
        start_time=start_time,
        end_time=end_time,
        language=language,
        evidence=evidence.strip(),
        created_by=actor,
    )
    record(
        action="compliance.preference_added",
        actor=actor,
        target=preference,
        changes={
            "kind": kind,
            "channel": channel,
            "contact_point": getattr(contact_point, "pk", None),
            **audit,
            "debtor": debtor_id,
        },
        reason=evidence,
    )
    return preference


@transaction.atomic
def preference_opt_out_from_reply(
    *, actor: Any, contact_point: Any, channel: str, evidence: str
) -> tuple[ContactPreference, bool]:
    """A reply asking to stop ("STOP", "退订"…) reported by the message provider: the person
    opts out of that channel. Returns the preference and whether it is new — a retried report
    finds the active opt-out and adds nothing."""
    from heed.portfolio.models import Debtor

    _require(actor, "messages.inbound")
    if channel not in CHANNELS:
        raise ApplicationError(
            _("The preference is not complete."),
            "invalid_preference",
            fields={"channel": [_("Unknown channel.")]},
        )
    Debtor.objects.select_for_update().filter(pk=contact_point.debtor_id).first()  # one at a time
    K = ContactPreference.Kind
    existing = (
        ContactPreference.objects.current()
        .filter(debtor_id=contact_point.debtor_id, kind=K.OPT_OUT_CHANNEL, channel=channel)
        .first()
    )
    if existing is not None:
        return existing, False
    preference = _preference_create(
        actor=actor,
        debtor_id=contact_point.debtor_id,
        kind=K.OPT_OUT_CHANNEL,
        channel=channel,
        contact_point=contact_point,
        evidence=evidence.strip(),
        audit={"source": "reply"},
    )
    return preference, True


@transaction.atomic
def preference_revoke(
    *, actor: Any, preference: ContactPreference, reason: str
) -> ContactPreference:
    _require(actor, "compliance.manage")
    preference = ContactPreference.objects.select_for_update().get(pk=preference.pk)
    if preference.revoked_at is not None:
        raise Conflict(_("Already revoked."), "already_revoked")
    preference.revoked_at = timezone.now()
    preference.revoked_by = actor
    preference.save(update_fields=["revoked_at", "revoked_by"])
    record(
        action="compliance.preference_revoked",
        actor=actor,
        target=preference,
        changes={"kind": preference.kind},
        reason=reason,
    )
    return preference


# ---------------------------------------------------------------------------------------------
# the gateway


def _check_request(account: Any, contact_point: Any | None, channel: str, purpose: str) -> None:
    fields: dict[str, list[str]] = {}
    if channel not in CHANNELS:
        fields["channel"] = [_("Unknown channel.")]
    if purpose not in PURPOSES:
        fields["purpose"] = [_("Unknown purpose.")]
    if contact_point is not None:
        if contact_point.debtor_id != account.debtor_id:
            fields["contact_point"] = [_("Not a contact point of this account's debtor.")]
        elif channel in CHANNELS and channel not in CHANNELS_BY_KIND.get(contact_point.kind, ()):
            fields["channel"] = [_("This contact point cannot carry that channel.")]
    elif channel != "visit":
        fields["contact_point"] = [_("Choose a contact point.")]
    if fields:
        raise ApplicationError(
            _("The contact request is not valid."), "invalid_request", fields=fields
        )


_DECISIONS = fastread.PreparedInsert(Decision)  # the stored decision, INSERT compiled once


@transaction.atomic
def preflight(
    *,
    actor: Any,
    account: Any,
    contact_point: Any | None,
    channel: str,
    at: datetime | None = None,
    purpose: str = "collect",
) -> Decision:
    """The one gateway every channel asks before a contact (ARCHITECTURE: the compliance gateway).

    Evaluates every applicable pack (creditor's + jurisdiction's, strictest wins) in every
    candidate time zone and stores the answer: allowed, each reason with rule, mode, message
    (English and Chinese), source and counters, ``next_allowed_at`` and the pack versions used.
    """
    _require(actor, "collection.contact")
    _check_request(account, contact_point, channel, purpose)
    at = at or timezone.now()
    inputs = selectors.gateway_inputs(account, contact_point, at)
    packs = packs_for(inputs.facts, selectors.active_packs())
    decision = selectors.evaluate_inputs(inputs, packs, channel=channel, at=at, purpose=purpose)
    situation_zones = candidate_zones(inputs.facts, inputs.point)
    reasons = [
        {
            "rule": r.rule,
            "mode": r.mode,
            "message_en": r.message_en,
            "message_zh": r.message_zh,
            "source": r.source,
            "pack": r.pack,
            "counters": r.counters,
            "next_allowed_at": r.next_allowed_at.isoformat() if r.next_allowed_at else None,
        }
        for r in decision.reasons
    ]
    return _DECISIONS.save(
        Decision(
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            account=account,
            contact_point=contact_point,
            channel=channel,
            party=contact_point.party_role if contact_point is not None else "debtor",
            purpose=purpose,
            proposed_at=at,
            allowed=decision.allowed,
            reasons=reasons,
            rules="," + ",".join(sorted({r.rule for r in decision.reasons})) + ","
            if reasons
            else "",
            next_allowed_at=decision.next_allowed_at,
            counters=decision.counters,
            pack_versions=selectors.pack_labels_with_hash(packs),
            timezones=list(situation_zones),
        )
    )
