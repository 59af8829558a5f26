"""Opening mail files as byte streams, with transparent gzip/xz/bz2 decompression.

Compression is recognised by its magic bytes, not by the file name, so a renamed archive still
opens. Decompression is streamed: nothing is ever read whole into memory.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import zlib
from pathlib import Path
from typing import BinaryIO

from replytime.mailboxes.connectors.base import REASON_TRUNCATED, REASON_UNREADABLE

# Read size for mbox streams: large reads keep the per-call overhead of the decompressors and of
# the Python loop negligible, while memory stays bounded (a few chunks at most).
CHUNK = 1 << 20

_MAGIC = (
    (b"\x1f\x8b", "gzip"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"BZh", "bz2"),
)
_UNSUPPORTED_MAGIC = (
    (b"\x28\xb5\x2f\xfd", "zstd"),
    (b"PK\x03\x04", "zip"),
    (b"\x5d\x00\x00", "lzma-alone"),
)
COMPRESSED_SUFFIXES = (".gz", ".xz", ".bz2", ".lzma", ".zst")

# Errors a decompressing stream raises on damaged or cut-off input.
STREAM_ERRORS = (EOFError, OSError, lzma.LZMAError, zlib.error, ValueError)


class UnsupportedCompression(Exception):
    """The file is compressed with a method the standard library cannot read."""


def compression_of(path: Path) -> str | None:
    """The compression of a file ("gzip", "xz", "bz2", or None: plain) from its first bytes.

    Raises OSError when the file cannot be read, UnsupportedCompression for zstd, zip and lzma.
    """
    with path.open("rb") as fh:
        magic = fh.read(6)
    for prefix, name in _MAGIC:
        if magic.startswith(prefix):
            return name
    for prefix, name in _UNSUPPORTED_MAGIC:
        if magic.startswith(prefix):
            raise UnsupportedCompression(name)
    return None


def open_stream(path: Path) -> BinaryIO:
    """A binary stream of the file's (decompressed) content. Raises OSError or
    UnsupportedCompression."""
    kind = compression_of(path)
    if kind == "gzip":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    if kind == "xz":
        return lzma.open(path, "rb")  # type: ignore[return-value]
    if kind == "bz2":
        return bz2.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb", buffering=0)


def read_error(exc: BaseException) -> str:
    """A RawMessage.error ("<reason>: <detail>") for an exception raised while reading.

    The detail names the problem only: OS messages can carry the file path, which may hold an
    address (maildir folders are often named after one), so the path is never included.
    """
    if isinstance(exc, EOFError):
        return f"{REASON_TRUNCATED}: compressed stream ends early"
    if isinstance(exc, UnsupportedCompression):
        return f"{REASON_UNREADABLE}: {exc.args[0]} compression is not supported"
    if isinstance(exc, (lzma.LZMAError, zlib.error)) or (
        isinstance(exc, OSError) and exc.errno is None
    ):
        return f"{REASON_TRUNCATED}: compressed stream is damaged"
    if isinstance(exc, OSError):
        return f"{REASON_UNREADABLE}: cannot read file ({exc.strerror or type(exc).__name__})"
    return f"{REASON_UNREADABLE}: cannot read file ({type(exc).__name__})"
