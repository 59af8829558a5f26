"""Sealing secrets for the main database, and the life cycle of the data keys.

`seal(account_id, plaintext, purpose=...)` returns a token for the main database:
`rtks1:<key_ref>:<base64 of nonce||ciphertext>`. The token names the account's data key by its
reference only; the data key lives (wrapped by the master key) in the keystore database. So the
main database holds ciphertext and a reference, the keystore holds wrapped keys, and the master
key is in neither.
"""

from __future__ import annotations

import base64
import binascii
import logging
import secrets as random_secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from replytime.keystore import crypto
from replytime.keystore.master import Keyring, MasterKey, load_keyring
from replytime.keystore.models import DataKey
from replytime.keystore.router import KEYSTORE_DB

log = logging.getLogger(__name__)
_PREFIX = "rtks1"


class SecretUnavailable(Exception):
    """A sealed secret cannot be read: its data key was destroyed, or the token is damaged."""


# (the configured keyring, the keyring re-read from its sources since); see reload_keyring.
_reloaded: tuple[Keyring, Keyring] | None = None


def keyring() -> Keyring:
    configured: Keyring = settings.REPLYTIME_KEYRING
    if _reloaded is not None and _reloaded[0] is configured:
        return _reloaded[1]
    return configured


def reload_keyring() -> Keyring:
    """Re-read the master keys from their sources (after a rotation changed a key file)."""
    global _reloaded
    fresh = load_keyring(settings.DATA_DIR)
    _reloaded = (settings.REPLYTIME_KEYRING, fresh)
    return fresh


def _master_for(key_id: str) -> MasterKey:
    """The master key with this id; re-reads the key sources once (a rotation may have added a
    key since this process started) before giving up."""
    key = keyring().get(key_id)
    if key is None:
        key = reload_keyring().get(key_id)
    if key is None:
        raise ImproperlyConfigured(
            f"A data key is wrapped by master key {key_id}, which is not configured. "
            "Set REPLYTIME_MASTER_KEY (or REPLYTIME_MASTER_KEY_PREVIOUS during a rotation)."
        )
    return key


def _wrap_aad(row: DataKey) -> bytes:
    return f"{_PREFIX}|datakey|{row.account_id}|{row.key_ref}".encode()


def _unwrap(row: DataKey) -> bytes:
    master = _master_for(row.master_key_id)
    try:
        return crypto.decrypt(master.secret, bytes(row.wrapped), _wrap_aad(row))
    except crypto.InvalidTag:
        raise ImproperlyConfigured(
            f"The master key {master.key_id} does not unwrap data key {row.key_ref}: "
            "the keystore database or the key is damaged."
        ) from None


def _data_key_row(account_id: int, *, create: bool) -> DataKey | None:
    row = DataKey.objects.filter(account_id=account_id).first()
    if row is not None or not create:
        return row
    master = keyring().current
    row = DataKey(account_id=account_id, key_ref=random_secrets.token_hex(16))
    row.master_key_id = master.key_id
    row.wrapped = crypto.encrypt(master.secret, crypto.new_data_key(), _wrap_aad(row))
    try:
        with transaction.atomic(using=KEYSTORE_DB):
            row.save()
    except IntegrityError:  # another process created it first: use theirs
        return DataKey.objects.get(account_id=account_id)
    return row


def _aad(account_id: int, key_ref: str, purpose: str) -> bytes:
    return f"{_PREFIX}|secret|{account_id}|{key_ref}|{purpose}".encode()


def seal(account_id: int, plaintext: str, *, purpose: str) -> str:
    """Encrypt `plaintext` with the account's data key (created on first use)."""
    row = _data_key_row(account_id, create=True)
    assert row is not None
    blob = crypto.encrypt(_unwrap(row), plaintext.encode(), _aad(account_id, row.key_ref, purpose))
    return f"{_PREFIX}:{row.key_ref}:{base64.urlsafe_b64encode(blob).decode('ascii')}"


def unseal(account_id: int, token: str, *, purpose: str) -> str:
    """Decrypt a token made by `seal` for the same account and purpose."""
    try:
        prefix, key_ref, payload = token.split(":", 2)
        blob = base64.urlsafe_b64decode(payload)
    except (ValueError, binascii.Error):
        raise SecretUnavailable("the sealed secret is damaged") from None
    row = DataKey.objects.filter(account_id=account_id, key_ref=key_ref).first()
    if prefix != _PREFIX or row is None:
        raise SecretUnavailable("the data key of this secret does not exist (destroyed?)")
    try:
        plain = crypto.decrypt(_unwrap(row), blob, _aad(account_id, key_ref, purpose))
    except crypto.InvalidTag:
        raise SecretUnavailable("the sealed secret does not match its key") from None
    return plain.decode()


def destroy_account_key(account_id: int) -> bool:
    """Destroy the account's data key: everything sealed with it becomes unreadable for good.

    The wrapped key is overwritten before the row is deleted so that no readable copy stays in
    the live table. Returns whether there was a key.
    """
    with transaction.atomic(using=KEYSTORE_DB):
        rows = DataKey.objects.select_for_update().filter(account_id=account_id)
        found = rows.update(wrapped=random_secrets.token_bytes(60), master_key_id="destroyed")
        rows.delete()
    if found:
        log.info("destroyed the data key of account %d", account_id)
    return bool(found)


@dataclass(frozen=True)
class RotationResult:
    rewrapped: int
    current: int
    master_key_id: str


def rotate() -> RotationResult:
    """Re-wrap every data key not yet under the current master key, one row per transaction.

    The data keys themselves do not change, so sealed secrets stay valid and the app keeps
    running: processes that still know only the old key pick up the new one from the key
    sources when they meet it (see `_master_for`).
    """
    current = keyring().current
    rewrapped = 0
    for pk in DataKey.objects.exclude(master_key_id=current.key_id).values_list("pk", flat=True):
        with transaction.atomic(using=KEYSTORE_DB):
            row = DataKey.objects.select_for_update().get(pk=pk)
            data_key = _unwrap(row)
            row.wrapped = crypto.encrypt(current.secret, data_key, _wrap_aad(row))
            row.master_key_id = current.key_id
            row.rewrapped_at = timezone.now()
            row.save(update_fields=["wrapped", "master_key_id", "rewrapped_at"])
            rewrapped += 1
    total = DataKey.objects.count()
    return RotationResult(rewrapped, total, current.key_id)


def verify_keyring() -> None:
    """The start-up check: every data key must unwrap with a configured master key.

    Raises ImproperlyConfigured with what to do; the app must not run with secrets it cannot
    read. A keystore database that is not migrated yet holds no keys and passes.
    """
    ring = keyring()
    try:
        ids = set(DataKey.objects.values_list("master_key_id", flat=True).distinct())
    except DatabaseError:
        return
    unknown = ids - ring.key_ids
    if unknown:
        hint = (
            f" The key file {ring.current_file} was created just now: restore the original one."
            if ring.generated
            else ""
        )
        raise ImproperlyConfigured(
            "Wrong master key: the keystore holds data keys wrapped by master key "
            f"{', '.join(sorted(unknown))}, but the configured key is {ring.current.key_id}."
            f"{hint} Set REPLYTIME_MASTER_KEY or REPLYTIME_MASTER_KEY_FILE to the key in use."
        )
    for key_id in ids:
        row = DataKey.objects.filter(master_key_id=key_id).first()
        if row is not None:
            _unwrap(row)
