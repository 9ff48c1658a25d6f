from __future__ import annotations

import getpass
import os
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from heed.core.errors import ApplicationError
from heed.core.roles import Role
from heed.users.models import Agency, Team
from heed.users.services import team_create, user_create


class Command(BaseCommand):
    help = (
        "Create a staff user (e.g. the first administrator). The password is read from "
        "HEED_INITIAL_PASSWORD or asked for; the team is created when missing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--team", help="team name (created when missing)")
        parser.add_argument("--agency", help="agency code, for agency users")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument("--email", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        password = os.environ.get("HEED_INITIAL_PASSWORD") or getpass.getpass("Password: ")
        try:
            validate_password(password)
        except ValidationError as exc:
            raise CommandError("password: " + " ".join(exc.messages))
        with transaction.atomic():
            team = agency = None
            if options["role"] == Role.AGENCY_USER:
                agency = Agency.objects.filter(code=options["agency"] or "").first()
                if agency is None:
                    raise CommandError("--agency CODE of an existing agency is required")
            else:
                if not options["team"]:
                    raise CommandError("--team NAME is required for this role")
                team = Team.objects.filter(name=options["team"]).first() or team_create(
                    actor=None, name=options["team"]
                )
            try:
                user = user_create(
                    actor=None,
                    username=options["username"],
                    password=password,
                    role=options["role"],
                    team=team,
                    agency=agency,
                    first_name=options["first_name"],
                    last_name=options["last_name"],
                    email=options["email"],
                )
            except ApplicationError as exc:
                raise CommandError(exc.message)
        self.stdout.write(f"Created {user.username} ({user.get_role_display()}).")
