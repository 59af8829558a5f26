"""Shared helpers of the benchmark scripts: corpora unpacking, child runs, RSS."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPORA = Path(os.environ.get("REPLYTIME_CORPORA", ROOT.parent / "shared" / "corpora"))
SCRATCH = Path(os.environ.get("REPLYTIME_BENCH_DIR", "/tmp/replytime-bench"))
PG_URL = os.environ.get("REPLYTIME_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")


def unpack(archive: str) -> Path:
    """Unpack `archive` (relative to the corpora folder) once into the scratch folder."""
    dest = SCRATCH / "corpora" / Path(archive).name.split(".")[0]
    marker = dest / ".unpacked"
    if not marker.exists():
        dest.mkdir(parents=True, exist_ok=True)
        with tarfile.open(CORPORA / archive) as tar:
            tar.extractall(dest, filter="data")
        marker.touch()
    return dest


def r_lists_files() -> list[Path]:
    """All monthly archives of r-help (headers only) and r-devel: about 250k messages."""
    files: list[Path] = []
    for archive in ("r-mailing-lists/r-help-headers-only.tar.xz", "r-mailing-lists/r-devel.tar.xz"):
        root = unpack(archive)
        files.extend(sorted(p for p in root.rglob("*") if p.is_file() and p.name != ".unpacked"))
    return files


def run_child(module: str, args: list[str], env: dict[str, str] | None = None) -> dict:
    """Run `python -m module args` in a fresh process; it prints one JSON line of figures.

    Each phase runs in its own process so its peak RSS is its own (ru_maxrss of the child).
    """
    full_env = {**os.environ, **(env or {}), "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-m", module, *args],
        check=True,
        capture_output=True,
        text=True,
        env=full_env,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
