"""The web server of `replytime serve`: gunicorn, several processes on one socket.

A request's Python work (ORM, templates) holds its process's GIL, so threads alone keep a
busy web app on one core; gunicorn's master forks `workers` processes that share the
listening socket. By default each serves one request at a time (the sync worker); with
`threads` > 1, that many (the gthread worker). The application, its URLconf and templates are
loaded once in the master (`warm_up`) and inherited by the processes (the caller closes
database connections before, so no process inherits an open one).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication


class _Server(BaseApplication):  # type: ignore[misc]
    def __init__(self, application: Any, options: dict[str, Any]) -> None:
        self._application = application
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self._application


def server_options(host: str, port: int, workers: int, threads: int) -> dict[str, Any]:
    """gunicorn settings: quiet logs, no access log, and no trust in X-Forwarded-* headers
    (Django decides about proxies: REPLYTIME_BEHIND_PROXY).

    With one thread per process the sync worker is used: a process takes a connection from the
    shared socket only when it is free, so the kernel hands each request to an idle process.
    Threaded (gthread) processes accept connections while busy and keep a browser's connection,
    so a few busy people can queue behind one process while another idles."""
    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return {
        "bind": [address],
        "workers": workers,
        "worker_class": "sync" if threads <= 1 else "gthread",
        "threads": threads,
        # A process silent for this long is restarted: far above the slowest page or a
        # year-long export (seconds), so it only bounds a stuck process.
        "timeout": 120,
        "graceful_timeout": 30,
        "forwarded_allow_ips": "",
        "loglevel": "warning",
        "proc_name": "replytime",
        "post_worker_init": open_database,
    }


def open_database(worker: object = None) -> None:
    """In a new web process, before it takes requests: open its persistent database connection
    and read each of the project's tables once, so that neither the connection (TLS, authentication) nor
    the server's per-connection catalogue caches are paid by someone's first page. Nothing to
    keep where connections close after each request (SQLite's CONN_MAX_AGE=0). Failures are
    left to the first request to report."""
    from django.apps import apps
    from django.db import DatabaseError, connection

    if not connection.settings_dict.get("CONN_MAX_AGE"):
        return
    try:
        with connection.cursor() as cursor:
            for config in apps.get_app_configs():
                if config.name.startswith("replytime") or config.label in ("sessions", "auth"):
                    for model in config.get_models():
                        table = connection.ops.quote_name(model._meta.db_table)
                        cursor.execute(f"SELECT 1 FROM {table} LIMIT 1")
    except DatabaseError:
        connection.close()


def warm_up() -> int:
    """Do in the master what every process's first request would otherwise do: import the
    URLconf with every view module behind it, and compile the project's templates (the cached
    loader keeps them). Forked processes inherit both, so no one's first page after a start or
    a restart waits for them (about a second per process, measured). Returns the number of
    templates compiled."""
    from django.apps import apps
    from django.conf import settings
    from django.db import connections
    from django.template.loader import get_template
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - the property imports the URLconf
    # Business hours look countries' holidays up through a registry that imports every
    # country's module on first use (about 0.1 s).
    importlib.import_module("holidays.countries")
    folders = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]
    folders += [
        Path(app.path) / "templates"
        for app in apps.get_app_configs()
        if app.name.startswith("replytime")
    ]
    compiled = 0
    for folder in folders:
        for path in sorted(folder.rglob("*.html")) if folder.is_dir() else []:
            get_template(path.relative_to(folder).as_posix())
            compiled += 1
    connections.close_all()  # nothing opened here may be inherited
    return compiled


def serve(*, host: str, port: int, workers: int, threads: int) -> None:
    """Serve the Django application until the process is told to stop (SIGTERM, SIGINT)."""
    from replytime.wsgi import application

    warm_up()
    _Server(application, server_options(host, port, workers, threads)).run()
