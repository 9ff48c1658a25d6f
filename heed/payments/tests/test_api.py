from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from heed.audit.models import AuditEvent
from heed.core.roles import Role
from heed.payments import services
from heed.payments.models import IdempotencyKey, Payment, PaymentPlan, PromiseToPay, Settlement
from heed.portfolio.models import Account
from heed.users.models import User

pytestmark = pytest.mark.django_db


def _body(account: Account, **overrides: Any) -> dict[str, Any]:
    return {
        "account": account.pk,
        "amount": "1234.50",
        "currency": "CNY",
        "method": "bank_transfer",
        "received_at": (timezone.now() - timedelta(hours=1)).replace(microsecond=0).isoformat(),
        "external_ref": "PSP-1",
        **overrides,
    }


def _post(client: Client, path: str, body: dict[str, Any], **headers: str) -> Any:
    return client.post(
        path, data=json.dumps(body), content_type="application/json", headers=headers
    )


def test_posting_a_payment_returns_its_allocation(
    api_client_for: Callable[[User], Client], collector: User, account: Account
) -> None:
    response = _post(
        api_client_for(collector), "/api/v1/payments", _body(account), **{"Idempotency-Key": "k-1"}
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["amount"] == "1234.50"
    assert data["amount_minor"] == 123_450
    assert data["allocation"] == {"fees": 50_000, "interest": 73_450, "principal": 0, "credit": 0}
    assert data["collector"] == collector.pk
    assert Payment.objects.get().source == "api"


def test_same_key_twice_gives_one_payment_and_the_same_response(
    api_client_for: Callable[[User], Client], collector: User, account: Account
) -> None:
    client = api_client_for(collector)
    body = _body(account)
    first = _post(client, "/api/v1/payments", body, **{"Idempotency-Key": "same"})
    second = _post(client, "/api/v1/payments", body, **{"Idempotency-Key": "same"})
    assert first.status_code == second.status_code == 201
    assert first.content == second.content
    assert second["Idempotent-Replayed"] == "true"
    assert Payment.objects.count() == 1
    assert AuditEvent.objects.filter(action="payment.posted").count() == 1
    account.refresh_from_db()
    assert account.total_balance == 1_200_000 - 123_450


def test_same_key_with_a_different_body_is_refused(
    api_client_for: Callable[[User], Client], collector: User, account: Account
) -> None:
    client = api_client_for(collector)
    _post(client, "/api/v1/payments", _body(account), **{"Idempotency-Key": "k"})
    response = _post(
        client, "/api/v1/payments", _body(account, amount="1.00"), **{"Idempotency-Key": "k"}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"
    assert Payment.objects.count() == 1


def test_missing_idempotency_key_is_refused(
    api_client_for: Callable[[User], Client], collector: User, account: Account
) -> None:
    response = _post(api_client_for(collector), "/api/v1/payments", _body(account))
    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_required"
    assert not Payment.objects.exists()


def test_failed_posting_does_not_burn_the_key(
    api_client_for: Callable[[User], Client], collector: User, account: Account
) -> None:
    client = api_client_for(collector)
    bad = _post(
        client, "/api/v1/payments", _body(account, currency="USD"), **{"Idempotency-Key": "k"}
    )
    assert bad.status_code == 400
    assert bad.json()["code"] == "currency_mismatch"
    assert not IdempotencyKey.objects.exists()
    good = _post(client, "/api/v1/payments", _body(account), **{"Idempotency-Key": "k2"})
    assert good.status_code == 201


def test_too_many_decimals_is_a_validation_error(
    api_client_for: Callable[[User], Client], collector: User, account: Account
) -> None:
    response = _post(
        api_client_for(collector),
        "/api/v1/payments",
        _body(account, amount="1.234"),
        **{"Idempotency-Key": "k"},
    )
    assert response.status_code == 422
    assert "amount" in response.json()["fields"]


# --- Four actors: anonymous, other team, same team without the permission, the right role ------


def _snapshot(account: Account) -> tuple[Any, ...]:
    account.refresh_from_db()
    return (
        account.total_balance,
        account.status,
        Payment.objects.count(),
        PromiseToPay.objects.count(),
        PaymentPlan.objects.count(),
        Settlement.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.mark.parametrize(
    ("path", "body_for"),
    [
        ("/api/v1/payments", lambda a: _body(a)),
        (
            "/api/v1/promises",
            lambda a: {
                "account": a.pk,
                "amount": "500.00",
                "due_date": str(timezone.localdate()),
                "channel": "phone",
            },
        ),
        (
            "/api/v1/plans",
            lambda a: {
                "account": a.pk,
                "frequency": "monthly",
                "first_date": str(timezone.localdate()),
                "count": 3,
            },
        ),
        (
            "/api/v1/settlements",
            lambda a: {
                "account": a.pk,
                "amount": "11000.00",
                "expires_on": str(timezone.localdate() + timedelta(days=5)),
            },
        ),
    ],
)
def test_creating_endpoints_over_four_actors(
    client: Client,
    api_client_for: Callable[[User], Client],
    account: Account,
    collector: User,
    other_collector: User,
    auditor: User,
    path: str,
    body_for: Callable[[Account], dict[str, Any]],
) -> None:
    body = body_for(account)
    wrong_team_client, auditor_client, allowed_client = (
        api_client_for(other_collector),
        api_client_for(auditor),
        api_client_for(collector),
    )
    before = _snapshot(account)
    anonymous = _post(client, path, body, **{"Idempotency-Key": "a"})
    assert anonymous.status_code == 401
    wrong_team = _post(wrong_team_client, path, body, **{"Idempotency-Key": "b"})
    assert wrong_team.status_code == 404
    no_permission = _post(auditor_client, path, body, **{"Idempotency-Key": "c"})
    assert no_permission.status_code == 403
    assert _snapshot(account) == before
    allowed = _post(allowed_client, path, body, **{"Idempotency-Key": "d"})
    assert allowed.status_code == 201, allowed.content
    assert _snapshot(account) != before


def test_reversal_over_four_actors(
    client: Client,
    api_client_for: Callable[[User], Client],
    account: Account,
    collector: User,
    data_manager: User,
    make_user: Callable[..., User],
    agency_north: Any,
) -> None:
    payment = services.payment_record(
        actor=collector,
        account=account,
        amount=10_000,
        currency="CNY",
        method="cash",
        received_at=timezone.now() - timedelta(hours=1),
    )
    path = f"/api/v1/payments/{payment.pk}/reversal"
    body = {"reason_code": "bounced", "note": "returned by bank"}
    agent = make_user("agency_user", username="agent", agency=agency_north)
    agent_client, collector_client, allowed_client = (
        api_client_for(agent),
        api_client_for(collector),
        api_client_for(data_manager),
    )
    before = _snapshot(account)
    assert _post(client, path, body).status_code == 401
    # Other agency: no reversal permission either (permission is checked before the lookup).
    assert _post(agent_client, path, body).status_code == 403
    assert _post(collector_client, path, body).status_code == 403
    assert _snapshot(account) == before
    response = _post(allowed_client, path, body)
    assert response.status_code == 200
    assert response.json()["status"] == "reversed"
    assert response.json()["reversal_reason_code"] == "bounced"


def test_settlement_approval_over_four_actors(
    client: Client,
    api_client_for: Callable[[User], Client],
    account: Account,
    collector: User,
    team_lead: User,
    other_lead: User,
) -> None:
    settlement = services.settlement_propose(
        actor=collector,
        account=account,
        amount=1_000_000,
        expires_on=timezone.localdate() + timedelta(days=5),
    )
    path = f"/api/v1/settlements/{settlement.pk}/approve"
    other_client, collector_client, lead_client = (
        api_client_for(other_lead),
        api_client_for(collector),
        api_client_for(team_lead),
    )
    before = _snapshot(account)
    assert _post(client, path, {}).status_code == 401
    assert _post(other_client, path, {}).status_code == 404
    assert _post(collector_client, path, {}).status_code == 403
    assert _snapshot(account) == before
    response = _post(lead_client, path, {"reason": "fair offer"})
    assert response.status_code == 200
    assert response.json()["status"] == "approved"


def test_plan_preview_does_not_write(
    api_client_for: Callable[[User], Client], collector: User, account: Account
) -> None:
    api = api_client_for(collector)
    before = _snapshot(account)
    response = _post(
        api,
        "/api/v1/plans/preview",
        {
            "account": account.pk,
            "frequency": "monthly",
            "first_date": "2099-01-31",
            "installment_amount": "5000.00",
        },
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert [(i["due_date"], i["amount"]) for i in data["installments"]] == [
        ("2099-01-31", "5000.00"),
        ("2099-02-28", "5000.00"),
        ("2099-03-31", "2000.00"),
    ]
    assert data["needs_approval"] is False
    assert _snapshot(account) == before


def test_lists_are_scoped(
    api_client_for: Callable[[User], Client],
    collector: User,
    other_collector: User,
    account: Account,
) -> None:
    services.payment_record(
        actor=collector,
        account=account,
        amount=10_000,
        currency="CNY",
        method="cash",
        received_at=timezone.now() - timedelta(hours=1),
    )
    mine = api_client_for(collector).get("/api/v1/payments").json()
    theirs = api_client_for(other_collector).get("/api/v1/payments").json()
    assert mine["count"] == 1
    assert theirs["count"] == 0


def test_remittance_endpoint_needs_the_permission(
    api_client_for: Callable[[User], Client], collector: User, data_manager: User, account: Account
) -> None:
    services.payment_record(
        actor=collector,
        account=account,
        amount=10_000,
        currency="CNY",
        method="cash",
        received_at=timezone.now() - timedelta(hours=1),
    )
    today = timezone.localdate()
    query = f"?creditor={account.creditor_id}&start={today - timedelta(days=1)}&end={today}"
    assert api_client_for(collector).get("/api/v1/remittance" + query).status_code == 403
    data = api_client_for(data_manager).get("/api/v1/remittance" + query).json()
    assert data["totals"][0]["collected"] == "100.00"
    assert data["totals"][0]["payments"] == 1


def test_payment_list_pages_with_a_fixed_number_of_queries(
    api_client_for: Callable[[User], Client],
    collector: User,
    account: Account,
    django_assert_max_num_queries: Any,
) -> None:
    for _ in range(30):
        services.payment_record(
            actor=collector,
            account=account,
            amount=100,
            currency="CNY",
            method="cash",
            received_at=timezone.now() - timedelta(hours=1),
        )
    api = api_client_for(collector)
    # API-key authentication and rate limiting take up to 9; the page itself is count + select.
    with django_assert_max_num_queries(12):
        data = api.get("/api/v1/payments?page_size=25").json()
    assert data["count"] == 30
    assert len(data["items"]) == 25
    with django_assert_max_num_queries(12):
        data = api.get("/api/v1/plans?page_size=25").json()
    assert data["count"] == 0


def test_policy_can_be_read_in_scope_and_changed_by_a_data_manager(
    client: Client,
    api_client_for: Callable[[User], Client],
    collector: User,
    data_manager: User,
    account: Account,
) -> None:
    path = f"/api/v1/creditors/{account.creditor_id}/payment-policy"
    collector_api, manager_api = api_client_for(collector), api_client_for(data_manager)
    assert collector_api.get(path).json()["promise_grace_days"] == 2
    before = AuditEvent.objects.count()
    body = json.dumps({"promise_grace_days": 5})
    assert client.patch(path, body, content_type="application/json").status_code == 401
    assert collector_api.patch(path, body, content_type="application/json").status_code == 403
    assert AuditEvent.objects.count() == before
    response = manager_api.patch(path, body, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["promise_grace_days"] == 5
    bad = manager_api.patch(
        path, json.dumps({"settlement_self_approve_bps": 9000}), content_type="application/json"
    )
    assert bad.status_code == 400
    event = AuditEvent.objects.get(action="payment_policy.updated")
    assert event.changes == {"promise_grace_days": [2, 5]}


# --- A payment processor's key ----------------------------------------------------------------


@pytest.fixture
def processor(make_user: Callable[..., User], team_beta: Any) -> User:
    return make_user(Role.PAYMENT_PROCESSOR, username="psp", team=team_beta)


def test_a_processor_posts_to_any_account_and_reverses_only_its_own(
    api_client_for: Callable[[User], Client],
    processor: User,
    collector: User,
    account: Account,
) -> None:
    """The account sits with team Alpha's collector; the processor (team Beta) still posts."""
    client = api_client_for(processor)
    posted = _post(client, "/api/v1/payments", _body(account), **{"Idempotency-Key": "psp-1"})
    assert posted.status_code == 201, posted.content
    mine = Payment.objects.get(pk=posted.json()["id"])
    assert (mine.recorded_by_id, mine.source, mine.collector_id) == (
        processor.pk,
        "api",
        collector.pk,
    )
    by_staff = services.payment_record(
        actor=collector,
        account=account,
        amount=10_000,
        currency="CNY",
        method="cash",
        received_at=timezone.now() - timedelta(hours=1),
    )
    reversal = {"reason_code": "bounced", "note": "returned by the bank"}
    theirs = _post(client, f"/api/v1/payments/{by_staff.pk}/reversal", reversal)
    assert theirs.status_code == 404
    own = _post(client, f"/api/v1/payments/{mine.pk}/reversal", reversal)
    assert own.status_code == 200, own.content
    assert Payment.objects.get(pk=mine.pk).status == "reversed"
    assert Payment.objects.get(pk=by_staff.pk).status != "reversed"


def test_a_processor_sees_no_accounts_debtors_or_promises(
    api_client_for: Callable[[User], Client], processor: User, account: Account
) -> None:
    client = api_client_for(processor)
    assert client.get("/api/v1/accounts").status_code == 403
    assert client.get(f"/api/v1/accounts/{account.pk}").status_code == 403
    assert client.get("/api/v1/payments").status_code == 403
    promise = {
        "account": account.pk,
        "amount": "100.00",
        "due_date": "2030-01-01",
        "channel": "phone",
    }
    assert _post(client, "/api/v1/promises", promise).status_code == 404
    assert not PromiseToPay.objects.exists()
