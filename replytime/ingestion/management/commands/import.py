from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from tqdm import tqdm

from replytime.ingestion.pipeline import is_terminal, run_import
from replytime.lib.commands import ReplytimeCommand
from replytime.tenancy.access import get_account, get_mailbox
from replytime.tenancy.services import normalise_address

FORMATS = ("auto", "mbox", "maildir", "eml", "pipermail")


class Command(ReplytimeCommand):
    help = "Import mail files (mbox, Maildir, .eml, Enron layout, pipermail) into a mailbox."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("account")
        parser.add_argument("address")
        parser.add_argument("paths", nargs="+", type=Path)
        parser.add_argument("--format", choices=FORMATS, default="auto", dest="fmt")
        parser.add_argument("--list-address", default=None)

    def run(self, **options: Any) -> None:
        account = get_account(options["account"])
        mailbox = get_mailbox(account, options["address"])
        list_address = options["list_address"]
        if list_address:
            list_address = normalise_address(list_address)
        bar = tqdm(unit=" msg", disable=not is_terminal(), desc="import", smoothing=0.1)
        try:
            run = run_import(
                mailbox,
                options["paths"],
                fmt=options["fmt"],
                list_address=list_address,
                progress=bar.update,
            )
        finally:
            bar.close()
        self.stdout.write(
            f"read {run.read}, stored {run.stored}, duplicates {run.duplicates}, "
            f"rejected {run.rejected}"
        )
        if run.rejected:
            self.stdout.write(f"see them with: replytime rejections {account.name}")
