"""Placement-import benchmark: ``.venv/bin/python -m heed.portfolio.bench [--rows N]``.

Generates an N-row file in the standard template (two phones and an emergency contact per
row; default 1,000,000 rows) and measures, each in a fresh SQLite database in its own process
(so peak RSS is per run):

* **heed** — the real import end to end: streaming read, validation (amounts, dates, currency,
  phones via ``phonenumbers``, GB 11643 id checksums, duplicates), AES-GCM encryption, blind
  indexes, upsert, audit event;
* **floor** — the same rows inserted with plain ``executemany`` (no validation, no encryption);
* **django-import-export** — a ``ModelResource`` importing the first 20,000 rows into the same
  models (debtor created per row, as a Django user would write it).

Targets (2-core machine): ≥ 10,000 rows/s end to end, ≥ 10× django-import-export, peak RSS
under 500 MB whatever the file size.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

IEX_ROWS = 20_000
DEBTOR_COLUMNS = ",".join(
    [
        "id",
        "full_name",
        "national_id",
        "national_id_index",
        "national_id_masked",
        "id_type",
        "date_of_birth",
        "preferred_language",
        "address",
        "address_masked",
        "city",
        "region",
        "country",
        "timezones",
        "is_deceased",
        "is_bankrupt",
        "is_vulnerable",
        "lacks_capacity",
        "created_at",
        "updated_at",
    ]
)
ACCOUNT_COLUMNS = ",".join(
    [
        "id",
        "creditor_id",
        "placement_id",
        "debtor_id",
        "external_ref",
        "product",
        "currency",
        "original_amount",
        "principal_balance",
        "interest_balance",
        "fees_balance",
        "credit_balance",
        "due_date",
        "charge_off_date",
        "last_payment_date",
        "jurisdiction",
        "time_barred_on",
        "litigation_status",
        "assigned_collector_id",
        "assigned_team_id",
        "agency_id",
        "status",
        "status_changed_at",
        "created_at",
        "updated_at",
    ]
)
CONTACT_COLUMNS = ",".join(
    [
        "debtor_id",
        "kind",
        "value",
        "value_index",
        "value_masked",
        "phone_region",
        "timezones",
        "party_role",
        "party_name",
        "relation",
        "provenance",
        "is_valid",
        "opted_out",
        "placement_id",
        "created_at",
    ]
)
MOBILE_PREFIXES = [
    "138",
    "139",
    "137",
    "136",
    "135",
    "150",
    "151",
    "158",
    "186",
    "187",
    "188",
    "189",
]
REGIONS = ["110105", "310115", "440305", "330106", "510107", "420106"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英霞平刚"
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _cn_id(rng: random.Random) -> str:
    born = f"{rng.randint(1960, 2000)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    first = f"{rng.choice(REGIONS)}{born}{rng.randint(100, 999)}"
    return first + "10X98765432"[sum(int(d) * w for d, w in zip(first, _WEIGHTS, strict=True)) % 11]


def generate(path: Path, rows: int, seed: int = 7) -> None:
    from heed.portfolio.columns import STANDARD_COLUMNS

    rng = random.Random(seed)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(STANDARD_COLUMNS)
        for n in range(rows):
            writer.writerow(
                [
                    f"B{n:08d}",
                    "消费贷",
                    "CNY",
                    f"{rng.randint(1000, 99999)}.{rng.randint(0, 99):02d}",
                    f"{rng.randint(0, 999)}.50",
                    "25",
                    f"2026-0{rng.randint(1, 9)}-{rng.randint(10, 28)}",
                    "",
                    "2025-12-01",
                    rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                    _cn_id(rng),
                    "",
                    rng.choice(MOBILE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}",
                    rng.choice(MOBILE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}",
                    "",
                    f"北京市朝阳区建国路{rng.randint(1, 999)}号",
                    "北京",
                    "北京市",
                    "CN",
                    "zh",
                    rng.choice(SURNAMES) + rng.choice(GIVEN),
                    rng.choice(MOBILE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}",
                    "配偶",
                ]
            )


# --- Children (each in a fresh process and database) --------------------------------------


def _setup(db: str) -> Any:
    os.environ["HEED_SQLITE_PATH"] = db
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from heed.portfolio.models import Creditor, Placement

    creditor = Creditor.objects.create(code="bench", name="Bench", country="CN", currency="CNY")
    placement = Placement.objects.create(creditor=creditor, source_file_name="bench.csv")
    return placement


def _child_heed(path: Path, db: str) -> dict[str, Any]:
    placement = _setup(db)
    # Pages the forked worker shares with this process at fork time are counted in both
    # processes' RSS; subtract them once (see _rss_mb) so the total is not double-counted.
    from django.test.utils import override_settings

    from heed.portfolio.importer import ImportOptions, run_import

    shared_at_fork = _current_rss_kb()
    cpu_started = _cpu_now()
    started = time.perf_counter()
    # As deployed: the import queues its follow-up work (the contact facts refresh) for the task
    # worker; the bench's inline task backend would run it inside the timed import.
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        result = run_import(placement, path, actor="system:bench", options=ImportOptions())
    ended = time.perf_counter()
    import_cpu = _cpu_now() - cpu_started
    measured = _usage()  # the import's peak memory and CPU, before the background work below
    from heed.compliance import facts

    refresh_started = time.perf_counter()
    refreshed = facts.refresh()
    refresh_seconds = time.perf_counter() - refresh_started
    return {
        **measured,
        "facts_refreshed": refreshed,
        "facts_refresh_seconds": refresh_seconds,
        "rows": result.rows_total,
        "created": result.created,
        "errors": result.error_count,
        "contact_points": result.contact_points_added,
        "seconds": ended - started,
        "writer_waited": result.writer_waited,
        "cpu": import_cpu,
        "shared_at_fork_kb": shared_at_fork,
    }


def _insert_sql(table: str, columns: str) -> str:
    count = len(columns.split(","))
    return f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * count)})"  # noqa: S608


def _usage() -> dict[str, Any]:
    """This process's and its children's peak RSS (KB) and CPU seconds so far."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "usage_own_maxrss_kb": own.ru_maxrss,
        "usage_worker_maxrss_kb": kids.ru_maxrss,
        "usage_cpu_seconds": own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime,
    }


def _cpu_now() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _current_rss_kb() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)


def _child_floor(path: Path, db: str) -> dict[str, Any]:
    placement = _setup(db)
    from django.db import connection, transaction
    from django.utils import timezone

    now = timezone.now()
    cpu_started = _cpu_now()
    started = time.perf_counter()
    rows = 0
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys = OFF")  # as heed's writer does
    with (
        transaction.atomic(),
        connection.cursor() as cursor,
        open(path, encoding="utf-8", newline="") as handle,
    ):
        cursor.execute("PRAGMA cache_size = -65536")  # the same page cache heed's import uses
        reader = csv.reader(handle)
        next(reader)
        batch: list[list[str]] = []

        def flush(n0: int) -> None:
            debtors, accounts, contacts = [], [], []
            for i, r in enumerate(batch):
                pk = n0 + i + 1
                debtors.append(
                    (
                        pk,
                        r[9],
                        r[10],
                        r[10],
                        "",
                        "",
                        None,
                        r[19],
                        r[15],
                        "",
                        r[16],
                        r[17],
                        r[18],
                        "[]",
                        False,
                        False,
                        False,
                        False,
                        now,
                        now,
                    )
                )
                accounts.append(
                    (
                        pk,
                        placement.creditor_id,
                        placement.pk,
                        pk,
                        r[0],
                        r[1],
                        r[2],
                        0,
                        0,
                        0,
                        0,
                        0,
                        r[6],
                        None,
                        r[8],
                        "CN",
                        None,
                        "",
                        None,
                        None,
                        None,
                        "new",
                        now,
                        now,
                        now,
                    )
                )
                for value, role, name in (
                    (r[12], "debtor", ""),
                    (r[13], "debtor", ""),
                    (r[21], "emergency_contact", r[20]),
                ):
                    contacts.append(
                        (
                            pk,
                            "phone",
                            value,
                            value,
                            "",
                            "",
                            "[]",
                            role,
                            name,
                            "",
                            "contract",
                            True,
                            False,
                            placement.pk,
                            now,
                        )
                    )
            cursor.executemany(
                _insert_sql("portfolio_debtor", DEBTOR_COLUMNS),
                debtors,
            )
            cursor.executemany(
                _insert_sql("portfolio_account", ACCOUNT_COLUMNS),
                accounts,
            )
            cursor.executemany(
                _insert_sql("portfolio_contactpoint", CONTACT_COLUMNS),
                contacts,
            )

        for row in reader:
            batch.append(row)
            if len(batch) >= 2000:
                flush(rows)
                rows += len(batch)
                batch = []
        if batch:
            flush(rows)
            rows += len(batch)
    return {"rows": rows, "seconds": time.perf_counter() - started, "cpu": _cpu_now() - cpu_started}


def _child_iex(path: Path, db: str) -> dict[str, Any]:
    placement = _setup(db)
    import tablib
    from import_export import resources
    from import_export.fields import Field

    from heed.portfolio.models import Account, Debtor

    class AccountResource(resources.ModelResource):
        external_ref = Field(attribute="external_ref", column_name="external_ref")
        principal_balance = Field(attribute="principal_balance", column_name="principal")
        due_date = Field(attribute="due_date", column_name="due_date")

        class Meta:
            model = Account
            import_id_fields = ("external_ref",)
            fields = ("external_ref", "product", "currency", "principal_balance", "due_date")
            use_transactions = True
            skip_unchanged = True

        def before_import_row(self, row: Any, **kwargs: Any) -> None:
            row["principal"] = int(float(row["principal"]) * 100)

        def before_save_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
            if not instance.debtor_id:
                instance.debtor = Debtor.objects.create(
                    full_name=row["debtor_name"],
                    national_id=row["national_id"],
                    city=row["city"],
                    country="CN",
                )
            instance.creditor_id = placement.creditor_id
            instance.placement_id = placement.pk

    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        data = tablib.Dataset(headers=header)
        for i, row in enumerate(reader):
            if i >= IEX_ROWS:
                break
            data.append(row)
    cpu_started = _cpu_now()
    started = time.perf_counter()
    result = AccountResource().import_data(data, dry_run=False, raise_errors=True)
    seconds = time.perf_counter() - started
    return {
        "rows": len(data),
        "seconds": seconds,
        "cpu": _cpu_now() - cpu_started,
        "errors": int(result.has_errors()),
    }


CHILDREN = {"heed": _child_heed, "floor": _child_floor, "iex": _child_iex}


def _run_child(kind: str, path: Path, folder: Path) -> dict[str, Any]:
    db = str(folder / f"{kind}.sqlite3")
    env = {**os.environ, "HEED_TESTING": "", "HEED_LOG_LEVEL": "WARNING"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    output = subprocess.run(
        [sys.executable, "-m", "heed.portfolio.bench", "--child", kind, str(path), db],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    data: dict[str, Any] = json.loads(output.stdout.strip().splitlines()[-1])
    data["peak_rss_mb"] = data.pop("maxrss_kb") / 1024
    data.setdefault("rss_note", "" if data["peak_rss_mb"] >= before / 1024 else "")
    return data


def _emit(report: Any, line: str) -> None:
    if report is None:
        print(line)
    elif hasattr(report, "write"):
        report.write(line + ("\n" if not line.endswith("\n") else ""))
    else:
        report(line)


def run_memory(report: Any = None, rows: int = 3_000_000) -> dict[str, Any]:
    """Only Heed's import, on a bigger file: is peak RSS flat whatever the file size?"""
    with tempfile.TemporaryDirectory(prefix="heed-bench-") as tmp:
        folder = Path(tmp)
        path = folder / "placement.csv"
        generate(path, rows)
        result = _run_child("heed", path, folder)
    rate = result["rows"] / result["seconds"]
    _emit(
        report,
        f"heed import of {result['rows']:,} rows ({path.name}): {result['seconds']:.1f} s, "
        f"{rate:,.0f} rows/s, peak RSS {result['peak_rss_mb']:.0f} MB "
        f"({result['rss_detail']}); [{'ok' if result['peak_rss_mb'] < 500 else 'MISS'}] "
        "peak RSS < 500 MB",
    )
    return result


def run(report: Any = None, rows: int | None = None) -> dict[str, Any]:
    """Run the benchmark and print the table (``report`` is a callable or a stream)."""
    rows = rows or int(os.environ.get("HEED_BENCH_ROWS", "1000000"))
    with tempfile.TemporaryDirectory(prefix="heed-bench-") as tmp:
        folder = Path(tmp)
        path = folder / "placement.csv"
        started = time.perf_counter()
        generate(path, rows)
        _emit(
            report,
            f"generated {rows:,} rows ({path.stat().st_size / 1e6:.0f} MB) "
            f"in {time.perf_counter() - started:.1f} s",
        )
        results = {kind: _run_child(kind, path, folder) for kind in ("heed", "floor", "iex")}
    heed = results["heed"]
    rate = {k: v["rows"] / v["seconds"] for k, v in results.items()}
    # On a shared machine wall time mostly measures the neighbours; CPU time is steadier.
    cpu_rate = {k: v["rows"] / max(v["cpu"], 1e-9) for k, v in results.items()}
    _emit(report, "")
    _emit(
        report,
        "placement import (SQLite)            rows     seconds      rows/s   peak RSS   ratio"
        "   rows/CPU-s   ratio",
    )
    _emit(report, "-" * 110)
    for kind, label in (
        ("heed", "heed end to end"),
        ("floor", "floor: plain executemany"),
        ("iex", "django-import-export"),
    ):
        r = results[kind]
        _emit(
            report,
            f"{label:<32}{r['rows']:>10,}{r['seconds']:>12.1f}{rate[kind]:>12,.0f}"
            f"{r['peak_rss_mb']:>9.0f} MB"
            f"{rate['heed'] / rate[kind]:>7.2f}x"
            f"{cpu_rate[kind]:>13,.0f}{cpu_rate['heed'] / cpu_rate[kind]:>7.2f}x",
        )
    _emit(report, "-" * 110)
    _emit(
        report,
        f"heed: a forked worker reads, validates, encrypts and indexes while this process writes "
        f"in one transaction; the writer waited {heed['writer_waited']:.1f} s of "
        f"{heed['seconds']:.1f} s for prepared rows ({heed['contact_points']:,} contact points, "
        f"{heed['errors']} errors).",
    )
    _emit(
        report,
        f"  then, in the background (task worker, not timed above): the contact facts refresh "
        f"the import queued rebuilt {heed['facts_refreshed']:,} people in "
        f"{heed['facts_refresh_seconds']:.1f} s",
    )
    _emit(
        report,
        f"  heed peak RSS: {heed['rss_detail']} (the worker's pages shared with the writer at "
        f"fork, {heed['shared_at_fork_kb'] // 1024} MB, counted once)",
    )
    for kind in ("heed", "floor", "iex"):
        _emit(
            report,
            f"  {kind}: {results[kind]['cpu_seconds']:.1f} CPU s (incl. start-up and migrate)",
        )
    checks = [
        ("≥ 10,000 rows/s end to end (wall clock)", rate["heed"] >= 10_000),
        ("≥ 10× django-import-export (wall clock)", rate["heed"] / rate["iex"] >= 10),
        ("≥ 10× django-import-export (per CPU second)", cpu_rate["heed"] / cpu_rate["iex"] >= 10),
        ("peak RSS < 500 MB", heed["peak_rss_mb"] < 500),
    ]
    for label, ok in checks:
        _emit(report, f"  [{'ok' if ok else 'MISS'}] {label}")
    _emit(report, f"  heed reaches {rate['heed'] / rate['floor']:.0%} of the floor's rate")
    return {"results": results, "rates": rate}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--child", nargs=3, metavar=("KIND", "PATH", "DB"))
    parser.add_argument(
        "--memory-only",
        action="store_true",
        help="only Heed's import of --rows rows (default 3,000,000), to check its peak RSS",
    )
    args = parser.parse_args()
    if args.memory_only:
        run_memory(rows=args.rows or 3_000_000)
        return
    if args.child:
        kind, path, db = args.child
        data = CHILDREN[kind](Path(path), db)
        # The import's preparing worker is a forked child: count its peak too, minus the
        # copy-on-write pages it shared with this process when it was forked. A child that did
        # background work after its measured part reports its usage from before that work.
        usage = {**_usage(), **{k: data.pop(k) for k in list(data) if k.startswith("usage_")}}
        own, worker = usage["usage_own_maxrss_kb"], usage["usage_worker_maxrss_kb"]
        data["maxrss_kb"] = own + max(0, worker - data.get("shared_at_fork_kb", 0))
        data["rss_detail"] = f"writer {own // 1024} MB + worker {worker // 1024} MB"
        data["cpu_seconds"] = usage["usage_cpu_seconds"]
        print(json.dumps(data))
        return
    if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        # make bench runs every module once per database; this one is SQLite by definition.
        print("placement import benchmark: SQLite only (see the SQLite pass)")
        return
    run(None, args.rows)


if __name__ == "__main__":
    main()
