"""IMAP sync benchmark: initial sync of a 50,000-message Dovecot mailbox, then an incremental
sync after 500 new messages. Prints messages/s, round trips, bytes fetched per message (all
bytes the server sent, TLS included, counted by a loopback proxy) and peak RSS.

    .venv/bin/python -m benchmarks.imap_bench [--messages 50000] [--new 500]

Needs Dovecot (bash scripts/dovecot.sh) and ../shared/corpora. The mailbox is written as
Maildir files (named as Dovecot's LDA names delivered mail) before Dovecot starts; the server's
index is warmed once before the timed sync, as it is on a server that has been running. The
sync (connector + store) and the metrics update that follows it are timed separately; the
incremental sync's protocol timeline (commands sent, and their completions with Dovecot's own
timing) shows where its time goes. BENCH_PROFILE=1 adds a cProfile of it on stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchmarks._common import ROOT, peak_rss_mb, run_child, unpack


class CountingProxy:
    """A loopback TCP relay that counts the bytes the server sends to the client."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.down = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            client, _ = self.listener.accept()
            server = socket.create_connection(self.target)
            threading.Thread(target=self._pipe, args=(client, server, False), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client, True), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket, count: bool) -> None:
        try:
            while data := src.recv(1 << 16):
                if count:
                    self.down += len(data)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for end in (src, dst):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)


def _enron_messages() -> list[bytes]:
    root = unpack("enron/enron-allfolders-subset-13-mailboxes.tar.xz")
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.name != ".unpacked")
    return [p.read_bytes() for p in files]


def maildir_name(when: int, i: int, raw: bytes) -> str:
    """A file name as Dovecot's LDA (or any MDA) gives a delivered message: time, microseconds,
    the delivering process, host, then the size (S=) and the size with CRLF line ends (W=).

    The name matters: Dovecot's hash of file names (up to the ":") is decided by their last
    eight characters or so. Names that all end alike (the earlier "<n>.M<n>P1.bench") fall
    into long hash chains, which made every STATUS or SELECT that re-reads the uidlist (after
    new mail, after a LIST) take 0.5 to 3 s on 50,000 messages.
    """
    vsize = len(raw) + raw.count(b"\n") - raw.count(b"\r\n")
    return f"{when}.M{i * 7919 % 1_000_000}P{1000 + i % 30_000}.mx.bench,S={len(raw)},W={vsize}:2,S"


def write_maildir(maildir: Path, count: int, uid: int, gid: int) -> None:
    """`count` distinct messages (Enron messages with unique Message-IDs) as Maildir files."""
    source = _enron_messages()
    cur = maildir / "cur"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    base = 1_000_000_000
    for i in range(count):
        raw = source[i % len(source)]
        # Unique Message-ID and subject: otherwise the store merges copies (spec §3.1).
        raw = raw.replace(b"Message-ID: <", b"Message-ID: <b%d." % i, 1)
        raw = raw.replace(b"\nSubject: ", b"\nSubject: [%d] " % i, 1)
        path = cur / maildir_name(base + i * 60, i, raw)
        path.write_bytes(raw)
        os.utime(path, (base + i * 60, base + i * 60))
    for path in [maildir, *maildir.rglob("*")]:
        os.chown(path, uid, gid)


def parent(args: argparse.Namespace) -> None:
    from replytime.mailboxes.connectors.imap.tests.dovecot import Dovecot

    # The tests' configuration (Maildir, maildir_very_dirty_syncs) with Dovecot's default
    # mail_fsync: see docs/performance.md.
    server = Dovecot(users={"bench": "bench-pass"}, mail_fsync="optimized")
    uid, gid = server._mail_owner()
    started = time.perf_counter()
    server.root.chmod(0o755)
    (server.root / "mail").mkdir()
    write_maildir(server.root / "mail" / "bench", args.messages, uid, gid)
    os.chown(server.root / "mail", uid, gid)
    written = time.perf_counter() - started
    server.start()
    try:
        warm = time.perf_counter()
        client = server.client("bench")
        client.select_folder("INBOX", readonly=True)
        from replytime.mailboxes.connectors.imap.records import fetch_items

        # Fill the server's header cache once (raw imaplib: no client-side parsing needed).
        client._imap.uid("FETCH", "1:*", "(" + " ".join(fetch_items(False)) + ")")
        client.logout()
        warm = time.perf_counter() - warm
        env = {"BENCH_PORT": str(server.port), "BENCH_CA": str(server.ca_file),
               "BENCH_NEW": str(args.new)}  # fmt: skip
        figures = run_child("benchmarks.imap_bench", ["--child"], env=env)
    finally:
        server.stop()
    figures.update(messages=args.messages, maildir_write_s=round(written, 1),
                   server_warmup_s=round(warm, 1))  # fmt: skip
    print(json.dumps(figures, indent=1))


def child() -> None:
    data = Path(tempfile.mkdtemp(prefix="rt-imap-bench-"))
    os.environ.update(REPLYTIME_DATA=str(data), DATABASE_URL="", KEYSTORE_DATABASE_URL="")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "replytime.settings")
    import django

    django.setup()
    from django.core.management import call_command

    for alias in ("default", "keystore"):
        call_command("migrate", database=alias, verbosity=0)
    proxy = CountingProxy(("127.0.0.1", int(os.environ["BENCH_PORT"])))
    print(json.dumps(measure(proxy, os.environ["BENCH_CA"], int(os.environ["BENCH_NEW"]))))


class _ProtocolTrace(logging.Handler):
    """Commands sent and their completions from the protocol log (imapclient's DEBUG log), in
    ms since the start: where an incremental sync's time goes, command by command."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.logger = logging.getLogger("imapclient")

    def __enter__(self) -> _ProtocolTrace:
        self.start = time.perf_counter()
        self.level_before = self.logger.level
        self.logger.setLevel(logging.DEBUG)
        self.logger.addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        self.logger.removeHandler(self)
        self.logger.setLevel(self.level_before)

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if text.startswith("> b'") and " LOGIN " not in text:
            self.lines.append(f"{self._ms()} > {text[4:-1].split(' ', 1)[1][:40]}")
        elif text.startswith("< b'") and not text.startswith("< b'*") and " OK " in text:
            self.lines.append(f"{self._ms()} < {text[4:-1].split(' ', 1)[1][:70]}")
        elif text.startswith("Logged in as"):
            self.lines.append(f"{self._ms()} logged in")

    def _ms(self) -> str:
        return f"{(time.perf_counter() - self.start) * 1000:7.1f}"


def _sync(mailbox: object) -> dict[str, float]:
    from replytime.mailboxes.sync import runner
    from replytime.mailboxes.sync.scheduler import claim

    metrics_time = [0.0]
    update = runner._update_metrics

    def timed_update(conn: object) -> int:
        start = time.perf_counter()
        try:
            return update(conn)  # type: ignore[arg-type]
        finally:
            metrics_time[0] = time.perf_counter() - start

    runner._update_metrics = timed_update  # type: ignore[assignment]
    conn = mailbox.connection  # type: ignore[attr-defined]
    started = time.perf_counter()
    outcome = runner.run_sync(conn.pk, claim(conn.pk, force=True) or "")
    total = time.perf_counter() - started
    sync_time = total - metrics_time[0]
    return {
        "status": outcome.status, "stored": outcome.stored, "rejected": outcome.rejected,
        "round_trips": outcome.requests, "pages": outcome.pages,
        "sync_s": round(sync_time, 2), "metrics_update_s": round(metrics_time[0], 2),
        "messages_per_s": round((outcome.stored + outcome.rejected + outcome.duplicates)
                                / sync_time),
    }  # fmt: skip


def measure(proxy: CountingProxy, ca_file: str, new: int) -> dict[str, object]:
    from imapclient import IMAPClient

    from replytime.mailboxes.connectors.imap.session import tls_context
    from replytime.mailboxes.sync.connections import save_connection
    from replytime.testing import make_account, make_mailbox

    account = make_account("bench", internal_domains=["enron.com"])
    mailbox = make_mailbox(account, "bench@enron.com")
    params = {"host": "127.0.0.1", "port": proxy.port, "user": "bench",
              "ca_pem": Path(ca_file).read_text()}  # fmt: skip
    save_connection(mailbox, "imap", params, {"password": "bench-pass"})
    initial = _sync(mailbox)
    initial["bytes_per_message"] = round(proxy.down / max(1, initial["stored"]))
    client = IMAPClient("127.0.0.1", port=proxy.port, ssl_context=tls_context("", ca_file))
    client.login("bench", "bench-pass")
    template = (
        "From: c{i}@client.example\r\nTo: bench@enron.com\r\nSubject: new {i}\r\n"
        "Date: Mon, 2 Mar 2026 10:00:00 +0000\r\nMessage-ID: <new{i}@client.example>\r\n\r\n"
        "body\r\n"
    )
    client.multiappend("INBOX", [template.format(i=i).encode() for i in range(new)])
    client.logout()
    before = proxy.down
    trace = _ProtocolTrace()
    profile = None
    if os.environ.get("BENCH_PROFILE"):
        import cProfile

        profile = cProfile.Profile()
        profile.enable()
    with trace:
        incremental = _sync(mailbox)
    incremental["timeline_ms"] = trace.lines
    if profile is not None:
        import pstats

        profile.disable()
        pstats.Stats(profile, stream=sys.stderr).sort_stats("cumtime").print_stats(30)
    incremental["bytes_per_message"] = round((proxy.down - before) / max(1, incremental["stored"]))
    return {"initial": initial, "incremental": incremental, "peak_rss_mb": round(peak_rss_mb())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--new", type=int, default=500)
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    child() if args.child else parent(args)


if __name__ == "__main__":
    main()
