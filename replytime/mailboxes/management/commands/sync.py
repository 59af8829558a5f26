from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from replytime.keystore.services import verify_keyring
from replytime.lib.commands import ReplytimeCommand
from replytime.mailboxes.models import MailboxConnection
from replytime.mailboxes.sync.runner import SyncOutcome, run_sync
from replytime.mailboxes.sync.scheduler import claim
from replytime.tenancy.access import for_account, get_account, get_mailbox


def describe(address: str, outcome: SyncOutcome) -> str:
    counts = (
        f"{outcome.stored} new, {outcome.duplicates} already stored, {outcome.rejected} rejected "
        f"({outcome.pages} page(s), {outcome.requests} request(s))"
    )
    if outcome.status == "done":
        return f"{address}: {counts}; metrics updated from {outcome.metrics_updated} record(s)"
    if outcome.status == "partial":
        return f"{address}: {counts}; request budget used, the worker continues from here"
    if outcome.status == "paused":
        return f"{address}: paused: {outcome.error} To fix: {outcome.action} ({counts})"
    if outcome.status == "lost":
        return f"{address}: another sync took over this mailbox"
    return f"{address}: failed, will retry: {outcome.error} ({counts})"


class Command(ReplytimeCommand):
    help = "Sync connected mailboxes now, in the foreground, and print what changed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("account")
        parser.add_argument("address", nargs="?")

    def run(self, **options: Any) -> None:
        verify_keyring()
        account = get_account(options["account"])
        conns = for_account(account, MailboxConnection).select_related("mailbox")
        if options["address"]:
            conns = conns.filter(mailbox=get_mailbox(account, options["address"]))
        conns = conns.exclude(kind="").order_by("mailbox__address")
        if not conns:
            raise CommandError(
                f"No connected mailbox to sync in {account.name!r}. Connect one with: "
                f"replytime mailbox connect {account.name} ADDRESS imap --host HOST ..."
            )
        problems = sum(not self._sync_one(conn) for conn in conns)
        if problems:
            raise CommandError(f"{problems} mailbox(es) did not sync; see above.")

    def _sync_one(self, conn: MailboxConnection) -> bool:
        address = conn.mailbox.address
        if conn.state == MailboxConnection.State.PAUSED:
            self.stdout.write(f"{address}: paused: {conn.last_error} To fix: {conn.error_action}")
            return False
        token = claim(conn.pk, force=True)
        if token is None:
            self.stdout.write(f"{address}: a sync of this mailbox is running already")
            return True
        outcome = run_sync(conn.pk, token)
        self.stdout.write(describe(address, outcome))
        return outcome.status in ("done", "partial")
