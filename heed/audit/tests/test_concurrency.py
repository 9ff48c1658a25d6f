"""Concurrent writers queue on the chain head instead of forking the chain (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from heed.audit.models import AuditEvent, AuditHead
from heed.audit.services import record
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
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == list(
        range(1, total + 1)
    )
    assert AuditEvent.objects.values("prev_hash").distinct().count() == total
    per_writer = {
        label: AuditEvent.objects.filter(actor_label=label).count()
        for label in {f"system:thread{i}" for i in range(THREADS)}
    }
    assert set(per_writer.values()) == {EVENTS_PER_THREAD}
    result = verify_chain()
    assert (result.is_intact, result.checked) == (True, total)
    assert AuditHead.objects.get().last_seq == total
