from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from replytime.lib.commands import ReplytimeCommand
from replytime.lib.durations import parse_duration
from replytime.tenancy.access import get_account
from replytime.tenancy.services import create_team


class Command(ReplytimeCommand):
    help = "Create teams of mailboxes."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a team")
        create.add_argument("account")
        create.add_argument("name")
        create.add_argument("--address", action="append", default=[], dest="addresses")
        create.add_argument("--goal", type=parse_duration, default=None)

    def run(self, **options: Any) -> None:
        account = get_account(options["account"])
        team = create_team(
            account, options["name"], addresses=options["addresses"], goal_seconds=options["goal"]
        )
        self.stdout.write(f"Created team {team.name} in {account.name}")
