"""`replytime serve`'s web server: the worker kind, the warm-up, and a real server answering."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from replytime.lib.webserver import open_database, server_options, warm_up


def test_one_thread_means_the_sync_worker_and_more_mean_gthread() -> None:
    assert server_options("127.0.0.1", 8000, 4, 1)["worker_class"] == "sync"
    threaded = server_options("::1", 8000, 2, 8)
    assert threaded["worker_class"] == "gthread"
    assert threaded["threads"] == 8
    assert threaded["bind"] == ["[::1]:8000"]


def test_warm_up_loads_the_urlconf_and_the_templates() -> None:
    from django.template.loader import get_template
    from django.urls import get_resolver

    assert warm_up() > 20
    assert "replytime.reports.views" in sys.modules
    assert "holidays.countries.united_states" in sys.modules
    assert get_resolver().url_patterns
    # The cached loader now answers from its cache: the same compiled object every time.
    first, again = get_template("reports/overview.html"), get_template("reports/overview.html")
    assert first.template is again.template


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.django_db(transaction=True)
def test_serve_answers_concurrent_requests(tmp_path: Path) -> None:
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "KEYSTORE_DATABASE_URL")
    }
    env["REPLYTIME_DATA"] = str(tmp_path)
    subprocess.run(
        [sys.executable, "-m", "replytime", "migrate"], env=env, check=True, capture_output=True
    )
    port = _free_port()
    command = [sys.executable, "-m", "replytime", "serve", "--no-worker", "--workers", "2"]
    server = subprocess.Popen(
        [*command, "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/accounts/login/", timeout=2)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "the server did not start"
                assert server.poll() is None, server.stdout.read() if server.stdout else ""
                time.sleep(0.2)
        with ThreadPoolExecutor(6) as pool:
            codes = list(
                pool.map(lambda _: httpx.get(f"{base}/accounts/login/").status_code, range(12))
            )
        assert codes == [200] * 12
    finally:
        server.terminate()
        server.wait(30)


@pytest.mark.django_db
def test_a_new_process_reads_its_tables_before_requests_where_connections_persist() -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    assert server_options("127.0.0.1", 8000, 2, 1)["post_worker_init"] is open_database
    persistent = bool(connection.settings_dict.get("CONN_MAX_AGE"))
    with CaptureQueriesContext(connection) as queries:
        open_database()
    tables = [q["sql"] for q in queries.captured_queries]
    if persistent:
        assert any("tenancy_account" in sql for sql in tables)
        assert any("metrics_replyfact" in sql for sql in tables)
    else:  # SQLite: connections close after each request, nothing worth opening early
        assert tables == []
