from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from heed.audit.models import AuditEvent
from heed.portfolio.models import Account, DebtorView, Placement
from heed.portfolio.tests.test_api import _csv_bytes
from heed.portfolio.tests.test_import import GOOD

pytestmark = pytest.mark.django_db


def test_screens_render_for_the_right_roles(world: dict[str, Any], client_for: Any) -> None:
    u, account = world["users"], world["account"]
    dm = client_for(u["data_manager"])
    for url in [
        "/portfolio/accounts/",
        "/portfolio/accounts/?phone=13812341234&bucket=M3%2B",
        f"/portfolio/accounts/{account.pk}/",
        f"/portfolio/debtors/{account.debtor_id}/",
        "/portfolio/creditors/",
        f"/portfolio/creditors/{account.creditor_id}/",
        "/portfolio/placements/",
        "/portfolio/placements/new/",
    ]:
        response = dm.get(url)
        assert response.status_code == 200, url
    page = dm.get(f"/portfolio/accounts/{account.pk}/").content.decode()
    assert "138****1234" in page and "13812341234" not in page
    assert client_for(u["auditor"]).get("/portfolio/debtor-views/").status_code == 200


def test_account_page_is_404_outside_scope_and_login_required(
    world: dict[str, Any], client_for: Any
) -> None:
    u, account = world["users"], world["account"]
    url = f"/portfolio/accounts/{account.pk}/"
    assert Client().get(url).status_code == 302
    assert client_for(u["beta_collector"]).get(url).status_code == 404
    assert client_for(u["agency"]).get(url).status_code == 404
    assert DebtorView.objects.count() == 0
    assert client_for(u["collector"]).get(url).status_code == 200
    assert DebtorView.objects.get().viewer == u["collector"]
    assert client_for(u["collector"]).get("/portfolio/placements/new/").status_code == 403


def test_reveal_screen(world: dict[str, Any], client_for: Any) -> None:
    u, phone = world["users"], world["phone"]
    url = f"/portfolio/contact-points/{phone.pk}/reveal/"
    assert client_for(u["collector"]).post(url, {"reason": "calling now"}).status_code == 403
    assert not AuditEvent.objects.filter(action="pii.revealed").exists()
    response = client_for(u["compliance"]).post(url, {"reason": "calling now"})
    assert "+8613812341234" in response.content.decode()
    assert AuditEvent.objects.filter(action="pii.revealed").count() == 1


def test_bulk_assign_screen(world: dict[str, Any], client_for: Any) -> None:
    u, account = world["users"], world["account"]
    response = client_for(u["lead"]).post(
        "/portfolio/accounts/bulk/",
        {
            "action": "assign",
            "scope": "selected",
            "ids": [account.pk],
            "collector": u["collector2"].pk,
            "reason": "holiday cover",
            "query": "",
        },
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.assigned_collector == u["collector2"]


def test_import_screen_starts_task_and_shows_progress(
    world: dict[str, Any],
    client_for: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    u = world["users"]
    dm = client_for(u["data_manager"])
    upload = SimpleUploadedFile("web.csv", _csv_bytes([{**GOOD, "external_ref": "WEB-1"}]))
    with django_capture_on_commit_callbacks(execute=True):
        response = dm.post(
            "/portfolio/placements/new/", {"creditor": world["account"].creditor_id, "file": upload}
        )
    placement = Placement.objects.get(source_file_name="web.csv")
    assert response.status_code == 302 and response.url == f"/portfolio/placements/{placement.pk}/"
    page = dm.get(response.url).content.decode()
    assert "100%" in page
    assert Account.objects.filter(external_ref="WEB-1").exists()
    template = dm.get("/portfolio/placements/template.csv")
    assert template.content.decode("utf-8-sig").startswith(
        "external_ref,product,currency,principal"
    )
