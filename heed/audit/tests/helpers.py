"""Raw-SQL tampering, as someone with direct database access would do it."""

from __future__ import annotations

from typing import Any

from django.db import connection

from heed.audit.chain import event_hash
from heed.audit.models import AuditEvent
from heed.audit.services import record

TABLE = "audit_auditevent"


def write_events(count: int, **fields: Any) -> list[AuditEvent]:
    return [
        record(
            action=f"test.event{n}", actor="system:test", target_id=n, changes={"n": n}, **fields
        )
        for n in range(1, count + 1)
    ]


def drop_triggers(using: Any = None) -> None:
    """What an attacker with the table owner's rights does first (the test transaction rolls it
    back, so the triggers are back for the next test)."""
    conn = using or connection
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(f"DROP TRIGGER audit_event_no_update_delete ON {TABLE}")
        else:
            cursor.execute("DROP TRIGGER audit_event_no_update")
            cursor.execute("DROP TRIGGER audit_event_no_delete")


def execute(sql: str, params: list[Any] | None = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.rowcount


def forged_content(*, seq: int, prev_hash: str, occurred_at: Any) -> dict[str, Any]:
    content = {
        "seq": seq,
        "occurred_at": occurred_at,
        "actor_user_id": None,
        "actor_api_key_id": None,
        "actor_label": "system:test",
        "action": "payment.reversed",
        "target_type": "payments.payment",
        "target_id": "77",
        "changes": {"amount": [10000, 0]},
        "reason": "forged",
        "request_id": "",
        "ip": "",
        "prev_hash": prev_hash,
    }
    content["hash"] = event_hash(content)
    return content
