from __future__ import annotations

from importlib import import_module
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from heed.core.modules import module_exists
from heed.core.roles import Role
from heed.users.models import Agency, Team, User
from heed.users.services import agency_create, team_create, user_create

DEMO_PASSWORD = "heed-demo-2026"

# username, role, first name, last name, team or agency
DEMO_USERS: list[tuple[str, str, str, str, str]] = [
    ("collector", Role.COLLECTOR, "Li", "Wei", "team:Alpha"),
    ("collector2", Role.COLLECTOR, "Maria", "Lopez", "team:Beta"),
    ("team_lead", Role.TEAM_LEAD, "Zhang", "Min", "team:Alpha"),
    ("compliance", Role.COMPLIANCE_OFFICER, "Chen", "Jing", "team:Oversight"),
    # A second officer: templates and rule packs need a second person to approve (four-eyes).
    ("compliance2", Role.COMPLIANCE_OFFICER, "Sarah", "Khan", "team:Oversight"),
    ("qa", Role.QA_INSPECTOR, "Wang", "Fang", "team:Oversight"),
    ("hr", Role.HR_OFFICER, "Liu", "Yang", "team:Back office"),
    ("data_manager", Role.DATA_MANAGER, "Sun", "Lei", "team:Back office"),
    ("manager", Role.MANAGER, "Emma", "Clarke", "team:Oversight"),
    ("agency", Role.AGENCY_USER, "Huang", "Tao", "agency:north"),
    ("auditor", Role.AUDITOR, "James", "Reid", "team:Oversight"),
    ("admin", Role.ADMINISTRATOR, "Zhao", "Qiang", "team:Back office"),
]

# Apps that add demo data: each has `<app>/demo.py` with `load_demo(*, stdout)`, idempotent.
DEMO_MODULES = (
    "heed.portfolio.demo",
    "heed.compliance.demo",
    "heed.screening.demo",
    "heed.payments.demo",
)


DEFAULT_DEMO_ACCOUNTS = 2000
DEFAULT_DEMO_SEED = 20260414


class Command(BaseCommand):
    help = (
        "Create the demo teams, agencies and one user per role, then load demo data "
        "(portfolio, compliance, screening, payments); deterministic for a seed; idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--accounts",
            type=int,
            default=DEFAULT_DEMO_ACCOUNTS,
            help="about how many demo accounts to create (default %(default)s)",
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_DEMO_SEED)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["accounts"] < 1:
            raise CommandError("--accounts must be at least 1")
        if not settings.DEBUG:
            raise CommandError("demo_setup runs only with HEED_DEBUG=1 (demo passwords are public)")
        with transaction.atomic():
            created = self._users()
        for module_name in DEMO_MODULES:
            if not module_exists(module_name):
                continue
            load_demo = import_module(module_name).load_demo
            if module_name == "heed.portfolio.demo":
                load_demo(stdout=self.stdout, seed=options["seed"], accounts=options["accounts"])
            else:
                load_demo(stdout=self.stdout)
        self.stdout.write("")
        self.stdout.write(f"Heed demo logins (password for all: {DEMO_PASSWORD})")
        self.stdout.write(f"{'username':<14} {'role':<20} team / agency")
        for username, role, _first, _last, home in DEMO_USERS:
            self.stdout.write(f"{username:<14} {Role(role).label!s:<20} {home.split(':', 1)[1]}")
        self.stdout.write(
            "Two-factor sign-in is relaxed in the demo (HEED_MFA_REQUIRED_ROLES is empty); "
            "production requires it for administrator, compliance officer and data manager."
        )
        if created:
            self.stdout.write(f"({created} demo users created)")

    def _users(self) -> int:
        teams: dict[str, Team] = {}
        for name in ("Alpha", "Beta", "Oversight", "Back office"):
            teams[name] = Team.objects.filter(name=name).first() or team_create(
                actor=None, name=name
            )
        north = Agency.objects.filter(code="north").first() or agency_create(
            actor=None, code="north", name="North Recovery Partners"
        )
        if not Agency.objects.filter(code="south").exists():
            agency_create(actor=None, code="south", name="South Coast Collections")
        created = 0
        for username, role, first, last, home in DEMO_USERS:
            if User.objects.filter(username=username).exists():
                continue
            kind, name = home.split(":", 1)
            user_create(
                actor=None,
                username=username,
                password=DEMO_PASSWORD,
                role=role,
                team=teams[name] if kind == "team" else None,
                agency=north if kind == "agency" else None,
                first_name=first,
                last_name=last,
                language="en",
            )
            created += 1
        lead = User.objects.get(username="team_lead")
        Team.objects.filter(name="Alpha", lead__isnull=True).update(lead=lead)
        return created
