"""The `replytime` console script: environment set-up, then Django's management commands.

`replytime account create ...` runs the `account` management command with `create ...`;
every command of ../shared/spec/cli.md is a management command of one of our apps.
"""

from __future__ import annotations

import os
import sys

# Commands that work without a migrated database (or that migrate it themselves).
_NO_AUTO_MIGRATE = {"migrate", "makemigrations", "help", "--help", "-h", "version", "check"}


def _auto_migrate() -> None:
    """Bring the database schema up to date, so a fresh data folder just works."""
    from django.core.management import call_command
    from django.db import connections
    from django.db.migrations.executor import MigrationExecutor

    from replytime.lib.env import env_bool

    if not env_bool("REPLYTIME_AUTO_MIGRATE", True):
        return
    for alias in connections:
        executor = MigrationExecutor(connections[alias])
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            call_command("migrate", database=alias, verbosity=0, interactive=False)


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "replytime.settings")
    import django
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        django.setup()
    except ImproperlyConfigured as exc:
        # A configuration mistake (bad value, missing or unreadable master key): say what is
        # wrong and stop, without a traceback.
        sys.stderr.write(f"replytime: {exc}\n")
        raise SystemExit(2) from None
    if args and args[0] not in _NO_AUTO_MIGRATE:
        _auto_migrate()
    execute_from_command_line(["replytime", *args])


if __name__ == "__main__":
    main()
