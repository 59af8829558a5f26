"""Master keys: where they come from, their ids, and the embedded default key file.

A master key is 32 random bytes written as URL-safe base64 (44 characters). It only wraps the
per-account data keys kept in the keystore database; it is never stored in either database.

Sources, in order: `REPLYTIME_MASTER_KEY` (the value), `REPLYTIME_MASTER_KEY_FILE` (a file that
holds it), else the embedded default `$REPLYTIME_DATA/master.key`, generated (mode 0600) on first
start. Previous keys, still accepted for unwrapping during a rotation, come from
`REPLYTIME_MASTER_KEY_PREVIOUS` (comma-separated), `REPLYTIME_MASTER_KEY_PREVIOUS_FILE` (one per
line) and, for the embedded default, `$REPLYTIME_DATA/master.key.previous`.

This module imports no Django models: settings.py loads the keyring through it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

KEY_BYTES = 32
AUTO_FILE = "master.key"
AUTO_PREVIOUS_FILE = "master.key.previous"
_HELP = (
    "a master key is 32 random bytes in URL-safe base64; make one with `replytime keys generate`"
)


@dataclass(frozen=True)
class MasterKey:
    """One master key; `key_id` is a non-secret fingerprint stored next to what it wrapped."""

    key_id: str
    secret: bytes = field(repr=False)


@dataclass(frozen=True)
class Keyring:
    """The current master key (wraps new data keys) and previous ones (unwrap only)."""

    current: MasterKey
    previous: tuple[MasterKey, ...] = ()
    current_file: Path | None = None
    generated: bool = False

    def get(self, key_id: str) -> MasterKey | None:
        for key in (self.current, *self.previous):
            if key.key_id == key_id:
                return key
        return None

    @property
    def key_ids(self) -> frozenset[str]:
        return frozenset(k.key_id for k in (self.current, *self.previous))


def key_id_of(secret: bytes) -> str:
    """A short public id: an HMAC of a constant, so it reveals nothing about the key."""
    return hmac.new(secret, b"replytime master key id", hashlib.sha256).hexdigest()[:16]


def generate_key_text() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


def parse_key(text: str, source: str) -> MasterKey:
    value = text.strip()
    try:
        secret = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        secret = b""
    if len(secret) != KEY_BYTES:
        raise ImproperlyConfigured(f"The master key from {source} is not valid: {_HELP}.")
    return MasterKey(key_id_of(secret), secret)


def _read(path: Path, name: str) -> str:
    try:
        return path.read_text()
    except OSError as exc:
        raise ImproperlyConfigured(
            f"{name}={path} cannot be read ({exc.strerror}). replytime cannot start without its "
            "master key: restore that file, or point the setting at the key in use."
        ) from exc


def write_key_file(path: Path, text: str) -> None:
    """Write a key file readable by its owner only; atomic, never leaves a partial key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text + "\n")
    tmp.replace(path)


def _previous(data_dir: Path, auto: bool) -> tuple[MasterKey, ...]:
    keys: list[MasterKey] = []
    value = os.environ.get("REPLYTIME_MASTER_KEY_PREVIOUS", "")
    keys += [parse_key(v, "REPLYTIME_MASTER_KEY_PREVIOUS") for v in value.split(",") if v.strip()]
    file_name = os.environ.get("REPLYTIME_MASTER_KEY_PREVIOUS_FILE")
    if file_name:
        text = _read(Path(file_name), "REPLYTIME_MASTER_KEY_PREVIOUS_FILE")
        keys += [parse_key(line, file_name) for line in text.splitlines() if line.strip()]
    auto_previous = data_dir / AUTO_PREVIOUS_FILE
    if auto and auto_previous.exists():
        text = _read(auto_previous, "previous master key file")
        keys += [parse_key(line, str(auto_previous)) for line in text.splitlines() if line.strip()]
    return tuple(keys)


def load_keyring(data_dir: Path) -> Keyring:
    """Read the master keys from the environment (see the module docstring).

    Raises ImproperlyConfigured with a message that says what to do when a configured key is
    missing or malformed. Generates the embedded default key file only when no key is configured
    and the file does not exist yet; whether that key matches the keystore is checked at start by
    `replytime.keystore.services.verify_keyring`.
    """
    value = os.environ.get("REPLYTIME_MASTER_KEY", "")
    file_name = os.environ.get("REPLYTIME_MASTER_KEY_FILE", "")
    generated = False
    auto = not value and not file_name
    if value:
        current, path = parse_key(value, "REPLYTIME_MASTER_KEY"), None
    else:
        path = Path(file_name) if file_name else data_dir / AUTO_FILE
        if auto and not path.exists():
            write_key_file(path, generate_key_text())
            generated = True
        current = parse_key(_read(path, "REPLYTIME_MASTER_KEY_FILE"), str(path))
    previous = tuple(k for k in _previous(data_dir, auto) if k.key_id != current.key_id)
    return Keyring(current, previous, path, generated)
