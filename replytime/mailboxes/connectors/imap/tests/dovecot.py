"""A private Dovecot IMAP server for tests and benchmarks.

`Dovecot.start()` writes a self-contained configuration into a temporary folder (its own base
and state dirs, a passwd-file user database, Maildir storage, a test CA and a server certificate
made with `cryptography`, a `\\Sent` special-use folder) and runs `dovecot -F` on free loopback
ports: one IMAPS port and one plain port that requires STARTTLS before login. Nothing outside the
temporary folder is touched. Install the server with `scripts/dovecot.sh`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
_DH = Path("/usr/share/dovecot/dh.pem")


def dovecot_installed() -> bool:
    return Path(DOVECOT).exists()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def make_certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A test CA and a server certificate for localhost / 127.0.0.1 signed by it."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("replytime test CA"))
        .issuer_name(_name("replytime test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    alt = x509.SubjectAlternativeName(
        [x509.DNSName("localhost"), x509.IPAddress(__import__("ipaddress").ip_address("127.0.0.1"))]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("localhost"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(alt, critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    ca_file, cert_file, key_file = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_file.chmod(0o600)
    return ca_file, cert_file, key_file


_CONFIG = """
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
default_login_user = {login_user}
default_internal_user = {internal_user}
{extra_users}
ssl = required
ssl_cert = <{cert}
ssl_key = <{key}
{dh}
disable_plaintext_auth = yes
auth_failure_delay = 0 secs
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
first_valid_uid = 0
last_valid_uid = 0
first_valid_gid = 0
mail_fsync = {mail_fsync}
# Only Dovecot changes these maildirs: it need not rescan them on every STATUS or SELECT.
maildir_very_dirty_syncs = yes
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/passwd
  default_fields = uid={mail_uid} gid={mail_gid} home={root}/home/%u
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Sent {{
    special_use = \\Sent
    auto = subscribe
  }}
  mailbox Drafts {{
    special_use = \\Drafts
    auto = create
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {plain_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {port}
    ssl = yes
  }}
}}
service imap {{
  process_limit = 64
}}
"""


@dataclass
class Dovecot:
    """One running private Dovecot; `users` maps user names to passwords."""

    users: dict[str, str] = field(default_factory=lambda: {"ann": "ann-imap-pass"})
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="rt-dovecot-")))
    host: str = "127.0.0.1"
    port: int = 0
    plain_port: int = 0
    ca_file: Path = Path()
    process: subprocess.Popen[bytes] | None = None
    # "never" for tests (fast APPENDs); the benchmark uses Dovecot's default, "optimized".
    mail_fsync: str = "never"

    def start(self) -> Dovecot:
        self.root.chmod(0o755)
        self.port, self.plain_port = free_port(), free_port()
        self.ca_file, cert, key = make_certificates(self.root)
        uid, gid = self._mail_owner()
        for sub in ("run", "state", "mail", "home"):
            (self.root / sub).mkdir(exist_ok=True)
            os.chown(self.root / sub, uid, gid) if sub in ("mail", "home") else None
        (self.root / "passwd").write_text(
            "".join(f"{user}:{{PLAIN}}{password}::::::\n" for user, password in self.users.items())
        )
        (self.root / "dovecot.conf").write_text(self._config(cert, key, uid, gid))
        self.process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(self.root / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        self._wait_ready()
        return self

    def _mail_owner(self) -> tuple[int, int]:
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            return nobody.pw_uid, nobody.pw_gid
        return os.getuid(), os.getgid()

    def _config(self, cert: Path, key: Path, uid: int, gid: int) -> str:
        if os.geteuid() == 0:
            login_user, internal_user, extra = "dovenull", "dovecot", ""
        else:  # an unprivileged Dovecot runs everything as the current user
            me = pwd.getpwuid(os.getuid()).pw_name
            login_user = internal_user = me
            extra = "service anvil {\n  chroot =\n}\nservice imap-login {\n  chroot =\n}"
        return _CONFIG.format(
            root=self.root,
            login_user=login_user,
            internal_user=internal_user,
            extra_users=extra,
            cert=cert,
            key=key,
            dh=f"ssl_dh = <{_DH}" if _DH.exists() else "",
            mail_uid=uid,
            mail_gid=gid,
            port=self.port,
            plain_port=self.plain_port,
            mail_fsync=self.mail_fsync,
        )

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited: {self.log()}")
            with contextlib.suppress(OSError), socket.create_connection((self.host, self.port), 1):
                return
            time.sleep(0.05)
        raise RuntimeError(f"dovecot did not start: {self.log()}")

    def log(self) -> str:
        path = self.root / "dovecot.log"
        stderr = b""
        if self.process is not None and self.process.poll() is not None and self.process.stderr:
            stderr = self.process.stderr.read()
        text = path.read_text(errors="replace") if path.exists() else ""
        return (text + stderr.decode(errors="replace"))[-4000:]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            # The whole group: the master and its imap/auth children (ours alone).
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        shutil.rmtree(self.root, ignore_errors=True)

    def set_uidvalidity(self, user: str, folder: str, value: int) -> None:
        """Give a folder a new UIDVALIDITY, as a server does after rebuilding it."""
        doveadm = shutil.which("doveadm") or "/usr/bin/doveadm"
        subprocess.run(
            [doveadm, "-c", str(self.root / "dovecot.conf"), "mailbox", "update", "-u", user,
             "--uid-validity", str(value), folder],
            check=True, capture_output=True, timeout=30,
        )  # fmt: skip

    def maildir(self, user: str, folder: str = "INBOX") -> Path:
        base = self.root / "mail" / user
        return base if folder == "INBOX" else base / f".{folder}"

    def client(self, user: str = "ann"):  # type: ignore[no-untyped-def]
        """A logged-in IMAPClient (for filling mailboxes in tests)."""
        import ssl

        from imapclient import IMAPClient

        context = ssl.create_default_context(cafile=str(self.ca_file))
        client = IMAPClient(self.host, port=self.port, ssl=True, ssl_context=context)
        client.login(user, self.users[user])
        return client

    def append(self, messages: Iterable[bytes], *, folder: str = "INBOX", user: str = "ann") -> int:
        """APPEND messages (in MULTIAPPEND batches); returns how many were appended."""
        count = 0
        client = self.client(user)
        try:
            batch: list[bytes] = []
            for message in messages:
                batch.append(message)
                if len(batch) >= 200:
                    client.multiappend(folder, batch)
                    count += len(batch)
                    batch = []
            if batch:
                client.multiappend(folder, batch)
                count += len(batch)
        finally:
            client.logout()
        return count
