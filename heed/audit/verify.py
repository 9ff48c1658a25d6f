"""Walking the chain: finds the first event that was edited, deleted, inserted or moved."""

from __future__ import annotations

from dataclasses import dataclass

from heed.audit.chain import CHAINED_FIELDS, GENESIS_HASH, event_hash
from heed.audit.models import AuditEvent, AuditHead


@dataclass(frozen=True)
class VerifyResult:
    is_intact: bool
    checked: int
    bad_seq: int | None = None
    bad_id: int | None = None
    problem: str = ""


def verify_chain(batch_size: int = 5000) -> VerifyResult:
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    last_id = 0
    fields = ("id", "hash", *CHAINED_FIELDS)
    while True:
        rows = list(
            AuditEvent.objects.filter(seq__gte=expected_seq)
            .order_by("seq")
            .values(*fields)[:batch_size]
        )
        if not rows:
            break
        for row in rows:
            if row["seq"] != expected_seq:
                return VerifyResult(
                    False,
                    checked,
                    expected_seq,
                    row["id"],
                    f"event #{expected_seq} is missing (next present is #{row['seq']}): deleted",
                )
            if row["prev_hash"] != expected_prev:
                return VerifyResult(
                    False,
                    checked,
                    row["seq"],
                    row["id"],
                    f"event #{row['seq']} does not follow event #{row['seq'] - 1} "
                    "(previous-hash mismatch): inserted, reordered or the previous one deleted",
                )
            if event_hash(row) != row["hash"]:
                return VerifyResult(
                    False,
                    checked,
                    row["seq"],
                    row["id"],
                    f"event #{row['seq']} content does not match its hash: edited",
                )
            if row["id"] <= last_id:
                return VerifyResult(
                    False,
                    checked,
                    row["seq"],
                    row["id"],
                    f"event #{row['seq']} was written before event #{row['seq'] - 1}: reordered",
                )
            last_id = row["id"]
            expected_prev = row["hash"]
            expected_seq += 1
            checked += 1
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and (head.last_seq != checked or head.last_hash != expected_prev):
        return VerifyResult(
            False,
            checked,
            head.last_seq,
            None,
            f"the chain ends at event #{checked} but its head records #{head.last_seq}: "
            "the newest events were deleted",
        )
    if head is None and checked:
        return VerifyResult(False, checked, None, None, "the chain head is missing")
    return VerifyResult(True, checked)
