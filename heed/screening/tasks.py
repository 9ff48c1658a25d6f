"""Background work of screening: the batch letter run."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from heed.tasks.models import TaskRun
from heed.tasks.services import task_run_execute, task_run_progress


def _letter_batch(run: TaskRun) -> dict[str, Any]:
    from heed.screening.services import letter_batch_run

    run_id = str(run.pk)

    def progress(percent: int, message: str) -> None:
        task_run_progress(run_id, percent=percent, message=message)

    return letter_batch_run(run, progress=progress)


@task()
def letter_batch_task(run_id: str) -> None:
    task_run_execute(run_id, _letter_batch)
