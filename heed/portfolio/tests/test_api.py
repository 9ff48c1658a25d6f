from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client

from heed.audit.models import AuditEvent
from heed.portfolio.importer import STANDARD_COLUMNS
from heed.portfolio.models import Account, AssignmentHistory, DebtorView, Placement
from heed.portfolio.tests.factories import AccountFactory
from heed.portfolio.tests.test_import import GOOD

pytestmark = pytest.mark.django_db


def ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


def test_account_list_is_scoped_by_role_team_and_agency(
    world: dict[str, Any], client_for: Any
) -> None:
    u, a, ag = world["users"], world["account"].pk, world["agency_account"].pk
    assert Client().get("/api/v1/accounts").status_code == 401
    assert ids(client_for(u["collector"]).get("/api/v1/accounts")) == {a}
    assert ids(client_for(u["beta_collector"]).get("/api/v1/accounts")) == set()
    assert ids(client_for(u["lead"]).get("/api/v1/accounts")) == {a}
    assert ids(client_for(u["beta_lead"]).get("/api/v1/accounts")) == set()
    assert ids(client_for(u["agency"]).get("/api/v1/accounts")) == {ag}
    assert ids(client_for(u["south_agency"]).get("/api/v1/accounts")) == set()
    assert ids(client_for(u["data_manager"]).get("/api/v1/accounts")) == {a, ag}


def test_account_search_by_exact_phone_and_national_id_uses_blind_index(
    world: dict[str, Any], client_for: Any
) -> None:
    client = client_for(world["users"]["data_manager"])
    a = world["account"].pk
    assert ids(client.get("/api/v1/accounts", {"phone": "138-1234-1234"})) == {a}
    assert ids(client.get("/api/v1/accounts", {"phone": "+86 138 1234 1234"})) == {a}
    assert ids(client.get("/api/v1/accounts", {"phone": "13812341235"})) == set()
    assert ids(client.get("/api/v1/accounts", {"national_id": "11010519491231002x"})) == {a}
    assert ids(client.get("/api/v1/accounts", {"reference": world["account"].external_ref})) == {a}


def test_account_list_query_count_does_not_grow_with_rows(
    world: dict[str, Any], client_for: Any, django_assert_max_num_queries: Any
) -> None:
    client = client_for(world["users"]["data_manager"])
    for _ in range(10):
        AccountFactory(creditor=world["account"].creditor)
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/accounts")
    assert response.json()["count"] == 12


def test_account_detail_hides_other_teams_accounts_with_404_and_logs_views(
    world: dict[str, Any], client_for: Any
) -> None:
    u, account = world["users"], world["account"]
    url = f"/api/v1/accounts/{account.pk}"
    assert client_for(u["beta_collector"]).get(url).status_code == 404
    assert client_for(u["agency"]).get(url).status_code == 404
    assert client_for(u["collector"]).get("/api/v1/accounts/999999").status_code == 404
    assert DebtorView.objects.count() == 0
    body = client_for(u["collector"]).get(url).json()
    assert (body["principal_balance"], body["total_balance"], body["status"]) == (
        1_000_000,
        1_200_000,
        "active",
    )
    assert body["debtor"]["national_id_masked"] == "1101**********002X"
    assert body["debtor"]["contact_points"][0]["value_masked"] == "138****1234"
    assert "13812341234" not in str(body)
    view = DebtorView.objects.get()
    assert (view.viewer, view.debtor_id, view.via) == (u["collector"], account.debtor_id, "api")


def test_reveal_needs_permission_and_reason_and_is_audited(
    world: dict[str, Any], client_for: Any
) -> None:
    u, phone = world["users"], world["phone"]
    url = f"/api/v1/contact-points/{phone.pk}/reveal"
    before = AuditEvent.objects.count()
    assert (
        Client().post(url, {"reason": "calling back"}, content_type="application/json").status_code
        == 401
    )
    assert (
        client_for(u["collector"])
        .post(url, {"reason": "calling back"}, content_type="application/json")
        .status_code
        == 403
    )
    assert (
        client_for(u["compliance"])
        .post(url, {"reason": ""}, content_type="application/json")
        .status_code
        == 400
    )
    assert AuditEvent.objects.count() == before
    response = client_for(u["compliance"]).post(
        url, {"reason": "complaint 12378 investigation"}, content_type="application/json"
    )
    assert response.json() == {"value": "+8613812341234"}
    event = AuditEvent.objects.get(action="pii.revealed")
    assert (event.actor_user_id, event.reason, event.target_id) == (
        u["compliance"].pk,
        "complaint 12378 investigation",
        str(phone.pk),
    )


def test_reveal_debtor_national_id(world: dict[str, Any], client_for: Any) -> None:
    url = f"/api/v1/debtors/{world['debtor'].pk}/reveal"
    response = client_for(world["users"]["data_manager"]).post(
        url, {"field": "national_id", "reason": "identity check"}, content_type="application/json"
    )
    assert response.json() == {"value": "11010519491231002X"}


def test_assign_permission_matrix(world: dict[str, Any], client_for: Any) -> None:
    u, account = world["users"], world["account"]
    url = f"/api/v1/accounts/{account.pk}/assign"
    payload = {"collector_id": u["collector2"].pk, "reason": "workload balance"}
    before_events, before_history = AuditEvent.objects.count(), AssignmentHistory.objects.count()
    assert Client().post(url, payload, content_type="application/json").status_code == 401
    assert (
        client_for(u["beta_lead"]).post(url, payload, content_type="application/json").status_code
        == 404
    )
    assert (
        client_for(u["collector"]).post(url, payload, content_type="application/json").status_code
        == 403
    )
    account.refresh_from_db()
    assert account.assigned_collector == u["collector"]
    assert (AuditEvent.objects.count(), AssignmentHistory.objects.count()) == (
        before_events,
        before_history,
    )
    response = client_for(u["lead"]).post(url, payload, content_type="application/json")
    assert response.status_code == 200, response.content
    account.refresh_from_db()
    assert account.assigned_collector == u["collector2"]
    assert (
        AuditEvent.objects.filter(action="account.reassigned", target_id=str(account.pk)).count()
        == 1
    )
    history = AssignmentHistory.objects.get(account=account)
    assert (history.action, history.collector, history.reason) == (
        "reassign",
        u["collector2"],
        "workload balance",
    )


def test_team_lead_cannot_assign_to_another_team(world: dict[str, Any], client_for: Any) -> None:
    u, account = world["users"], world["account"]
    response = client_for(u["lead"]).post(
        f"/api/v1/accounts/{account.pk}/assign",
        {"collector_id": u["beta_collector"].pk, "reason": "try"},
        content_type="application/json",
    )
    assert response.status_code == 403
    account.refresh_from_db()
    assert account.assigned_collector == u["collector"]


def test_reassign_without_reason_is_refused(world: dict[str, Any], client_for: Any) -> None:
    u, account = world["users"], world["account"]
    response = client_for(u["lead"]).post(
        f"/api/v1/accounts/{account.pk}/assign",
        {"collector_id": u["collector2"].pk},
        content_type="application/json",
    )
    assert (response.status_code, response.json()["code"]) == (400, "reason_required")


def test_recall_and_bulk_assign_by_filter(world: dict[str, Any], client_for: Any) -> None:
    u, account = world["users"], world["account"]
    dm = client_for(u["data_manager"])
    response = dm.post(
        f"/api/v1/accounts/{account.pk}/recall",
        {"reason": "creditor asked"},
        content_type="application/json",
    )
    assert response.json()["assigned_collector_id"] is None
    others = [AccountFactory(creditor=account.creditor) for _ in range(3)]
    response = dm.post(
        "/api/v1/accounts/bulk-assign",
        {
            "creditor": account.creditor_id,
            "status": "active",
            "team_id": world["beta"].pk,
            "reason": "new campaign",
        },
        content_type="application/json",
    )
    assert response.json() == {"changed": 5}
    assert Account.objects.filter(assigned_team=world["beta"]).count() == 2 + 3
    assert set(
        Account.objects.filter(pk__in=[o.pk for o in others]).values_list(
            "assigned_team", flat=True
        )
    ) == {world["beta"].pk}
    response = dm.post(
        "/api/v1/accounts/bulk-recall",
        {"account_ids": [o.pk for o in others], "reason": "creditor recall"},
        content_type="application/json",
    )
    assert response.json() == {"changed": 3}
    assert (
        dm.post(
            "/api/v1/accounts/bulk-recall", {"reason": "no filter"}, content_type="application/json"
        ).status_code
        == 400
    )


def test_transition_follows_the_declared_map(world: dict[str, Any], client_for: Any) -> None:
    u, account = world["users"], world["account"]
    url = f"/api/v1/accounts/{account.pk}/transition"
    assert (
        client_for(u["collector"])
        .post(url, {"to_status": "disputed", "reason": "x"}, content_type="application/json")
        .status_code
        == 403
    )
    response = client_for(u["lead"]).post(
        url, {"to_status": "new", "reason": "back"}, content_type="application/json"
    )
    assert (response.status_code, response.json()["code"]) == (400, "illegal_transition")
    response = client_for(u["lead"]).post(
        url, {"to_status": "disputed", "reason": "debtor disputes"}, content_type="application/json"
    )
    assert response.json()["status"] == "disputed"
    event = AuditEvent.objects.get(action="account.status_changed")
    assert event.changes == {"status": ["active", "disputed"]}


def test_creditors_are_scoped(world: dict[str, Any], client_for: Any) -> None:
    from heed.portfolio.tests.factories import CreditorFactory

    CreditorFactory(code="other")
    u = world["users"]
    codes = lambda r: {c["code"] for c in r.json()["items"]}  # noqa: E731
    assert codes(client_for(u["collector"]).get("/api/v1/creditors")) == {
        world["account"].creditor.code
    }
    assert codes(client_for(u["data_manager"]).get("/api/v1/creditors")) == {
        world["account"].creditor.code,
        "other",
    }
    response = client_for(u["data_manager"]).post(
        "/api/v1/creditors",
        {"code": "us-1", "name": "US One", "country": "US", "currency": "USD"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert (
        client_for(u["collector"])
        .post(
            "/api/v1/creditors",
            {"code": "us-2", "name": "US Two", "country": "US", "currency": "USD"},
            content_type="application/json",
        )
        .status_code
        == 403
    )


def _csv_bytes(rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(STANDARD_COLUMNS)
    for row in rows:
        writer.writerow([row.get(c, "") for c in STANDARD_COLUMNS])
    return buffer.getvalue().encode()


def test_upload_poll_and_error_report(
    world: dict[str, Any], client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    u = world["users"]
    creditor = world["account"].creditor
    data = _csv_bytes(
        [{**GOOD, "external_ref": "API-1"}, {**GOOD, "external_ref": "API-2", "phone_1": "999"}]
    )
    upload = SimpleUploadedFile("batch.csv", data, content_type="text/csv")
    assert (
        client_for(u["collector"])
        .post("/api/v1/placements", {"creditor_id": creditor.pk, "file": upload})
        .status_code
        == 403
    )
    assert Placement.objects.filter(source_file_name="batch.csv").count() == 0
    upload = SimpleUploadedFile("batch.csv", data, content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(u["data_manager"]).post(
            "/api/v1/placements", {"creditor_id": creditor.pk, "file": upload}
        )
    assert response.status_code == 202, response.content
    placement_id = response.json()["id"]
    body = client_for(u["data_manager"]).get(f"/api/v1/placements/{placement_id}").json()
    assert (
        body["status"],
        body["rows_created"],
        body["rows_rejected"],
        body["progress_percent"],
        body["task_status"],
    ) == ("completed", 1, 1, 100, "succeeded")
    report = client_for(u["data_manager"]).get(f"/api/v1/placements/{placement_id}/errors")
    lines = report.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "row,column,value,reason"
    assert lines[1].startswith("3,phone_1,")
    assert "Not a valid phone number for CN" in lines[1]
    assert (
        client_for(u["collector"]).get(f"/api/v1/placements/{placement_id}/errors").status_code
        == 403
    )


def test_auditor_sees_debtor_views(world: dict[str, Any], client_for: Any) -> None:
    u = world["users"]
    client_for(u["collector"]).get(f"/api/v1/debtors/{world['debtor'].pk}")
    body = client_for(u["auditor"]).get("/api/v1/debtor-views").json()
    assert [(i["viewer_id"], i["debtor_id"]) for i in body["items"]] == [
        (u["collector"].pk, world["debtor"].pk)
    ]
    assert client_for(u["collector"]).get("/api/v1/debtor-views").status_code == 403
