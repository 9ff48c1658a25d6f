"""Writing to the audit log. Services call :func:`record` inside their own transaction."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from heed.audit.chain import GENESIS_HASH, event_hash
from heed.audit.models import AuditEvent, AuditHead
from heed.core import context


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
    """Append one event to the chain, in the caller's transaction.

    The head row is locked first (``SELECT … FOR UPDATE``), so concurrent writers queue up and
    the chain never forks; unique ``seq`` and ``prev_hash`` are the backstop.
    """
    ctx = context.current()
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target.pk
    # savepoint=False: inside a service's transaction this joins it (no extra round trips);
    # on its own it is a transaction of its own.
    with transaction.atomic(savepoint=False):
        head = AuditHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            AuditHead.objects.get_or_create(pk=1, defaults={"last_hash": GENESIS_HASH})
            head = AuditHead.objects.select_for_update().get(pk=1)
        content: dict[str, Any] = {
            "seq": head.last_seq + 1,
            "occurred_at": timezone.now(),
            **_actor_fields(actor, api_key),
            "action": action,
            "target_type": target_type,
            "target_id": "" if target_id is None else str(target_id),
            "changes": _json_safe(changes or {}),
            "reason": reason,
            "request_id": request_id or (ctx.request_id if ctx else ""),
            "ip": ip or (ctx.ip if ctx and ctx.ip else ""),
            "prev_hash": head.last_hash,
        }
        digest = event_hash(content)
        event = AuditEvent.objects.create(**content, hash=digest)
        AuditHead.objects.filter(pk=1).update(last_seq=content["seq"], last_hash=digest)
    return event
