"""The daily money run as a background task (promises kept/broken, plan defaults, expiries)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django_tasks import task

from heed.payments.services import payments_daily
from heed.tasks.models import TaskRun
from heed.tasks.services import task_run_execute, task_run_progress, task_run_start

KIND = "payments.daily"


def _work(run: TaskRun) -> dict[str, Any]:
    raw = (run.params or {}).get("today")
    today = date.fromisoformat(raw) if raw else None
    task_run_progress(str(run.pk), percent=5, message="evaluating promises, plans and settlements")
    counts = payments_daily(today=today).as_dict()
    message = ", ".join(f"{k}={v}" for k, v in counts.items())
    return {**counts, "message": message}


@task()
def payments_daily_task(run_id: str) -> None:
    task_run_execute(run_id, _work)


def payments_daily_start(*, actor: Any, today: date | None = None) -> TaskRun:
    """Create a task run for the daily evaluation and enqueue it after commit."""
    with transaction.atomic():
        return task_run_start(
            actor=actor,
            kind=KIND,
            params={"today": today.isoformat() if today else None},
            enqueue=lambda run_id: payments_daily_task.enqueue(run_id),
        )
