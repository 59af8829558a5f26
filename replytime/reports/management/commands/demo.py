"""`replytime demo`: load the generated demo account, create a demo owner, then serve it."""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management import call_command, get_commands
from django.core.management.base import CommandParser
from django.db import transaction

from replytime.conversations.models import Conversation
from replytime.lib.commands import ReplytimeCommand
from replytime.reports.demo_data import DemoSize, load_demo
from replytime.tenancy.models import Account, Membership, Role

DEMO_ACCOUNT = "demo"
DEMO_EMAIL = "demo@replytime.test"
DEMO_PASSWORD = "replytime-demo"
# Regenerate when the newest demo mail is older than this: "last 7 days" must show data.
STALE_SECONDS = 3 * 86400


class Command(ReplytimeCommand):
    help = "Load the demo account (about 20 mailboxes, six months of mail) and serve it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--reset", action="store_true", help="regenerate the demo data")
        parser.add_argument("--no-serve", action="store_false", dest="serve", help="load only")
        parser.add_argument("--mailboxes", type=int, default=20)
        parser.add_argument("--days", type=int, default=182)

    def run(self, **options: Any) -> None:
        account = self._account(options)
        self._user(account)
        url = f"http://{options['host']}:{options['port']}/a/{account.name}/"
        self.stdout.write(
            "\nThe demo is ready.\n"
            f"  Open:     {url}\n"
            f"  Sign in:  {DEMO_EMAIL}\n"
            f"  Password: {DEMO_PASSWORD}\n"
        )
        if options["serve"]:
            self._serve(options)

    def _account(self, options: dict[str, Any]) -> Account:
        existing = Account.objects.filter(name=DEMO_ACCOUNT).first()
        if existing is not None and not options["reset"] and _fresh(existing):
            self.stdout.write(f"Using the existing demo account {DEMO_ACCOUNT!r}.")
            return existing
        if existing is not None:
            self.stdout.write("Replacing the demo account...")
            with transaction.atomic():
                existing.delete()
        self.stdout.write("Generating the demo account (this takes a few seconds)...")
        end = int(time.time()) // 3600 * 3600
        size = DemoSize(mailboxes=options["mailboxes"], days=options["days"])
        return load_demo(DEMO_ACCOUNT, end=end, size=size, progress=self._say)

    def _say(self, message: str) -> None:
        self.stdout.write(f"  {message}")

    def _user(self, account: Account) -> None:
        from allauth.account.models import EmailAddress

        user_model = get_user_model()
        user = user_model.objects.filter(email=DEMO_EMAIL).first()
        if user is None:
            user = user_model.objects.create_user(
                username=DEMO_EMAIL, email=DEMO_EMAIL, password=DEMO_PASSWORD
            )
        else:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        EmailAddress.objects.update_or_create(
            user=user, email=DEMO_EMAIL, defaults={"verified": True, "primary": True}
        )
        Membership.objects.update_or_create(
            account=account, user=user, defaults={"role": Role.OWNER}
        )

    def _serve(self, options: dict[str, Any]) -> None:
        if "serve" in get_commands():
            call_command("serve", host=options["host"], port=options["port"])
        else:
            call_command("runserver", f"{options['host']}:{options['port']}", use_reloader=False)


def _fresh(account: Account) -> bool:
    newest = Conversation.objects.filter(account=account).order_by("-last_time").first()
    return newest is not None and newest.last_time > time.time() - STALE_SECONDS
