"""Measure mail-file reading and header parsing speed on real corpora.

Usage: python benchmarks/bench_mailfiles.py PATH [PATH ...]

For each path: messages/s of `iter_messages` alone, µs/message of `parse_message` alone (on
messages read beforehand), and the "raw limit": the same bytes read with large buffered reads
and split on "\\nFrom " (mbox) or opened and read once (single-message files), with no parsing.
Times are process CPU times, best of three rounds.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from replytime.lib.headers import parse_message
from replytime.mailboxes.connectors.base import HeaderRecord
from replytime.mailboxes.connectors.files import detect_format, iter_messages


def best_of(rounds: int, fn: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


def raw_limit(root: Path) -> int:
    """Messages found by the cheapest possible pass over the same files."""
    count = 0
    for dirpath, _dirs, files in (
        os.walk(root) if root.is_dir() else [(root.parent, [], [root.name])]
    ):
        for name in files:
            with Path(dirpath, name).open("rb") as fh:
                data = fh.read(1 << 20)
                mbox = data.startswith(b"From ")
                while data:
                    count += data.count(b"\nFrom ") if mbox else 1
                    data = fh.read(1 << 20) if mbox else b""
    return count


def main(paths: list[str]) -> None:
    for arg in paths:
        root = Path(arg)
        fmt = detect_format(root)
        messages = list(iter_messages([root]))
        n = len(messages)
        read_s = best_of(3, lambda root=root: sum(1 for _ in iter_messages([root])))
        raw_s = best_of(3, lambda root=root: raw_limit(root))
        pipermail = fmt == "pipermail"
        parse_s = best_of(
            3, lambda m=messages, p=pipermail: [parse_message(x, pipermail=p) for x in m]
        )
        ok = sum(isinstance(parse_message(x, pipermail=pipermail), HeaderRecord) for x in messages)
        print(
            f"{root.name:22s} {fmt:9s} {n:7d} msgs  read {n / read_s:9,.0f}/s"
            f"  raw limit {n / raw_s:9,.0f}/s  parse {parse_s / n * 1e6:6.1f} µs/msg"
            f"  (read+parse {n / (read_s + parse_s):7,.0f}/s, {ok} records)"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
