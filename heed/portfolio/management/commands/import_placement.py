"""python manage.py import_placement PATH --creditor CODE [--mapping NAME] [--dry-run]
[--reject-on-error] [--agency CODE] [--user USERNAME]"""

from __future__ import annotations

import hashlib
import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from heed.portfolio.importer import ImportOptions, run_import
from heed.portfolio.models import ColumnMapping, Creditor, Placement


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Command(BaseCommand):
    help = "Import a placement file (CSV or XLSX) for a creditor."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path")
        parser.add_argument("--creditor", required=True, help="creditor code")
        parser.add_argument("--mapping", default="", help="saved column mapping name")
        parser.add_argument("--agency", default="", help="place the accounts with this agency")
        parser.add_argument("--user", default="", help="username recorded as the importer")
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument("--reject-on-error", action="store_true")
        parser.add_argument("--max-errors", type=int, default=50, help="errors to print")

    def handle(self, *args: Any, **options: Any) -> None:
        from heed.users.models import Agency, User

        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        try:
            creditor = Creditor.objects.get(code=options["creditor"])
        except Creditor.DoesNotExist:
            raise CommandError(f"unknown creditor {options['creditor']!r}")
        mapping = None
        if options["mapping"]:
            mapping = ColumnMapping.objects.filter(
                creditor=creditor, name=options["mapping"]
            ).first()
            if mapping is None:
                raise CommandError(f"creditor has no mapping {options['mapping']!r}")
        agency = None
        if options["agency"]:
            agency = Agency.objects.filter(code=options["agency"]).first()
            if agency is None:
                raise CommandError(f"unknown agency {options['agency']!r}")
        actor: Any = "system:cli"
        if options["user"]:
            actor = User.objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"unknown user {options['user']!r}")
        placement = Placement.objects.create(
            creditor=creditor,
            agency=agency,
            mapping=mapping,
            source_file_name=path.name,
            source_file=str(path.resolve()),
            source_sha256=_sha256(path),
            imported_by=actor if isinstance(actor, User) else None,
            is_dry_run=options["dry_run"],
            reject_on_error=options["reject_on_error"],
        )
        started = time.monotonic()
        result = self._run(placement, path, actor, options)
        elapsed = time.monotonic() - started
        out = self.stdout
        out.write(f"placement {placement.pk}: {result.status}")
        out.write(
            f"rows {result.rows_total}  valid {result.rows_valid}  rejected {result.rows_rejected}"
        )
        if not options["dry_run"]:
            out.write(
                f"accounts created {result.created}  updated {result.updated}  "
                f"unchanged {result.unchanged}  contact points added "
                f"{result.contact_points_added}"
            )
        rate = result.rows_total / elapsed if elapsed else 0.0
        out.write(f"{elapsed:.1f} s, {rate:,.0f} rows/s")
        if result.error_count:
            out.write(f"{result.error_count} errors (row, column, value, reason):")
            for error in result.errors[: options["max_errors"]]:
                out.write(f"  {error.row}\t{error.column}\t{error.value}\t{error.reason}")
            if result.error_count > options["max_errors"]:
                out.write(f"  … {result.error_count - options['max_errors']} more")
        if result.rows_rejected:
            sys.exit(1)

    def _run(self, placement: Placement, path: Path, actor: Any, options: dict[str, Any]) -> Any:
        import_options = ImportOptions(
            dry_run=options["dry_run"], reject_on_error=options["reject_on_error"]
        )
        interactive = self.stdout.isatty() if hasattr(self.stdout, "isatty") else False
        if not interactive:
            return run_import(placement, path, actor=actor, options=import_options)
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(),
        ) as bar:
            task_id = bar.add_task("validating", total=100)

            def progress(percent: int, message: str) -> None:
                bar.update(task_id, completed=percent, description=message)

            result = run_import(
                placement, path, actor=actor, options=import_options, progress=progress
            )
            bar.update(task_id, completed=100, description="done")
        return result
