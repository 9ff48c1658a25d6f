from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from heed.audit.verify import verify_chain


class Command(BaseCommand):
    help = "Walk the audit hash chain; exit 0 when intact, else name the first bad event."

    def handle(self, *args: Any, **options: Any) -> None:
        result = verify_chain()
        if result.is_intact:
            self.stdout.write(f"audit chain intact: {result.checked} events verified")
            return
        where = f"lane {result.bad_lane}, " if result.bad_lane is not None else ""
        where += f"event seq={result.bad_seq}" if result.bad_seq is not None else "chain"
        if result.bad_id is not None:
            where += f" (id={result.bad_id})"
        raise CommandError(
            f"audit chain BROKEN at {where}: {result.problem} "
            f"({result.checked} events verified before it)"
        )
