"""Parsing in several processes gives the stream one process gives, in input order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from replytime.ingestion.parallel import ParseError, parsed_batches


def _mbox(path: Path, first: int, count: int) -> Path:
    start = datetime(2024, 1, 1, 9, tzinfo=UTC)
    with path.open("w") as out:
        for n in range(first, first + count):
            when = start + timedelta(minutes=n)
            out.write(f"From c{n}@client.com {when:%a %b %d %H:%M:%S %Y}\n")
            out.write(f"From: <c{n % 7}@client.com>\nTo: ann@acme.com\nSubject: Question {n}\n")
            # Every fifth message has no usable Date and no From: a rejection, in order too.
            if n % 5:
                out.write(f"Date: {format_datetime(when)}\nMessage-ID: <m{n}@client.com>\n")
            out.write("\nbody\n\n")
    return path


def _files(tmp_path: Path) -> list[Path]:
    sizes = [3, 40, 1, 17, 0, 25, 9, 60, 2]
    files, first = [], 0
    for i, size in enumerate(sizes):
        files.append(_mbox(tmp_path / f"{i:02}.mbox", first, size))
        first += size
    return files


def _all(
    files: list[Path], processes: int, size: int, prepare_in_parser: bool = False
) -> tuple[list, list, list[int]]:
    records, rejected, sizes = [], [], []
    for recs, rejs in parsed_batches(
        files,
        fmt="mbox",
        pipermail=False,
        list_address=None,
        batch_size=size,
        processes=processes,
        prepare_in_parser=prepare_in_parser,
    ):
        records.extend(recs)
        rejected.extend(rejs)
        sizes.append(len(recs) + len(rejs))
    return records, rejected, sizes


@pytest.mark.parametrize("processes", [2, 3, 20])
@pytest.mark.parametrize("prepare_in_parser", [False, True])
def test_several_parsers_give_the_single_parser_stream(
    tmp_path: Path, processes: int, prepare_in_parser: bool
) -> None:
    files = _files(tmp_path)
    one = _all(files, 1, 10)
    many = _all(files, processes, 10, prepare_in_parser)
    assert many[0] == one[0]
    assert many[1] == one[1]
    assert len(one[0]) + len(one[1]) == 157
    assert one[1], "the input has rejections"
    # Regrouped across paths: every batch but the last holds at least the batch size.
    assert all(size >= 10 for size in many[2][:-1])
    assert sum(many[2]) == 157


def test_a_failing_parser_process_is_reported(tmp_path: Path) -> None:
    files = _files(tmp_path)
    # A path that vanishes after the import has started makes the reader fail in the child.
    (tmp_path / "07.mbox").unlink()
    with pytest.raises(ParseError, match="FileNotFoundError"):
        _all(files, 2, 10)
