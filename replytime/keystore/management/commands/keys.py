from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser

from replytime.keystore import services
from replytime.keystore.master import (
    AUTO_FILE,
    AUTO_PREVIOUS_FILE,
    generate_key_text,
    write_key_file,
)
from replytime.keystore.models import DataKey
from replytime.lib.commands import ReplytimeCommand


class Command(ReplytimeCommand):
    help = "Master keys: generate one, rotate (re-wrap the data keys), show status."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("generate", help="print a new random master key")
        rotate = sub.add_parser("rotate", help="re-wrap every data key under the current key")
        rotate.add_argument(
            "--generate",
            action="store_true",
            help="embedded default only: make a new key file first (the old one is kept as "
            f"{AUTO_PREVIOUS_FILE} until the rotation is done)",
        )
        sub.add_parser("status", help="which master keys wrap how many data keys")
        sub.add_parser("check", help="verify that the configured master key opens the keystore")

    def run(self, **options: Any) -> None:
        action = options["action"]
        if action == "generate":
            self.stdout.write(generate_key_text())
        elif action == "rotate":
            self._rotate(options["generate"])
        elif action == "status":
            self._status()
        else:
            services.verify_keyring()
            self.stdout.write(f"master key {services.keyring().current.key_id}: OK")

    def _rotate(self, generate: bool) -> None:
        services.verify_keyring()
        if generate:
            self._new_auto_key()
        result = services.rotate()
        self.stdout.write(
            f"re-wrapped {result.rewrapped} data key(s); {result.current} data key(s) are now "
            f"wrapped by master key {result.master_key_id}"
        )
        if generate:
            (settings.DATA_DIR / AUTO_PREVIOUS_FILE).unlink(missing_ok=True)
        elif services.keyring().previous:
            self.stdout.write("You can now remove the previous master key from the configuration.")

    def _new_auto_key(self) -> None:
        ring = services.keyring()
        auto = settings.DATA_DIR / AUTO_FILE
        if ring.current_file != auto:
            raise CommandError(
                "--generate works for the embedded default key file only. With "
                "REPLYTIME_MASTER_KEY(_FILE): set the new key as REPLYTIME_MASTER_KEY, the old one "
                "as REPLYTIME_MASTER_KEY_PREVIOUS, restart, then run `replytime keys rotate`."
            )
        # Old key first: every process can then still unwrap while the rows are re-wrapped.
        write_key_file(settings.DATA_DIR / AUTO_PREVIOUS_FILE, auto.read_text().strip())
        write_key_file(auto, generate_key_text())
        services.reload_keyring()

    def _status(self) -> None:
        ring = services.keyring()
        self.stdout.write(f"current master key: {ring.current.key_id}")
        for key in ring.previous:
            self.stdout.write(f"previous master key: {key.key_id}")
        counts: dict[str, int] = {}
        for key_id in DataKey.objects.values_list("master_key_id", flat=True):
            counts[key_id] = counts.get(key_id, 0) + 1
        for key_id, count in sorted(counts.items()):
            self.stdout.write(f"{count} data key(s) wrapped by {key_id}")
