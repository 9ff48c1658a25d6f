"""Background work of the portfolio: the placement import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from heed.portfolio.importer import ImportOptions, run_import
from heed.portfolio.models import Placement
from heed.tasks.models import TaskRun
from heed.tasks.services import task_run_execute, task_run_progress


def _import(run: TaskRun) -> dict[str, Any]:
    placement = Placement.objects.select_related("creditor", "mapping", "imported_by").get(
        pk=run.params["placement_id"]
    )
    run_id = str(run.pk)

    def progress(percent: int, message: str) -> None:
        task_run_progress(run_id, percent=percent, message=message)

    try:
        result = run_import(
            placement,
            Path(placement.source_file),
            actor=placement.imported_by,
            options=ImportOptions(
                dry_run=placement.is_dry_run, reject_on_error=placement.reject_on_error
            ),
            progress=progress,
        )
    except Exception:
        # Nothing of the batch was written (one transaction); the run can be started again.
        Placement.objects.filter(pk=placement.pk).update(status=Placement.Status.FAILED)
        raise
    summary = result.as_dict()
    summary["placement_id"] = placement.pk
    summary["message"] = import_summary(
        result, language=getattr(placement.imported_by, "language", "")
    )
    return summary


def import_summary(result: Any, *, language: str = "") -> str:
    """The run's one-line outcome, in the language of whoever started the import."""
    statuses = dict(Placement.Status.choices)
    with translation.override(language or translation.get_language()):
        return _(
            "%(status)s: %(created)d created, %(updated)d updated, %(unchanged)d unchanged, "
            "%(rejected)d rows rejected"
        ) % {
            "status": statuses.get(result.status, result.status),
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "rejected": result.rows_rejected,
        }


@task()
def import_placement_task(run_id: str) -> None:
    task_run_execute(run_id, _import)
