from __future__ import annotations

import os
import signal
import subprocess
import sys
from types import FrameType
from typing import Any

from django.core.management.base import CommandParser

from replytime.keystore.services import verify_keyring
from replytime.lib.commands import ReplytimeCommand


def _stop(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


class Command(ReplytimeCommand):
    help = "Serve the web app (waitress) and run a background worker beside it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1", help="0.0.0.0 to listen everywhere")
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--no-worker", action="store_false", dest="worker", help="web app only")

    def run(self, **options: Any) -> None:
        import waitress

        from replytime.wsgi import application

        verify_keyring()
        worker = None
        if options["worker"]:
            worker = subprocess.Popen(
                [sys.executable, "-m", "replytime", "worker"], env=os.environ.copy()
            )
        signal.signal(signal.SIGTERM, _stop)
        self.stdout.write(f"replytime is serving on http://{options['host']}:{options['port']}/")
        try:
            waitress.serve(
                application,
                host=options["host"],
                port=options["port"],
                threads=options["threads"],
                ident="replytime",
            )
        finally:
            if worker is not None:
                worker.terminate()
                try:
                    worker.wait(30)
                except subprocess.TimeoutExpired:
                    worker.kill()
