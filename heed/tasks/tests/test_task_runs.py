from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from heed.audit.models import AuditEvent
from heed.audit.tasks import audit_verify_task
from heed.audit.tests.helpers import drop_triggers, execute, write_events
from heed.core.roles import Role
from heed.tasks.models import TaskRun
from heed.tasks.services import (
    task_run_execute,
    task_run_progress,
    task_run_start,
)
from heed.users.models import Team
from heed.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_tests_run_tasks_with_the_immediate_backend(settings: Any) -> None:
    assert settings.TASKS["default"]["BACKEND"] == (
        "django_tasks.backends.immediate.ImmediateBackend"
    )


def start_verify_in_the_ui(client: Client, capture: Any) -> tuple[Any, TaskRun]:
    with capture(execute=True):
        response = client.post("/audit/verify/")
    return response, TaskRun.objects.get()


def test_audit_verify_started_in_the_ui_succeeds_with_its_result(
    team_alpha: Team, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    write_events(3)
    auditor = UserFactory(role=Role.AUDITOR, team=team_alpha)
    client = client_for(auditor)
    response, run = start_verify_in_the_ui(client, django_capture_on_commit_callbacks)
    assert (response.status_code, response["Location"]) == (302, f"/tasks/{run.pk}/")
    assert (run.kind, run.status, run.progress_percent, run.created_by, run.attempts) == (
        "audit.verify",
        TaskRun.Status.SUCCEEDED,
        100,
        auditor,
        1,
    )
    assert run.result == {
        "is_intact": True,
        "checked": 3,
        "bad_lane": None,
        "bad_seq": None,
        "problem": "",
        "message": "intact",
    }
    assert run.message == "intact"
    assert (run.started_at is not None, run.finished_at is not None) == (True, True)

    page = client.get(f"/tasks/{run.pk}/")
    assert page.status_code == 200
    assert b"Succeeded" in page.content
    partial = client.get(f"/tasks/{run.pk}/", HTTP_HX_REQUEST="true")
    assert partial.content.decode().startswith('<div class="panel" id="task-run"')
    assert "hx-trigger" not in partial.content.decode()  # finished: the page stops polling

    api = client.get(f"/api/v1/tasks/runs/{run.pk}")
    assert api.status_code == 200
    assert (api.json()["status"], api.json()["result"]["checked"]) == ("succeeded", 3)


def test_audit_verify_task_reports_a_broken_chain(
    team_alpha: Team, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    write_events(3)
    drop_triggers()
    execute("UPDATE audit_auditevent SET action = 'x' WHERE seq = 2")
    auditor = UserFactory(role=Role.AUDITOR, team=team_alpha)
    _response, run = start_verify_in_the_ui(client_for(auditor), django_capture_on_commit_callbacks)
    assert run.status == TaskRun.Status.SUCCEEDED
    assert (run.result["is_intact"], run.result["bad_seq"]) == (False, 2)
    assert run.message == "BROKEN: event #2 content does not match its hash: edited"


def test_the_task_is_enqueued_only_after_commit(team_alpha: Team) -> None:
    calls: list[str] = []
    run = task_run_start(actor=None, kind="k", params={"a": 1}, enqueue=calls.append)
    assert (calls, run.status, run.created_by) == ([], TaskRun.Status.QUEUED, None)


def test_a_task_delivered_twice_runs_once(django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        run = task_run_start(
            actor=None, kind="audit.verify", params={}, enqueue=audit_verify_task.enqueue
        )
    audit_verify_task.enqueue(str(run.pk))  # a retry or duplicate delivery
    run.refresh_from_db()
    assert (run.status, run.attempts) == (TaskRun.Status.SUCCEEDED, 1)


def test_a_failing_task_records_the_error_and_reraises() -> None:
    run = TaskRun.objects.create(kind="k")

    def work(_run: TaskRun) -> dict[str, Any]:
        task_run_progress(str(_run.pk), percent=40, message="halfway")
        raise ValueError("row 7 is not a date")

    with pytest.raises(ValueError, match="row 7"):
        task_run_execute(str(run.pk), work)
    run.refresh_from_db()
    assert (run.status, run.error, run.progress_percent, run.message) == (
        TaskRun.Status.FAILED,
        "ValueError: row 7 is not a date",
        40,
        "halfway",
    )


def test_a_retried_run_continues_and_counts_attempts() -> None:
    run = TaskRun.objects.create(kind="k", status=TaskRun.Status.RUNNING, attempts=1)
    task_run_execute(str(run.pk), lambda _run: {"rows": 3, "message": "3 rows"})
    run.refresh_from_db()
    assert (run.status, run.attempts, run.result, run.message) == (
        TaskRun.Status.SUCCEEDED,
        2,
        {"rows": 3, "message": "3 rows"},
        "3 rows",
    )


def test_unknown_run_is_ignored() -> None:
    task_run_execute("00000000-0000-0000-0000-000000000000", lambda _run: {})
    assert TaskRun.objects.count() == 0


@pytest.mark.parametrize(("given", "stored"), [(-5, 0), (55, 55), (250, 100)])
def test_progress_is_clamped_to_0_100(given: int, stored: int) -> None:
    run = TaskRun.objects.create(kind="k")
    task_run_progress(str(run.pk), percent=given, message="m" * 600)
    run.refresh_from_db()
    assert (run.progress_percent, len(run.message)) == (stored, 500)


def test_run_detail_is_scoped_like_the_api(
    team_alpha: Team, team_beta: Team, client_for: Any
) -> None:
    owner = UserFactory(role=Role.COLLECTOR, team=team_alpha)
    run = TaskRun.objects.create(kind="k", created_by=owner)
    colleague = UserFactory(role=Role.COLLECTOR, team=team_alpha)
    outsider = UserFactory(role=Role.AGENCY_USER)
    lead = UserFactory(role=Role.TEAM_LEAD, team=team_beta)
    own_lead = UserFactory(role=Role.TEAM_LEAD, team=team_alpha)
    statuses = {
        name: (
            client_for(user).get(f"/tasks/{run.pk}/").status_code,
            client_for(user).get(f"/api/v1/tasks/runs/{run.pk}").status_code,
        )
        for name, user in {
            "owner": owner,
            "colleague": colleague,
            "outsider": outsider,
            "other team's lead": lead,
            "own team's lead": own_lead,
        }.items()
    }
    assert statuses == {
        "owner": (200, 200),
        "colleague": (404, 404),
        "outsider": (404, 404),
        "other team's lead": (404, 404),
        "own team's lead": (200, 200),
    }
    assert Client().get(f"/tasks/{run.pk}/").status_code == 302
    assert AuditEvent.objects.count() == 0
