"""Writing to the audit log. Services call :func:`record` inside their own transaction."""

from __future__ import annotations

import functools
import json
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from heed.audit.chain import CHAINED_FIELDS, GENESIS_HASH, canonical_parts, event_hash
from heed.audit.models import MAX_LANES, AuditEvent, AuditHead
from heed.core import context, db


def _json_safe(value: Any) -> Any:
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def _actor_fields(actor: Any, api_key: Any) -> dict[str, Any]:
    ctx = context.current()
    if actor is None and ctx is not None:
        actor = ctx.user
    if api_key is None and ctx is not None:
        api_key = ctx.api_key
    user_id = getattr(actor, "pk", None) if getattr(actor, "is_authenticated", False) else None
    label = ""
    if user_id is not None:
        label = getattr(actor, "username", "")
    elif isinstance(actor, str):
        label = actor  # a system actor, e.g. "system:worker" or "debtor:portal"
    key_id = getattr(api_key, "pk", None)
    if key_id is not None:
        label = f"{label} (API key {getattr(api_key, 'prefix', key_id)})".strip()
    return {"actor_user_id": user_id, "actor_api_key_id": key_id, "actor_label": label[:200]}


def lane_count() -> int:
    """How many lanes writers spread over (``HEED_AUDIT_LANES``; SQLite has one writer at a
    time, so it always uses one lane)."""
    if connection.vendor != "postgresql":
        return 1
    return max(1, min(MAX_LANES, int(getattr(settings, "HEED_AUDIT_LANES", 8))))


def _wait_lane(lanes: int) -> int:
    if lanes == 1:
        return 1
    return (os.getpid() * 31 + threading.get_ident()) % lanes + 1


def ensure_lane_heads(lanes: int = MAX_LANES) -> None:
    """Create missing lane heads. The migration creates all of them; this covers a database
    whose tables were emptied since (as tests do)."""
    existing = set(AuditHead.objects.filter(id__lte=lanes).values_list("id", flat=True))
    missing = [
        AuditHead(id=lane, last_seq=0, last_hash=GENESIS_HASH)
        for lane in range(1, lanes + 1)
        if lane not in existing
    ]
    if missing:
        AuditHead.objects.bulk_create(missing, ignore_conflicts=True)


def _lock_single_lane() -> tuple[int, int, str]:
    """SQLite: lane 1 (the database lock already serialises writers)."""
    for attempt in range(2):
        head = (
            AuditHead.objects.select_for_update()
            .filter(pk=1)
            .values_list("last_seq", "last_hash")
            .first()
        )
        if head is not None:
            return 1, int(head[0]), str(head[1])
        if attempt == 0:
            ensure_lane_heads(1)
    raise RuntimeError("the audit chain's head cannot be created")


# What the caller gives an event: every chained field but the two the chain itself fills in.
_CONTENT_COLUMNS = tuple(f for f in CHAINED_FIELDS if f not in ("seq", "prev_hash"))


@functools.cache
def _event_fields() -> dict[str, Any]:
    return {f.name: f for f in AuditEvent._meta.concrete_fields}


@functools.cache
def _append_ctes(*, wait: bool) -> str:
    """PostgreSQL: common table expressions that lock a lane head, append the event after it —
    its hash computed by the database from the canonical text around the lane's previous hash
    and next sequence — and move the head. ``wait=False`` takes the lowest free lane (``SKIP
    LOCKED``: nothing is appended when all are busy), ``wait=True`` waits for the given one.
    The appended event is ``audit_ev (id, lane, seq, prev_hash, hash)``."""
    qn = connection.ops.quote_name
    fields = _event_fields()
    head = qn(AuditHead._meta.db_table)
    event = qn(AuditEvent._meta.db_table)
    columns = ", ".join(qn(c) for c in _CONTENT_COLUMNS)
    casts = ", ".join(f"%s::{fields[c].db_type(connection)}" for c in _CONTENT_COLUMNS)
    pick = (
        "WHERE id = %s FOR UPDATE" if wait else "WHERE id <= %s ORDER BY id FOR UPDATE SKIP LOCKED"
    )
    digest = (
        "encode(sha256(convert_to(%s || audit_h.last_hash || %s || "
        "(audit_h.last_seq + 1)::text || %s, 'UTF8')), 'hex')"
    )
    return (
        f"audit_h AS (SELECT id, last_seq, last_hash FROM {head} {pick} LIMIT 1), "  # noqa: S608 - model table names
        f"audit_ev AS (INSERT INTO {event} (lane, seq, prev_hash, hash, {columns}) "
        f"SELECT audit_h.id, audit_h.last_seq + 1, audit_h.last_hash, {digest}, {casts} "
        "FROM audit_h RETURNING id, lane, seq, prev_hash, hash), "
        f"audit_moved AS (UPDATE {head} SET last_seq = audit_ev.seq, last_hash = audit_ev.hash "
        f"FROM audit_ev WHERE {head}.id = audit_ev.lane)"
    )


EVENT_COLUMNS = "audit_ev.id, audit_ev.lane, audit_ev.seq, audit_ev.prev_hash, audit_ev.hash"


@dataclass
class PendingEvent:
    """An audit event ready to be appended on PostgreSQL by a caller's own statement.

    ``ctes(wait=False)`` and ``params(wait=False)`` go into the caller's ``WITH`` (after its own
    expressions, in that order); the statement selects :data:`EVENT_COLUMNS` from ``audit_ev``
    and hands the row to :meth:`event`. When it returns no event row every lane was busy: call
    :meth:`append` (it waits for a lane). :func:`record` is this with a statement of its own.
    """

    content: dict[str, Any]

    def ctes(self, *, wait: bool = False) -> str:
        return _append_ctes(wait=wait)

    def params(self, *, wait: bool = False) -> list[Any]:
        prefix, middle, suffix = canonical_parts(self.content)
        fields = _event_fields()
        values = [fields[c].get_db_prep_save(self.content[c], connection) for c in _CONTENT_COLUMNS]
        lanes = lane_count()
        return [_wait_lane(lanes) if wait else lanes, prefix, middle, suffix, *values]

    def event(self, row: Sequence[Any]) -> AuditEvent:
        event_id, lane, seq, prev_hash, digest = row
        event = AuditEvent(
            id=event_id, lane=lane, seq=seq, prev_hash=prev_hash, hash=digest, **self.content
        )
        event._state.adding = False
        event._state.db = connection.alias
        return event

    def append(self) -> AuditEvent:
        """Append in a statement of its own: a free lane, else wait for one."""
        for attempt in range(2):
            for wait in (False, True):
                row = db.execute(
                    f"WITH {self.ctes(wait=wait)} SELECT {EVENT_COLUMNS} FROM audit_ev",  # noqa: S608 - our own SQL
                    self.params(wait=wait),
                )
                if row is not None:
                    return self.event(row)
            if attempt == 0:
                ensure_lane_heads(lane_count())
        raise RuntimeError("the audit chain's lane heads cannot be created")


def _content(
    *,
    action: str,
    actor: Any,
    target: models.Model | None,
    target_type: str,
    target_id: Any,
    changes: dict[str, Any] | None,
    reason: str,
    api_key: Any,
    request_id: str | None,
    ip: str | None,
) -> dict[str, Any]:
    ctx = context.current()
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target.pk
    return {
        "occurred_at": timezone.now(),
        **_actor_fields(actor, api_key),
        "action": action,
        "target_type": target_type,
        "target_id": "" if target_id is None else str(target_id),
        "changes": _json_safe(changes or {}),
        "reason": reason,
        "request_id": request_id or (ctx.request_id if ctx else ""),
        "ip": ip or (ctx.ip if ctx and ctx.ip else ""),
    }


def pending_event(
    *,
    action: str,
    actor: Any = None,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: Any = "",
    changes: dict[str, Any] | None = None,
    reason: str = "",
    api_key: Any = None,
    request_id: str | None = None,
    ip: str | None = None,
) -> PendingEvent:
    """The event :func:`record` would append, for a caller that appends it in its own
    statement (PostgreSQL only; see :class:`PendingEvent`)."""
    return PendingEvent(
        _content(
            action=action,
            actor=actor,
            target=target,
            target_type=target_type,
            target_id=target_id,
            changes=changes,
            reason=reason,
            api_key=api_key,
            request_id=request_id,
            ip=ip,
        )
    )


def record(
    *,
    action: str,
    actor: Any = None,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: Any = "",
    changes: dict[str, Any] | None = None,
    reason: str = "",
    api_key: Any = None,
    request_id: str | None = None,
    ip: str | None = None,
) -> AuditEvent:
    """Append one event to a lane of the chain, in the caller's transaction.

    The lane's head row is locked (``SELECT … FOR UPDATE``) and held to commit, so the lane
    never forks (unique ``(lane, seq)`` and ``(lane, prev_hash)`` are the backstop), while
    writers in other transactions append to other lanes at the same time (PostgreSQL, where
    it takes one statement; SQLite has one writer at a time and one lane).
    """
    pending = pending_event(
        action=action,
        actor=actor,
        target=target,
        target_type=target_type,
        target_id=target_id,
        changes=changes,
        reason=reason,
        api_key=api_key,
        request_id=request_id,
        ip=ip,
    )
    # savepoint=False: inside a service's transaction this joins it (no extra round trips);
    # on its own it is a transaction of its own.
    with transaction.atomic(savepoint=False):
        if connection.vendor == "postgresql":
            return pending.append()
        content = pending.content
        lane, last_seq, last_hash = _lock_single_lane()
        content["seq"] = last_seq + 1
        content["prev_hash"] = last_hash
        digest = event_hash(content)
        event = AuditEvent.objects.create(lane=lane, **content, hash=digest)
        AuditHead.objects.filter(pk=lane).update(last_seq=content["seq"], last_hash=digest)
    return event
