from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from heed.audit.models import AuditEvent
from heed.core.errors import ApplicationError, PermissionDenied
from heed.core.roles import Role
from heed.portfolio import importer, services
from heed.portfolio.home import widgets
from heed.portfolio.models import (
    Account,
    ContactPoint,
    Debtor,
    Placement,
    bucket_for,
    days_past_due_on,
)
from heed.portfolio.tests.factories import AccountFactory, CreditorFactory, DebtorFactory
from heed.portfolio.tests.test_import import GOOD, do_import, write_csv

pytestmark = pytest.mark.django_db


def test_buckets() -> None:
    import datetime

    today = datetime.date(2026, 4, 30)
    assert [
        bucket_for(days_past_due_on(datetime.date(2026, 4, 30) - datetime.timedelta(days=d), today))
        for d in (-3, 0, 1, 30, 31, 60, 61, 90, 91)
    ] == ["M0", "M0", "M1", "M1", "M2", "M2", "M3", "M3", "M3+"]


def test_terminal_statuses_cannot_move() -> None:
    account = AccountFactory(status="written_off")
    with pytest.raises(ApplicationError) as caught:
        services.account_transition(actor=None, account=account, to_status="active", reason="x")
    assert caught.value.code == "illegal_transition"
    assert not AuditEvent.objects.filter(action="account.status_changed").exists()


def test_every_declared_transition_target_is_a_status() -> None:
    statuses = set(Account.Status.values)
    assert set(Account.TRANSITIONS) == statuses
    assert all(targets <= statuses for targets in Account.TRANSITIONS.values())


def test_contact_point_needs_lawful_provenance(make_user: Any) -> None:
    actor = make_user(Role.DATA_MANAGER)
    debtor = DebtorFactory()
    with pytest.raises(ApplicationError) as caught:
        services.contact_point_add(
            actor=actor, debtor=debtor, kind="phone", value="13812341234", provenance="phone_book"
        )
    assert caught.value.code == "provenance_required"
    point = services.contact_point_add(
        actor=actor, debtor=debtor, kind="phone", value="13812341234", provenance="debtor_provided"
    )
    again = services.contact_point_add(
        actor=actor,
        debtor=debtor,
        kind="phone",
        value="+86 138 1234 1234",
        provenance="debtor_provided",
    )
    assert again.pk == point.pk and ContactPoint.objects.count() == 1
    with pytest.raises(PermissionDenied):
        services.contact_point_add(
            actor=make_user(Role.COLLECTOR),
            debtor=debtor,
            kind="email",
            value="a@b.cn",
            provenance="contract",
        )


def test_interrupted_import_leaves_nothing_and_can_rerun(tmp_path: Path, monkeypatch: Any) -> None:
    creditor = CreditorFactory(code="cfc")
    rows = [{**GOOD, "external_ref": f"LN-{i}", "national_id": ""} for i in range(7)]
    path = write_csv(tmp_path / "a.csv", rows)
    monkeypatch.setattr(importer, "CHUNK_ROWS", 2)
    original = importer._Writer.apply_chunk
    calls = {"n": 0}

    def crash(self: Any, chunk: Any, result: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("worker killed")
        original(self, chunk, result)

    monkeypatch.setattr(importer._Writer, "apply_chunk", crash)
    with pytest.raises(RuntimeError):
        do_import(creditor, path)
    assert (Account.objects.count(), Debtor.objects.count(), ContactPoint.objects.count()) == (
        0,
        0,
        0,
    )
    monkeypatch.setattr(importer._Writer, "apply_chunk", original)
    _placement, result = do_import(creditor, path)
    assert result.created == 7 and Account.objects.count() == 7


def test_import_command_prints_counts_and_fails_on_rejected_rows(tmp_path: Path) -> None:
    CreditorFactory(code="cfc")
    path = write_csv(
        tmp_path / "a.csv", [GOOD, {**GOOD, "external_ref": "LN-2", "due_date": "someday"}]
    )
    out = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("import_placement", str(path), "--creditor", "cfc", stdout=out)
    assert exited.value.code == 1
    text = out.getvalue()
    assert "rows 2  valid 1  rejected 1" in text
    assert "3\tdue_date\tsomeday\tNot a date" in text
    out = io.StringIO()
    call_command(
        "import_placement",
        str(write_csv(tmp_path / "b.csv", [GOOD])),
        "--creditor",
        "cfc",
        "--dry-run",
        stdout=out,
    )
    assert "validated" in out.getvalue()
    assert Placement.objects.filter(is_dry_run=True, status="validated").count() == 1


def test_home_widgets_are_scoped(make_user: Any) -> None:
    collector = make_user(Role.COLLECTOR)
    AccountFactory(assigned_collector=collector)
    AccountFactory()
    assert [(w["label"], w["value"]) for w in widgets(collector)] == [("Open accounts", 1)]
    manager = make_user(Role.DATA_MANAGER)
    values = {w["label"]: w["value"] for w in widgets(manager)}
    assert values["Open accounts"] == 2 and values["Unassigned open accounts"] == 1
    assert widgets(make_user(Role.HR_OFFICER)) == []
