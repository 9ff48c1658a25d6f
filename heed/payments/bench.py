"""Benchmark: payment postings per second through the service vs the floor.

``.venv/bin/python -m heed.payments.bench`` (``run()`` from ``make bench``). On the configured
database (``DATABASE_URL``; SQLite by default) it creates a **throwaway** test database, seeds
accounts, then measures, in the same run:

- **service**: ``payment_record`` (row lock, waterfall allocation, balance updates with ``F()``,
  the payment row, the hash-chained audit event) — PostgreSQL with 4 concurrent client
  processes, SQLite with one;
- **floor**: inserting the same payment rows alone (one transaction each, same clients);
- for comparison, the floor plus each row's audit event (the audit chain's head row is locked
  by every audited write, so it serialises concurrent writers);

and checks that no posting was lost or doubled (payment count, and every account's balance
equals its original minus the allocations of its payments). Target: ≥ 1,000 postings/s on
PostgreSQL.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TextIO

ACCOUNTS_PER_CLIENT = 50
ORIGINAL_PRINCIPAL = 10**12


@dataclass
class Phase:
    name: str
    count: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def _seed(clients: int) -> tuple[int, list[int]]:
    from heed.core.roles import Role
    from heed.portfolio.models import Account, Creditor, Debtor, Placement
    from heed.users.models import Team, User

    team = Team.objects.create(name="Bench team")
    user = User.objects.create(username="bench-collector", role=Role.COLLECTOR, team=team)
    creditor = Creditor.objects.create(
        code="bench", name="Bench creditor", country="CN", currency="CNY"
    )
    placement = Placement.objects.create(creditor=creditor, source_file_name="bench.csv")
    debtor = Debtor.objects.create(full_name="Bench debtor", country="CN")
    Account.objects.bulk_create(
        [
            Account(
                creditor=creditor,
                placement=placement,
                debtor=debtor,
                external_ref=f"BENCH-{i:06d}",
                currency="CNY",
                original_amount=ORIGINAL_PRINCIPAL + 2_000,
                principal_balance=ORIGINAL_PRINCIPAL,
                interest_balance=1_500,
                fees_balance=500,
                status=Account.Status.ACTIVE,
                assigned_collector=user,
                assigned_team=team,
            )
            for i in range(clients * ACCOUNTS_PER_CLIENT)
        ]
    )
    ids = list(
        Account.objects.filter(creditor=creditor).order_by("pk").values_list("pk", flat=True)
    )
    return user.pk, ids


def _amount(client: int, index: int) -> int:
    return 1_000 + (client * 7 + index * 13) % 9_000


def _client_work(
    kind: str, client: int, clients: int, per_client: int, user_id: int, account_ids: list[int]
) -> None:
    """Post ``per_client`` payments, interleaved over the shared pool of accounts."""
    from django.db import transaction
    from django.utils import timezone

    from heed.audit.services import record
    from heed.payments.models import Payment
    from heed.payments.services import payment_record
    from heed.portfolio.models import Account
    from heed.users.models import User

    user = User.objects.get(pk=user_id)
    received = timezone.now() - timedelta(minutes=1)
    accounts = {a.pk: a for a in Account.objects.filter(pk__in=account_ids)}
    creditor_id = next(iter(accounts.values())).creditor_id
    for index in range(per_client):
        account = accounts[account_ids[(index * clients + client) % len(account_ids)]]
        amount = _amount(client, index)
        if kind == "service":
            payment_record(
                actor=user,
                account=account,
                amount=amount,
                currency="CNY",
                method="bank_transfer",
                received_at=received,
                external_ref=f"svc-{client}-{index}",
            )
        else:
            with transaction.atomic():
                row = Payment.objects.create(
                    account_id=account.pk,
                    creditor_id=creditor_id,
                    amount=amount,
                    currency="CNY",
                    method="bank_transfer",
                    source="staff",
                    received_at=received,
                    external_ref=f"{kind}-{client}-{index}",
                    allocated_fees=0,
                    allocated_interest=0,
                    allocated_principal=amount,
                    allocated_credit=0,
                    collector_id=user_id,
                    recorded_by_id=user_id,
                )
                if kind == "floor+audit":
                    record(
                        action="payment.posted", actor=user, target=row, changes={"amount": amount}
                    )


def _child(args: tuple[Any, ...]) -> tuple[float, float]:
    kind, client, clients, per_client, user_id, account_ids, barrier = args
    from django.db import connections

    connections.close_all()  # never share the parent's socket
    barrier.wait()
    start = time.perf_counter()
    _client_work(kind, client, clients, per_client, user_id, account_ids)
    end = time.perf_counter()
    connections.close_all()
    return start, end


def _phase(kind: str, clients: int, per_client: int, user_id: int, account_ids: list[int]) -> Phase:
    from django.db import connections

    if clients == 1:
        start = time.perf_counter()
        _client_work(kind, 0, 1, per_client, user_id, account_ids)
        return Phase(kind, per_client, time.perf_counter() - start)
    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Manager().Barrier(clients)
    with ctx.Pool(clients) as pool:
        spans = pool.map(
            _child,
            [(kind, c, clients, per_client, user_id, account_ids, barrier) for c in range(clients)],
        )
    return Phase(kind, clients * per_client, max(e for _s, e in spans) - min(s for s, _e in spans))


def _verify(account_ids: list[int], expected: int) -> tuple[int, int, int]:
    """(lost, doubled, accounts whose balance disagrees with their payments)."""
    from django.db.models import Count, Sum

    from heed.payments.models import Payment
    from heed.portfolio.models import Account

    service = Payment.objects.filter(external_ref__startswith="svc-")
    found = service.count()
    distinct = service.values("external_ref").distinct().count()
    doubled = found - distinct
    lost = max(0, expected - distinct)
    applied = {
        row["account_id"]: row
        for row in service.values("account_id").annotate(
            n=Count("pk"),
            fees=Sum("allocated_fees"),
            interest=Sum("allocated_interest"),
            principal=Sum("allocated_principal"),
            credit=Sum("allocated_credit"),
        )
    }
    wrong = 0
    for account in Account.objects.filter(pk__in=account_ids):
        row = applied.get(account.pk, {"fees": 0, "interest": 0, "principal": 0, "credit": 0})
        if (
            account.fees_balance != 500 - (row["fees"] or 0)
            or account.interest_balance != 1_500 - (row["interest"] or 0)
            or account.principal_balance != ORIGINAL_PRINCIPAL - (row["principal"] or 0)
            or account.credit_balance != (row["credit"] or 0)
        ):
            wrong += 1
    return lost, doubled, wrong


def measure(*, clients: int, per_client: int, stdout: TextIO) -> dict[str, Any]:
    """Seed, run the three phases and the checks on the current (migrated, empty) database."""
    from django.db import connection

    is_postgres = connection.vendor == "postgresql"
    user_id, account_ids = _seed(clients)
    service = _phase("service", clients, per_client, user_id, account_ids)
    floor = _phase("floor", clients, per_client, user_id, account_ids)
    audited = _phase("floor+audit", clients, per_client, user_id, account_ids)
    lost, doubled, wrong = _verify(account_ids, clients * per_client)
    from heed.audit.verify import verify_chain

    chain = verify_chain()
    ratio = service.per_second / floor.per_second if floor.per_second else 0.0
    database = "PostgreSQL" if is_postgres else "SQLite"
    rows = [
        ("service: payment_record (lock, waterfall, F() balances, audit)", service),
        ("floor: insert the same payment rows alone", floor),
        ("for comparison: the same rows + their audit event", audited),
    ]
    out = stdout
    out.write(
        f"\nPayment postings — {database}, {clients} concurrent client(s), "
        f"{clients * per_client} postings each phase\n"
    )
    out.write(f"| {'measure':<64} | {'postings':>8} | {'seconds':>8} | {'postings/s':>10} |\n")
    out.write(f"|{'-' * 66}|{'-' * 10}|{'-' * 10}|{'-' * 12}|\n")
    for label, phase in rows:
        figures = f"{phase.count:>8} | {phase.seconds:>8.2f} | {phase.per_second:>10.0f}"
        out.write(f"| {label:<64} | {figures} |\n")
    out.write(f"| {'ratio service / floor':<64} | {'':>8} | {'':>8} | {ratio:>10.2f} |\n")
    checks = f"{lost}/{doubled}/{wrong}"
    label = "lost / doubled / accounts not reconciling"
    out.write(f"| {label:<64} | {checks:>8} | {'':>8} | {'':>10} |\n")
    verdict_chain = (
        f"intact, {chain.checked} events" if chain.is_intact else f"BROKEN: {chain.problem}"
    )
    out.write(f"audit chain after the run: {verdict_chain}\n")
    if is_postgres:
        verdict = "meets" if service.per_second >= 1_000 else "misses"
        out.write(f"target ≥ 1000 postings/s on PostgreSQL: {verdict}\n")
    return {
        "database": database,
        "clients": clients,
        "postings": clients * per_client,
        "service_per_second": service.per_second,
        "floor_per_second": floor.per_second,
        "floor_with_audit_per_second": audited.per_second,
        "ratio": ratio,
        "lost": lost,
        "doubled": doubled,
        "unreconciled_accounts": wrong,
        "chain_intact": chain.is_intact,
    }


def run(
    *, clients: int | None = None, per_client: int | None = None, stdout: TextIO | None = None
) -> dict[str, Any]:
    """Run the benchmark on a throwaway copy of the configured database; print the table."""
    _setup_django()
    from django.conf import settings
    from django.db import connection, connections

    is_postgres = connection.vendor == "postgresql"
    clients = clients or (4 if is_postgres else 1)
    per_client = per_client or (1_000 if is_postgres else 2_000)
    test_settings = settings.DATABASES["default"].setdefault("TEST", {})
    if is_postgres:
        test_settings["NAME"] = f"test_{settings.DATABASES['default']['NAME']}_bench_payments"
    else:
        test_settings["NAME"] = str(settings.VAR_DIR / "bench-payments.sqlite3")
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        return measure(clients=clients, per_client=per_client, stdout=stdout or sys.stdout)
    finally:
        connections.close_all()
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    run()
