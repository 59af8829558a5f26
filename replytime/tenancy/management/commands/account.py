from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import CommandParser

from replytime.lib.commands import ReplytimeCommand
from replytime.lib.durations import parse_duration
from replytime.tenancy.access import get_account
from replytime.tenancy.models import Account, Role
from replytime.tenancy.services import create_account


class Command(ReplytimeCommand):
    help = "Create and list accounts (tenants), and invite people to them."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create an account")
        create.add_argument("name")
        create.add_argument("--internal-domain", action="append", default=[], dest="domains")
        create.add_argument("--count-internal", action="store_true")
        create.add_argument("--count-cc", action="store_true")
        create.add_argument("--timezone", default="UTC")
        create.add_argument("--goal", type=parse_duration, default=None)
        create.add_argument("--thread-window-days", type=int, default=None)
        sub.add_parser("list", help="list accounts")
        invite = sub.add_parser(
            "invite", help="create an invitation and print its link (no email is sent)"
        )
        invite.add_argument("name")
        invite.add_argument("email")
        invite.add_argument("--role", choices=[r.value for r in Role], default=Role.OWNER)

    def run(self, **options: Any) -> None:
        if options["action"] == "invite":
            self._invite(options["name"], options["email"], options["role"])
            return
        if options["action"] == "list":
            for account in Account.objects.order_by("name"):
                self.stdout.write(f"{account.name}\t{account.timezone}")
            return
        account = create_account(
            options["name"],
            internal_domains=options["domains"],
            count_internal=options["count_internal"],
            count_cc=options["count_cc"],
            timezone=options["timezone"],
            goal_seconds=options["goal"],
            thread_window_days=options["thread_window_days"],
        )
        self.stdout.write(f"Created account {account.name}")

    def _invite(self, name: str, email: str, role: str) -> None:
        from django.urls import reverse

        from replytime.tenancy.invitations import invite, make_token

        invitation = invite(get_account(name), email, role, invited_by=None)
        path = reverse("rt-invitation", args=[make_token(invitation)])
        self.stdout.write(
            f"Invitation of {invitation.email} as {role} to {name}. Open this link on the "
            f"replytime web address (valid {settings.REPLYTIME_INVITATION_DAYS} days):\n{path}"
        )
