"""Metrics benchmark (issue #3): prints figures, asserts nothing.

On SQLite and on PostgreSQL, each in a fresh process: the full rebuild of conversations and
facts for about 250k real messages (r-help headers-only + r-devel, as one shared mailbox), then
the incremental cost of adding 1,000 new messages, then the whole-account JSON report latency
(median of 5), with peak RSS.

    python benchmarks/metrics_bench.py [--sqlite-only]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import r_lists_files, run_child
from benchmarks.import_bench import _drop_pg_database, _fresh_pg_database, _listing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    listing = _listing(r_lists_files())
    with tempfile.TemporaryDirectory() as tmp:
        env = {"DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3"}
        sqlite = run_child("benchmarks.metrics_phases", [str(listing)], env)
    print("sqlite", json.dumps(sqlite), flush=True)
    if not args.sqlite_only:
        url = _fresh_pg_database()
        try:
            pg = run_child("benchmarks.metrics_phases", [str(listing)], {"DATABASE_URL": url})
        finally:
            _drop_pg_database(url)
        print("postgres", json.dumps(pg), flush=True)


if __name__ == "__main__":
    main()
