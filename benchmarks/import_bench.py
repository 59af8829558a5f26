"""Import benchmark (issue #2): prints figures, asserts nothing.

Reads all of r-help (headers only) and r-devel (about 250k messages) and measures, each phase in a
fresh process: the raw limit (reading header blocks only), the naive standard-library parse, our
parse alone, and parse + store into SQLite and into PostgreSQL; then SQLite with half and with a
quarter of the input, to show how peak memory grows with input size.

    python benchmarks/import_bench.py              # everything
    python benchmarks/import_bench.py --quick      # r-devel only, SQLite only
    python benchmarks/import_bench.py --repeat 1   # each phase once (default: 5 times)

Each phase but the naive one (about 100 s) runs `--repeat` times, alternating with the others,
and the summary compares the best run of each phase and, in brackets, the medians: the short
raw phase (under 3 s) varied by up to 40 % from run to run on a shared machine, so one pair of runs
can flatter or wrong either side.
"""

from __future__ import annotations

import argparse
import json
import statistics
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
    parser.add_argument("--repeat", type=int, default=5, help="runs of each phase but naive")
    args = parser.parse_args()
    files = r_lists_files()
    if args.quick:
        files = [f for f in files if "r-devel" in str(f)]
    listing = _listing(files)
    phases = {
        "raw": lambda: run_child("benchmarks.import_phases", ["raw", str(listing)]),
        "parse": lambda: run_child("benchmarks.import_phases", ["parse", str(listing)]),
        "sqlite": lambda: _store_sqlite(listing),
    }
    if not args.quick:
        phases["postgres"] = lambda: _store_pg(listing)
    runs: dict[str, list[dict]] = {name: [] for name in phases}
    for _ in range(max(1, args.repeat)):
        for name, phase in phases.items():
            runs[name].append(phase())
            print(name, json.dumps(runs[name][-1]), flush=True)
    naive = run_child("benchmarks.import_phases", ["naive", str(listing)])
    print("naive", json.dumps(naive), flush=True)
    results: dict[str, dict] = {name: _best(found) for name, found in runs.items()}
    results["naive"] = naive
    medians = {
        name: statistics.median(r["per_second"] for r in found) for name, found in runs.items()
    }
    if not args.quick:
        for fraction in (4, 2):
            part = _listing(files[: len(files) // fraction])
            key = f"sqlite_1/{fraction}"
            results[key] = _store_sqlite(part)
            print(key, json.dumps(results[key]), flush=True)
    _summary(results, medians)


def _best(found: list[dict]) -> dict:
    """The fastest run, with every run's rate alongside."""
    best = dict(max(found, key=lambda r: r["per_second"]))
    best["all_per_second"] = [r["per_second"] for r in found]
    best["peak_rss_mb"] = max(r["peak_rss_mb"] for r in found)
    return best


def _summary(r: dict[str, dict], medians: dict[str, float]) -> None:
    sqlite = r["sqlite"]["per_second"]
    m = medians
    print("\nmessages read:", r["raw"]["messages"], " (best run of each phase; [median])")
    for name, label in (("raw", "raw limit"), ("parse", "parse only")):
        print(f"{label:<17}{r[name]['per_second']:>9,} msg/s  [{m[name]:,.0f}]")
    print(f"naive (stdlib)   {r['naive']['per_second']:>9,} msg/s  (one run)")
    print(
        f"SQLite store     {sqlite:>9,} msg/s  [{m['sqlite']:,.0f}]"
        f"  peak RSS {r['sqlite']['peak_rss_mb']} MB"
    )
    print(f"  = {sqlite / r['naive']['per_second']:.1f}x naive (target >= 10x)")
    print(
        f"  = raw / SQLite {r['raw']['per_second'] / sqlite:.2f}x"
        f" [{m['raw'] / m['sqlite']:.2f}x] (target <= 4x)"
    )
    if "postgres" in r:
        pg = r["postgres"]["per_second"]
        print(
            f"PostgreSQL store {pg:>9,} msg/s  [{m['postgres']:,.0f}]"
            f"  peak RSS {r['postgres']['peak_rss_mb']} MB"
        )
        print(
            f"  = SQLite / PostgreSQL {sqlite / pg:.2f}x"
            f" [{m['sqlite'] / m['postgres']:.2f}x] (target <= 2x)"
        )
    for key in ("sqlite_1/4", "sqlite_1/2"):
        if key in r:
            print(f"{key:<16} {r[key]['messages']:>9,} msgs  peak RSS {r[key]['peak_rss_mb']} MB")


if __name__ == "__main__":
    main()
