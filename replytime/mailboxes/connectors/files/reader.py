"""Walk mail files and folders and yield one RawMessage (header block only) per message.

Layouts:
- mbox files, plain or gzip/xz/bz2-compressed (decompressed as a stream);
- pipermail archives (Mailman 2 monthly `.txt` / `.txt.gz`): read like mbox with Mailman's
  stricter separator; the parser is told separately to restore their obfuscated addresses;
- Maildir and Maildir++ trees (cur/new/tmp, nested `.Folder` directories);
- any folder tree of single-message files: `.eml` folders, the CMU Enron layout
  (`<person>/<folder>/<n>`), notmuch-style corpora.

What a file is ("auto"): compression is recognised by magic bytes; a (decompressed) file whose
first line starts with "From " is an mbox, unless its name ends in `.eml`; anything else is one
message. Files in a Maildir cur/new folder are always single messages. Empty files hold no
message. Skipped: dotfiles and dot-folders (except Maildir++ folders), Maildir `tmp`, Maildir
bookkeeping files (dovecot-*, maildirfolder, ...), Thunderbird `.msf` indexes, Apple Mail's
`Info.plist`/`table_of_contents`, FIFOs and other special files, symlink loops.

Folder (spec §3.2): the directories between the imported root and the file, "/"-joined, without a
Maildir cur/new/tmp leaf. For an mbox file, the folder is those directories plus the mbox file's
name without compression and `.mbox`/`.mbx`/`.txt` extensions: an mbox file is a folder in every
mail client (`Sent.mbox` is the sent folder; Apple Mail's `Sent.mbox/mbox` is "Sent" too). A
one-message file that starts with a From_ line (the SpamAssassin corpus) is thus a one-message
folder. Maildir++ directory names are kept as they are (".Sent", ".Archive.Sent"): the spec's
sent-folder test removes leading dots itself.

provider_id: the root's base name joined with the path below it, so it is stable wherever the
tree is mounted (for a file root: the file name). Maildir files use their unique name without the
":2,FLAGS" info and without the cur/new leaf, so a message keeps its id when it moves from new to
cur or its flags change. mbox messages add "#<byte offset of their From_ line in the decompressed
stream>", which stays valid when the mailbox grows at its end.

Order: depth-first, entries sorted by name at every level, so two runs over the same tree yield
the same messages in the same order.

Errors never escape the iterator (except FileNotFoundError for a root that does not exist, and
ValueError for an unknown format, both raised at call time): an unreadable file or folder, a
truncated or damaged stream, yields a RawMessage whose `error` is "<reason code>: <detail>"
(see replytime.lib.headers.split_reader_error), with no path or address in the detail.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from replytime.lib.headers import MAX_HEADER_BYTES
from replytime.mailboxes.connectors.base import REASON_UNREADABLE, RawMessage
from replytime.mailboxes.connectors.files.mbox import (
    PIPERMAIL_FROM_LINE_RE,
    split_mbox,
)
from replytime.mailboxes.connectors.files.streams import (
    COMPRESSED_SUFFIXES,
    STREAM_ERRORS,
    UnsupportedCompression,
    open_stream,
    read_error,
)

FORMATS = ("auto", "mbox", "maildir", "eml", "pipermail")
# "files" (a tree of single-message files) is accepted as another name for "eml".
_ALIASES = {"files": "eml"}

_MAILDIR_LEAVES = ("cur", "new", "tmp")
# Bookkeeping files of Maildir servers and clients; skipped inside Maildir folders.
_MAILDIR_META_RE = re.compile(
    r"(?:dovecot[.-].*|maildirfolder|maildirsize|subscriptions|courierimap.*|\.?uidvalidity.*)"
)
# Thunderbird's .msf indexes, Apple Mail export metadata.
_NOT_MAIL_RE = re.compile(r".*\.msf|Info\.plist|table_of_contents", re.IGNORECASE)
_MAILDIR_INFO_RE = re.compile(r"[:;!][12],[^/]*\Z")
# Mailman archive names: 2015-March.txt, 2015q2.txt, 1999.txt (optionally compressed).
_PIPERMAIL_NAME_RE = re.compile(r"\d{4}(?:-[A-Za-z]+|q[1-4])?\.txt(?:\.gz)?\Z")
_PIPERMAIL_ADDRESS_RE = re.compile(rb"^From \S+ (?:at|@end\|ng) ", re.MULTILINE)
_MBOX_SUFFIXES = (".mbox", ".mbx", ".txt")
_SNIFF_BYTES = 64 * 1024
_SINGLE_CHUNK = 64 * 1024
_DETECT_FILES = 20


def iter_messages(paths: Sequence[Path], fmt: str = "auto") -> Iterator[RawMessage]:
    """Yield a RawMessage for every message under `paths` (files or folders), in a sorted,
    deterministic order. `fmt` is one of FORMATS ("files" = "eml"); "auto" sniffs every file.

    Raises ValueError for an unknown format and FileNotFoundError (at call time, before anything
    is read) for a path that does not exist. Nothing else escapes: problems become RawMessages
    with `error` set.
    """
    fmt = _ALIASES.get(fmt, fmt)
    if fmt not in FORMATS:
        raise ValueError(f"unknown mail file format {fmt!r}: use one of {', '.join(FORMATS)}")
    roots = [Path(p) for p in paths]
    for root in roots:
        if not root.exists():
            raise FileNotFoundError(f"mail path does not exist: {root}")
    return _iter_roots(roots, fmt)


def _iter_roots(roots: list[Path], fmt: str) -> Iterator[RawMessage]:
    for root in roots:
        name = _root_name(root)
        if root.is_dir():
            yield from _walk(root, name, (), fmt, set())
        else:  # a file root: its provider id is its own absolute path
            yield from _read_file(root, (str(Path(name).parent),), (), fmt, in_maildir=False)


def _root_name(root: Path) -> str:
    # The whole absolute path, not just the last name: two roots called alike (r-help's and
    # r-devel's 2021-November.txt) must never give the same provider id in one mailbox.
    return os.path.normpath(root.absolute())


def detect_format(path: Path) -> str:
    """The format of a file or folder: "maildir", "pipermail", "mbox" or "eml" (single-message
    files, or a folder tree of them). A folder is "maildir" when it or a folder below it holds a
    cur/new folder; otherwise the first of its files (sorted, up to 20) that starts like an mbox
    decides, and else it is "eml". Raises FileNotFoundError for a missing path."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"mail path does not exist: {path}")
    if not path.is_dir():
        return _sniff_file(path)
    files: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(path):
        dirnames.sort()
        if any(leaf in dirnames for leaf in ("cur", "new")):
            return "maildir"
        dirnames[:] = [
            d for d in dirnames if not d.startswith(".") or _is_maildir(Path(dirpath, d))
        ]
        files.extend(Path(dirpath, f) for f in sorted(filenames) if not f.startswith("."))
        if len(files) >= _DETECT_FILES:
            break
    for file in files[:_DETECT_FILES]:
        kind = _sniff_file(file)
        if kind != "eml":
            return kind
    return "eml"


def _sniff_file(path: Path) -> str:
    """The kind of a file ("pipermail", "mbox" or "eml") from its first bytes and name."""
    try:
        with open_stream(path) as stream:
            head = stream.read(_SNIFF_BYTES)
    except (UnsupportedCompression, *STREAM_ERRORS):
        return "eml"
    return _kind_of(head, path.name)


def _kind_of(head: bytes, name: str) -> str:
    body = head.lstrip(b"\r\n")
    if not body.startswith(b"From ") or name.lower().endswith(".eml"):
        return "eml"  # a .eml file is one message even when it starts with a From_ line
    nl = body.find(b"\n")
    first_line = body[: nl if nl >= 0 else len(body)]
    if PIPERMAIL_FROM_LINE_RE.fullmatch(first_line) and (
        _PIPERMAIL_NAME_RE.search(name) or _PIPERMAIL_ADDRESS_RE.match(body)
    ):
        return "pipermail"
    return "mbox"


def _is_maildir(path: Path) -> bool:
    return (path / "cur").is_dir() or (path / "new").is_dir()


def _scan(path: Path) -> list[os.DirEntry[str]]:
    with os.scandir(path) as it:
        return sorted(it, key=lambda e: e.name)


def _walk(
    path: Path, root_name: str, rel: tuple[str, ...], fmt: str, seen: set[tuple[int, int]]
) -> Iterator[RawMessage]:
    """Depth-first, name-sorted walk of one folder."""
    try:
        st = path.stat()
        if (st.st_dev, st.st_ino) in seen:  # a symlink loop
            return
        seen.add((st.st_dev, st.st_ino))
        entries = _scan(path)
    except OSError as exc:
        pid = "/".join((root_name, *rel))
        detail = exc.strerror or type(exc).__name__
        yield RawMessage(
            pid, "/".join(rel), b"", error=f"{REASON_UNREADABLE}: cannot list folder ({detail})"
        )
        return
    names = {e.name for e in entries if _entry_is_dir(e)}
    maildir = "cur" in names or "new" in names
    for entry in entries:
        name = entry.name
        is_dir = _entry_is_dir(entry)
        if maildir and name in _MAILDIR_LEAVES and is_dir:
            if name != "tmp":  # tmp holds messages still being delivered
                yield from _walk_leaf(Path(entry.path), root_name, rel, name, fmt, seen)
            continue
        if name.startswith("."):
            if is_dir and _is_maildir(Path(entry.path)):  # a Maildir++ folder such as .Sent
                yield from _walk(Path(entry.path), root_name, (*rel, name), fmt, seen)
            continue
        if is_dir:
            yield from _walk(Path(entry.path), root_name, (*rel, name), fmt, seen)
        elif _entry_is_file(entry) and not _skipped_file(name, maildir):
            yield from _read_file(Path(entry.path), (root_name, *rel), rel, fmt, in_maildir=False)


def _skipped_file(name: str, maildir: bool) -> bool:
    """Bookkeeping files of mail programs that sit beside the mail and are never mail."""
    if maildir and _MAILDIR_META_RE.fullmatch(name):
        return True
    return _NOT_MAIL_RE.fullmatch(name) is not None


def _walk_leaf(
    path: Path,
    root_name: str,
    rel: tuple[str, ...],
    leaf: str,
    fmt: str,
    seen: set[tuple[int, int]],
) -> Iterator[RawMessage]:
    """The files of a Maildir cur/ or new/ folder (sub-folders there are not part of Maildir)."""
    try:
        entries = _scan(path)
    except OSError as exc:
        pid = "/".join((root_name, *rel, leaf))
        detail = exc.strerror or type(exc).__name__
        yield RawMessage(
            pid, "/".join(rel), b"", error=f"{REASON_UNREADABLE}: cannot list folder ({detail})"
        )
        return
    for entry in entries:
        if not entry.name.startswith(".") and _entry_is_file(entry):
            yield from _read_file(Path(entry.path), (root_name, *rel), rel, fmt, in_maildir=True)


def _entry_is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _entry_is_file(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file()  # follows symlinks; FIFOs and sockets are skipped
    except OSError:
        return False


def mbox_folder_name(file_name: str) -> str:
    """The folder an mbox file stands for: its name without compression and mbox extensions
    ("Sent.mbox.gz" -> "Sent", "2015-March.txt" -> "2015-March")."""
    name = file_name
    lowered = name.lower()
    for suffix in COMPRESSED_SUFFIXES:
        if lowered.endswith(suffix):
            name, lowered = name[: -len(suffix)], lowered[: -len(suffix)]
            break
    for suffix in _MBOX_SUFFIXES:
        if lowered.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def _read_file(
    path: Path, pid_dir: tuple[str, ...], rel: tuple[str, ...], fmt: str, *, in_maildir: bool
) -> Iterator[RawMessage]:
    """All messages of one file: one for a single-message file, many for an mbox. `pid_dir` is
    the provider id of the file's folder (empty for a file root), `rel` its folder parts."""
    folder = "/".join(rel)
    file_pid = "/".join((*pid_dir, path.name))
    try:
        stream = open_stream(path)
    except (UnsupportedCompression, OSError) as exc:
        yield RawMessage(file_pid, folder, b"", error=read_error(exc))
        return
    with stream:
        try:
            head = stream.read(_SNIFF_BYTES)
        except STREAM_ERRORS as exc:
            yield RawMessage(file_pid, folder, b"", error=read_error(exc))
            return
        if not head.strip():
            return  # an empty file (an empty mbox folder, say) holds no message
        kind = "eml" if in_maildir or fmt in ("eml", "maildir") else _kind_of(head, path.name)
        if fmt in ("mbox", "pipermail") and not in_maildir:
            kind = fmt
        if kind in ("mbox", "pipermail"):
            yield from _read_mbox(stream, head, path, file_pid, folder, kind == "pipermail")
            return
        if in_maildir:  # the unique name without ":2,FLAGS", stable across flag changes
            file_pid = "/".join((*pid_dir, _MAILDIR_INFO_RE.sub("", path.name)))
        yield _read_single(stream, head, file_pid, folder)


def _mbox_folder(folder: str, file_name: str) -> str:
    """The folder of an mbox file (see the module docstring). Apple Mail exports each folder as a
    directory "Name.mbox" holding a file "mbox": that is folder "Name", not "Name.mbox/mbox"."""
    if file_name.lower() == "mbox" and folder.lower().endswith(".mbox"):
        return folder[: -len(".mbox")]
    return "/".join(p for p in (folder, mbox_folder_name(file_name)) if p)


def _read_mbox(
    stream: BinaryIO, head: bytes, path: Path, file_pid: str, folder: str, pipermail: bool
) -> Iterator[RawMessage]:
    mbox_folder = _mbox_folder(folder, path.name)
    if not head.lstrip(b"\r\n").startswith(b"From "):
        error = f"{REASON_UNREADABLE}: not an mbox file (no From_ line at the start)"
        yield RawMessage(file_pid, mbox_folder, b"", error=error)
        return
    for part in split_mbox(stream, head, pipermail=pipermail):
        yield RawMessage(
            f"{file_pid}#{part.offset}", mbox_folder, part.header, part.size, part.error
        )


def _read_single(stream: BinaryIO, head: bytes, pid: str, folder: str) -> RawMessage:
    """The header block of a single-message file: up to the first empty line (or the end of a
    header-only file), at most MAX_HEADER_BYTES + 1 bytes kept."""
    data = head.lstrip(b"\r\n")  # some exporters start files with an empty line
    error = None
    while True:
        end = _blank_line(data)
        if end >= 0:
            data = data[: min(end, MAX_HEADER_BYTES + 1)]
            break
        if len(data) > MAX_HEADER_BYTES:
            data = data[: MAX_HEADER_BYTES + 1]
            break
        try:
            chunk = stream.read(_SINGLE_CHUNK)
        except STREAM_ERRORS as exc:
            error = read_error(exc)
            break
        if not chunk:
            break
        data += chunk if data else chunk.lstrip(b"\r\n")
    return RawMessage(pid, folder, data, _plain_size(stream), error)


def _blank_line(data: bytes) -> int:
    """Index just past the last header line (the first "\\n" of the empty line), or -1."""
    lf = data.find(b"\n\n")
    crlf = data.find(b"\n\r\n")
    if crlf >= 0 and (lf < 0 or crlf < lf):
        return crlf + 1
    return lf + 1 if lf >= 0 else -1


def _plain_size(stream: BinaryIO) -> int | None:
    """The size of a plain single-message file; None for a compressed one (its uncompressed
    size is not known without reading it whole)."""
    if not isinstance(stream, io.FileIO):
        return None
    try:
        return os.fstat(stream.fileno()).st_size
    except OSError:
        return None
