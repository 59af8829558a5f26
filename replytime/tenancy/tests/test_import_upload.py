"""Uploading a mail file: stored, imported in the background with the CLI's code, deleted."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from replytime.ingestion.models import Record
from replytime.tenancy.models import AuditEvent, Upload
from replytime.testing import Personas

MESSAGES = [
    ("bob@client.com", "ann@acme.com", "Mon, 02 Mar 2026 10:00:00 +0000", "m1@client.com", ""),
    (
        "ann@acme.com",
        "bob@client.com",
        "Mon, 02 Mar 2026 10:30:00 +0000",
        "m2@acme.com",
        "m1@client.com",
    ),
]


def message(frm: str, to: str, date: str, msgid: str, reply_to: str) -> str:
    reply = f"In-Reply-To: <{reply_to}>\n" if reply_to else ""
    return (
        f"From: {frm}\nTo: {to}\nSubject: Prices\nDate: {date}\nMessage-ID: <{msgid}>\n"
        f"{reply}\nThe body, which replytime never keeps.\n"
    )


def mbox() -> bytes:
    parts = [f"From {m[0]} Mon Mar  2 10:00:00 2026\n{message(*m)}\n" for m in MESSAGES]
    return "".join(parts).encode()


def eml_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for n, m in enumerate(MESSAGES):
            archive.writestr(f"mail/{n}.eml", message(*m))
    return buffer.getvalue()


def upload(client: Client, people: Personas, name: str, content: bytes, **extra: Any) -> Any:
    data = {"mailbox": people.ann.pk, "file": SimpleUploadedFile(name, content), "fmt": "auto"}
    return client.post(reverse("rt-settings-import", args=["acme"]), {**data, **extra})


@pytest.mark.django_db
def test_an_uploaded_mbox_is_imported_and_deleted(
    people: Personas, owner: Client, settings: Any
) -> None:
    assert upload(owner, people, "inbox.mbox", mbox()).status_code == 302
    done = Upload.objects.get()
    assert done.status == Upload.Status.DONE and done.stored_path == ""
    assert (done.import_run.read, done.import_run.stored) == (2, 2)
    assert Record.objects.filter(mailbox=people.ann).count() == 2
    assert list(Path(settings.DATA_DIR, "uploads").iterdir()) == []  # the file is gone
    event = AuditEvent.objects.get(action="import_started")
    assert event.detail == {"mailbox": "ann@acme.com", "file": "inbox.mbox", "size": len(mbox())}
    page = owner.get(reverse("rt-settings-import", args=["acme"])).content.decode()
    assert "inbox.mbox" in page and "Done" in page and "hx-trigger" not in page


@pytest.mark.django_db
def test_uploading_the_same_file_again_stores_nothing_twice(
    people: Personas, owner: Client
) -> None:
    upload(owner, people, "inbox.mbox", mbox())
    upload(owner, people, "inbox.mbox", mbox())
    second = Upload.objects.order_by("-id").first()
    assert (second.import_run.stored, second.import_run.duplicates) == (0, 2)
    assert Record.objects.count() == 2


@pytest.mark.django_db
def test_a_zip_of_eml_files_is_unpacked(people: Personas, owner: Client) -> None:
    upload(owner, people, "export.zip", eml_zip())
    done = Upload.objects.get()
    assert done.status == Upload.Status.DONE and done.import_run.stored == 2


@pytest.mark.django_db
def test_a_broken_zip_fails_with_a_message(people: Personas, owner: Client) -> None:
    upload(owner, people, "export.zip", b"not a zip at all")
    failed = Upload.objects.get()
    assert failed.status == Upload.Status.FAILED
    assert "not a zip file" in failed.error


@pytest.mark.django_db
def test_a_zip_cannot_write_outside_its_folder(
    people: Personas, owner: Client, settings: Any
) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../../escape.eml", message(*MESSAGES[0]))
    upload(owner, people, "evil.zip", buffer.getvalue())
    assert Upload.objects.get().status == Upload.Status.FAILED
    assert not any(Path(settings.DATA_DIR).rglob("escape.eml"))


@pytest.mark.django_db
def test_the_progress_fragment_polls_until_the_import_is_done(
    people: Personas, owner: Client
) -> None:
    waiting = Upload.objects.create(account=people.acme, mailbox=people.ann, file_name="big.mbox")
    url = reverse("rt-settings-upload", args=["acme", waiting.public_id])
    fragment = owner.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 2s"' in fragment and "Waiting for the worker" in fragment
    assert "<html" not in fragment
    waiting.status = Upload.Status.DONE
    waiting.save()
    assert "hx-trigger" not in owner.get(url).content.decode()


@pytest.mark.django_db
def test_uploads_are_limited_in_size(people: Personas, owner: Client, settings: Any) -> None:
    settings.REPLYTIME_UPLOAD_MAX_MB = 0
    response = upload(owner, people, "inbox.mbox", mbox())
    assert b"larger than 0 MB" in response.content
    assert not Upload.objects.exists()


@pytest.mark.django_db
def test_only_mailboxes_of_the_account_can_be_chosen(people: Personas, owner: Client) -> None:
    response = upload(owner, people, "inbox.mbox", mbox(), mailbox=people.gus.pk)
    assert b"Select a valid choice" in response.content
