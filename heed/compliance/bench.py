"""Gateway benchmark: ``.venv/bin/python -m heed.compliance.bench [--accounts N] [--db DB]``.

Builds N accounts (60 % CN, 30 % US-NY, 10 % US-MA; one debtor phone each, an emergency
contact for one in three) with 10·N contact attempts spread over the last 60 days, activates the
shipped packs, then measures in the same run:

* **preflight** through the service (reads, evaluation of every pack rule, the stored decision):
  median and p99 latency over 2,000 accounts, against the baseline of its single biggest read
  (the person's last 35 days of contacts, one indexed query). Target: p99 under 5 ms on SQLite.
* **bulk "contactable now"** over every account, against the floor — one SQL pass counting each
  account's attempts of the last 7 days — each run ``--runs`` times, alternating; the ratio is
  of the medians. Target: at most 3x the floor. The bulk answer of every run must be the same.
  The contact facts (``heed.compliance.facts``) the generated data marked are built first and
  timed apart, as is an incremental refresh after 1,000 people's phones change; each run then
  refreshes what is marked (nothing) as every bulk pass does.

The child runs with ``DEBUG`` off (as in production: no query log) and freezes the objects the
data generator left behind out of the garbage collector before measuring.

Databases: under ``scripts/bench.sh`` the current one (its SQLite pass: a fresh file; its
PostgreSQL pass: a throwaway database created on ``DATABASE_URL``'s server and dropped after).
Run directly: SQLite, plus PostgreSQL when ``HEED_BENCH_PG_URL`` or ``/work/pg_url`` names a
server (``--db`` sqlite, postgres or both, the default). ``--accounts`` (or
``HEED_BENCH_ACCOUNTS``; default 100,000) sets N; the issue's full size is 1,000,000.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

DEFAULT_ACCOUNTS = 100_000
PREFLIGHT_SAMPLES = 2000
BULK_RUNS = 3


def _setup_django(database: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if database.startswith("postgres"):
        os.environ["DATABASE_URL"] = database
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ["HEED_SQLITE_PATH"] = database
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _generate(accounts: int, now: datetime, seed: int = 11) -> dict[str, Any]:
    from django.db import connection, transaction

    from heed.collection.models import ContactAttempt
    from heed.core.roles import Role
    from heed.portfolio.models import Account, ContactPoint, Creditor, Debtor, Placement
    from heed.users.models import Team, User

    rng = random.Random(seed)
    team = Team.objects.create(name="Bench")
    collector = User.objects.create(username="bench-collector", role=Role.COLLECTOR, team=team)
    officer = User.objects.create(username="bench-officer", role=Role.COMPLIANCE_OFFICER, team=team)
    kinds = [
        ("CN", "Asia/Shanghai", "CNY"),
        ("US-NY", "America/New_York", "USD"),
        ("US-MA", "America/New_York", "USD"),
    ]
    creditors = {
        j: Creditor.objects.create(
            code=f"bench-{j.lower()}", name=j, country=j[:2], currency=c, default_jurisdiction=j
        )
        for j, _z, c in kinds
    }
    placements = {
        j: Placement.objects.create(creditor=creditors[j], source_file_name="bench")
        for j in creditors
    }
    started = time.perf_counter()
    batch = 5000
    point_of: dict[int, int] = {}
    debtor_of: dict[int, int] = {}
    for first in range(0, accounts, batch):
        size = min(batch, accounts - first)
        picks = [
            kinds[0] if r < 0.6 else kinds[1] if r < 0.9 else kinds[2]
            for r in (rng.random() for _ in range(size))
        ]
        with transaction.atomic():
            debtors = Debtor.objects.bulk_create(
                [
                    Debtor(full_name=f"D{first + i}", country=p[0][:2], timezones=[p[1]])
                    for i, p in enumerate(picks)
                ]
            )
            rows = Account.objects.bulk_create(
                [
                    Account(
                        creditor=creditors[p[0]],
                        placement=placements[p[0]],
                        debtor=d,
                        external_ref=f"B{first + i}",
                        currency=p[2],
                        jurisdiction=p[0],
                        status="active",
                        assigned_collector=collector,
                    )
                    for i, (d, p) in enumerate(zip(debtors, picks, strict=True))
                ]
            )
            points = []
            for i, d in enumerate(debtors):
                points.append(
                    ContactPoint(
                        debtor=d,
                        kind="phone",
                        value=f"enc{first + i}",
                        value_index=f"i{first + i}",
                        value_masked="***",
                        timezones=[picks[i][1]],
                        party_role="debtor",
                    )
                )
                if i % 3 == 0:
                    points.append(
                        ContactPoint(
                            debtor=d,
                            kind="phone",
                            value=f"ece{first + i}",
                            value_index=f"e{first + i}",
                            value_masked="***",
                            party_role="emergency_contact",
                        )
                    )
            points = ContactPoint.objects.bulk_create(points)
            for p in points:
                if p.party_role == "debtor":
                    point_of[p.debtor_id] = p.pk
            for a in rows:
                debtor_of[a.pk] = a.debtor_id
    table = ContactAttempt._meta.db_table
    columns = (
        "account_id",
        "debtor_id",
        "contact_point_id",
        "party_role",
        "channel",
        "direction",
        "initiator",
        "purpose",
        "collector_id",
        "started_at",
        "outcome",
        "debts_discussed",
        "notes",
        "content",
        "with_consent",
        "check_status",
        "created_at",
    )
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608
    outcomes = ["no_answer"] * 5 + ["busy", "voicemail", "failed", "conversation", "conversation"]
    account_ids = list(debtor_of)
    total = accounts * 10

    def batches() -> Any:
        for first in range(0, total, 20000):
            values = []
            for _ in range(min(20000, total - first)):
                account = rng.choice(account_ids)
                debtor = debtor_of[account]
                at = now - timedelta(seconds=rng.randint(600, 60 * 86400))
                values.append(
                    (
                        account,
                        debtor,
                        point_of[debtor],
                        "debtor",
                        "call",
                        "outbound",
                        "collector",
                        "collect",
                        collector.pk,
                        at,
                        rng.choice(outcomes),
                        "[]",
                        "",
                        "",
                        False,
                        "unchecked",
                        at,
                    )
                )
            yield values

    if connection.vendor == "postgresql":  # COPY: the same rows, an order of magnitude faster
        connection.ensure_connection()
        copy_sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        for values in batches():
            with (
                transaction.atomic(),
                connection.connection.cursor() as raw,
                raw.copy(copy_sql) as copy,
            ):
                for row in values:
                    copy.write_row(row)
    else:
        with connection.cursor() as cursor:
            for values in batches():
                with transaction.atomic():
                    cursor.executemany(sql, values)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {table}")
    _activate(officer)
    return {
        "seconds": time.perf_counter() - started,
        "collector": collector.pk,
        "accounts": account_ids,
    }


def _activate(officer: Any) -> None:
    from heed.compliance import services
    from heed.compliance.rules.packs import file_contents

    for code in sorted(file_contents()):
        draft = services.pack_version_load_file(actor="system:bench", code=code)
        if draft is not None:
            services.pack_version_approve(actor=officer, version=draft)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _existing(accounts: int) -> dict[str, Any]:
    """The data an earlier ``_generate`` left in this database (``--existing``)."""
    from heed.portfolio.models import Account
    from heed.users.models import User

    ids = list(Account.objects.order_by("pk").values_list("pk", flat=True))
    if len(ids) != accounts:
        raise RuntimeError(f"the database holds {len(ids):,} accounts, not {accounts:,}")
    collector = User.objects.get(username="bench-collector")
    return {"seconds": float("nan"), "collector": collector.pk, "accounts": ids}


def _child(database: str, accounts: int, runs: int, existing: bool = False) -> dict[str, Any]:
    _setup_django(database)
    import gc

    from django.conf import settings
    from django.db import connection

    from heed.collection.models import ContactAttempt
    from heed.compliance import facts, selectors, services
    from heed.portfolio.models import Account, ContactPoint
    from heed.users.models import User

    settings.DEBUG = False  # production mode: no query log kept by the connection
    # Mid-morning in New York = evening in Shanghai: both windows matter.
    now = datetime.now(tz=UTC).replace(hour=14, minute=30, second=0, microsecond=0)
    built = _existing(accounts) if existing else _generate(accounts, now)
    # The contact facts of every person the data's inserts marked (as after an import).
    t0 = time.perf_counter()
    facts_people = facts.refresh()
    facts_seconds = time.perf_counter() - t0
    collector = User.objects.get(pk=built["collector"])
    rng = random.Random(5)
    sample = rng.sample(built["accounts"], min(PREFLIGHT_SAMPLES, accounts))
    del built["accounts"]

    # warm-up (caches: parsed packs, holidays, zone data, compiled statements)
    for pk in sample[:50]:
        account = Account.objects.select_related("creditor", "debtor").get(pk=pk)
        services.preflight(
            actor=collector,
            account=account,
            contact_point=account.debtor.contact_points.first(),
            channel="call",
            at=now,
        )
    gc.collect()
    gc.freeze()  # what the generator left behind is not the gateway's garbage
    preflight_ms, baseline_ms = [], []
    for pk in sample:
        account = Account.objects.select_related("creditor", "debtor").get(pk=pk)
        point = account.debtor.contact_points.filter(party_role="debtor").first()
        t0 = time.perf_counter()
        services.preflight(
            actor=collector, account=account, contact_point=point, channel="call", at=now
        )
        preflight_ms.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        list(
            ContactAttempt.objects.filter(
                debtor_id=account.debtor_id, started_at__gte=now - timedelta(days=35)
            ).values_list("id", "started_at", "outcome")
        )
        baseline_ms.append((time.perf_counter() - t0) * 1000)

    table = ContactAttempt._meta.db_table
    floor_sql = (
        f"SELECT account_id, COUNT(*) FROM {table} "  # noqa: S608 - table name from _meta
        "WHERE started_at >= %s GROUP BY account_id"
    )
    floor_runs, bulk_runs, answers = [], [], set()
    result = None
    for _ in range(runs):
        t0 = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(floor_sql, [now - timedelta(days=7)])
            floor_rows = len(cursor.fetchall())
        floor_runs.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        result = selectors.contactable_now(Account.objects.all(), at=now, channel="call")
        bulk_runs.append(time.perf_counter() - t0)
        answers.add(
            (
                tuple((c.account_id, c.contact_point_id) for c in result.contactable),
                tuple(sorted(result.blocked_by_rule.items())),
            )
        )
    assert result is not None
    # An incremental refresh: 1,000 people's phones opted out and back in (marked twice).
    points = list(
        ContactPoint.objects.filter(party_role="debtor")
        .order_by("pk")
        .values_list("pk", flat=True)[:1000]
    )
    for value in (True, False):
        ContactPoint.objects.filter(pk__in=points).update(opted_out=value)
    t0 = time.perf_counter()
    changed_people = facts.refresh()
    changed_seconds = time.perf_counter() - t0
    if len(answers) != 1:
        raise RuntimeError("bulk answered differently across runs")
    return {
        "vendor": connection.vendor,
        "accounts": accounts,
        "attempts": accounts * 10,
        "generate_seconds": built["seconds"],
        "preflight_p50_ms": statistics.median(preflight_ms),
        "preflight_p99_ms": _percentile(preflight_ms, 0.99),
        "baseline_p50_ms": statistics.median(baseline_ms),
        "baseline_p99_ms": _percentile(baseline_ms, 0.99),
        "floor_seconds": statistics.median(floor_runs),
        "floor_runs": floor_runs,
        "floor_rows": floor_rows,
        "facts_people": facts_people,
        "facts_seconds": facts_seconds,
        "changed_people": changed_people,
        "changed_seconds": changed_seconds,
        "bulk_seconds": statistics.median(bulk_runs),
        "bulk_runs": bulk_runs,
        "contactable": len(result.contactable),
        "blocked_by_rule": dict(result.blocked_by_rule.most_common(6)),
    }


def _pg_url() -> str:
    url = os.environ.get("HEED_BENCH_PG_URL", "")
    if not url and Path("/work/pg_url").exists():
        url = Path("/work/pg_url").read_text().strip()
    return url


def _with_pg_database(url: str, name: str, create: bool) -> str:
    import psycopg

    base, _sep, _db = url.rpartition("/")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        if create:
            conn.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}"


def _run_child(database: str, accounts: int, runs: int, existing: bool = False) -> dict[str, Any]:
    env = {**os.environ, "HEED_TESTING": "", "HEED_LOG_LEVEL": "WARNING"}
    command = [sys.executable, "-m", "heed.compliance.bench", "--child", database]
    command += ["--accounts", str(accounts), "--runs", str(runs)]
    if existing:
        command.append("--child-existing")
    output = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if output.returncode != 0:
        raise RuntimeError(output.stderr[-3000:])
    return dict(json.loads(output.stdout.strip().splitlines()[-1]))


def _databases(choice: str) -> tuple[bool, str]:
    """(run on SQLite?, PostgreSQL server URL or "") for ``--db`` and the environment."""
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):  # bench.sh's PostgreSQL pass
        return False, os.environ["DATABASE_URL"] if choice != "sqlite" else ""
    if os.environ.get("HEED_SQLITE_PATH") and choice == "both":  # bench.sh's SQLite pass
        return True, ""
    return choice in ("sqlite", "both"), _pg_url() if choice in ("postgres", "both") else ""


def _emit(report: Any, line: str) -> None:
    if report is None:
        print(line, flush=True)
    elif hasattr(report, "write"):
        report.write(line + "\n")
    else:
        report(line)


def run(
    report: Any = None, accounts: int | None = None, db: str = "both", runs: int = BULK_RUNS
) -> list[dict[str, Any]]:
    """Run the benchmark and print the table (medians; the baseline measured in the same run)."""
    accounts = accounts or int(os.environ.get("HEED_BENCH_ACCOUNTS", DEFAULT_ACCOUNTS))
    sqlite, url = _databases(db)
    results = []
    if sqlite:
        with tempfile.TemporaryDirectory(prefix="heed-gw-bench-") as folder:
            results.append(_run_child(str(Path(folder) / "bench.sqlite3"), accounts, runs))
    if url and os.environ.get("HEED_BENCH_PG", "1") != "0":
        name = f"heed_bench_gateway_{os.getpid()}"
        try:
            results.append(_run_child(_with_pg_database(url, name, create=True), accounts, runs))
        except Exception as error:  # noqa: BLE001 - report and go on with SQLite only
            lines = str(error).strip().splitlines() or [repr(error)]
            _emit(report, f"PostgreSQL run skipped: {lines[-1]}")
        finally:
            with contextlib.suppress(Exception):
                _with_pg_database(url, name, create=False)
    _table(report, accounts, results)
    return results


def _table(report: Any, accounts: int, results: list[dict[str, Any]]) -> None:
    _emit(report, "")
    _emit(report, f"compliance gateway — {accounts:,} accounts, {accounts * 10:,} contact attempts")
    _emit(
        report, f"{'database':<11}{'measure':<46}{'heed':>12}{'baseline':>12}{'ratio':>8}  target"
    )
    _emit(report, "-" * 100)
    for r in results:
        v = r["vendor"]
        for label, heed, base, target in (
            (
                "preflight p50 (ms) vs one history read",
                r["preflight_p50_ms"],
                r["baseline_p50_ms"],
                "",
            ),
            (
                "preflight p99 (ms) vs one history read",
                r["preflight_p99_ms"],
                r["baseline_p99_ms"],
                "< 5 ms: " + ("ok" if r["preflight_p99_ms"] < 5 else "MISSED"),
            ),
            (
                f"bulk contactable-now (s, median of {len(r['bulk_runs'])}) vs floor",
                r["bulk_seconds"],
                r["floor_seconds"],
                "<= 3x: " + ("ok" if r["bulk_seconds"] <= 3 * r["floor_seconds"] else "MISSED"),
            ),
        ):
            _emit(
                report,
                f"{v:<11}{label:<46}{heed:>12.2f}{base:>12.2f}{heed / base:>7.1f}x  {target}",
            )
        runs_line = (
            f"bulk runs {', '.join(f'{x:.2f}' for x in r['bulk_runs'])} s; "
            f"floor runs {', '.join(f'{x:.2f}' for x in r['floor_runs'])} s "
            f"({r['floor_rows']:,} accounts with attempts in 7 days)"
        )
        _emit(report, f"{'':<11}{runs_line}")
        counts = f"contactable {r['contactable']:,} of {r['accounts']:,}"
        _emit(report, f"{'':<11}{counts}; blocked by rule {r['blocked_by_rule']}")
        rebuilt = (
            f"contact facts built for {r['facts_people']:,} people in {r['facts_seconds']:.2f} s "
            f"before the runs; after 1,000 people's phones changed: {r['changed_people']:,} "
            f"rebuilt in {r['changed_seconds']:.2f} s"
        )
        _emit(report, f"{'':<11}{rebuilt}")
        seconds = r["generate_seconds"]
        made = "by an earlier run" if seconds != seconds else f"in {seconds:.0f} s"  # NaN
        _emit(report, f"{'':<11}data generated {made}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child")
    parser.add_argument("--child-existing", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--accounts", type=int, help=f"default {DEFAULT_ACCOUNTS:,}")
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--runs", type=int, default=BULK_RUNS, help="bulk and floor runs")
    parser.add_argument(
        "--existing",
        metavar="DATABASE",
        help="measure a database an earlier run of this generator filled today (a SQLite "
        "path or a PostgreSQL URL) instead of generating one; it is not dropped",
    )
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.child, args.accounts, args.runs, args.child_existing)))
    elif args.existing:
        accounts = args.accounts or DEFAULT_ACCOUNTS
        result = _run_child(args.existing, accounts, args.runs, existing=True)
        _table(None, accounts, [result])
    else:
        run(accounts=args.accounts, db=args.db, runs=args.runs)


if __name__ == "__main__":
    main()
