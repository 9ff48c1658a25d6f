"""Recording contacts. Every outbound contact carries the gateway decision that allowed it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from heed.audit.services import record
from heed.collection.models import ContactAttempt
from heed.core.errors import ApplicationError, Conflict, PermissionDenied
from heed.core.roles import has_permission

# A decision is good for a contact that starts within this long after the time it was asked for.
DECISION_VALID_FOR = timedelta(minutes=15)
CONTENT_PURPOSE = "contact.content"


def _encrypt(text: str) -> str:
    from heed.portfolio import crypto

    return crypto.encrypt(text, CONTENT_PURPOSE)


def contact_content_plain(attempt: ContactAttempt) -> str:
    """The message text or transcript, decrypted for an authorised reader."""
    from heed.portfolio import crypto

    return crypto.decrypt(attempt.content, CONTENT_PURPOSE)


def _check_status(
    *,
    decision: Any,
    account: Any,
    contact_point: Any,
    channel: str,
    direction: str,
    started_at: datetime,
) -> str:
    C = ContactAttempt.Check
    if direction == ContactAttempt.Direction.INBOUND:
        return C.INBOUND
    if decision is None:
        return C.UNCHECKED
    matches = (
        decision.account_id == account.pk
        and decision.channel == channel
        and decision.contact_point_id == getattr(contact_point, "pk", None)
        and decision.proposed_at - timedelta(minutes=1) <= started_at
        and started_at <= decision.proposed_at + DECISION_VALID_FOR
    )
    if not matches:
        return C.MISMATCH
    return C.CHECKED if decision.allowed else C.REFUSED


@transaction.atomic
def contact_attempt_record(
    *,
    actor: Any,
    account: Any,
    contact_point: Any | None,
    channel: str,
    outcome: str,
    started_at: datetime,
    ended_at: datetime | None = None,
    direction: str = ContactAttempt.Direction.OUTBOUND,
    initiator: str = ContactAttempt.Initiator.COLLECTOR,
    purpose: str = "collect",
    decision: Any | None = None,
    debts_discussed: list[int] | None = None,
    notes: str = "",
    content: str = "",
) -> ContactAttempt:
    """Record a contact that happened. Without a decision (a dialer that did not ask) it is
    accepted but marked *unchecked* for the compliance officer; a decision that refused, or does
    not match the contact (account, point, channel, time), is marked as such. One decision
    covers one contact."""
    if not has_permission(actor, "collection.contact"):
        raise PermissionDenied()
    fields: dict[str, list[str]] = {}
    if channel not in ContactAttempt.Channel.values:
        fields["channel"] = [_("Unknown channel.")]
    if outcome not in ContactAttempt.Outcome.values:
        fields["outcome"] = [_("Unknown outcome.")]
    if direction not in ContactAttempt.Direction.values:
        fields["direction"] = [_("Unknown direction.")]
    if initiator not in ContactAttempt.Initiator.values:
        fields["initiator"] = [_("Unknown initiator.")]
    if contact_point is not None and contact_point.debtor_id != account.debtor_id:
        fields["contact_point"] = [_("Not a contact point of this account's debtor.")]
    if ended_at is not None and ended_at < started_at:
        fields["ended_at"] = [_("Ends before it starts.")]
    if started_at > timezone.now() + timedelta(minutes=5):
        fields["started_at"] = [_("A contact cannot be recorded in the future.")]
    if fields:
        raise ApplicationError(_("The contact is not valid."), "invalid_contact", fields=fields)
    status = _check_status(
        decision=decision,
        account=account,
        contact_point=contact_point,
        channel=channel,
        direction=direction,
        started_at=started_at,
    )
    if decision is not None and ContactAttempt.objects.filter(decision=decision).exists():
        raise Conflict(_("This decision was already used for another contact."), "decision_used")
    consent = _consented(account.debtor_id, started_at, channel)
    try:
        with transaction.atomic():
            attempt = ContactAttempt.objects.create(
                account=account,
                debtor_id=account.debtor_id,
                contact_point=contact_point,
                party_role=contact_point.party_role if contact_point is not None else "debtor",
                channel=channel,
                direction=direction,
                initiator=initiator,
                purpose=purpose,
                collector=actor if getattr(actor, "is_authenticated", False) else None,
                agency_id=getattr(actor, "agency_id", None) or account.agency_id,
                started_at=started_at,
                ended_at=ended_at,
                outcome=outcome,
                debts_discussed=list(debts_discussed or [account.pk]),
                notes=notes,
                content=_encrypt(content),
                with_consent=consent,
                decision=decision,
                check_status=status,
                recorded_by=actor,
            )
    except IntegrityError:
        raise Conflict(_("This decision was already used for another contact."), "decision_used")
    if outcome == ContactAttempt.Outcome.REFUSED and attempt.party_role in (
        "emergency_contact",
        "third_party",
    ):
        _third_party_refused(
            actor=actor, account=account, contact_point=contact_point, attempt=attempt
        )
    record(
        action="contact.recorded",
        actor=actor,
        target=attempt,
        changes={
            "account": account.pk,
            "channel": channel,
            "outcome": outcome,
            "decision": getattr(decision, "pk", None),
            "check_status": status,
        },
    )
    return attempt


def _consented(debtor_id: int, at: datetime, channel: str) -> bool:
    from heed.compliance.gateway import has_consent
    from heed.compliance.selectors import preferences_for_debtor

    return has_consent(preferences_for_debtor(debtor_id).filter(kind="consent"), at, channel)


def _third_party_refused(
    *, actor: Any, account: Any, contact_point: Any, attempt: ContactAttempt
) -> None:
    """CN-08: a third party who refused further contact is never contacted again — kept as a
    lasting preference, not only as history that ages out of the gateway's window."""
    from heed.compliance.services import preference_add

    if contact_point is None:
        return
    preference_add(
        actor=actor,
        account=account,
        kind="third_party_dnc",
        contact_point=contact_point,
        evidence=f"Refused further contact during contact #{attempt.pk}",
    )
