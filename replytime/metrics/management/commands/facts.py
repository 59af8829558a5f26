from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from django.core.management.base import CommandParser

from replytime.lib.commands import ReplytimeCommand
from replytime.metrics.models import ReplyFact, Scope, UnansweredItem
from replytime.metrics.service import update_account
from replytime.tenancy.access import for_account, get_account
from replytime.tenancy.models import Account

COLUMNS = (
    "kind", "mailbox", "conversation", "start", "end", "calendar_seconds", "business_seconds",
    "off_hours", "answered", "first_reply", "replier",
)  # fmt: skip


def iso(t: int | None) -> str | None:
    if t is None:
        return None
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iter_facts(account: Account) -> Iterator[dict[str, Any]]:
    """Every mailbox reply fact, then every mailbox unanswered item, in a stable order."""
    facts = for_account(account, ReplyFact).filter(scope=Scope.MAILBOX)
    for f in facts.select_related("mailbox", "conversation", "replier").order_by(
        "mailbox__address", "start", "end", "conversation__key"
    ):
        yield {
            "kind": "reply", "mailbox": f.mailbox.address, "conversation": f.conversation.key,
            "start": iso(f.start), "end": iso(f.end), "calendar_seconds": f.calendar_seconds,
            "business_seconds": f.business_seconds, "off_hours": f.off_hours,
            "answered": f.answered, "first_reply": f.first_reply,
            "replier": f.replier.address if f.replier else None,
        }  # fmt: skip
    items = for_account(account, UnansweredItem).filter(scope=Scope.MAILBOX)
    for u in items.select_related("mailbox", "conversation").order_by(
        "mailbox__address", "start", "conversation__key"
    ):
        yield {
            "kind": "unanswered", "mailbox": u.mailbox.address,
            "conversation": u.conversation.key, "start": iso(u.start), "end": None,
            "calendar_seconds": None, "business_seconds": None, "off_hours": None,
            "answered": u.count, "first_reply": None, "replier": None,
        }  # fmt: skip


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


class Command(ReplytimeCommand):
    help = "Every reply fact and unanswered item of every mailbox (CSV or JSON)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("account")
        parser.add_argument("--format", choices=("csv", "json"), default="csv")

    def run(self, **options: Any) -> None:
        account = get_account(options["account"])
        update_account(account)
        if options["format"] == "json":
            self.stdout.write(json.dumps(list(iter_facts(account)), indent=1))
            return
        writer = csv.writer(self.stdout, lineterminator="\n")
        writer.writerow(COLUMNS)
        for fact in iter_facts(account):
            writer.writerow(_cell(fact[c]) for c in COLUMNS)
