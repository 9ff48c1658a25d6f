from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from heed.audit.models import AuditEvent
from heed.core.errors import ApplicationError, Conflict, PermissionDenied
from heed.payments import services
from heed.payments.models import (
    CreditorPaymentPolicy,
    Payment,
    PaymentPlan,
    PromiseToPay,
    Settlement,
)
from heed.portfolio.models import Account

pytestmark = pytest.mark.django_db


def _pay(actor: Any, account: Account, amount: int, *, when: datetime | None = None) -> Payment:
    return services.payment_record(
        actor=actor,
        account=account,
        amount=amount,
        currency="CNY",
        method="bank_transfer",
        received_at=when or timezone.now() - timedelta(minutes=1),
    )


def _balances(account: Account) -> tuple[int, int, int, int]:
    account.refresh_from_db()
    return (
        account.fees_balance,
        account.interest_balance,
        account.principal_balance,
        account.credit_balance,
    )


# --- Payments -------------------------------------------------------------------------------


def test_payment_is_allocated_fees_then_interest_then_principal(
    account: Account, collector: Any, team_alpha: Any
) -> None:
    payment = _pay(collector, account, 300_000)
    assert (
        payment.allocated_fees,
        payment.allocated_interest,
        payment.allocated_principal,
        payment.allocated_credit,
    ) == (
        50_000,
        150_000,
        100_000,
        0,
    )
    assert _balances(account) == (0, 0, 900_000, 0)
    assert payment.collector_id == collector.pk
    assert payment.team_id == team_alpha.pk
    assert payment.agency_id is None
    assert account.last_payment_date == timezone.localdate(payment.received_at)
    event = AuditEvent.objects.get(action="payment.posted")
    assert event.target_id == str(payment.pk)
    assert event.changes["principal"] == 100_000


@pytest.mark.parametrize(
    ("jurisdiction", "expected"),
    [("CN", date(2029, 11, 20)), ("US-NY", date(2027, 1, 10))],
)
def test_a_payment_restarts_the_limitation_period_where_the_law_says_so(
    account: Account, collector: Any, jurisdiction: str, expected: date
) -> None:
    Account.objects.filter(pk=account.pk).update(
        jurisdiction=jurisdiction, due_date=date(2024, 1, 10), time_barred_on=date(2027, 1, 10)
    )
    _pay(collector, account, 10_000, when=datetime(2026, 11, 20, 8, 0, tzinfo=UTC))
    account.refresh_from_db()
    assert account.time_barred_on == expected


def test_creditor_allocation_order_is_used(account: Account, collector: Any) -> None:
    account.creditor.allocation_order = ["principal", "interest", "fees"]
    account.creditor.save()
    payment = _pay(collector, account, 1_050_000)
    assert (payment.allocated_principal, payment.allocated_interest, payment.allocated_fees) == (
        1_000_000,
        50_000,
        0,
    )


def test_overpayment_is_held_as_credit_and_account_becomes_paid(
    account: Account, collector: Any
) -> None:
    payment = _pay(collector, account, 1_250_000)
    assert payment.allocated_credit == 50_000
    assert _balances(account) == (0, 0, 0, 50_000)
    assert account.status == Account.Status.PAID
    assert AuditEvent.objects.filter(action="account.status_changed").count() == 1


def test_agency_that_held_the_account_is_recorded(
    agency_account: Account, make_user: Any, agency_north: Any
) -> None:
    agent = make_user("agency_user", username="agent", agency=agency_north)
    payment = _pay(agent, agency_account, 1_000)
    assert payment.agency_id == agency_north.pk
    assert payment.collector_id is None


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"amount": 0}, "invalid_amount"),
        ({"currency": "USD"}, "currency_mismatch"),
        ({"method": "bitcoin"}, "invalid"),
        ({"received_at": timezone.now() + timedelta(days=1)}, "invalid"),
    ],
)
def test_invalid_payments_change_nothing(
    account: Account, collector: Any, kwargs: dict[str, Any], code: str
) -> None:
    args: dict[str, Any] = {
        "amount": 1_000,
        "currency": "CNY",
        "method": "cash",
        "received_at": timezone.now() - timedelta(hours=1),
        **kwargs,
    }
    with pytest.raises(ApplicationError) as info:
        services.payment_record(actor=collector, account=account, **args)
    assert info.value.code == code
    assert Payment.objects.count() == 0
    assert _balances(account) == (50_000, 150_000, 1_000_000, 0)
    assert not AuditEvent.objects.exists()


def test_auditor_cannot_record_payments(account: Account, auditor: Any) -> None:
    with pytest.raises(PermissionDenied):
        _pay(auditor, account, 1_000)
    assert Payment.objects.count() == 0
    assert not AuditEvent.objects.exists()


def test_reversal_restores_balances_exactly_and_reopens_a_paid_account(
    account: Account, collector: Any, data_manager: Any
) -> None:
    first = _pay(collector, account, 100_000)
    second = _pay(collector, account, 1_150_000)
    assert account.refresh_from_db() is None and account.status == Account.Status.PAID
    services.payment_reverse(
        actor=data_manager, payment=second, reason_code="bounced", note="returned by the bank"
    )
    assert _balances(account) == (0, 100_000, 1_000_000, 0)
    assert account.status == Account.Status.ACTIVE
    second.refresh_from_db()
    assert second.status == Payment.Status.REVERSED
    assert second.reversal_reason_code == "bounced"
    event = AuditEvent.objects.get(action="payment.reversed")
    assert event.reason == "returned by the bank"
    services.payment_reverse(
        actor=data_manager, payment=first, reason_code="chargeback", note="card chargeback"
    )
    assert _balances(account) == (50_000, 150_000, 1_000_000, 0)


def test_a_payment_cannot_be_reversed_twice(
    account: Account, collector: Any, data_manager: Any
) -> None:
    payment = _pay(collector, account, 1_000)
    services.payment_reverse(
        actor=data_manager, payment=payment, reason_code="error", note="posted twice"
    )
    with pytest.raises(Conflict):
        services.payment_reverse(
            actor=data_manager, payment=payment, reason_code="error", note="posted twice"
        )
    assert _balances(account) == (50_000, 150_000, 1_000_000, 0)


def test_reversal_needs_permission_and_reason(
    account: Account, collector: Any, data_manager: Any
) -> None:
    payment = _pay(collector, account, 1_000)
    events = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        services.payment_reverse(
            actor=collector, payment=payment, reason_code="error", note="mistake here"
        )
    with pytest.raises(ApplicationError):
        services.payment_reverse(actor=data_manager, payment=payment, reason_code="error", note="")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.POSTED
    assert AuditEvent.objects.count() == events


# --- Promises -----------------------------------------------------------------------------------


def test_promise_within_policy_is_recorded(account: Account, collector: Any) -> None:
    today = timezone.localdate()
    promise = services.promise_create(
        actor=collector,
        account=account,
        amount=50_000,
        due_date=today + timedelta(days=3),
        channel="phone",
    )
    assert promise.status == PromiseToPay.Status.OPEN
    assert promise.grace_days == 2
    assert promise.taken_by_id == collector.pk
    assert AuditEvent.objects.filter(action="promise.created").count() == 1


def test_promise_policy_is_per_creditor(account: Account, collector: Any) -> None:
    CreditorPaymentPolicy.objects.create(
        creditor=account.creditor, promise_min_amount=100_000, promise_max_days_ahead=7
    )
    today = timezone.localdate()
    with pytest.raises(ApplicationError) as info:
        services.promise_create(
            actor=collector,
            account=account,
            amount=50_000,
            due_date=today + timedelta(days=8),
            channel="phone",
        )
    assert info.value.code == "promise_policy"
    assert set(info.value.fields) == {"amount", "due_date"}
    assert not PromiseToPay.objects.exists()


def test_second_open_promise_is_refused(account: Account, collector: Any) -> None:
    today = timezone.localdate()
    services.promise_create(
        actor=collector, account=account, amount=50_000, due_date=today, channel="phone"
    )
    with pytest.raises(ApplicationError) as info:
        services.promise_create(
            actor=collector, account=account, amount=50_000, due_date=today, channel="sms"
        )
    assert info.value.fields == {"account": [str(services.PROMISE_MESSAGES["too_many_open"])]}


def test_payment_keeps_a_promise_and_reversal_reopens_it(
    account: Account, collector: Any, data_manager: Any
) -> None:
    today = timezone.localdate()
    promise = services.promise_create(
        actor=collector,
        account=account,
        amount=50_000,
        due_date=today + timedelta(days=5),
        channel="phone",
    )
    payment = _pay(collector, account, 50_000)
    promise.refresh_from_db()
    assert promise.status == PromiseToPay.Status.KEPT
    assert promise.paid_amount == 50_000
    services.payment_reverse(
        actor=data_manager, payment=payment, reason_code="bounced", note="returned item"
    )
    promise.refresh_from_db()
    assert promise.status == PromiseToPay.Status.OPEN
    assert promise.paid_amount == 0
    assert AuditEvent.objects.filter(action="promise.reopened").count() == 1


@pytest.mark.parametrize(
    ("days_after_due", "status"),
    [(0, "open"), (2, "open"), (3, "broken")],  # due today, last grace day, the day after
)
def test_daily_task_on_boundary_dates(
    account: Account, collector: Any, days_after_due: int, status: str
) -> None:
    today = timezone.localdate()
    promise = services.promise_create(
        actor=collector, account=account, amount=50_000, due_date=today, channel="phone"
    )
    result = services.payments_daily(today=today + timedelta(days=days_after_due))
    promise.refresh_from_db()
    assert promise.status == status
    assert result.promises_broken == (1 if status == "broken" else 0)
    if status == "broken":
        assert (
            AuditEvent.objects.filter(action="promise.broken", target_id=str(promise.pk)).count()
            == 1
        )


def test_partial_payment_leaves_the_promise_open_until_fully_paid(
    account: Account, collector: Any
) -> None:
    today = timezone.localdate()
    promise = services.promise_create(
        actor=collector, account=account, amount=50_000, due_date=today, channel="phone"
    )
    _pay(collector, account, 49_999)
    promise.refresh_from_db()
    assert promise.status == PromiseToPay.Status.OPEN
    assert promise.paid_amount == 49_999
    _pay(collector, account, 1)
    promise.refresh_from_db()
    assert promise.status == PromiseToPay.Status.KEPT
    assert services.payments_daily(today=today + timedelta(days=10)).promises_broken == 0


# --- Plans ------------------------------------------------------------------------------------


def test_plan_puts_account_in_plan_and_payments_fill_installments(
    account: Account, collector: Any, data_manager: Any
) -> None:
    today = timezone.localdate()
    plan = services.plan_create(
        actor=collector, account=account, frequency="monthly", first_date=today, count=4
    )
    account.refresh_from_db()
    assert account.status == Account.Status.IN_PLAN
    assert plan.status == PaymentPlan.Status.ACTIVE
    assert [i.amount for i in plan.installments.all()] == [300_000, 300_000, 300_000, 300_000]
    payment = _pay(collector, account, 450_000)
    assert [i.paid_amount for i in plan.installments.all()] == [300_000, 150_000, 0, 0]
    _pay(collector, account, 750_000)
    plan.refresh_from_db()
    account.refresh_from_db()
    assert plan.status == PaymentPlan.Status.COMPLETED
    assert account.status == Account.Status.PAID
    services.payment_reverse(
        actor=data_manager, payment=payment, reason_code="bounced", note="returned item"
    )
    plan.refresh_from_db()
    account.refresh_from_db()
    assert plan.status == PaymentPlan.Status.ACTIVE
    # Exactly the shares that payment gave are taken back.
    assert [i.paid_amount for i in plan.installments.all()] == [0, 150_000, 300_000, 300_000]
    assert account.status == Account.Status.IN_PLAN


def test_plan_beyond_the_collectors_limit_waits_for_a_team_lead(
    account: Account, collector: Any, team_lead: Any
) -> None:
    today = timezone.localdate()
    plan = services.plan_create(
        actor=collector, account=account, frequency="weekly", first_date=today, count=10
    )
    assert plan.status == PaymentPlan.Status.PENDING_APPROVAL
    account.refresh_from_db()
    assert account.status == Account.Status.ACTIVE
    with pytest.raises(PermissionDenied):
        services.plan_decide(actor=collector, plan=plan, approve=True)
    services.plan_decide(actor=team_lead, plan=plan, approve=True)
    plan.refresh_from_db()
    account.refresh_from_db()
    assert plan.status == PaymentPlan.Status.ACTIVE
    assert plan.approved_by_id == team_lead.pk
    assert account.status == Account.Status.IN_PLAN


def test_team_lead_cannot_approve_their_own_plan_or_beyond_their_limit(
    account: Account, team_lead: Any, manager: Any
) -> None:
    today = timezone.localdate()
    plan = services.plan_create(
        actor=team_lead, account=account, frequency="weekly", first_date=today, count=20
    )
    assert plan.status == PaymentPlan.Status.PENDING_APPROVAL
    with pytest.raises(PermissionDenied):
        services.plan_decide(actor=team_lead, plan=plan, approve=True)
    services.plan_decide(actor=manager, plan=plan, approve=True)
    plan.refresh_from_db()
    assert plan.status == PaymentPlan.Status.ACTIVE


def test_restructure_keeps_the_history(account: Account, collector: Any) -> None:
    today = timezone.localdate()
    old = services.plan_create(
        actor=collector, account=account, frequency="monthly", first_date=today, count=3
    )
    new = services.plan_create(
        actor=collector,
        account=account,
        frequency="weekly",
        first_date=today,
        count=6,
        replaces=old,
    )
    old.refresh_from_db()
    assert old.status == PaymentPlan.Status.RESTRUCTURED
    assert new.replaces_id == old.pk
    assert old.installments.count() == 3
    assert AuditEvent.objects.filter(action="plan.restructured").count() == 1


def test_second_plan_without_restructure_is_refused(account: Account, collector: Any) -> None:
    today = timezone.localdate()
    services.plan_create(
        actor=collector, account=account, frequency="monthly", first_date=today, count=3
    )
    with pytest.raises(Conflict):
        services.plan_create(
            actor=collector, account=account, frequency="monthly", first_date=today, count=3
        )


def test_plan_defaults_after_missed_installments(account: Account, collector: Any) -> None:
    today = timezone.localdate()
    plan = services.plan_create(
        actor=collector, account=account, frequency="weekly", first_date=today, count=4
    )
    # Grace 3 days, default after 2 missed: second installment (today+7) missed after today+10.
    assert services.payments_daily(today=today + timedelta(days=10)).plans_defaulted == 0
    assert services.payments_daily(today=today + timedelta(days=11)).plans_defaulted == 1
    plan.refresh_from_db()
    account.refresh_from_db()
    assert plan.status == PaymentPlan.Status.DEFAULTED
    assert account.status == Account.Status.ACTIVE


# --- Settlements ------------------------------------------------------------------------------


def test_small_discount_is_approved_at_once(account: Account, collector: Any) -> None:
    today = timezone.localdate()
    settlement = services.settlement_propose(
        actor=collector, account=account, amount=1_080_000, expires_on=today + timedelta(days=7)
    )
    assert settlement.discount_bps == 1_000
    assert settlement.status == Settlement.Status.APPROVED


def test_settlement_approval_matrix_and_four_eyes(
    account: Account, collector: Any, team_lead: Any, manager: Any
) -> None:
    today = timezone.localdate()
    settlement = services.settlement_propose(
        actor=team_lead, account=account, amount=800_000, expires_on=today + timedelta(days=7)
    )
    assert settlement.required_approval == "manager"
    assert settlement.status == Settlement.Status.PENDING_APPROVAL
    with pytest.raises(PermissionDenied):
        services.settlement_decide(actor=team_lead, settlement=settlement, approve=True)
    services.settlement_decide(actor=manager, settlement=settlement, approve=True)
    settlement.refresh_from_db()
    assert settlement.status == Settlement.Status.APPROVED
    assert settlement.approved_by_id == manager.pk


def test_team_lead_cannot_approve_a_manager_sized_discount(
    account: Account, collector: Any, team_lead: Any
) -> None:
    today = timezone.localdate()
    settlement = services.settlement_propose(
        actor=collector, account=account, amount=700_000, expires_on=today + timedelta(days=7)
    )
    events = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        services.settlement_decide(actor=team_lead, settlement=settlement, approve=True)
    settlement.refresh_from_db()
    assert settlement.status == Settlement.Status.PENDING_APPROVAL
    assert AuditEvent.objects.count() == events


def test_discount_above_every_limit_is_refused(account: Account, collector: Any) -> None:
    with pytest.raises(ApplicationError) as info:
        services.settlement_propose(
            actor=collector, account=account, amount=500_000, expires_on=timezone.localdate()
        )
    assert info.value.code == "discount_too_large"


def test_paying_a_settlement_settles_the_account_and_writes_off_the_rest(
    account: Account, collector: Any, team_lead: Any, data_manager: Any
) -> None:
    today = timezone.localdate()
    settlement = services.settlement_propose(
        actor=collector, account=account, amount=900_000, expires_on=today + timedelta(days=7)
    )
    services.settlement_decide(actor=team_lead, settlement=settlement, approve=True)
    _pay(collector, account, 400_000)
    account.refresh_from_db()
    assert account.status == Account.Status.ACTIVE
    last = _pay(collector, account, 500_000)
    settlement.refresh_from_db()
    assert settlement.status == Settlement.Status.COMPLETED
    assert settlement.written_off_total == 300_000
    assert settlement.written_off_principal == 300_000
    assert _balances(account) == (0, 0, 0, 0)
    assert account.status == Account.Status.SETTLED
    services.payment_reverse(
        actor=data_manager, payment=last, reason_code="chargeback", note="card chargeback"
    )
    settlement.refresh_from_db()
    assert settlement.status == Settlement.Status.APPROVED
    assert settlement.paid_amount == 400_000
    assert _balances(account) == (0, 0, 800_000, 0)
    assert account.status == Account.Status.ACTIVE


def test_settlement_expires_in_the_daily_run(account: Account, collector: Any) -> None:
    today = timezone.localdate()
    settlement = services.settlement_propose(
        actor=collector, account=account, amount=1_100_000, expires_on=today + timedelta(days=1)
    )
    assert services.payments_daily(today=today + timedelta(days=1)).settlements_expired == 0
    assert services.payments_daily(today=today + timedelta(days=2)).settlements_expired == 1
    settlement.refresh_from_db()
    assert settlement.status == Settlement.Status.EXPIRED


def test_received_at_must_carry_a_timezone(account: Account, collector: Any) -> None:
    with pytest.raises(ApplicationError):
        services.payment_record(
            actor=collector,
            account=account,
            amount=1,
            currency="CNY",
            method="cash",
            received_at=datetime(2026, 1, 1, 12, 0),
        )
    assert _pay(collector, account, 1, when=datetime(2026, 1, 1, 12, 0, tzinfo=UTC)).amount == 1


def test_statuses_follow_the_declared_transitions() -> None:
    from heed.payments.services._common import set_status

    plan = PaymentPlan(status="rejected")
    with pytest.raises(Conflict) as info:
        set_status(plan, "active")
    assert info.value.code == "illegal_transition"
    promise = PromiseToPay(status="open")
    assert set_status(promise, "kept") == "open"
    assert promise.status == "kept"
    assert set(PaymentPlan.TRANSITIONS) == set(PaymentPlan.Status.values)
    assert set(Settlement.TRANSITIONS) == set(Settlement.Status.values)
    assert set(PromiseToPay.TRANSITIONS) == set(PromiseToPay.Status.values)


def test_plan_for_part_of_the_balance_completes_and_the_account_returns_to_active(
    account: Account, collector: Any, data_manager: Any
) -> None:
    today = timezone.localdate()
    plan = services.plan_create(
        actor=collector,
        account=account,
        frequency="weekly",
        first_date=today,
        count=2,
        total=200_000,
    )
    _pay(collector, account, 100_000)
    last = _pay(collector, account, 100_000)
    plan.refresh_from_db()
    account.refresh_from_db()
    assert plan.status == PaymentPlan.Status.COMPLETED
    assert account.status == Account.Status.ACTIVE
    assert account.total_balance == 1_000_000
    services.payment_reverse(
        actor=data_manager, payment=last, reason_code="bounced", note="returned item"
    )
    plan.refresh_from_db()
    account.refresh_from_db()
    assert plan.status == PaymentPlan.Status.ACTIVE
    assert account.status == Account.Status.IN_PLAN
