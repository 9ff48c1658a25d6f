"""Walking the chain: finds the first event that was edited, deleted, inserted or moved.

The log is chained in lanes (see :class:`heed.audit.models.AuditEvent`); every lane is walked
from its genesis to its head, and every lane that has events must have a head that matches.
"""

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
    bad_lane: int | None = None


def _lanes() -> list[int]:
    with_events = set(AuditEvent.objects.values_list("lane", flat=True).distinct())
    with_heads = set(AuditHead.objects.values_list("id", flat=True))
    return sorted(with_events | with_heads)


def verify_chain(batch_size: int = 5000) -> VerifyResult:
    checked = 0
    for lane in _lanes():
        result = _verify_lane(lane, batch_size, checked)
        if not result.is_intact:
            return result
        checked = result.checked
    return VerifyResult(True, checked)


def _verify_lane(lane: int, batch_size: int, checked: int) -> VerifyResult:
    expected_prev = GENESIS_HASH
    expected_seq = 1
    last_id = 0
    in_lane = 0
    fields = ("id", "hash", *CHAINED_FIELDS)

    def broken(seq: int | None, event_id: int | None, problem: str) -> VerifyResult:
        return VerifyResult(False, checked, seq, event_id, problem, lane)

    while True:
        rows = list(
            AuditEvent.objects.filter(lane=lane, seq__gte=expected_seq)
            .order_by("seq")
            .values(*fields)[:batch_size]
        )
        if not rows:
            break
        for row in rows:
            if row["seq"] != expected_seq:
                return broken(
                    expected_seq,
                    row["id"],
                    f"event #{expected_seq} is missing (next present is #{row['seq']}): deleted",
                )
            if row["prev_hash"] != expected_prev:
                return broken(
                    row["seq"],
                    row["id"],
                    f"event #{row['seq']} does not follow event #{row['seq'] - 1} "
                    "(previous-hash mismatch): inserted, reordered or the previous one deleted",
                )
            if event_hash(row) != row["hash"]:
                return broken(
                    row["seq"],
                    row["id"],
                    f"event #{row['seq']} content does not match its hash: edited",
                )
            if row["id"] <= last_id:
                return broken(
                    row["seq"],
                    row["id"],
                    f"event #{row['seq']} was written before event #{row['seq'] - 1}: reordered",
                )
            last_id = row["id"]
            expected_prev = row["hash"]
            expected_seq += 1
            checked += 1
            in_lane += 1
    head = AuditHead.objects.filter(pk=lane).first()
    if head is not None and (head.last_seq != in_lane or head.last_hash != expected_prev):
        return broken(
            head.last_seq,
            None,
            f"the chain ends at event #{in_lane} but its head records #{head.last_seq}: "
            "the newest events were deleted",
        )
    if head is None and in_lane:
        return broken(None, None, "the chain head is missing")
    return VerifyResult(True, checked)
