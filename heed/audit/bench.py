"""Benchmark: audit events per second through :func:`heed.audit.services.record` (hash chain,
head row lock) against plain inserts of the same rows into an unchained table of the same shape,
in the same run. The ratio is the cost of the chain.

Run by ``make bench`` (scripts/bench.sh) on a fresh SQLite file and a throwaway PostgreSQL, or
by hand: ``python -m heed.audit.bench`` with ``DJANGO_SETTINGS_MODULE=config.settings``. It
writes real audit events, so it refuses a database whose audit log is not empty.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

PLAIN_TABLE = "bench_plain_auditevent"
HEADER = f"{'backend':<10} | {'chained ev/s':>12} | {'plain ev/s':>10} | ratio (plain/chained)"


def _plain_model() -> type[models.Model]:
    """An unmanaged copy of AuditEvent's columns, indexes and unique constraints."""
    from heed.audit.models import AuditEvent

    attrs: dict[str, Any] = {
        "__module__": __name__,
        "Meta": type(
            "Meta",
            (),
            {
                "app_label": "audit",
                "db_table": PLAIN_TABLE,
                "managed": False,
                "indexes": [
                    models.Index(fields=["target_type", "target_id"], name="bench_plain_target_idx")
                ],
                "constraints": [
                    models.UniqueConstraint(fields=fields, name=f"bench_plain_{fields[1]}_unique")
                    for fields in (["lane", "seq"], ["lane", "prev_hash"], ["lane", "hash"])
                ],
            },
        ),
    }
    for field in AuditEvent._meta.local_fields:
        if not field.primary_key:
            attrs[field.name] = field.clone()
    return type("BenchPlainAuditEvent", (models.Model,), attrs)


def _schema(change: Callable[[Any], None]) -> None:
    """Apply a schema change without entering the editor's context: SQLite's editor refuses to
    enter inside a transaction (the tests run this in one), and this table has no foreign keys
    whose checks would need switching off."""
    editor = connection.schema_editor(atomic=False)
    editor.deferred_sql = []
    change(editor)
    for statement in editor.deferred_sql:
        editor.execute(statement)


def _content(n: int) -> dict[str, Any]:
    return {
        "action": "bench.event",
        "target_type": "bench.target",
        "target_id": str(n),
        "changes": {"n": n, "amount": 12345, "status": ["open", "promised"]},
        "reason": "benchmark",
    }


def _rate(count: int, write: Callable[[int], None]) -> float:
    started = time.perf_counter()
    for n in range(count):
        write(n)
    return count / (time.perf_counter() - started)


def run(rounds: int = 5, events: int = 300, *, out: Any = None) -> dict[str, Any]:
    """Median events/second over ``rounds`` rounds of ``events`` single-event transactions."""
    from heed.audit.models import AuditEvent
    from heed.audit.services import record
    from heed.audit.verify import verify_chain

    out = out or sys.stdout
    if AuditEvent.objects.exists():
        raise SystemExit(
            "heed.audit.bench writes real audit events: run it on an empty database "
            "(make bench uses throwaway ones)"
        )
    out.write(HEADER + "\n")
    plain_model = _plain_model()
    _schema(lambda editor: editor.create_model(plain_model))
    plain_seq = 0

    def chained(n: int) -> None:
        with transaction.atomic():
            record(actor="system:bench", **_content(n))

    def plain(n: int) -> None:
        nonlocal plain_seq
        plain_seq += 1
        with transaction.atomic():
            plain_model._default_manager.create(
                seq=plain_seq,
                occurred_at=timezone.now(),
                actor_user_id=None,
                actor_api_key_id=None,
                actor_label="system:bench",
                request_id="",
                ip="",
                prev_hash=f"{plain_seq - 1:064x}",
                hash=f"{plain_seq:064x}",
                **_content(n),
            )

    chained_rates: list[float] = []
    plain_rates: list[float] = []
    try:
        _rate(20, chained)  # warm up connections and caches
        _rate(20, plain)
        for _ in range(rounds):  # interleaved, so machine noise hits both alike
            chained_rates.append(_rate(events, chained))
            plain_rates.append(_rate(events, plain))
    finally:
        _schema(lambda editor: editor.delete_model(plain_model))

    result = verify_chain()
    if not result.is_intact:
        raise SystemExit(f"the benchmark broke the chain: {result.problem}")
    chained_median = statistics.median(chained_rates)
    plain_median = statistics.median(plain_rates)
    row = {
        "backend": connection.vendor,
        "chained": chained_median,
        "plain": plain_median,
        "ratio": plain_median / chained_median,
        "events": result.checked,
    }
    out.write(
        f"{row['backend']:<10} | {row['chained']:>12.0f} | {row['plain']:>10.0f} | "
        f"{row['ratio']:>5.2f}x   (median of {rounds} rounds x {events} events, "
        "one transaction each; chain verified)\n"
    )
    return row


def main() -> None:
    import django

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--events", type=int, default=300)
    args = parser.parse_args()
    django.setup()
    run(rounds=args.rounds, events=args.events)


if __name__ == "__main__":
    main()
