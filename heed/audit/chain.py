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


_PREV_MARK = "\x00heed:prev_hash\x00"
_SEQ_MARK = "\x00heed:seq\x00"


def canonical_parts(content: dict[str, Any]) -> tuple[str, str, str]:
    """The canonical text of an event split around its two chain positions, so that
    ``prefix + prev_hash + middle + str(seq) + suffix`` is exactly ``canonical(content)`` once
    the lane's previous hash and sequence are known (the database fills them in while it holds
    the lane, in the same statement that appends the event)."""
    text = canonical({**content, "prev_hash": _PREV_MARK, "seq": _SEQ_MARK}).decode()
    prev_marker = json.dumps(_PREV_MARK, ensure_ascii=False)[1:-1]  # inside the quotes
    seq_marker = json.dumps(_SEQ_MARK, ensure_ascii=False)  # the quotes go too: a number
    prefix, rest = _split_once(text, f'"prev_hash":"{prev_marker}"')
    middle, suffix = _split_once(rest, f'"seq":{seq_marker}')
    return prefix + '"prev_hash":"', '"' + middle + '"seq":', suffix


def _split_once(text: str, marker: str) -> tuple[str, str]:
    before, found, after = text.partition(marker)
    if not found or marker in after:
        raise ValueError("an event's content cannot contain the chain's position markers")
    return before, after
