from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from heed.api.pagination import Page
from heed.api.schemas import ErrorOut
from heed.core.scoping import get_scoped_or_404
from heed.tasks.models import TaskRun

router = Router(tags=["tasks"])


class TaskRunOut(Schema):
    id: UUID
    kind: str
    status: str
    progress_percent: int
    message: str
    result: dict[str, Any]
    error: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


@router.get("/runs", response={200: list[TaskRunOut]})
@paginate(Page)
def list_runs(request: HttpRequest) -> Any:
    return TaskRun.objects.for_user(request.user)


@router.get("/runs/{run_id}", response={200: TaskRunOut, 404: ErrorOut})
def get_run(request: HttpRequest, run_id: UUID) -> TaskRun:
    return get_scoped_or_404(TaskRun.objects.for_user(request.user), run_id)
