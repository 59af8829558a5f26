"""The keystore: sealed secrets, separate databases, rotation, destruction, start-up checks."""

from __future__ import annotations

import base64
import io
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connections

from replytime.keystore import services
from replytime.keystore.master import Keyring, generate_key_text, load_keyring, parse_key
from replytime.keystore.models import DataKey
from replytime.mailboxes.models import MailboxConnection
from replytime.mailboxes.sync.connections import save_connection
from replytime.testing import make_account, make_mailbox

BOTH = ["default", "keystore"]
PASSWORD = "Correct-Horse-7781-battery"
TOKEN = "ya29.oauth-token-ZZQ-4411"


def ring(*texts: str) -> Keyring:
    keys = [parse_key(t, "test") for t in texts]
    return Keyring(keys[0], tuple(keys[1:]))


def dump(alias: str) -> str:
    """Every row of every table of one database, as text (what a backup would hold)."""
    out = io.StringIO()
    call_command("dumpdata", database=alias, stdout=out)
    with connections[alias].cursor() as cursor:
        for table in connections[alias].introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connections[alias].ops.quote_name(table)}")
            for row in cursor.fetchall():
                out.write(repr(row))
    return out.getvalue()


@pytest.mark.django_db(databases=BOTH)
def test_it_seals_and_unseals_bound_to_account_and_purpose() -> None:
    token = services.seal(7, PASSWORD, purpose="mailbox:a")
    assert PASSWORD not in token
    assert services.unseal(7, token, purpose="mailbox:a") == PASSWORD
    with pytest.raises(services.SecretUnavailable):
        services.unseal(7, token, purpose="mailbox:b")
    with pytest.raises(services.SecretUnavailable):
        services.unseal(8, token, purpose="mailbox:a")
    assert DataKey.objects.using("keystore").count() == 1


@pytest.mark.django_db(databases=BOTH)
def test_no_database_holds_a_secret_and_the_main_one_alone_decrypts_nothing() -> None:
    account = make_account()
    mailbox = make_mailbox(account)
    secrets = {"password": PASSWORD, "oauth2_token": TOKEN}
    save_connection(mailbox, "imap", {"host": "imap.example.com", "user": "ann"}, secrets)
    main, keystore = dump("default"), dump("keystore")
    row = DataKey.objects.get(account_id=account.pk)
    data_key = services._unwrap(row)
    master = services.keyring().current.secret
    for secret in (PASSWORD, TOKEN):
        for text in (main, keystore):
            assert secret not in text
            assert base64.b64encode(secret.encode()).decode() not in text
    for key in (data_key, master):
        for encoded in (key.hex(), base64.b64encode(key).decode(), repr(key)):
            assert encoded not in main
    for encoded in (master.hex(), base64.b64encode(master).decode(), repr(master)):
        assert encoded not in keystore
    # The keystore app's tables exist only in the keystore database, and vice versa.
    assert "keystore_datakey" not in connections["default"].introspection.table_names()
    assert "mailboxes_mailbox" not in connections["keystore"].introspection.table_names()
    # With the main database alone (no keystore rows), nothing decrypts.
    sealed = MailboxConnection.objects.get(mailbox=mailbox).secrets
    DataKey.objects.all().delete()
    with pytest.raises(services.SecretUnavailable):
        services.unseal(account.pk, sealed, purpose=f"mailbox:{mailbox.public_id}")


@pytest.mark.django_db(databases=BOTH)
def test_rotation_rewraps_data_keys_under_the_new_master_key(settings: object) -> None:
    old, new = generate_key_text(), generate_key_text()
    settings.REPLYTIME_KEYRING = ring(old)  # type: ignore[attr-defined]
    token = services.seal(1, PASSWORD, purpose="p")
    services.seal(2, PASSWORD, purpose="p")
    settings.REPLYTIME_KEYRING = ring(new, old)  # type: ignore[attr-defined]
    out = io.StringIO()
    call_command("keys", "rotate", stdout=out)
    assert "re-wrapped 2 data key(s)" in out.getvalue()
    settings.REPLYTIME_KEYRING = ring(new)  # type: ignore[attr-defined]
    services.verify_keyring()
    assert services.unseal(1, token, purpose="p") == PASSWORD
    settings.REPLYTIME_KEYRING = ring(old)  # type: ignore[attr-defined]
    with pytest.raises(ImproperlyConfigured, match="Wrong master key"):
        services.verify_keyring()


@pytest.mark.django_db(databases=BOTH)
def test_rotate_generate_replaces_the_embedded_key_file(
    settings: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.DATA_DIR = tmp_path  # type: ignore[attr-defined]
    for name in ("REPLYTIME_MASTER_KEY", "REPLYTIME_MASTER_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)
    settings.REPLYTIME_KEYRING = load_keyring(tmp_path)  # type: ignore[attr-defined]
    before = (tmp_path / "master.key").read_text()
    token = services.seal(1, PASSWORD, purpose="p")
    call_command("keys", "rotate", "--generate", stdout=io.StringIO())
    assert (tmp_path / "master.key").read_text() != before
    assert not (tmp_path / "master.key.previous").exists()
    settings.REPLYTIME_KEYRING = load_keyring(tmp_path)  # type: ignore[attr-defined]
    assert services.unseal(1, token, purpose="p") == PASSWORD


@pytest.mark.django_db(databases=BOTH)
def test_deleting_an_account_destroys_its_data_key_first() -> None:
    account = make_account()
    token = services.seal(account.pk, PASSWORD, purpose="p")
    account_id = account.pk
    account.delete()
    assert not DataKey.objects.filter(account_id=account_id).exists()
    with pytest.raises(services.SecretUnavailable):
        services.unseal(account_id, token, purpose="p")


def test_the_embedded_default_generates_a_private_key_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REPLYTIME_MASTER_KEY", raising=False)
    monkeypatch.delenv("REPLYTIME_MASTER_KEY_FILE", raising=False)
    keyring = load_keyring(tmp_path)
    assert keyring.generated
    mode = stat.S_IMODE((tmp_path / "master.key").stat().st_mode)
    assert mode == 0o600
    assert load_keyring(tmp_path).current == keyring.current  # kept on the next start


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"REPLYTIME_MASTER_KEY": "too-short"}, "is not valid"),
        ({"REPLYTIME_MASTER_KEY_FILE": "/nonexistent/master.key"}, "cannot be read"),
    ],
)
def test_a_missing_or_malformed_key_is_refused(
    env: dict[str, str], message: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("REPLYTIME_MASTER_KEY", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=message):
        load_keyring(tmp_path)


def _replytime(data: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "REPLYTIME_DATA": str(data), "DATABASE_URL": "",
            "KEYSTORE_DATABASE_URL": "", **env}  # fmt: skip
    full.pop("REPLYTIME_MASTER_KEY", None)
    full.update(env)
    return subprocess.run(
        [sys.executable, "-m", "replytime", *args], env=full, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip


@pytest.mark.slow
def test_the_app_stops_at_start_with_a_wrong_or_missing_key(tmp_path: Path) -> None:
    setup = "from replytime.keystore.services import seal; seal(1, 'x', purpose='p')"
    first = _replytime(tmp_path, "shell", "-c", setup)
    assert first.returncode == 0, first.stderr
    wrong = _replytime(tmp_path, "keys", "check", REPLYTIME_MASTER_KEY=generate_key_text())
    assert wrong.returncode != 0
    assert "Wrong master key" in wrong.stderr
    (tmp_path / "master.key").unlink()
    lost = _replytime(tmp_path, "worker", "--batch")
    assert lost.returncode != 0
    assert "restore the original one" in lost.stderr
    missing = _replytime(tmp_path, "sync", "x", REPLYTIME_MASTER_KEY_FILE=str(tmp_path / "nope"))
    assert missing.returncode != 0
    assert "cannot be read" in missing.stderr
