from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from heed.payments import services
from heed.payments.models import PromiseToPay
from heed.payments.tasks import KIND, payments_daily_start
from heed.portfolio.models import Account
from heed.tasks.models import TaskRun

pytestmark = pytest.mark.django_db


def test_daily_task_runs_through_a_task_run(
    account: Account, collector: Any, django_capture_on_commit_callbacks: Any
) -> None:
    today = timezone.localdate()
    promise = services.promise_create(
        actor=collector, account=account, amount=50_000, due_date=today, channel="phone"
    )
    with django_capture_on_commit_callbacks(execute=True):
        run = payments_daily_start(actor=None, today=today + timedelta(days=3))
    run.refresh_from_db()
    assert run.kind == KIND
    assert run.status == TaskRun.Status.SUCCEEDED
    assert run.result["promises_broken"] == 1
    promise.refresh_from_db()
    assert promise.status == PromiseToPay.Status.BROKEN


def test_management_command_runs_the_daily_evaluation(account: Account, collector: Any) -> None:
    today = timezone.localdate()
    services.promise_create(
        actor=collector, account=account, amount=50_000, due_date=today, channel="phone"
    )
    out = io.StringIO()
    call_command("payments_daily", "--date", str(today + timedelta(days=2)), stdout=out)
    assert "promises_broken: 0" in out.getvalue()
    call_command("payments_daily", "--date", str(today + timedelta(days=3)), stdout=out)
    assert "promises_broken: 1" in out.getvalue()
