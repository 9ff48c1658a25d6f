from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TaskRunQuerySet(models.QuerySet["TaskRun"]):
    def for_user(self, user: Any) -> TaskRunQuerySet:
        from heed.core.roles import has_permission

        if not getattr(user, "is_authenticated", False):
            return self.none()
        from heed.users.models import SCOPE_WIDE_ROLES

        # Back-office roles oversee every run; everyone else sees the runs they started.
        if has_permission(user, "tasks.view") and user.role in SCOPE_WIDE_ROLES:
            return self.all()
        if has_permission(user, "tasks.view") and user.team_id is not None:
            # A team lead follows the runs their team started.
            return self.filter(created_by__team_id=user.team_id)
        return self.filter(created_by_id=user.pk)


class TaskRun(models.Model):
    """A long job people wait for: status and progress the UI and API can poll.

    The run is created (by a service) before the task is enqueued; the task receives the run's
    id, so a retried task finds the same run and continues instead of starting over.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=100)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    progress_percent = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    message = models.CharField(_("message"), max_length=500, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="task_runs",
        verbose_name=_("started by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)

    objects = TaskRunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("task run")
        verbose_name_plural = _("task runs")
        constraints = [
            models.CheckConstraint(
                name="taskrun_progress_0_100", condition=models.Q(progress_percent__lte=100)
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.status} {self.progress_percent}%"

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.SUCCEEDED, self.Status.FAILED}
