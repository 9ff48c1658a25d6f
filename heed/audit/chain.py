"""The hash chain: canonical content of an event and its hash. Pure functions, no ORM."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

GENESIS_HASH = "0" * 64

CHAINED_FIELDS = (
    "seq",
    "occurred_at",
    "actor_user_id",
    "actor_api_key_id",
    "actor_label",
    "action",
    "target_type",
    "target_id",
    "changes",
    "reason",
    "request_id",
    "ip",
    "prev_hash",
)


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def canonical(content: dict[str, Any]) -> bytes:
    """Stable bytes for an event: sorted keys, no whitespace, UTC ISO times, UTF-8."""
    data = {name: content.get(name) for name in CHAINED_FIELDS}
    occurred = data["occurred_at"]
    if isinstance(occurred, datetime):
        # Normalise to UTC so the same instant always hashes the same.
        data["occurred_at"] = occurred.astimezone(UTC).isoformat(timespec="microseconds")
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default
    ).encode()


def event_hash(content: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(content)).hexdigest()
