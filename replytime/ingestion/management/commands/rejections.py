from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser
from django.db.models import Count

from replytime.ingestion.models import Rejection
from replytime.lib.commands import ReplytimeCommand
from replytime.tenancy.access import for_account, get_account


class Command(ReplytimeCommand):
    help = "List what was rejected, where it came from, and why."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("account")
        parser.add_argument("--reason", default=None, help="only this reason code")
        parser.add_argument("--summary", action="store_true", help="counts per reason only")

    def run(self, **options: Any) -> None:
        account = get_account(options["account"])
        q = for_account(account, Rejection).select_related("mailbox")
        if options["reason"]:
            q = q.filter(reason=options["reason"])
        counts = q.values("reason").annotate(n=Count("id")).order_by("reason")
        for row in counts:
            self.stdout.write(f"# {row['reason']}: {row['n']}")
        if options["summary"]:
            return
        self.stdout.write("mailbox\treason\tsource\tdetail")
        for r in q.order_by("mailbox__address", "source").iterator():
            self.stdout.write(f"{r.mailbox.address}\t{r.reason}\t{r.source}\t{r.detail}")
