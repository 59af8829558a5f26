"""Tasks for tests of the worker (importable by a worker subprocess)."""

from __future__ import annotations

import time

from django_tasks import task


@task()
def sleepy(seconds: float) -> float:
    """Hold a worker for `seconds`."""
    time.sleep(seconds)
    return seconds
