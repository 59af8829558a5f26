from __future__ import annotations

import csv
import json
from typing import Any

from django.core.management.base import CommandParser

from replytime.lib.commands import ReplytimeCommand
from replytime.metrics.formatting import csv_header, csv_rows, table
from replytime.metrics.periods import parse_day, period_of
from replytime.metrics.report import build_report
from replytime.metrics.service import update_account
from replytime.tenancy.access import get_account, get_mailbox, get_team


class Command(ReplytimeCommand):
    help = "Reply-time figures per mailbox, per team and for the whole account."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("account")
        parser.add_argument("--from", dest="first", type=parse_day, default=None)
        parser.add_argument("--to", dest="last", type=parse_day, default=None)
        parser.add_argument("--mailbox", default=None)
        parser.add_argument("--team", default=None)
        parser.add_argument("--format", choices=("table", "json", "csv"), default="table")
        parser.add_argument("--business", action="store_true", help="table: business time")

    def run(self, **options: Any) -> None:
        account = get_account(options["account"])
        mailbox = get_mailbox(account, options["mailbox"]) if options["mailbox"] else None
        team = get_team(account, options["team"]) if options["team"] else None
        update_account(account)  # records stored by another process since the last update
        period = period_of(options["first"], options["last"], account.timezone)
        report = build_report(account, period, mailbox=mailbox, team=team)
        report["from"] = options["first"].isoformat() if options["first"] else None
        report["to"] = options["last"].isoformat() if options["last"] else None
        if options["format"] == "json":
            self.stdout.write(json.dumps(report, indent=1))
        elif options["format"] == "csv":
            writer = csv.writer(self.stdout, lineterminator="\n")
            writer.writerow(csv_header())
            writer.writerows(csv_rows(report))
        else:
            self.stdout.write(table(report, business=options["business"]))
