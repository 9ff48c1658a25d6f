"""Concurrent writers append to free lanes, each lane its own chain, and never fork one
(PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from heed.audit.models import AuditEvent, AuditHead
from heed.audit.services import ensure_lane_heads, record
from heed.audit.verify import verify_chain

THREADS = 6
EVENTS_PER_THREAD = 15


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_do_not_fork_the_chain() -> None:
    assert connection.vendor == "postgresql"
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def writer(number: int) -> None:
        try:
            start.wait(timeout=30)
            for n in range(EVENTS_PER_THREAD):
                # Each event in its own transaction that also does other work, like a service.
                with transaction.atomic():
                    record(action="test.concurrent", actor=f"system:thread{number}", target_id=n)
        except BaseException as exc:  # reported below, with the thread's traceback lost
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    total = THREADS * EVENTS_PER_THREAD
    lanes: dict[int, list[int]] = {}
    for lane, seq in AuditEvent.objects.order_by("lane", "seq").values_list("lane", "seq"):
        lanes.setdefault(lane, []).append(seq)
    # Every lane is numbered 1, 2, 3, … without gaps, and together they hold every event once.
    assert all(seqs == list(range(1, len(seqs) + 1)) for seqs in lanes.values())
    assert sum(len(seqs) for seqs in lanes.values()) == total
    assert AuditEvent.objects.values("lane", "prev_hash").distinct().count() == total
    per_writer = {
        label: AuditEvent.objects.filter(actor_label=label).count()
        for label in {f"system:thread{i}" for i in range(THREADS)}
    }
    assert set(per_writer.values()) == {EVENTS_PER_THREAD}
    result = verify_chain()
    assert (result.is_intact, result.checked) == (True, total)
    heads = dict(AuditHead.objects.filter(last_seq__gt=0).values_list("id", "last_seq"))
    assert heads == {lane: len(seqs) for lane, seqs in lanes.items()}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_writer_does_not_wait_for_another_transaction_holding_a_lane() -> None:
    """One transaction records an event and stays open; another writer records meanwhile, in
    the next lane, without waiting; then the first records again in the lane it holds."""
    assert connection.vendor == "postgresql"
    ensure_lane_heads()  # the migration made them; this test database was emptied since
    holding = threading.Event()
    release = threading.Event()
    errors: list[BaseException] = []

    def slow_writer() -> None:
        try:
            with transaction.atomic():
                record(action="test.slow", actor="system:slow", target_id=1)
                holding.set()
                if not release.wait(timeout=30):
                    raise TimeoutError("never released")
                record(action="test.slow", actor="system:slow", target_id=2)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert holding.wait(timeout=30)
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                # Any wait for a row lock would fail at once instead of blocking the test.
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            fast = record(action="test.fast", actor="system:fast", target_id=1)
    finally:
        release.set()
        thread.join(timeout=60)
    assert errors == []
    slow = list(AuditEvent.objects.filter(actor_label="system:slow").order_by("id"))
    assert [(e.lane, e.seq) for e in slow] == [(1, 1), (1, 2)]
    assert (fast.lane, fast.seq) == (2, 1)
    assert verify_chain().is_intact
