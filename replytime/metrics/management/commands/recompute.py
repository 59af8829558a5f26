from __future__ import annotations

import time
from typing import Any

from django.core.management.base import CommandParser

from replytime.lib.commands import ReplytimeCommand
from replytime.metrics.service import recompute_account
from replytime.tenancy.access import get_account


class Command(ReplytimeCommand):
    help = "Rebuild all conversations and facts of an account from its stored records."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("account")

    def run(self, **options: Any) -> None:
        account = get_account(options["account"])
        started = time.perf_counter()
        result = recompute_account(account)
        self.stdout.write(
            f"{len(result.conversations)} conversations, {len(result.facts)} reply facts, "
            f"{len(result.unanswered)} unanswered items in {time.perf_counter() - started:.1f}s"
        )
