"""Demo money: payments, promises (open, kept, broken), a plan, a settlement awaiting approval
and a reversal on the portfolio demo's accounts. Idempotent: does nothing if already loaded."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from heed.core.errors import ApplicationError
from heed.payments import services
from heed.payments.models import Payment
from heed.portfolio.models import Account

MARKER = "demo-"


def _account_list(**filters: Any) -> list[Account]:
    return list(
        Account.objects.filter(status=Account.Status.ACTIVE, **filters)
        .exclude(principal_balance=0)
        .order_by("pk")[:12]
    )


def load_demo(*, stdout: Any) -> None:
    from heed.users.models import User

    if Payment.objects.filter(external_ref__startswith=MARKER).exists():
        stdout.write("payments demo: already loaded")
        return
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=["collector", "team_lead", "data_manager", "agency"]
        )
    }
    collector = users.get("collector")
    if collector is None:
        stdout.write("payments demo: no demo users; skipped")
        return
    accounts = _account_list(assigned_collector=collector)
    if len(accounts) < 8:
        stdout.write("payments demo: no portfolio demo accounts; skipped")
        return
    now = timezone.now()
    today = timezone.localdate()
    done: list[str] = []

    def attempt(label: str, action: Any) -> Any:
        try:
            result = action()
        except ApplicationError as exc:
            stdout.write(f"payments demo: {label} skipped ({exc.code})")
            return None
        done.append(label)
        return result

    def pay(
        account: Account,
        share: int,
        days_ago: int,
        method: str = "bank_transfer",
        actor: Any = collector,
    ) -> Any:
        amount = max(100, account.total_balance * share // 100)
        return attempt(
            f"payment on {account.external_ref}",
            lambda: services.payment_record(
                actor=actor,
                account=account,
                amount=amount,
                currency=account.currency,
                method=method,
                received_at=now - timedelta(days=days_ago, hours=3),
                external_ref=f"{MARKER}{account.pk}-{days_ago}",
            ),
        )

    # Partial payments on a few accounts, one of them reversed (bounced).
    for index, account in enumerate(accounts[:4]):
        pay(
            account,
            10 + 5 * index,
            days_ago=2 + index * 4,
            method="wechat_pay" if index % 2 else "bank_transfer",
        )
    bounced = pay(accounts[4], 20, days_ago=6, method="direct_debit")
    data_manager = users.get("data_manager")
    if bounced is not None and data_manager is not None:
        attempt(
            "reversal",
            lambda: services.payment_reverse(
                actor=data_manager,
                payment=bounced,
                reason_code="bounced",
                note="demo: direct debit returned unpaid",
            ),
        )

    # Promises: one open, one kept by a payment, one broken by the daily run.
    open_account, kept_account, broken_account = accounts[5], accounts[6], accounts[7]
    attempt(
        "open promise",
        lambda: services.promise_create(
            actor=collector,
            account=open_account,
            amount=max(100, open_account.total_balance // 5),
            due_date=today + timedelta(days=4),
            channel="phone",
            note="demo: salary on the 25th",
        ),
    )
    kept_amount = max(100, kept_account.total_balance // 10)
    if attempt(
        "kept promise",
        lambda: services.promise_create(
            actor=collector,
            account=kept_account,
            amount=kept_amount,
            due_date=today + timedelta(days=2),
            channel="sms",
        ),
    ):
        attempt(
            "payment keeping the promise",
            lambda: services.payment_record(
                actor=collector,
                account=kept_account,
                amount=kept_amount,
                currency=kept_account.currency,
                method="alipay",
                # Received after the promise was made (the same day, even just past midnight).
                received_at=timezone.now(),
                external_ref=f"{MARKER}{kept_account.pk}-kept",
            ),
        )
    attempt(
        "broken promise",
        lambda: services.promise_create(
            actor=collector,
            account=broken_account,
            amount=max(100, broken_account.total_balance // 5),
            due_date=today - timedelta(days=5),
            channel="phone",
            today=today - timedelta(days=10),
        ),
    )
    daily = services.payments_daily(today=today)

    # A plan with its first installment paid, and a settlement waiting for the team lead.
    if len(accounts) > 9:
        plan_account = accounts[8]
        plan = attempt(
            "payment plan",
            lambda: services.plan_create(
                actor=collector,
                account=plan_account,
                frequency="monthly",
                first_date=today,
                count=6,
            ),
        )
        if plan is not None:
            first = plan.installments.order_by("number").first()
            if first is not None:
                attempt(
                    "first installment",
                    lambda: services.payment_record(
                        actor=collector,
                        account=plan_account,
                        amount=first.amount,
                        currency=plan_account.currency,
                        method="bank_transfer",
                        received_at=timezone.now(),  # on the first installment's day
                        external_ref=f"{MARKER}{plan_account.pk}-plan",
                    ),
                )
        settle_account = accounts[9]
        attempt(
            "settlement offer",
            lambda: services.settlement_propose(
                actor=collector,
                account=settle_account,
                amount=settle_account.total_balance * 80 // 100,
                expires_on=today + timedelta(days=14),
                note="demo: lump sum from family",
            ),
        )
    agent = users.get("agency")
    if agent is not None:
        for account in _account_list(agency_id=agent.agency_id)[:2]:
            pay(account, 15, days_ago=3, method="card", actor=agent)
    stdout.write(
        f"payments demo: {len(done)} actions "
        f"({daily.promises_broken} promise marked broken by the daily run)"
    )
