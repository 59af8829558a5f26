"""A base for management commands: expected failures become clear CommandErrors."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from replytime.tenancy.access import NotFound


class ReplytimeCommand(BaseCommand):
    """Runs `run()`; lookup and validation failures exit non-zero with the message alone."""

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            self.run(**options)
        except (NotFound, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc

    def run(self, **options: Any) -> None:
        raise NotImplementedError
