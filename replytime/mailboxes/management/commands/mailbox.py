from __future__ import annotations

from datetime import UTC
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from replytime.keystore.services import verify_keyring
from replytime.lib.commands import ReplytimeCommand
from replytime.mailboxes.activation import invite_owner
from replytime.mailboxes.connectors.base import ConnectorError
from replytime.mailboxes.connectors.registry import CONNECTORS
from replytime.mailboxes.models import Mailbox
from replytime.mailboxes.services import add_mailbox
from replytime.mailboxes.status import MailboxStatus, mailbox_status
from replytime.mailboxes.sync.connections import check_connection, save_connection
from replytime.tenancy.access import NotFound, for_account, get_account, get_mailbox
from replytime.tenancy.models import Account

LIST_COLUMNS = (
    "address", "name", "connector", "status", "last sync", "next sync", "records", "last error",
)  # fmt: skip


def _when(value: Any) -> str:
    if value is None:
        return "-"
    return str(value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ"))


def _read_secret_file(path: str, what: str) -> str:
    try:
        return Path(path).read_text().strip()
    except OSError as exc:
        raise CommandError(f"Cannot read the {what} file {path}: {exc.strerror}") from None


class Command(ReplytimeCommand):
    help = "Add, list, connect and invite tracked mailboxes."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="add a mailbox")
        add.add_argument("account")
        add.add_argument("address")
        add.add_argument("--name", default="")
        add.add_argument("--alias", action="append", default=[], dest="aliases")
        add.add_argument("--team", action="append", default=[], dest="teams")
        listing = sub.add_parser("list", help="list the mailboxes of an account and their sync")
        listing.add_argument("account")
        self._connect_arguments(sub.add_parser("connect", help="connect a mailbox for live sync"))
        invite = sub.add_parser("invite", help="email the owner a link to connect the mailbox")
        invite.add_argument("account")
        invite.add_argument("address")
        invite.add_argument("--name", default="")

    def _connect_arguments(self, connect: CommandParser) -> None:
        connect.add_argument("account")
        connect.add_argument("address")
        connect.add_argument("kind", choices=sorted(CONNECTORS))
        connect.add_argument("--host", required=True)
        connect.add_argument("--port", type=int, default=None)
        connect.add_argument("--starttls", action="store_true")
        connect.add_argument("--user", default="", help="default: the mailbox address")
        secret = connect.add_mutually_exclusive_group(required=True)
        secret.add_argument("--password-file", default=None)
        secret.add_argument("--oauth2-token-file", default=None)
        connect.add_argument("--folder", action="append", default=[], dest="folders")
        connect.add_argument("--ca-file", default=None)

    def run(self, **options: Any) -> None:
        account = get_account(options["account"])
        action = options["action"]
        if action == "list":
            self._list(account)
        elif action == "connect":
            self._connect(account, options)
        elif action == "invite":
            self._invite(account, options)
        else:
            mailbox = add_mailbox(
                account,
                options["address"],
                name=options["name"],
                aliases=options["aliases"],
                teams=options["teams"],
            )
            self.stdout.write(f"Added mailbox {mailbox.address} to {account.name}")

    def _list(self, account: Account) -> None:
        self.stdout.write("\t".join(LIST_COLUMNS))
        for mailbox in for_account(account, Mailbox).order_by("address"):
            self.stdout.write("\t".join(self._row(mailbox, mailbox_status(mailbox))))

    def _row(self, mailbox: Mailbox, status: MailboxStatus) -> list[str]:
        error = status.last_error or "-"
        if status.paused and status.error_action:
            error = f"{error} To fix: {status.error_action}"
        return [
            mailbox.address,
            mailbox.name,
            status.connector,
            status.state_label,
            _when(status.last_sync_at),
            "running" if status.syncing else _when(status.next_sync_at),
            str(status.records),
            error,
        ]

    def _connect(self, account: Account, options: dict[str, Any]) -> None:
        verify_keyring()
        params: dict[str, Any] = {
            "host": options["host"],
            "security": "starttls" if options["starttls"] else "ssl",
            "user": options["user"] or options["address"].strip().lower(),
        }
        if options["port"]:
            params["port"] = options["port"]
        if options["folders"]:
            params["folders"] = options["folders"]
        if options["ca_file"]:
            params["ca_pem"] = _read_secret_file(options["ca_file"], "CA")
        secrets = {}
        if options["password_file"]:
            secrets["password"] = _read_secret_file(options["password_file"], "password")
        else:
            secrets["oauth2_token"] = _read_secret_file(options["oauth2_token_file"], "token")
        try:
            mailbox = get_mailbox(account, options["address"])
        except NotFound:
            mailbox = None
        probe = mailbox or Mailbox(account=account, address=options["address"].strip().lower())
        try:
            check_connection(probe, options["kind"], params, secrets)
        except ConnectorError as exc:
            hint = f" {exc.action}" if exc.action else ""
            raise CommandError(f"Connection check failed: {exc.message}{hint}") from None
        if mailbox is None:
            mailbox = add_mailbox(account, options["address"])
        save_connection(mailbox, options["kind"], params, secrets)
        self.stdout.write(
            f"Connected {mailbox.address} ({options['kind']}); the worker syncs it now and "
            f"every few minutes. To sync in the foreground: replytime sync {account.name} "
            f"{mailbox.address}"
        )

    def _invite(self, account: Account, options: dict[str, Any]) -> None:
        invite = invite_owner(account, options["address"], name=options["name"])
        self.stdout.write(
            f"Sent an activation link for {invite.mailbox.address}; it works once and expires."
        )
