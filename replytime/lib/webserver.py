"""The web server of `replytime serve`: gunicorn, several processes on one socket.

A request's Python work (ORM, templates) holds its process's GIL, so threads alone keep a
busy web app on one core; gunicorn's master forks `workers` processes that share the
listening socket, each serving `threads` requests at a time (the gthread worker). The
application is imported once in the master and inherited by the processes (the caller
closes database connections before, so no process inherits an open one).
"""

from __future__ import annotations

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
    (Django decides about proxies: REPLYTIME_BEHIND_PROXY)."""
    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return {
        "bind": [address],
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        # A slow year-long export must not get its process killed; gthread workers report
        # to the master from their own loop, so this bounds a stuck process, not a request.
        "timeout": 120,
        "graceful_timeout": 30,
        "forwarded_allow_ips": "",
        "loglevel": "warning",
        "proc_name": "replytime",
    }


def serve(*, host: str, port: int, workers: int, threads: int) -> None:
    """Serve the Django application until the process is told to stop (SIGTERM, SIGINT)."""
    from replytime.wsgi import application

    _Server(application, server_options(host, port, workers, threads)).run()
