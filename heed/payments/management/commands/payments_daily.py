"""``python manage.py payments_daily [--date YYYY-MM-DD] [--enqueue]``: the daily money run."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from heed.payments.services import payments_daily
from heed.payments.tasks import payments_daily_start


class Command(BaseCommand):
    help = (
        "Mark promises kept or broken, default plans with missed installments, "
        "expire settlement offers."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="Evaluate as of this day (default: today)")
        parser.add_argument(
            "--enqueue", action="store_true", help="Run it as a background task instead"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today = date.fromisoformat(options["date"]) if options.get("date") else None
        if options["enqueue"]:
            run = payments_daily_start(actor=None, today=today)
            self.stdout.write(f"queued task run {run.pk}")
            return
        result = payments_daily(today=today)
        for key, value in result.as_dict().items():
            self.stdout.write(f"{key}: {value}")
