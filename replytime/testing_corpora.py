"""Locate and unpack the shared real-mail corpora for tests and benchmarks.

The corpora live outside the repository (they are other people's mail and must never be
committed): `$REPLYTIME_CORPORA`, or else `../shared/corpora` next to the repository root. Tests
that need them call `require_corpora()`, which skips them on a developer machine without the
folder and fails them in CI (env CI=true), where a silently skipped corpus test would hide a
regression.
"""

from __future__ import annotations

import os
import tarfile
from pathlib import Path

# replytime/testing_corpora.py -> repository root -> its sibling shared/corpora
_DEFAULT = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora"


def corpora_dir() -> Path:
    """The corpora folder: $REPLYTIME_CORPORA if set, else ../shared/corpora beside the repo."""
    configured = os.environ.get("REPLYTIME_CORPORA", "").strip()
    return Path(configured) if configured else _DEFAULT


def require_corpora() -> Path:
    """The corpora folder, or skip the calling test (fail it when CI=true) if it is missing."""
    import pytest  # imported here: this module is importable without pytest installed

    folder = corpora_dir()
    if (folder / "README.md").is_file():
        return folder
    message = (
        f"real mail corpora not found at {folder}; set REPLYTIME_CORPORA to the folder that "
        "holds README.md and the corpus archives"
    )
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(message)
    pytest.skip(message)
    raise AssertionError("unreachable")  # pytest.skip raises


def unpack(archive_relpath: str, dest: Path) -> Path:
    """Unpack a corpus tar archive (e.g. "r-mailing-lists/r-announce.tar.xz") into `dest` and
    return `dest`. Unpacking again into the same `dest` is a no-op (a marker file records it).

    Only regular files are written, and only at relative paths without "..": the archives are
    trusted data, but a checked member name is cheap. Streams the archive once, which is much
    faster than `extractall` for the 45,000-file Enron subset.
    """
    archive = corpora_dir() / archive_relpath
    dest.mkdir(parents=True, exist_ok=True)
    marker = dest / f".unpacked-{archive.name}"
    if marker.exists():
        return dest
    made: set[Path] = set()
    with tarfile.open(archive, "r|*") as tar:  # a pure stream: no seeking in xz data
        for member in tar:
            parts = Path(member.name).parts
            if not member.isfile() or not parts or parts[0] == "/" or ".." in parts:
                continue
            target = dest.joinpath(*parts)
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            source = tar.extractfile(member)
            if source is not None:
                target.write_bytes(source.read())
    marker.touch()
    return dest
