"""Web dashboard benchmark (issue #4): prints figures, asserts nothing.

Builds (once, then reuses) a PostgreSQL database `replytime_web_bench` holding a generated account
of 200 mailboxes and about 1,000,000 records over a year (replytime.demo, stored with RecordStore,
metrics rebuilt), starts a real server on loopback, signs in, and measures the median and p95
latency of every dashboard page with 8 concurrent clients, over a 90-day range and a whole year.
The server is `replytime serve --no-worker` (gunicorn, one process per core; `--workers N`).

    python benchmarks/web_bench.py                 # build if needed, then measure
    python benchmarks/web_bench.py --rebuild       # drop and rebuild the database first
    python benchmarks/web_bench.py --build-only
    python benchmarks/web_bench.py --requests 40   # requests per page and range
    python benchmarks/web_bench.py --mode cold     # only with the dashboard cache off
    python benchmarks/web_bench.py --workers 1     # one web process
    python benchmarks/web_bench.py --clients 1     # one client: each page's own time

The cold run (REPLYTIME_REPORTS_CACHE_SECONDS=0) computes every figure on every request; the
cached run shows repeated views of the same dashboard while the facts do not change.

Environment: REPLYTIME_BENCH_POSTGRES (server URL; default postgres://postgres@127.0.0.1:5432/postgres).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx

from benchmarks._common import PG_URL, SCRATCH

DB_NAME = "replytime_web_bench"
DB_URL = PG_URL.rsplit("/", 1)[0] + "/" + DB_NAME
ACCOUNT = "bench"
MAILBOXES = 200
DAYS = 365
RECORDS = 1_000_000
# A fixed end keeps the cached database valid: the ranges below are explicit dates.
END = int(datetime(2026, 11, 1, tzinfo=UTC).timestamp())
RANGES = {"90 days": ("2026-08-03", "2026-11-01"), "1 year": ("2025-11-01", "2026-11-01")}
DATA = SCRATCH / "web"
PAGES = ("", "trend/", "leaderboard/", "awaiting/", "customers/", "when/")
CLIENTS = 8
THREADS = 0  # threads per web process: serve's default unless --threads
USER = "bench@replytime.test"
PASSWORD = "bench-password-1"


def _pg_admin(sql: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(PG_URL, autocommit=True) as conn:
        cur = conn.execute(sql)
        return cur.fetchall() if cur.description else []


def _setup_django() -> None:
    os.environ["DATABASE_URL"] = DB_URL
    os.environ.setdefault("REPLYTIME_DATA", str(DATA))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "replytime.settings")
    import django

    django.setup()


def _ready() -> bool:
    from replytime.conversations.models import Conversation
    from replytime.tenancy.models import Account

    account = Account.objects.filter(name=ACCOUNT).first()
    return account is not None and Conversation.objects.filter(account=account).exists()


def build(rebuild: bool) -> None:
    """Create the benchmark database unless a complete one is there already."""
    exists = _pg_admin(f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}'")
    if rebuild and exists:
        _pg_admin(f'DROP DATABASE "{DB_NAME}"')
        exists = []
    if not exists:
        _pg_admin(f'CREATE DATABASE "{DB_NAME}"')
    _setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    if _ready():
        print(f"reusing database {DB_NAME}", flush=True)
        _derived_columns()
        return
    if exists:
        # A half-built database (an interrupted run): start again from an empty one.
        from django.db import connections

        connections.close_all()
        _pg_admin(f'DROP DATABASE "{DB_NAME}"')
        _pg_admin(f'CREATE DATABASE "{DB_NAME}"')
        call_command("migrate", verbosity=0, interactive=False)
    from replytime.reports.demo_data import DemoSize, load_demo

    began = time.perf_counter()
    size = DemoSize(mailboxes=MAILBOXES, days=DAYS, rate=RECORDS / (MAILBOXES * DAYS))
    load_demo(ACCOUNT, end=END, size=size, progress=lambda m: print(m, flush=True))
    print(f"built {DB_NAME} in {time.perf_counter() - began:.0f} s", flush=True)


def _derived_columns() -> None:
    """Build the dashboards' day columns (metrics.columns) of a database made before them:
    a schema change needs the derived rows only, not the 26-minute build again."""
    from django.db import transaction

    from replytime.metrics.columns import is_ready, rebuild_all
    from replytime.tenancy.models import Account

    account = Account.objects.get(name=ACCOUNT)
    if not is_ready(account):
        began = time.perf_counter()
        with transaction.atomic():
            rebuild_all(account)
        print(f"built the day columns in {time.perf_counter() - began:.0f} s", flush=True)


# Covering indexes proposed to the metrics models (docs/dashboards.md): they let PostgreSQL
# answer the dashboards' scans from the index alone. Not part of the schema yet, so they are
# created only with --proposed-indexes.
PROPOSED_INDEXES = (
    "CREATE INDEX IF NOT EXISTS bench_fact_cover ON metrics_replyfact (account_id, scope, start)"
    " INCLUDE (calendar_seconds, business_seconds, off_hours, first_reply, mailbox_id, team_id,"
    " conversation_id)",
    "CREATE INDEX IF NOT EXISTS bench_act_cover ON metrics_activity (account_id, scope, time)"
    " INCLUDE (inbound, eligible, outbound, mailbox_id, team_id)",
)


def _proposed_indexes(create: bool) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if create:
            for sql in PROPOSED_INDEXES:
                cursor.execute(sql)
            cursor.execute("VACUUM ANALYZE metrics_replyfact")
            cursor.execute("VACUUM ANALYZE metrics_activity")
        cursor.execute(
            "SELECT count(*) FROM pg_indexes WHERE indexname IN ('bench_fact_cover', 'bench_act_cover')"
        )
        present = cursor.fetchone()[0] == len(PROPOSED_INDEXES)
    print(f"proposed covering indexes: {'present' if present else 'absent'}", flush=True)


def _bench_user() -> None:
    """An owner of the bench account who can sign in (verified address)."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    from replytime.tenancy.models import Account, Membership, Role

    user = get_user_model().objects.filter(email=USER).first()
    if user is None:
        user = get_user_model().objects.create_user(username=USER, email=USER, password=PASSWORD)
    EmailAddress.objects.update_or_create(
        user=user, email=USER, defaults={"verified": True, "primary": True}
    )
    account = Account.objects.get(name=ACCOUNT)
    Membership.objects.update_or_create(account=account, user=user, defaults={"role": Role.OWNER})


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_server(port: int, cache_seconds: int, workers: int | None) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": DB_URL,
        "REPLYTIME_DATA": str(DATA),
        "REPLYTIME_REPORTS_CACHE_SECONDS": str(cache_seconds),
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "replytime",
            "serve",
            "--no-worker",
            "--port",
            str(port),
            *(["--workers", str(workers)] if workers else []),
            *(["--threads", str(THREADS)] if THREADS else []),
        ],
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    server.kill()
    raise SystemExit("the server did not start")


def _sign_in(base: str) -> dict[str, str]:
    """Session cookies of the bench user, signed in through the real sign-in form."""
    import re

    with httpx.Client(base_url=base, follow_redirects=False, timeout=30) as client:
        page = client.get("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert token is not None, "no CSRF token on the sign-in page"
        done = client.post(
            "/accounts/login/",
            data={"login": USER, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)},
            headers={"Referer": f"{base}/accounts/login/"},
        )
        assert done.status_code in (302, 303), f"sign-in failed ({done.status_code})"
        return dict(client.cookies)


def _measure(base: str, cookies: dict[str, str], url: str, requests: int) -> list[float]:
    """Latencies (s) of `requests` GETs of `url` from CLIENTS concurrent clients."""
    clients = CLIENTS
    from concurrent.futures import ThreadPoolExecutor

    def one_client(count: int) -> list[float]:
        times = []
        with httpx.Client(base_url=base, cookies=cookies, timeout=120) as client:
            for _ in range(count):
                began = time.perf_counter()
                response = client.get(url)
                times.append(time.perf_counter() - began)
                if response.status_code != 200:
                    raise SystemExit(f"{url}: HTTP {response.status_code}")
        return times

    shares = [requests // clients + (1 if i < requests % clients else 0) for i in range(clients)]
    with ThreadPoolExecutor(clients) as pool:
        return [t for part in pool.map(one_client, shares) for t in part]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def run(requests: int, cache_seconds: int, workers: int | None = None) -> None:
    """Measure every page and range with the dashboard cache set to `cache_seconds` (0: off)."""
    port = _free_port()
    server = _start_server(port, cache_seconds, workers)
    base = f"http://127.0.0.1:{port}"
    mode = "cache off: every request computes its figures" if cache_seconds == 0 else "cached"
    try:
        cookies = _sign_in(base)
        print(f"\n{mode}, {CLIENTS} concurrent clients, {requests} requests per row", flush=True)
        print(f"{'page':<14}{'range':<10}{'median ms':>10}{'p95 ms':>9}{'target':>9}", flush=True)
        for label, (first, last) in RANGES.items():
            target = 300 if label == "90 days" else 1000
            query = f"?period=custom&from={first}&to={last}"
            for page in PAGES:
                url = f"/a/{ACCOUNT}/{page}{query}"
                _measure(base, cookies, url, CLIENTS)  # warm-up
                times = _measure(base, cookies, url, requests)
                median, p95 = _percentile(times, 50) * 1000, _percentile(times, 95) * 1000
                name = page.strip("/") or "overview"
                flag = "ok" if p95 < target else "MISS"
                print(
                    f"{name:<14}{label:<10}{median:>10.0f}{p95:>9.0f}{target:>7} {flag}", flush=True
                )
    finally:
        server.terminate()
        server.wait(30)


def main() -> None:
    global CLIENTS, THREADS
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--mode", choices=("both", "cold", "cached"), default="both")
    parser.add_argument("--proposed-indexes", action="store_true")
    parser.add_argument("--workers", type=int, default=None, help="web processes (serve's default)")
    parser.add_argument("--clients", type=int, default=CLIENTS, help="concurrent clients")
    parser.add_argument("--threads", type=int, default=0, help="threads per web process")
    args = parser.parse_args()
    CLIENTS, THREADS = args.clients, args.threads
    build(args.rebuild)
    if args.build_only:
        return
    _proposed_indexes(args.proposed_indexes)
    _bench_user()
    print(f"load average before: {os.getloadavg()[0]:.2f}", flush=True)
    if args.mode in ("both", "cold"):
        run(args.requests, 0, args.workers)
    if args.mode in ("both", "cached"):
        run(args.requests, 600, args.workers)
    print(f"load average after: {os.getloadavg()[0]:.2f}", flush=True)


if __name__ == "__main__":
    main()
