from __future__ import annotations

import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Run the web server and a task worker together; Ctrl-C stops both."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000")

    def handle(self, *args: Any, **options: Any) -> None:
        python = sys.executable
        web = subprocess.Popen([python, "manage.py", "runserver", options["addr"], "--noreload"])
        worker = subprocess.Popen(
            [python, "manage.py", "db_worker", "--no-reload", "--interval", "1"]
        )
        self.stdout.write(f"Heed is running at http://{options['addr']}/ — Ctrl-C stops it.")
        stopping = False

        def stop(*_args: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                if web.poll() is not None or worker.poll() is not None:
                    self.stderr.write("A Heed process exited; stopping the other.")
                    break
                time.sleep(0.5)
        finally:
            for process in (web, worker):
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            for process in (web, worker):
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
        self.stdout.write("Heed stopped.")
