from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from heed.audit.models import AuditEvent
from heed.payments import services
from heed.payments.models import Payment, PaymentPlan, Settlement
from heed.portfolio.models import Account
from heed.users.models import User

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def test_panel_renders_balances_and_forms(
    client_for: Callable[[User], Client], collector: User, account: Account
) -> None:
    response = client_for(collector).get(f"/payments/accounts/{account.pk}/panel/", headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="payments-panel"' in html
    assert "12,000.00 CNY" in html
    assert 'id="plan-form"' in html
    assert "<html" not in html  # a partial


def test_panel_over_four_actors(
    client: Client,
    client_for: Callable[[User], Client],
    account: Account,
    other_collector: User,
    make_user: Any,
    team_alpha: Any,
    collector: User,
) -> None:
    url = f"/payments/accounts/{account.pk}/panel/"
    assert client.get(url).status_code == 302  # to the login page
    assert client_for(other_collector).get(url).status_code == 404
    hr = make_user("hr_officer", username="hr", team=team_alpha)
    assert client_for(hr).get(url).status_code == 403
    assert client_for(collector).get(url).status_code == 200


def test_recording_a_payment_through_the_panel(
    client_for: Callable[[User], Client], collector: User, account: Account
) -> None:
    response = client_for(collector).post(
        f"/payments/accounts/{account.pk}/payments/",
        {
            "amount": "2,000.00",
            "method": "wechat_pay",
            "received_at": (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        },
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "Payment recorded." in response.content.decode()
    payment = Payment.objects.get()
    assert payment.amount == 200_000
    assert payment.recorded_by_id == collector.pk


def test_panel_post_by_other_team_changes_nothing(
    client_for: Callable[[User], Client], other_collector: User, account: Account
) -> None:
    response = client_for(other_collector).post(
        f"/payments/accounts/{account.pk}/payments/",
        {"amount": "2000", "method": "cash", "received_at": "2026-01-01T10:00"},
    )
    assert response.status_code == 404
    assert not Payment.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="payment").exists()


def test_invalid_promise_shows_the_policy_reason(
    client_for: Callable[[User], Client], collector: User, account: Account
) -> None:
    response = client_for(collector).post(
        f"/payments/accounts/{account.pk}/promises/",
        {
            "amount": "100",
            "due_date": str(timezone.localdate() + timedelta(days=90)),
            "channel": "phone",
        },
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "The date is later than this creditor allows." in response.content.decode()


def test_plan_preview_and_save(
    client_for: Callable[[User], Client], collector: User, account: Account
) -> None:
    client = client_for(collector)
    data = {
        "frequency": "monthly",
        "first_date": str(timezone.localdate() + timedelta(days=1)),
        "count": "3",
    }
    preview = client.post(f"/payments/accounts/{account.pk}/plans/preview/", data, headers=HTMX)
    assert preview.status_code == 200
    assert preview.content.decode().count("4,000.00 CNY") == 3
    assert not PaymentPlan.objects.exists()
    saved = client.post(f"/payments/accounts/{account.pk}/plans/", data, headers=HTMX)
    assert "Plan saved." in saved.content.decode()
    account.refresh_from_db()
    assert account.status == Account.Status.IN_PLAN


def test_approvals_queue_approves_a_settlement(
    client_for: Callable[[User], Client], collector: User, team_lead: User, account: Account
) -> None:
    settlement = services.settlement_propose(
        actor=collector,
        account=account,
        amount=1_000_000,
        expires_on=timezone.localdate() + timedelta(days=3),
    )
    client = client_for(team_lead)
    page = client.get("/payments/approvals/")
    assert page.status_code == 200
    assert account.external_ref in page.content.decode()
    response = client.post(
        f"/payments/settlements/{settlement.pk}/decide/", {"decision": "approve"}
    )
    assert response.status_code == 302
    settlement.refresh_from_db()
    assert settlement.status == Settlement.Status.APPROVED
    assert client_for(collector).get("/payments/approvals/").status_code == 403


def test_reversal_through_the_panel(
    client_for: Callable[[User], Client], collector: User, data_manager: User, account: Account
) -> None:
    payment = services.payment_record(
        actor=collector,
        account=account,
        amount=10_000,
        currency="CNY",
        method="cash",
        received_at=timezone.now() - timedelta(hours=1),
    )
    response = client_for(data_manager).post(
        f"/payments/payments/{payment.pk}/reverse/",
        {"reason_code": "bounced", "note": "bank returned it"},
        headers=HTMX,
    )
    assert response.status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.REVERSED


def test_remittance_screen_and_exports(
    client_for: Callable[[User], Client], collector: User, data_manager: User, account: Account
) -> None:
    services.payment_record(
        actor=collector,
        account=account,
        amount=123_456,
        currency="CNY",
        method="cash",
        received_at=timezone.now() - timedelta(hours=1),
    )
    today = timezone.localdate()
    client = client_for(data_manager)
    query = f"?creditor={account.creditor_id}&start={today - timedelta(days=1)}&end={today}"
    page = client.get("/payments/remittance/" + query)
    assert page.status_code == 200
    assert "1,234.56 CNY" in page.content.decode()
    csv_response = client.get("/payments/remittance/" + query + "&format=csv")
    assert csv_response["Content-Type"].startswith("text/csv")
    assert "1234.56" in csv_response.content.decode()
    xlsx = client.get("/payments/remittance/" + query + "&format=xlsx")
    book = load_workbook(io.BytesIO(xlsx.content))
    lines = list(book.worksheets[0].iter_rows(values_only=True))
    assert len(lines) == 2
    assert float(lines[1][5]) == 1234.56
    assert client_for(collector).get("/payments/remittance/").status_code == 403


def test_payment_list_and_timeline(
    client_for: Callable[[User], Client], collector: User, account: Account
) -> None:
    services.payment_record(
        actor=collector,
        account=account,
        amount=10_000,
        currency="CNY",
        method="cash",
        received_at=timezone.now() - timedelta(hours=1),
    )
    client = client_for(collector)
    assert account.external_ref in client.get("/payments/").content.decode()
    timeline = client.get(f"/payments/accounts/{account.pk}/timeline/").content.decode()
    assert "100.00 CNY" in timeline
    assert client.get(f"/payments/accounts/{account.pk}/").status_code == 200


def test_panel_speaks_simplified_chinese(
    client_for: Callable[[User], Client], collector: User, account: Account
) -> None:
    collector.language = "zh-hans"
    collector.save(update_fields=["language"])
    html = (
        client_for(collector)
        .get(f"/payments/accounts/{account.pk}/panel/", headers=HTMX)
        .content.decode()
    )
    assert "录入还款" in html
    assert "减免结清方案" in html


def test_cancelling_a_promise_from_the_panel_needs_a_reason(
    client_for: Callable[[User], Client], collector: User, other_collector: User, account: Account
) -> None:
    promise = services.promise_create(
        actor=collector,
        account=account,
        amount=50_000,
        due_date=timezone.localdate(),
        channel="phone",
    )
    url = f"/payments/promise/{promise.pk}/cancel/"
    assert client_for(other_collector).post(url, {"reason": "debtor withdrew"}).status_code == 404
    short = client_for(collector).post(url, {"reason": "no"}, headers=HTMX)
    assert "Give a reason" in short.content.decode()
    promise.refresh_from_db()
    assert promise.status == "open"
    done = client_for(collector).post(url, {"reason": "debtor withdrew"}, headers=HTMX)
    assert "Cancelled." in done.content.decode()
    promise.refresh_from_db()
    assert promise.status == "cancelled"
    assert (
        client_for(collector)
        .post(f"/payments/bogus/{promise.pk}/cancel/", {"reason": "x" * 6})
        .status_code
        == 404
    )


def test_home_shows_money_widgets(
    client_for: Callable[[User], Client], collector: User, team_lead: User, account: Account
) -> None:
    from heed.payments.home import widgets

    services.settlement_propose(
        actor=collector,
        account=account,
        amount=1_000_000,
        expires_on=timezone.localdate() + timedelta(days=3),
    )
    labels = {str(w["label"]): w["value"] for w in widgets(team_lead)}
    assert labels["Waiting for your approval"] == 1
    assert labels["Broken promises in your work"] == 0
    assert "Waiting for your approval" not in {str(w["label"]) for w in widgets(collector)}
    assert client_for(team_lead).get("/").status_code == 200
