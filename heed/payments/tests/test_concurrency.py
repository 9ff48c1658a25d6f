"""Row locks and the idempotency key under real concurrency (PostgreSQL, threads)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from heed.payments import selectors, services
from heed.payments.models import IdempotencyKey, Payment
from heed.portfolio.models import Account

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _run_concurrently(count: int, work: Callable[[int], Any]) -> list[Any]:
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def runner(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = work(index)
        except Exception as exc:  # reported to the test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_simultaneous_payments_on_one_account_both_count_exactly_once(
    account: Account, collector: Any
) -> None:
    received = timezone.now() - timedelta(minutes=5)

    def pay(index: int) -> Payment:
        return services.payment_record(
            actor=collector,
            account=account,
            amount=100_000 + index,
            currency="CNY",
            method="bank_transfer",
            received_at=received,
        )

    results = _run_concurrently(8, pay)
    assert all(isinstance(r, Payment) for r in results), results
    account.refresh_from_db()
    paid = sum(100_000 + i for i in range(8))
    assert Payment.objects.filter(account=account).count() == 8
    assert account.total_balance == 1_200_000 - paid
    assert account.credit_balance == 0
    allocated = sum(p.applied_amount for p in Payment.objects.filter(account=account))
    assert allocated == paid


def test_concurrent_retries_with_one_idempotency_key_post_one_payment(
    account: Account, collector: Any
) -> None:
    received = timezone.now() - timedelta(minutes=5)

    def post(_index: int) -> services.IdempotentResult:
        return services.payment_record_idempotent(
            actor=collector,
            idempotency_key="retry-storm",
            request_hash="h" * 64,
            render=selectors.payment_public_dict,
            account=account,
            amount=50_000,
            currency="CNY",
            method="card",
            received_at=received,
        )

    results = _run_concurrently(6, post)
    assert all(isinstance(r, services.IdempotentResult) for r in results), results
    assert Payment.objects.count() == 1
    assert IdempotencyKey.objects.count() == 1
    assert sum(not r.is_replay for r in results) == 1
    assert len({repr(sorted(r.body.items())) for r in results}) == 1
    account.refresh_from_db()
    assert account.total_balance == 1_200_000 - 50_000


def test_concurrent_http_retries_get_the_same_response(account: Account, collector: Any) -> None:
    import json

    from django.test import Client

    from heed.users.services import api_key_create

    _key, raw = api_key_create(actor=None, user=collector, name="processor")
    body = json.dumps(
        {
            "account": account.pk,
            "amount": "88.80",
            "currency": "CNY",
            "method": "card",
            "received_at": (timezone.now() - timedelta(minutes=5)).isoformat(),
        }
    )

    def post(_index: int) -> tuple[int, bytes]:
        client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
        response = client.post(
            "/api/v1/payments",
            body,
            content_type="application/json",
            headers={"Idempotency-Key": "http-storm"},
        )
        return response.status_code, response.content

    results = _run_concurrently(5, post)
    assert all(isinstance(r, tuple) for r in results), results
    assert {status for status, _ in results} == {201}
    assert len({content for _, content in results}) == 1
    assert Payment.objects.count() == 1


def test_a_posting_written_in_one_statement_is_audited_in_the_chain(
    account: Account, collector: Any
) -> None:
    from heed.audit.models import AuditEvent
    from heed.audit.verify import verify_chain

    payment = services.payment_record(
        actor=collector,
        account=account,
        amount=70_000,
        currency="CNY",
        method="bank_transfer",
        received_at=timezone.now() - timedelta(minutes=5),
    )
    stored = Payment.objects.get(pk=payment.pk)
    assert (stored.allocated_fees, stored.allocated_interest, stored.allocated_principal) == (
        50_000,
        20_000,
        0,
    )
    account.refresh_from_db()
    assert (account.fees_balance, account.interest_balance) == (0, 130_000)
    event = AuditEvent.objects.get(action="payment.posted")
    assert (event.target_type, event.target_id) == ("payments.payment", str(payment.pk))
    assert event.changes["amount"] == 70_000
    assert verify_chain().is_intact


def test_a_posting_waits_for_a_lane_when_every_lane_is_busy(
    account: Account, collector: Any, settings: Any
) -> None:
    """With one lane held by another open transaction, the posting's own statement finds no
    free lane; the payment is still written and its event queues for the lane."""
    from django.db import transaction

    from heed.audit.models import AuditEvent
    from heed.audit.services import ensure_lane_heads, record
    from heed.audit.verify import verify_chain

    settings.HEED_AUDIT_LANES = 1
    ensure_lane_heads()
    holding, release = threading.Event(), threading.Event()

    def hold_the_lane() -> None:
        try:
            with transaction.atomic():
                record(action="test.holding", actor="system:test")
                holding.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_lane)
    holder.start()
    assert holding.wait(timeout=30)
    timer = threading.Timer(1.0, release.set)  # lets the holder commit while the posting waits
    timer.start()
    try:
        payment = services.payment_record(
            actor=collector,
            account=account,
            amount=10_000,
            currency="CNY",
            method="bank_transfer",
            received_at=timezone.now() - timedelta(minutes=5),
        )
    finally:
        release.set()
        holder.join(timeout=30)
        timer.cancel()
    lane_one = list(AuditEvent.objects.order_by("seq").values_list("lane", "seq", "action"))
    assert lane_one == [(1, 1, "test.holding"), (1, 2, "payment.posted")]
    assert Payment.objects.filter(pk=payment.pk).count() == 1
    assert verify_chain().is_intact
