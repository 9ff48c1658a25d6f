"""Rebuild every row of the contact facts bulk "contactable now" reads.

The facts are kept current by database triggers; run this after restoring accounts, debtors or
contact points with their old ids (rows the triggers and the SQLite watermark cannot tell are
new), or to rebuild them from scratch. ``--check`` only reports whether the stored rows equal a
rebuild from the join, and exits 1 if they do not.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils.translation import gettext as _

from heed.compliance import facts
from heed.compliance.models import ContactFacts


class Command(BaseCommand):
    help = "Rebuild the contact facts of every person (bulk 'contactable now' reads them)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="only compare the stored rows with a rebuild; exit 1 when they differ",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["check"]:
            facts.refresh()  # what the triggers marked first: only real drift remains
            sql, params = facts.source()
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                expected = {tuple(row) for row in cursor.fetchall()}
            stored = set(ContactFacts.objects.values_list(*facts.COLUMNS))
            missing, extra = len(expected - stored), len(stored - expected)
            if missing or extra:
                raise CommandError(
                    _(
                        "contact facts differ from the join: %(missing)d rows missing, "
                        "%(extra)d rows stale"
                    )
                    % {"missing": missing, "extra": extra}
                )
            self.stdout.write(
                _("contact facts match the join (%(rows)d rows)") % {"rows": len(stored)}
            )
            return
        started = time.perf_counter()
        people = facts.refresh(full=True)
        self.stdout.write(
            _("contact facts rebuilt for %(people)d people in %(seconds).1f s")
            % {"people": people, "seconds": time.perf_counter() - started}
        )
