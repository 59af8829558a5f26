from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from replytime.lib.commands import ReplytimeCommand
from replytime.metrics.schedules import set_schedule
from replytime.tenancy.access import get_account, get_mailbox, get_team


class Command(ReplytimeCommand):
    help = "Set the business hours of the account, a team or a mailbox."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        put = sub.add_parser("set", help="set a schedule")
        put.add_argument("account")
        target = put.add_mutually_exclusive_group()
        target.add_argument("--mailbox", default=None)
        target.add_argument("--team", default=None)
        put.add_argument("--timezone", required=True)
        put.add_argument("--hours", required=True, help="e.g. 'mon-fri 09:00-17:00'")
        put.add_argument("--holidays", default=None, help="COUNTRY or COUNTRY-SUBDIVISION")
        put.add_argument("--holiday", action="append", default=[], dest="dates")

    def run(self, **options: Any) -> None:
        account = get_account(options["account"])
        mailbox = get_mailbox(account, options["mailbox"]) if options["mailbox"] else None
        team = get_team(account, options["team"]) if options["team"] else None
        changed = set_schedule(
            account,
            timezone=options["timezone"],
            hours=options["hours"],
            holidays=options["holidays"],
            holiday_dates=options["dates"],
            mailbox=mailbox,
            team=team,
        )
        target = mailbox.address if mailbox else (f"team {team.name}" if team else account.name)
        self.stdout.write(f"Schedule of {target} saved; {changed} reply facts recomputed")
