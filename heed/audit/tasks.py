"""Background verification of the audit chain (auditors start it from the UI)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from heed.audit.verify import verify_chain
from heed.tasks.models import TaskRun
from heed.tasks.services import task_run_execute, task_run_progress


def _verify(run: TaskRun) -> dict[str, Any]:
    task_run_progress(str(run.pk), percent=10, message="walking the chain")
    result = verify_chain()
    return {
        "is_intact": result.is_intact,
        "checked": result.checked,
        "bad_lane": result.bad_lane,
        "bad_seq": result.bad_seq,
        "problem": result.problem,
        "message": "intact" if result.is_intact else f"BROKEN: {result.problem}",
    }


@task()
def audit_verify_task(run_id: str) -> None:
    task_run_execute(run_id, _verify)
