"""Payments: post under the account row lock, reverse exactly, and post idempotently."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from heed.audit.services import EVENT_COLUMNS, PendingEvent, pending_event, record
from heed.core import db
from heed.core.errors import ApplicationError, Conflict
from heed.payments import rules, waterfall
from heed.payments.models import (
    IdempotencyKey,
    Installment,
    InstallmentPayment,
    Payment,
    PaymentPlan,
    PromiseToPay,
    Settlement,
)
from heed.payments.services._common import (
    FUTURE_TOLERANCE,
    _lock_account,
    _move_account,
    _require,
    _require_reason,
    _user_or_none,
    set_status,
)
from heed.payments.services.promises import _evaluate_promises
from heed.portfolio.limitation import time_barred_on
from heed.portfolio.models import Account

# --- Payments ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _PostingState:
    """What posting needs from the locked account row, read in one statement."""

    account_id: int
    creditor_id: int
    currency: str
    status: str
    balances: waterfall.Balances
    last_payment_date: date | None
    collector_id: int | None
    team_id: int | None
    agency_id: int | None
    allocation_order: list[str]
    has_active_plan: bool
    has_open_promise: bool
    approved_settlement_id: int | None
    next_payment_id: int | None = None
    jurisdiction: str = ""
    due_date: date | None = None
    charge_off_date: date | None = None
    time_barred_on: date | None = None

    def barred_on_after(self, last_payment_date: date | None) -> date | None:
        """The time-barred date once a payment is in (a payment restarts the period where
        the law says so); an account without one keeps none."""
        if self.time_barred_on is None:
            return None
        return time_barred_on(
            self.jurisdiction,
            due_date=self.due_date,
            charge_off_date=self.charge_off_date,
            last_payment_date=last_payment_date,
        )

    @property
    def counts_elsewhere(self) -> bool:
        """The payment also counts towards an active plan, an approved settlement or a promise."""
        return (
            self.has_active_plan or self.approved_settlement_id is not None or self.has_open_promise
        )

    @property
    def is_closed(self) -> bool:
        return self.status in Account.CLOSED_STATUSES


@functools.cache
def _posting_sql(vendor: str) -> tuple[str, str]:
    """The lock-and-read and the relative balance update, as plain SQL.

    Posting is the hot path (see bench.py): one statement locks the account row (``FOR UPDATE
    OF`` the account only, not the creditor) and reads what is open on it; one statement moves
    every balance relative to its current value (the same as ``F()`` updates)."""
    account = Account._meta.db_table
    creditor = Account._meta.get_field("creditor").related_model._meta.db_table  # type: ignore[union-attr]
    plan = PaymentPlan._meta.db_table
    promise = PromiseToPay._meta.db_table
    settlement = Settlement._meta.db_table
    lock = " FOR UPDATE OF a" if vendor == "postgresql" else ""
    # PostgreSQL: the new payment's id comes with the read, so the payment row and its audit
    # event can be written together in one statement (see _write_posting).
    next_id = (
        f", nextval(pg_get_serial_sequence('{Payment._meta.db_table}', 'id')) "
        if vendor == "postgresql"
        else ", NULL "
    )
    # Only our own model's table names are interpolated; values are always parameters.
    select = (
        "SELECT a.id, a.creditor_id, a.currency, a.status, a.fees_balance, a.interest_balance, "  # noqa: S608
        "a.principal_balance, a.credit_balance, a.last_payment_date, a.assigned_collector_id, "
        "a.assigned_team_id, a.agency_id, c.allocation_order, "
        f"EXISTS (SELECT 1 FROM {plan} WHERE account_id = a.id AND status = 'active'), "
        f"EXISTS (SELECT 1 FROM {promise} WHERE account_id = a.id AND status = 'open'), "
        f"(SELECT id FROM {settlement} WHERE account_id = a.id AND status = 'approved' "
        "ORDER BY id LIMIT 1)"
        f"{next_id}, COALESCE(NULLIF(a.jurisdiction, ''), c.default_jurisdiction), "
        "a.due_date, a.charge_off_date, a.time_barred_on "
        f"FROM {account} a JOIN {creditor} c ON c.id = a.creditor_id "
        f"WHERE a.id = %s{lock}"
    )
    update = (
        f"UPDATE {account} SET fees_balance = fees_balance - %s, "  # noqa: S608
        "interest_balance = interest_balance - %s, principal_balance = principal_balance - %s, "
        "credit_balance = credit_balance + %s, last_payment_date = %s, time_barred_on = %s, "
        "updated_at = %s WHERE id = %s"
    )
    return select, update


def _locked_for_posting(account_id: int) -> _PostingState:
    select, _update = _posting_sql(connection.vendor)
    row = db.execute(select, [account_id])
    if row is None:
        raise Account.DoesNotExist()
    order = row[12]
    if isinstance(order, str):
        order = json.loads(order)
    last, due, charged_off, barred = (_date(row[i]) for i in (8, 18, 19, 20))
    return _PostingState(
        account_id=row[0],
        creditor_id=row[1],
        currency=row[2],
        status=row[3],
        balances=waterfall.Balances(fees=row[4], interest=row[5], principal=row[6], credit=row[7]),
        last_payment_date=last,
        collector_id=row[9],
        team_id=row[10],
        agency_id=row[11],
        allocation_order=list(order or []),
        has_active_plan=bool(row[13]),
        has_open_promise=bool(row[14]),
        approved_settlement_id=row[15],
        next_payment_id=row[16],
        jurisdiction=row[17] or "",
        due_date=due,
        charge_off_date=charged_off,
        time_barred_on=barred,
    )


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _validate_payment(
    *,
    account_currency: str,
    amount: int,
    currency: str,
    method: str,
    received_at: datetime,
    now: datetime,
) -> None:
    if not isinstance(amount, int) or amount <= 0:
        raise ApplicationError(
            _("The amount must be greater than zero."),
            "invalid_amount",
            fields={"amount": [_("Must be greater than zero.")]},
        )
    if currency.upper() != account_currency:
        raise ApplicationError(
            _("The account is kept in %(currency)s.") % {"currency": account_currency},
            "currency_mismatch",
            fields={"currency": [_("Must be %(c)s.") % {"c": account_currency}]},
        )
    if method not in Payment.Method.values:
        raise ApplicationError(
            _("Unknown payment method."), "invalid", fields={"method": [_("Unknown method.")]}
        )
    if timezone.is_naive(received_at):
        raise ApplicationError(
            _("The time received needs a time zone."),
            "invalid",
            fields={"received_at": [_("Needs a time zone.")]},
        )
    if received_at > now + FUTURE_TOLERANCE:
        raise ApplicationError(
            _("A payment cannot be received in the future."),
            "invalid",
            fields={"received_at": [_("In the future.")]},
        )


def _apply_to_plan(*, actor: Any, account_id: int, payment: Payment, amount: int) -> bool:
    """Spread the payment over the active plan's installments; True when it completed the plan."""
    plan = (
        PaymentPlan.objects.select_for_update()
        .filter(account_id=account_id, status=PaymentPlan.Status.ACTIVE)
        .first()
    )
    if plan is None:
        return False
    items = list(Installment.objects.select_for_update().filter(plan=plan).order_by("number"))
    shares = rules.apply_to_installments([(i.amount, i.paid_amount) for i in items], amount)
    links = []
    for item, share in zip(items, shares, strict=True):
        if share:
            Installment.objects.filter(pk=item.pk).update(paid_amount=F("paid_amount") + share)
            item.paid_amount += share
            links.append(InstallmentPayment(payment=payment, installment=item, amount=share))
    InstallmentPayment.objects.bulk_create(links)
    if all(i.is_paid for i in items):
        set_status(plan, PaymentPlan.Status.COMPLETED)
        plan.ended_at = timezone.now()
        plan.save(update_fields=["status", "ended_at"])
        record(action="plan.completed", actor=actor, target=plan, changes={"payment": payment.pk})
        return True
    return False


def _complete_settlement(
    *, actor: Any, account_id: int, settlement: Settlement, payment: Payment
) -> None:
    """The offer is paid: write off what is left and settle the account."""
    fresh = Account.objects.get(pk=account_id)
    set_status(settlement, Settlement.Status.COMPLETED)
    settlement.completed_at = timezone.now()
    settlement.written_off_fees = fresh.fees_balance
    settlement.written_off_interest = fresh.interest_balance
    settlement.written_off_principal = fresh.principal_balance
    settlement.save(
        update_fields=[
            "status",
            "completed_at",
            "written_off_fees",
            "written_off_interest",
            "written_off_principal",
        ]
    )
    Account.objects.filter(pk=account_id).update(
        fees_balance=F("fees_balance") - fresh.fees_balance,
        interest_balance=F("interest_balance") - fresh.interest_balance,
        principal_balance=F("principal_balance") - fresh.principal_balance,
    )
    record(
        action="settlement.completed",
        actor=actor,
        target=settlement,
        changes={"payment": payment.pk, "written_off": settlement.written_off_total},
    )
    _move_account(actor=actor, account=fresh, to_status="settled", reason=_("Settlement paid."))


@transaction.atomic
def payment_record(
    *,
    actor: Any,
    account: Account,
    amount: int,
    currency: str,
    method: str,
    received_at: datetime,
    source: str = Payment.Source.STAFF,
    external_ref: str = "",
    now: datetime | None = None,
) -> Payment:
    """Post a payment: allocate it by the creditor's waterfall under the account's row lock,
    count it towards the active plan, an approved settlement and open promises, remember who held
    the account, and move a fully paid account to ``paid``."""
    if source != Payment.Source.PORTAL:
        _require(actor, "payments.record")
    now = now or timezone.now()
    state = _locked_for_posting(account.pk)
    _validate_payment(
        account_currency=state.currency,
        amount=amount,
        currency=currency,
        method=method,
        received_at=received_at,
        now=now,
    )
    allocation = waterfall.allocate(state.balances, amount, state.allocation_order)
    after = waterfall.apply(state.balances, allocation)
    received_on = timezone.localdate(received_at)
    last_paid = max(filter(None, [state.last_payment_date, received_on]))
    balance_params: list[Any] = [
        allocation.fees,
        allocation.interest,
        allocation.principal,
        allocation.credit,
        last_paid,
        state.barred_on_after(last_paid),
        now,
        state.account_id,
    ]
    payment = Payment(
        id=state.next_payment_id,
        account_id=state.account_id,
        creditor_id=state.creditor_id,
        amount=amount,
        currency=state.currency,
        method=method,
        source=source,
        received_at=received_at,
        external_ref=external_ref[:100],
        allocated_fees=allocation.fees,
        allocated_interest=allocation.interest,
        allocated_principal=allocation.principal,
        allocated_credit=allocation.credit,
        collector_id=state.collector_id,
        team_id=state.team_id,
        agency_id=state.agency_id,
        settlement_id=state.approved_settlement_id,
        recorded_by=_user_or_none(actor),
        created_at=now,
    )
    changes = {
        "account": state.account_id,
        "amount": amount,
        "currency": state.currency,
        **allocation.as_dict(),
    }
    nothing_else_moves = not (state.counts_elsewhere or (after.is_paid and not state.is_closed))
    if state.next_payment_id is not None and nothing_else_moves:
        # The common case on PostgreSQL: balances, payment row and audit event in one statement.
        _write_posting(
            payment,
            balance_params,
            pending_event(action="payment.posted", actor=actor, target=payment, changes=changes),
        )
        return payment
    _select, update = _posting_sql(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(update, balance_params)
    payment.save(force_insert=True)
    settled = plan_completed = False
    if state.counts_elsewhere:
        settled, plan_completed = _after_posting(actor=actor, state=state, payment=payment, now=now)
    if plan_completed and not after.is_paid and state.status == Account.Status.IN_PLAN:
        # A plan for part of the balance is done; the rest is worked as usual.
        _move_account(
            actor=actor,
            account=Account.objects.get(pk=state.account_id),
            to_status="active",
            reason=_("Payment plan completed."),
        )
    if after.is_paid and not state.is_closed and not settled:
        _move_account(
            actor=actor,
            account=Account.objects.get(pk=state.account_id),
            to_status="paid",
            reason=_("Paid in full."),
        )
    # Last, so the audit chain's lane is locked only for the end of the transaction.
    record(action="payment.posted", actor=actor, target=payment, changes=changes)
    return payment


@functools.cache
def _posting_write_sql() -> str:
    """PostgreSQL: move the balances, insert the payment (its id already taken from the
    sequence) and append its audit event, in one statement."""
    qn = connection.ops.quote_name
    _select, update = _posting_sql("postgresql")
    columns = ", ".join(qn(str(f.column)) for f in Payment._meta.concrete_fields)
    values = ", ".join(["%s"] * len(Payment._meta.concrete_fields))
    return (
        f"WITH balances AS ({update} RETURNING id), "  # noqa: S608 - our own SQL, values bound
        f"paid AS (INSERT INTO {qn(Payment._meta.db_table)} ({columns}) VALUES ({values})), "
    )


def _write_posting(payment: Payment, balance_params: list[Any], event: PendingEvent) -> None:
    row_values = [
        f.get_db_prep_save(f.pre_save(payment, True), connection)
        for f in Payment._meta.concrete_fields
    ]
    row = db.execute(
        f"{_posting_write_sql()}{event.ctes()} SELECT {EVENT_COLUMNS} FROM audit_ev",  # noqa: S608 - our own SQL
        [*balance_params, *row_values, *event.params()],
    )
    if row is None:  # every audit lane was busy: the payment is written; queue for a lane
        event.append()
    payment._state.adding = False
    payment._state.db = connection.alias


def _after_posting(
    *, actor: Any, state: _PostingState, payment: Payment, now: datetime
) -> tuple[bool, bool]:
    """Count the payment towards the active plan, an approved settlement and open promises.
    Returns (completed a settlement — the account is then settled, completed the plan)."""
    settled = plan_completed = False
    if state.has_active_plan:
        plan_completed = _apply_to_plan(
            actor=actor, account_id=state.account_id, payment=payment, amount=payment.amount
        )
    if state.approved_settlement_id is not None:
        settlement = Settlement.objects.select_for_update().get(pk=state.approved_settlement_id)
        settlement.paid_amount += payment.amount
        settlement.save(update_fields=["paid_amount"])
        if settlement.paid_amount >= settlement.amount:
            _complete_settlement(
                actor=actor, account_id=state.account_id, settlement=settlement, payment=payment
            )
            settled = True
    if state.has_open_promise:
        _evaluate_promises(
            actor=actor,
            account_id=state.account_id,
            statuses=(PromiseToPay.Status.OPEN,),
            today=timezone.localdate(now),
        )
    return settled, plan_completed


@transaction.atomic
def payment_reverse(
    *, actor: Any, payment: Payment, reason_code: str, note: str, now: datetime | None = None
) -> Payment:
    """Undo a payment exactly (bounced, charged back, posted in error): restore the balances it
    paid, take back the credit it created, reopen the plan installments, settlement and promises
    it satisfied, and reopen the account if it had been paid or settled by it."""
    _require(actor, "payments.reverse")
    note = _require_reason(note)
    if reason_code not in Payment.ReversalReason.values:
        raise ApplicationError(
            _("Unknown reversal reason."), "invalid", fields={"reason_code": [_("Unknown reason.")]}
        )
    now = now or timezone.now()
    account = _lock_account(payment.account_id)
    locked = Payment.objects.select_for_update().get(pk=payment.pk)
    if locked.is_reversed:
        raise Conflict(_("This payment has already been reversed."), "already_reversed")
    allocation = waterfall.Allocation(
        fees=locked.allocated_fees,
        interest=locked.allocated_interest,
        principal=locked.allocated_principal,
        credit=locked.allocated_credit,
    )
    if account.credit_balance < allocation.credit:
        raise Conflict(_("The credit this payment created has already been used."), "credit_used")
    reopened_settlement = False
    if locked.settlement_id is not None:
        settlement = Settlement.objects.select_for_update().get(pk=locked.settlement_id)
        settlement.paid_amount -= locked.amount
        fields = ["paid_amount"]
        if (
            settlement.status == Settlement.Status.COMPLETED
            and settlement.paid_amount < settlement.amount
        ):
            Account.objects.filter(pk=account.pk).update(
                fees_balance=F("fees_balance") + settlement.written_off_fees,
                interest_balance=F("interest_balance") + settlement.written_off_interest,
                principal_balance=F("principal_balance") + settlement.written_off_principal,
            )
            set_status(
                settlement,
                Settlement.Status.EXPIRED
                if settlement.expires_on < timezone.localdate(now)
                else Settlement.Status.APPROVED,
            )
            settlement.completed_at = None
            settlement.written_off_fees = settlement.written_off_interest = (
                settlement.written_off_principal
            ) = 0
            fields += [
                "status",
                "completed_at",
                "written_off_fees",
                "written_off_interest",
                "written_off_principal",
            ]
            reopened_settlement = True
        settlement.save(update_fields=fields)
        if reopened_settlement:
            record(
                action="settlement.reopened",
                actor=actor,
                target=settlement,
                changes={"payment": locked.pk},
            )
    Account.objects.filter(pk=account.pk).update(
        fees_balance=F("fees_balance") + allocation.fees,
        interest_balance=F("interest_balance") + allocation.interest,
        principal_balance=F("principal_balance") + allocation.principal,
        credit_balance=F("credit_balance") - allocation.credit,
        updated_at=now,
    )
    plan_ids = set()
    for share in (
        InstallmentPayment.objects.filter(payment=locked)
        .select_related("installment")
        .order_by("pk")
    ):
        Installment.objects.filter(pk=share.installment_id).update(
            paid_amount=F("paid_amount") - share.amount
        )
        plan_ids.add(share.installment.plan_id)
    for plan in PaymentPlan.objects.select_for_update().filter(
        pk__in=plan_ids, status=PaymentPlan.Status.COMPLETED
    ):
        set_status(plan, PaymentPlan.Status.ACTIVE)
        plan.ended_at = None
        plan.save(update_fields=["status", "ended_at"])
        record(action="plan.reopened", actor=actor, target=plan, changes={"payment": locked.pk})
    set_status(locked, Payment.Status.REVERSED)
    locked.reversed_at = now
    locked.reversed_by = _user_or_none(actor)
    locked.reversal_reason_code = reason_code
    locked.reversal_note = note[:500]
    locked.save(
        update_fields=[
            "status",
            "reversed_at",
            "reversed_by",
            "reversal_reason_code",
            "reversal_note",
        ]
    )
    record(
        action="payment.reversed",
        actor=actor,
        target=locked,
        reason=note,
        changes={
            "account": account.pk,
            "reason_code": reason_code,
            "amount": locked.amount,
            **allocation.as_dict(),
        },
    )
    _evaluate_promises(
        actor=actor,
        account_id=account.pk,
        statuses=(PromiseToPay.Status.OPEN, PromiseToPay.Status.KEPT),
        today=timezone.localdate(now),
    )
    account.refresh_from_db()
    if (
        account.status in (Account.Status.PAID, Account.Status.SETTLED)
        and account.total_balance > 0
    ):
        _move_account(
            actor=actor, account=account, to_status="active", reason=_("Payment reversed.")
        )
    if (
        account.status == Account.Status.ACTIVE
        and PaymentPlan.objects.filter(
            account_id=account.pk, status=PaymentPlan.Status.ACTIVE
        ).exists()
    ):
        _move_account(
            actor=actor, account=account, to_status="in_plan", reason=_("Payment reversed.")
        )
    return locked


# --- Idempotent posting (the API) --------------------------------------------------------------


def request_fingerprint(payload: dict[str, Any]) -> str:
    """A stable hash of a request body (key order and whitespace do not matter)."""
    canonical = json.dumps(
        payload, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class IdempotentResult:
    body: dict[str, Any]
    status: int
    is_replay: bool


def payment_record_idempotent(
    *,
    actor: Any,
    idempotency_key: str,
    request_hash: str,
    render: Callable[[Payment], dict[str, Any]],
    account: Account,
    amount: int,
    currency: str,
    method: str,
    received_at: datetime,
    external_ref: str = "",
) -> IdempotentResult:
    """Post once per (caller, key). The key row is inserted first in the same transaction: a
    concurrent request with the same key blocks on the unique index until this one commits,
    then finds the row and replays the stored response. Same key, different body → refused."""
    _require(actor, "payments.record")
    key = (idempotency_key or "").strip()
    if not key or len(key) > 255:
        raise ApplicationError(
            _("Send an Idempotency-Key header (1–255 characters)."),
            "idempotency_key_required",
            fields={"Idempotency-Key": [_("This header is required.")]},
        )
    with transaction.atomic():
        try:
            with transaction.atomic():
                row = IdempotencyKey.objects.create(owner=actor, key=key, request_hash=request_hash)
        except IntegrityError:
            existing = IdempotencyKey.objects.get(owner=actor, key=key)
            if existing.request_hash != request_hash:
                raise Conflict(
                    _("This Idempotency-Key was already used with a different request body."),
                    "idempotency_key_reused",
                )
            return IdempotentResult(
                body=json.loads(existing.response_body),
                status=existing.response_status,
                is_replay=True,
            )
        payment = payment_record(
            actor=actor,
            account=account,
            amount=amount,
            currency=currency,
            method=method,
            received_at=received_at,
            source=Payment.Source.API,
            external_ref=external_ref,
        )
        # Stored and returned as plain JSON, so a replay is byte-for-byte the same response.
        text = json.dumps(render(payment), cls=DjangoJSONEncoder, ensure_ascii=False)
        body = json.loads(text)
        row.payment = payment
        row.response_body = text
        row.response_status = 201
        row.save(update_fields=["payment", "response_body", "response_status"])
        return IdempotentResult(body=body, status=201, is_replay=False)
