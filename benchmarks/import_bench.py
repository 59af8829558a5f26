"""Import benchmark (issue #2): prints figures, asserts nothing.

Reads all of r-help (headers only) and r-devel (about 250k messages) and measures, each phase in a
fresh process: the raw limit (reading header blocks only), the naive standard-library parse, our
parse alone, and parse + store into SQLite and into PostgreSQL; then SQLite with half and with a
quarter of the input, to show how peak memory grows with input size.

    python benchmarks/import_bench.py            # everything
    python benchmarks/import_bench.py --quick    # r-devel only, SQLite only
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import PG_URL, SCRATCH, r_lists_files, run_child


def _listing(files: list[Path]) -> Path:
    SCRATCH.mkdir(parents=True, exist_ok=True)
    path = SCRATCH / f"files-{len(files)}.txt"
    path.write_text("\n".join(str(f) for f in files))
    return path


def _fresh_pg_database() -> str:
    import psycopg

    name = f"replytime_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return PG_URL.rsplit("/", 1)[0] + "/" + name


def _drop_pg_database(url: str) -> None:
    import psycopg

    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}"')


def _store_sqlite(listing: Path) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite3"
        return run_child("benchmarks.import_phases", ["store", str(listing)], {"DATABASE_URL": url})


def _store_pg(listing: Path) -> dict:
    url = _fresh_pg_database()
    try:
        return run_child("benchmarks.import_phases", ["store", str(listing)], {"DATABASE_URL": url})
    finally:
        _drop_pg_database(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    files = r_lists_files()
    if args.quick:
        files = [f for f in files if "r-devel" in str(f)]
    listing = _listing(files)
    results: dict[str, dict] = {}
    for phase in ("raw", "naive", "parse"):
        results[phase] = run_child("benchmarks.import_phases", [phase, str(listing)])
        print(phase, json.dumps(results[phase]), flush=True)
    results["sqlite"] = _store_sqlite(listing)
    print("sqlite", json.dumps(results["sqlite"]), flush=True)
    if not args.quick:
        results["postgres"] = _store_pg(listing)
        print("postgres", json.dumps(results["postgres"]), flush=True)
        for fraction in (4, 2):
            part = _listing(files[: len(files) // fraction])
            key = f"sqlite_1/{fraction}"
            results[key] = _store_sqlite(part)
            print(key, json.dumps(results[key]), flush=True)
    _summary(results)


def _summary(r: dict[str, dict]) -> None:
    sqlite = r["sqlite"]["per_second"]
    print("\nmessages read:", r["raw"]["messages"])
    print(f"raw limit        {r['raw']['per_second']:>9,} msg/s")
    print(f"naive (stdlib)   {r['naive']['per_second']:>9,} msg/s")
    print(f"parse only       {r['parse']['per_second']:>9,} msg/s")
    print(f"SQLite store     {sqlite:>9,} msg/s  peak RSS {r['sqlite']['peak_rss_mb']} MB")
    print(f"  = {sqlite / r['naive']['per_second']:.1f}x naive (target >= 10x)")
    print(f"  = raw / SQLite {r['raw']['per_second'] / sqlite:.2f}x (target <= 4x)")
    if "postgres" in r:
        pg = r["postgres"]["per_second"]
        print(f"PostgreSQL store {pg:>9,} msg/s  peak RSS {r['postgres']['peak_rss_mb']} MB")
        print(f"  = SQLite / PostgreSQL {sqlite / pg:.2f}x (target <= 2x)")
    for key in ("sqlite_1/4", "sqlite_1/2"):
        if key in r:
            print(f"{key:<16} {r[key]['messages']:>9,} msgs  peak RSS {r[key]['peak_rss_mb']} MB")


if __name__ == "__main__":
    main()
