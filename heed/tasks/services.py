"""Task runs: create one, enqueue its task after commit, report progress, finish."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from heed.tasks.models import TaskRun


def task_run_start(
    *, actor: Any, kind: str, params: dict[str, Any], enqueue: Callable[[str], Any]
) -> TaskRun:
    """Create a run and enqueue ``enqueue(run_id)`` once the surrounding transaction commits."""
    run = TaskRun.objects.create(
        kind=kind,
        params=params,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    run_id = str(run.pk)
    transaction.on_commit(lambda: enqueue(run_id))
    return run


def task_run_claim(run_id: str) -> TaskRun | None:
    """Mark a run as running. Returns None when it already finished (a duplicate delivery)."""
    with transaction.atomic():
        run = TaskRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.is_finished:
            return None
        run.status = TaskRun.Status.RUNNING
        run.started_at = run.started_at or timezone.now()
        run.attempts += 1
        run.save(update_fields=["status", "started_at", "attempts"])
        return run


def task_run_progress(run_id: str, *, percent: int, message: str = "") -> None:
    percent = max(0, min(100, int(percent)))
    TaskRun.objects.filter(pk=run_id).update(progress_percent=percent, message=message[:500])


def task_run_succeed(run_id: str, *, result: dict[str, Any], message: str = "") -> None:
    TaskRun.objects.filter(pk=run_id).update(
        status=TaskRun.Status.SUCCEEDED,
        progress_percent=100,
        result=result,
        message=message[:500],
        finished_at=timezone.now(),
    )


def task_run_fail(run_id: str, *, error: str) -> None:
    TaskRun.objects.filter(pk=run_id).update(
        status=TaskRun.Status.FAILED, error=error[:5000], finished_at=timezone.now()
    )


def task_run_execute(run_id: str, work: Callable[[TaskRun], dict[str, Any]]) -> None:
    """Run ``work`` for a claimed run; record success or the failure (then re-raise it)."""
    run = task_run_claim(run_id)
    if run is None:
        return
    try:
        result = work(run)
    except Exception as exc:
        task_run_fail(run_id, error=f"{type(exc).__name__}: {exc}")
        raise
    task_run_succeed(run_id, result=result, message=str(result.get("message", ""))[:500])
