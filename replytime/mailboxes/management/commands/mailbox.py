from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from replytime.lib.commands import ReplytimeCommand
from replytime.mailboxes.models import Mailbox
from replytime.mailboxes.services import add_mailbox
from replytime.tenancy.access import for_account, get_account


class Command(ReplytimeCommand):
    help = "Add and list tracked mailboxes."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="add a mailbox")
        add.add_argument("account")
        add.add_argument("address")
        add.add_argument("--name", default="")
        add.add_argument("--alias", action="append", default=[], dest="aliases")
        add.add_argument("--team", action="append", default=[], dest="teams")
        listing = sub.add_parser("list", help="list the mailboxes of an account")
        listing.add_argument("account")

    def run(self, **options: Any) -> None:
        account = get_account(options["account"])
        if options["action"] == "list":
            self._list(account)
            return
        mailbox = add_mailbox(
            account,
            options["address"],
            name=options["name"],
            aliases=options["aliases"],
            teams=options["teams"],
        )
        self.stdout.write(f"Added mailbox {mailbox.address} to {account.name}")

    def _list(self, account: Any) -> None:
        rows = for_account(account, Mailbox).order_by("address")
        self.stdout.write("address\tname\tconnector\trecords")
        for mailbox in rows:
            count = mailbox.records.count()
            self.stdout.write(f"{mailbox.address}\t{mailbox.name}\t{mailbox.connector}\t{count}")
