"""Writes to the ledger. Each service is one transaction and writes its audit event."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from heed.audit.services import record
from heed.core.errors import ApplicationError, NotFound, PermissionDenied
from heed.core.money import is_currency
from heed.core.roles import Role, has_permission
from heed.portfolio import crypto, pii
from heed.portfolio.models import (
    Account,
    AssignmentHistory,
    ColumnMapping,
    ContactPoint,
    Creditor,
    Debtor,
    DebtorView,
)

# Re-exported for internal callers who only import services.
from heed.portfolio.selectors import contact_point_plain_value  # noqa: F401

MIN_REASON_LENGTH = 5


def _require(actor: Any, permission: str) -> None:
    if not has_permission(actor, permission):
        raise PermissionDenied()


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise ApplicationError(
            _("Give a reason (at least %(n)d characters).") % {"n": MIN_REASON_LENGTH},
            "reason_required",
            fields={"reason": [_("This field is required.")]},
        )
    return reason


# --- Status -------------------------------------------------------------------------------


@transaction.atomic
def account_transition(*, actor: Any, account: Account, to_status: str, reason: str) -> Account:
    """Move an account to ``to_status`` along :data:`Account.TRANSITIONS`; illegal moves raise.

    Callers authorise (views/API require ``portfolio.transition``; other apps' services move
    accounts as a consequence of their own authorised action, e.g. a plan or a dispute).
    """
    if to_status not in Account.Status.values:
        raise ApplicationError(_("Unknown status."), "unknown_status")
    locked = Account.objects.select_for_update().get(pk=account.pk)
    if not locked.can_transition_to(to_status):
        raise ApplicationError(
            _("An account cannot move from %(from)s to %(to)s.")
            % {"from": locked.get_status_display(), "to": Account.Status(to_status).label},
            "illegal_transition",
        )
    before = locked.status
    now = timezone.now()
    locked.status = to_status
    locked.status_changed_at = now
    locked.updated_at = now
    locked.save(update_fields=["status", "status_changed_at", "updated_at"])
    record(
        action="account.status_changed",
        actor=actor,
        target=locked,
        changes={"status": [before, to_status]},
        reason=reason,
    )
    account.status = locked.status
    account.status_changed_at = now
    account.updated_at = now
    return account


# --- Assignment ---------------------------------------------------------------------------


def _check_assignee(actor: Any, collector: Any, team: Any, agency: Any) -> None:
    if sum(x is not None for x in (collector, team, agency)) == 0:
        raise ApplicationError(_("Choose a collector, a team or an agency."), "no_assignee")
    if agency is not None and (collector is not None or team is not None):
        raise ApplicationError(
            _("An account is placed either with an agency or with our own staff."),
            "agency_or_staff",
        )
    if collector is not None:
        if not collector.is_active or collector.role not in {Role.COLLECTOR, Role.TEAM_LEAD}:
            raise ApplicationError(_("That user cannot hold accounts."), "not_a_collector")
        if collector.agency_id is not None:
            raise ApplicationError(_("That user cannot hold accounts."), "not_a_collector")
        if team is not None and collector.team_id != team.pk:
            raise ApplicationError(
                _("The collector is not a member of that team."), "collector_not_in_team"
            )
    if actor.role == Role.TEAM_LEAD:
        if agency is not None:
            raise PermissionDenied()
        if collector is not None and collector.team_id != actor.team_id:
            raise PermissionDenied()
        if team is not None and team.pk != actor.team_id:
            raise PermissionDenied()


def _assign_locked(
    *,
    actor: Any,
    accounts: list[Account],
    collector: Any,
    team: Any,
    agency: Any,
    reason: str,
    now: Any,
) -> int:
    changed = 0
    for account in accounts:
        if account.is_closed:
            continue
        new_team_id = team.pk if team else (collector.team_id if collector else None)
        new = (
            collector.pk if collector else None,
            new_team_id,
            agency.pk if agency else None,
        )
        old = (account.assigned_collector_id, account.assigned_team_id, account.agency_id)
        if new == old:
            continue
        held = any(old)
        AssignmentHistory.objects.filter(account=account, ended_at__isnull=True).update(
            ended_at=now
        )
        AssignmentHistory.objects.create(
            account=account,
            action=AssignmentHistory.Action.REASSIGN if held else AssignmentHistory.Action.ASSIGN,
            collector_id=new[0],
            team_id=new[1],
            agency_id=new[2],
            started_at=now,
            reason=reason,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
        )
        account.assigned_collector_id, account.assigned_team_id, account.agency_id = new
        account.updated_at = now
        account.save(update_fields=["assigned_collector", "assigned_team", "agency", "updated_at"])
        record(
            action="account.reassigned" if held else "account.assigned",
            actor=actor,
            target=account,
            changes={
                "collector": [old[0], new[0]],
                "team": [old[1], new[1]],
                "agency": [old[2], new[2]],
            },
            reason=reason,
        )
        changed += 1
    return changed


def _lock_scoped(actor: Any, ids: Iterable[int]) -> list[Account]:
    """The accounts among ``ids`` in the actor's scope, locked in primary-key order.

    Scope first, then lock by key: a team lead's scope joins the collector (an outer join),
    and PostgreSQL cannot lock the nullable side of one."""
    scoped = list(
        Account.objects.for_user(actor).filter(pk__in=list(ids)).values_list("pk", flat=True)
    )
    return list(Account.objects.select_for_update().filter(pk__in=scoped).order_by("pk"))


@transaction.atomic
def account_assign(
    *,
    actor: Any,
    account: Account,
    collector: Any = None,
    team: Any = None,
    agency: Any = None,
    reason: str = "",
) -> Account:
    """Give one account to a collector, a team or an agency (ends the previous holding).

    Reassigning an account someone already holds needs a reason. Every assignment path goes
    through here so later gates (credentials, training) have one place to live.
    """
    _require(actor, "portfolio.assign")
    _check_assignee(actor, collector, team, agency)
    locked = _lock_scoped(actor, [account.pk])
    if not locked:
        raise NotFound()
    target = locked[0]
    if target.is_closed:
        raise ApplicationError(_("A closed account cannot be assigned."), "account_closed")
    if any((target.assigned_collector_id, target.assigned_team_id, target.agency_id)):
        reason = _require_reason(reason)
    _assign_locked(
        actor=actor,
        accounts=locked,
        collector=collector,
        team=team,
        agency=agency,
        reason=reason,
        now=timezone.now(),
    )
    return target


@transaction.atomic
def accounts_bulk_assign(
    *,
    actor: Any,
    accounts: QuerySet[Account],
    collector: Any = None,
    team: Any = None,
    agency: Any = None,
    reason: str,
) -> int:
    """Assign every account of ``accounts`` (a filter) within the actor's scope; returns how
    many changed holder. Closed accounts and those already held by the target are skipped."""
    _require(actor, "portfolio.assign")
    reason = _require_reason(reason)
    _check_assignee(actor, collector, team, agency)
    locked = _lock_scoped(actor, accounts.values_list("pk", flat=True))
    return _assign_locked(
        actor=actor,
        accounts=locked,
        collector=collector,
        team=team,
        agency=agency,
        reason=reason,
        now=timezone.now(),
    )


def _recall_locked(*, actor: Any, accounts: list[Account], reason: str, now: Any) -> int:
    changed = 0
    for account in accounts:
        old = (account.assigned_collector_id, account.assigned_team_id, account.agency_id)
        if not any(old):
            continue
        AssignmentHistory.objects.filter(account=account, ended_at__isnull=True).update(
            ended_at=now
        )
        AssignmentHistory.objects.create(
            account=account,
            action=AssignmentHistory.Action.RECALL,
            started_at=now,
            reason=reason,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
        )
        account.assigned_collector_id = account.assigned_team_id = account.agency_id = None
        account.updated_at = now
        account.save(update_fields=["assigned_collector", "assigned_team", "agency", "updated_at"])
        record(
            action="account.recalled",
            actor=actor,
            target=account,
            changes={"collector": [old[0], None], "team": [old[1], None], "agency": [old[2], None]},
            reason=reason,
        )
        changed += 1
    return changed


@transaction.atomic
def account_recall(*, actor: Any, account: Account, reason: str) -> Account:
    """Take an account back from its collector, team or agency (it becomes unassigned)."""
    _require(actor, "portfolio.assign")
    reason = _require_reason(reason)
    locked = _lock_scoped(actor, [account.pk])
    if not locked:
        raise NotFound()
    if actor.role == Role.TEAM_LEAD and locked[0].agency_id is not None:
        raise PermissionDenied()
    _recall_locked(actor=actor, accounts=locked, reason=reason, now=timezone.now())
    return locked[0]


@transaction.atomic
def accounts_bulk_recall(*, actor: Any, accounts: QuerySet[Account], reason: str) -> int:
    _require(actor, "portfolio.assign")
    reason = _require_reason(reason)
    locked = _lock_scoped(actor, accounts.values_list("pk", flat=True))
    if actor.role == Role.TEAM_LEAD:
        locked = [a for a in locked if a.agency_id is None]
    return _recall_locked(actor=actor, accounts=locked, reason=reason, now=timezone.now())


# --- Personal data ------------------------------------------------------------------------


@transaction.atomic
def contact_point_reveal(*, actor: Any, contact_point: ContactPoint, reason: str) -> str:
    """Show one contact point unmasked: needs ``portfolio.reveal_pii`` and a typed reason;
    the reveal is audited (who, what, why)."""
    _require(actor, "portfolio.reveal_pii")
    reason = _require_reason(reason)
    value = contact_point_plain_value(contact_point)
    record(
        action="pii.revealed",
        actor=actor,
        target=contact_point,
        changes={"field": "contact_point.value", "debtor": contact_point.debtor_id},
        reason=reason,
    )
    return value


REVEALABLE_DEBTOR_FIELDS = {
    "national_id": pii.PURPOSE_NATIONAL_ID,
    "address": pii.PURPOSE_ADDRESS,
}


@transaction.atomic
def debtor_reveal(*, actor: Any, debtor: Debtor, field: str, reason: str) -> str:
    _require(actor, "portfolio.reveal_pii")
    if field not in REVEALABLE_DEBTOR_FIELDS:
        raise ApplicationError(_("That field cannot be revealed."), "unknown_field")
    reason = _require_reason(reason)
    value = crypto.decrypt(getattr(debtor, field), REVEALABLE_DEBTOR_FIELDS[field])
    record(
        action="pii.revealed",
        actor=actor,
        target=debtor,
        changes={"field": f"debtor.{field}"},
        reason=reason,
    )
    return value


def debtor_record_view(*, actor: Any, debtor: Debtor, via: str = "web") -> DebtorView:
    """Log that a staff member opened a debtor's record (auditors can list these)."""
    from heed.core import context

    ctx = context.current()
    return DebtorView.objects.create(
        debtor=debtor,
        viewer=actor if getattr(actor, "is_authenticated", False) else None,
        via=via,
        request_id=ctx.request_id if ctx else "",
    )


def _contact_value_refused(kind: str, value: str, region: str) -> ApplicationError:
    """Why ``value`` is not a valid contact point of ``kind``, and how to write it."""
    if not value.strip():
        message = _("A value is required.")
    elif kind == ContactPoint.Kind.PHONE:
        example = pii.phone_example(region)
        if example:
            # The placement import's wording ("Not a valid phone number for CN."), and how.
            message = _(
                "Not a valid phone number for %(country)s: write it with the country code, "
                "e.g. %(example)s."
            ) % {"country": region.upper(), "example": example}
        else:
            message = _(
                "Not a valid phone number: write it with + and the country code, "
                "e.g. +86 131 2345 6789."
            )
    elif kind == ContactPoint.Kind.EMAIL:
        message = _("Not a valid e-mail address.")
    elif kind == ContactPoint.Kind.POSTAL:
        message = _(
            "Not a full postal address: write at least the street with the house number and "
            "the town or city, on separate lines or separated by a comma (e.g. “12 High "
            "Street, Oxford OX1 4AA”); a Chinese address needs at least %(count)d characters "
            "(e.g. 上海市黄浦区南京东路100号)."
        ) % {"count": pii.POSTAL_MIN_CHINESE_CHARACTERS}
    else:
        message = _("A value is required.")
    return ApplicationError(message, "invalid_value", fields={"value": [message]})


def _contact_normalised(kind: str, value: str, region: str) -> str:
    """The canonical form of a contact point (the blind index's input), or a refusal that
    says what is wrong with it and how to write it."""
    normalised = pii.contact_normalise(kind, value, region)
    if normalised is None or (
        kind == ContactPoint.Kind.POSTAL and not pii.postal_address_is_plausible(value)
    ):
        raise _contact_value_refused(kind, value, region)
    return normalised


def _party_text(role: str, name: str = "") -> str:
    label = str(ContactPoint.PartyRole(role).label)
    return _("%(role)s (%(name)s)") % {"role": label, "name": name} if name else label


_ON_FILE_WHAT = {
    ContactPoint.Kind.PHONE: gettext_lazy("This number"),
    ContactPoint.Kind.EMAIL: gettext_lazy("This e-mail address"),
    ContactPoint.Kind.POSTAL: gettext_lazy("This address"),
    ContactPoint.Kind.IM: gettext_lazy("This IM handle"),
}


def _on_file_other_role(existing: ContactPoint, party_role: str) -> ApplicationError:
    on_file = _party_text(existing.party_role, existing.party_name)
    return ApplicationError(
        _(
            "%(what)s is already on file for this debtor as “%(existing)s”, not “%(wanted)s”. "
            "Nothing was changed: confirm to change its role to “%(wanted)s”, or keep "
            "“%(role)s”."
        )
        % {
            "what": _ON_FILE_WHAT[ContactPoint.Kind(existing.kind)],
            "existing": on_file,
            "wanted": ContactPoint.PartyRole(party_role).label,
            "role": ContactPoint.PartyRole(existing.party_role).label,
        },
        "on_file_other_role",
        fields={"party_role": [_("Already on file as “%(existing)s”.") % {"existing": on_file}]},
        status=409,
    )


def _contact_point_role_change(
    *,
    actor: Any,
    point: ContactPoint,
    party_role: str,
    party_name: str,
    relation: str,
    provenance: str,
) -> ContactPoint:
    """File a contact point already on file under another party role (a number recorded as an
    emergency contact's that turns out to be the debtor's own). The role decides what may be
    said to whoever answers (third parties hear nothing of the debt), so it changes only when
    the person adding it confirms; the source of the new role becomes the point's provenance,
    and the old role and source stay in the audit log."""
    before = (point.party_role, point.provenance)
    point.party_role = party_role
    point.party_name = party_name if party_role != ContactPoint.PartyRole.DEBTOR else ""
    point.relation = relation if party_role != ContactPoint.PartyRole.DEBTOR else ""
    point.provenance = provenance
    point.save(update_fields=["party_role", "party_name", "relation", "provenance"])
    if party_role == ContactPoint.PartyRole.DEBTOR and point.timezones:
        debtor = point.debtor
        merged = pii.merge_zones(debtor.timezones, tuple(point.timezones))
        if merged != debtor.timezones:
            debtor.timezones = merged
            debtor.save(update_fields=["timezones"])
    record(
        action="contact_point.role_changed",
        actor=actor,
        target=point,
        changes={
            "party_role": [before[0], party_role],
            "provenance": [before[1], provenance],
        },
    )
    return point


@transaction.atomic
def contact_point_add(
    *,
    actor: Any,
    debtor: Debtor,
    kind: str,
    value: str,
    party_role: str = ContactPoint.PartyRole.DEBTOR,
    party_name: str = "",
    relation: str = "",
    provenance: str,
    region: str = "",
    change_role: bool = False,
) -> ContactPoint:
    """Add a contact point. RULES.md CN-18: it must have a lawful provenance (contract,
    debtor-provided, debtor-authorised, public source, credit bureau) — never a phone book.

    The value must be usable: a phone number valid in the debtor's country (or written with its
    country code), an e-mail address, or a postal address a letter can reach
    (:func:`pii.postal_address_is_plausible`); a refusal says what is wrong and how to write it.
    A value already on file for the debtor under the same party role is returned as it is. One
    on file under another role is refused (409 ``on_file_other_role``, naming that role) unless
    ``change_role``: then its role changes to ``party_role`` (audited)."""
    _require(actor, "portfolio.import")
    if provenance not in ContactPoint.Provenance.values:
        raise ApplicationError(
            _("A contact point needs a lawful source."),
            "provenance_required",
            fields={"provenance": [_("Choose where this contact point came from.")]},
        )
    if kind not in ContactPoint.Kind.values:
        raise ApplicationError(_("Unknown kind of contact point."), "unknown_kind")
    if party_role not in ContactPoint.PartyRole.values:
        raise ApplicationError(
            _("Unknown party role."), "invalid", fields={"party_role": [_("Unknown.")]}
        )
    region = region or debtor.country
    normalised = _contact_normalised(kind, value, region)
    index = crypto.blind_index(normalised, kind)
    existing = (
        ContactPoint.objects.select_for_update()
        .filter(debtor=debtor, kind=kind, value_index=index)
        .first()
    )
    if existing is not None:
        if existing.party_role == party_role:
            return existing
        if not change_role:
            raise _on_file_other_role(existing, party_role)
        return _contact_point_role_change(
            actor=actor,
            point=existing,
            party_role=party_role,
            party_name=party_name,
            relation=relation,
            provenance=provenance,
        )
    zones: tuple[str, ...] = ()
    phone_region = ""
    if kind == ContactPoint.Kind.PHONE:
        info = pii.parse_phone(value, region)
        if info:
            zones, phone_region = info.timezones, info.region
    # A postal address keeps the lines it was typed on (a letter prints them); the index and
    # the masked form use the one-line form, so the same address either way is one address.
    stored = pii.postal_lines(value) if kind == ContactPoint.Kind.POSTAL else normalised
    point = ContactPoint.objects.create(
        debtor=debtor,
        kind=kind,
        value=crypto.encrypt(stored, pii.PURPOSE_CONTACT),
        value_index=index,
        value_masked=pii.mask_contact(kind, normalised),
        phone_region=phone_region,
        timezones=list(zones),
        party_role=party_role,
        party_name=party_name,
        relation=relation,
        provenance=provenance,
    )
    if party_role == ContactPoint.PartyRole.DEBTOR and zones:
        merged = pii.merge_zones(debtor.timezones, zones)
        if merged != debtor.timezones:
            debtor.timezones = merged
            debtor.save(update_fields=["timezones"])
    record(
        action="contact_point.added",
        actor=actor,
        target=point,
        changes={"kind": kind, "party_role": party_role, "provenance": provenance},
    )
    return point


# --- Creditors and mappings ---------------------------------------------------------------


@transaction.atomic
def creditor_create(
    *,
    actor: Any,
    code: str,
    name: str,
    country: str,
    currency: str,
    rule_packs: list[str] | None = None,
    allocation_order: list[str] | None = None,
    default_jurisdiction: str = "",
) -> Creditor:
    _require(actor, "portfolio.manage_creditors")
    currency = currency.upper()
    if not is_currency(currency):
        raise ApplicationError(
            _("Unknown currency."), "invalid_currency", fields={"currency": [_("Unknown.")]}
        )
    if Creditor.objects.filter(code=code).exists():
        raise ApplicationError(
            _("A creditor with this code exists."),
            "duplicate_code",
            fields={"code": [_("Already used.")]},
        )
    creditor = Creditor.objects.create(
        code=code,
        name=name,
        country=country.upper(),
        currency=currency,
        rule_packs=rule_packs or [],
        allocation_order=allocation_order or ["fees", "interest", "principal"],
        default_jurisdiction=default_jurisdiction or country.upper(),
    )
    record(
        action="creditor.created",
        actor=actor,
        target=creditor,
        changes={"code": code, "name": name, "country": country, "currency": currency},
    )
    return creditor


@transaction.atomic
def column_mapping_save(
    *,
    actor: Any,
    creditor: Creditor,
    name: str,
    columns: dict[str, str],
    date_format: str = "",
    default_currency: str = "",
    default_country: str = "",
) -> ColumnMapping:
    """Save a creditor's header → standard column mapping (e.g. {"借据号": "external_ref"})."""
    from heed.portfolio.importer import STANDARD_COLUMNS

    _require(actor, "portfolio.import")
    unknown = sorted({v for v in columns.values() if v not in STANDARD_COLUMNS})
    if unknown:
        raise ApplicationError(
            _("Unknown standard columns: %(cols)s") % {"cols": ", ".join(unknown)},
            "unknown_columns",
            fields={"columns": unknown},
        )
    mapping, _created = ColumnMapping.objects.update_or_create(
        creditor=creditor,
        name=name,
        defaults={
            "columns": columns,
            "date_format": date_format,
            "default_currency": default_currency.upper(),
            "default_country": default_country.upper(),
        },
    )
    record(
        action="column_mapping.saved",
        actor=actor,
        target=mapping,
        changes={"creditor": creditor.code, "name": name, "columns": columns},
    )
    return mapping


# --- Placement import ---------------------------------------------------------------------


def _store_upload(name: str, chunks: Iterable[bytes]) -> tuple[str, str]:
    """Save an uploaded file under MEDIA_ROOT/placements; returns (path, sha256)."""
    import hashlib
    import uuid
    from pathlib import Path

    from django.conf import settings

    folder = Path(settings.MEDIA_ROOT) / "placements"
    folder.mkdir(parents=True, exist_ok=True)
    safe = "".join(c for c in Path(name).name if c.isalnum() or c in "._-")[-80:] or "upload"
    path = folder / f"{uuid.uuid4().hex}_{safe}"
    digest = hashlib.sha256()
    with open(path, "wb") as handle:
        for chunk in chunks:
            digest.update(chunk)
            handle.write(chunk)
    return str(path), digest.hexdigest()


@transaction.atomic
def placement_import_start(
    *,
    actor: Any,
    creditor: Creditor,
    file_name: str,
    chunks: Iterable[bytes],
    mapping: ColumnMapping | None = None,
    agency: Any = None,
    dry_run: bool = False,
    reject_on_error: bool = False,
) -> Any:
    """Store the uploaded file, create the placement and start the background import.

    The import itself (validation, encryption, upsert) runs in
    :func:`heed.portfolio.tasks.import_placement_task`; progress is on the placement's TaskRun.
    """
    from heed.portfolio.models import Placement
    from heed.portfolio.tasks import import_placement_task
    from heed.tasks.services import task_run_start

    _require(actor, "portfolio.import")
    if mapping is not None and mapping.creditor_id != creditor.pk:
        raise ApplicationError(_("That mapping belongs to another creditor."), "wrong_mapping")
    path, sha = _store_upload(file_name, chunks)
    placement = Placement.objects.create(
        creditor=creditor,
        agency=agency,
        mapping=mapping,
        source_file_name=file_name[:255],
        source_file=path,
        source_sha256=sha,
        imported_by=actor if getattr(actor, "is_authenticated", False) else None,
        is_dry_run=dry_run,
        reject_on_error=reject_on_error,
    )
    run = task_run_start(
        actor=actor,
        kind="portfolio.import_placement",
        params={"placement_id": placement.pk},
        enqueue=lambda run_id: import_placement_task.enqueue(run_id),
    )
    placement.task_run = run
    placement.save(update_fields=["task_run"])
    record(
        action="placement.import_started",
        actor=actor,
        target=placement,
        changes={
            "creditor": creditor.code,
            "file": file_name,
            "sha256": sha,
            "dry_run": dry_run,
            "reject_on_error": reject_on_error,
            "agency": getattr(agency, "code", None),
        },
    )
    return placement
