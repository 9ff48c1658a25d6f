from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from heed.core.errors import ApplicationError
from heed.core.roles import Role
from heed.users.models import Agency, Team, User
from heed.users.services import api_key_create, user_create


class Command(BaseCommand):
    help = "Create an API key for a user and print it once (it is stored only as a hash)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="username the key acts as")
        parser.add_argument("--name", required=True, help="what the key is for, e.g. 'dialer'")
        parser.add_argument(
            "--create-user", action="store_true", help="create the user if it does not exist"
        )
        parser.add_argument("--role", choices=Role.values, help="role for --create-user")
        parser.add_argument("--team", help="team name for --create-user (default: first team)")
        parser.add_argument("--agency", help="agency code for --create-user of an agency user")

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        username = options["user"]
        user = User.objects.filter(username=username).first()
        if user is None:
            if not options["create_user"]:
                raise CommandError(f"No user {username!r}; pass --create-user --role ROLE")
            user = self._create_user(username, options)
        elif options["create_user"] and options["role"] and options["role"] != user.role:
            raise CommandError(f"User {username!r} exists with role {user.role!r}")
        try:
            _key, raw = api_key_create(actor=None, user=user, name=options["name"])
        except ApplicationError as exc:
            raise CommandError(exc.message)
        self.stdout.write(raw)
        self.stderr.write(
            f"API key {options['name']!r} for {username} ({user.role}) created; "
            "copy it now, it is not shown again."
        )

    def _create_user(self, username: str, options: dict[str, Any]) -> User:
        role = options["role"]
        if not role:
            raise CommandError("--create-user needs --role")
        team = agency = None
        if role == Role.AGENCY_USER:
            agency = (
                Agency.objects.filter(code=options["agency"]).first()
                if options["agency"]
                else Agency.objects.order_by("pk").first()
            )
            if agency is None:
                raise CommandError("An agency user needs an agency (--agency CODE); none found")
        else:
            team = (
                Team.objects.filter(name=options["team"]).first()
                if options["team"]
                else Team.objects.order_by("pk").first()
            )
            if team is None:
                raise CommandError("The user needs a team (--team NAME); none found")
        try:
            return user_create(
                actor=None, username=username, password=None, role=role, team=team, agency=agency
            )
        except ApplicationError as exc:
            raise CommandError(exc.message)
